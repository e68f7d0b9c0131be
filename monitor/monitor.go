package monitor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/server"
	"github.com/prometheus/client_golang/prometheus"
)

// shutdownGrace bounds how long Shutdown waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Options configure a Monitor. The zero value serves every endpoint with
// JetStream reported from the server's options only.
type Options struct {
	// JetStream returns the running JetStream engine, or nil while there is
	// none (not configured, or not started yet). It is called on every
	// request that needs it, so the engine may appear after the monitor
	// starts. Nil: there is never an engine.
	JetStream func() JetStream

	// Collectors are extra Prometheus collectors served on /metrics, such
	// as a package's own histograms.
	Collectors []prometheus.Collector
}

// Monitor is the HTTP monitoring server, a server.Service listening on
// the server's HTTPHost:HTTPPort. Create it with New and register it with
// server.AddService before the server starts.
type Monitor struct {
	opts    Options
	srv     *server.Server
	reg     *prometheus.Registry
	metrics http.Handler // serves reg
	store   *StoreMetrics
	reqs    map[string]*atomic.Uint64 // requests served, by endpoint path
	cpu     cpuSampler
	closing atomic.Bool

	mu struct {
		sync.Mutex
		ln   net.Listener
		http *http.Server
		done chan struct{} // closed when Serve returns
	}
}

// New builds a monitor; it listens once the server starts it.
func New(opts Options) *Monitor {
	m := &Monitor{opts: opts, reg: prometheus.NewRegistry()}
	m.reqs = make(map[string]*atomic.Uint64)
	for _, e := range endpoints() {
		m.reqs[e.path] = new(atomic.Uint64)
	}
	m.store = newStoreMetrics()
	return m
}

// Lookup finds the monitor registered with s, or nil.
func Lookup(s *server.Server) *Monitor {
	for _, svc := range s.Services() {
		if m, ok := svc.(*Monitor); ok {
			return m
		}
	}
	return nil
}

// Start listens on the server's HTTPHost:HTTPPort (RandomPort picks a
// free port) and serves in the background. It implements server.Service.
func (m *Monitor) Start(s *server.Server) error {
	m.srv = s
	if err := m.registerMetrics(); err != nil {
		return err
	}
	o := s.Options()
	addr := net.JoinHostPort(o.HTTPHost, strconv.Itoa(max(o.HTTPPort, 0)))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("monitoring listen on %s: %w", addr, err)
	}
	m.cpu.reset()
	hs := &http.Server{Handler: m.routes(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	m.mu.Lock()
	m.mu.ln, m.mu.http, m.mu.done = ln, hs, done
	m.mu.Unlock()
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger().Errorf("Monitoring server: %v", err)
		}
	}()
	s.Logger().Noticef("Starting http monitor on %s", ln.Addr())
	return nil
}

// Shutdown stops accepting requests and waits (up to 5s) for those in
// flight, which answer /healthz with 503. It implements server.Service.
func (m *Monitor) Shutdown() {
	m.closing.Store(true)
	m.mu.Lock()
	hs, done := m.mu.http, m.mu.done
	m.mu.http = nil
	m.mu.Unlock()
	if hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close()
	}
	<-done
}

// Addr is the address the monitor listens on, nil before Start.
func (m *Monitor) Addr() net.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.ln == nil {
		return nil
	}
	return m.mu.ln.Addr()
}

// URL is the monitor's base URL (http://host:port), "" before Start. A
// wildcard listen host is given as the loopback address.
func (m *Monitor) URL() string {
	addr, ok := m.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Registry is the Prometheus registry /metrics serves, for collectors that
// arrive after New.
func (m *Monitor) Registry() *prometheus.Registry { return m.reg }

// jetStream returns the running engine, or nil.
func (m *Monitor) jetStream() JetStream {
	if m.opts.JetStream == nil {
		return nil
	}
	return m.opts.JetStream()
}

// httpPort is the port actually bound, or the configured one before Start.
func (m *Monitor) httpPort() int {
	if addr, ok := m.Addr().(*net.TCPAddr); ok {
		return addr.Port
	}
	return m.srv.Options().HTTPPort
}
