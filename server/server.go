// Package server is petrel's embeddable NATS server: the client listener,
// connections speaking the NATS client protocol, accounts with their
// subscription lists, the routing of messages, and an in-process connection
// (Conn) through which JetStream and monitoring use the core like any client.
//
// Embedding:
//
//	s, err := server.New(&server.Options{Port: server.RandomPort})
//	if err != nil { ... }
//	if err := s.Start(); err != nil { ... }
//	defer s.Shutdown()
//	nc, _ := nats.Connect(s.ClientURL())
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nkeys"
	petrellog "github.com/petrelmq/petrel/internal/log"
)

// Version is petrel's own version, sent in INFO as petrel_version.
const Version = "0.1.0"

// FeatureLevel is the nats-server version whose client-visible features
// petrel implements. Clients switch features on by the version in INFO, so
// it is raised only as features land. 2.12.2: a no-wait pull request ends
// with 404, not 408, after a partial batch (client test suites expect
// 408 from 2.12.0 and 2.12.1).
const FeatureLevel = "2.12.2"

// Server is one petrel server. Create it with New, run it with Start, and
// stop it with Shutdown; it is safe for concurrent use.
type Server struct {
	opts  atomic.Pointer[Options] // effective options; Reload swaps them
	log   Logger
	id    string
	name  string
	start time.Time

	gcid     atomic.Uint64 // last client id handed out
	stats    serverStats
	accounts *accountRegistry
	auth     atomic.Pointer[authenticator] // Reload swaps it
	closed   *closedRing
	reloadMu sync.Mutex // one Reload at a time

	mu struct {
		sync.Mutex
		listener net.Listener
		clients  map[uint64]*client
		running  bool
		shutdown bool
		lameDuck bool
		info     serverInfo
	}
	ready    chan struct{} // closed once accepting
	done     chan struct{} // closed when Shutdown completes
	loops    sync.WaitGroup
	services []Service

	clientWatch clientWatchers // events.go
}

// Service is a part of the server with its own lifecycle (JetStream,
// monitoring), started after the listener and stopped before the core.
type Service interface {
	Start(s *Server) error
	Shutdown()
}

// serverStats are the message counters /varz reports.
type serverStats struct {
	inMsgs, outMsgs, inBytes, outBytes atomic.Int64
	slowConsumers                      atomic.Int64
	totalConns                         atomic.Int64
}

// New checks opts and builds a server; it does not listen yet.
func New(opts *Options) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	kp, err := nkeys.CreateServer()
	if err != nil {
		return nil, fmt.Errorf("server identity: %w", err)
	}
	id, _ := kp.PublicKey()
	s := &Server{
		id:     id,
		name:   o.ServerName,
		start:  time.Now(),
		closed: newClosedRing(1000),
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
	}
	if s.name == "" {
		s.name = id
	}
	if s.log, err = newLogger(o); err != nil {
		return nil, err
	}
	s.mu.clients = make(map[uint64]*client)
	s.accounts = newAccountRegistry(o)
	a, err := newAuthenticator(o, s.accounts)
	if err != nil {
		return nil, err
	}
	addTrustAccounts(o, a)
	a.registerAccounts()
	s.auth.Store(a)
	s.opts.Store(o)
	return s, nil
}

// addTrustAccounts declares, in operator mode, the accounts whose JWTs
// enable JetStream as configured accounts of o.
func addTrustAccounts(o *Options, a *authenticator) {
	if a.trust != nil {
		o.Accounts = append(slices.Clone(o.Accounts), a.trust.jetStreamAccounts()...)
	}
}

// options are the effective options: those given to New or to the last
// successful Reload, with defaults applied.
func (s *Server) options() *Options { return s.opts.Load() }

// authn is the authenticator of the effective options.
func (s *Server) authn() *authenticator { return s.auth.Load() }

func newLogger(o *Options) (Logger, error) {
	if o.Logger != nil {
		return o.Logger, nil
	}
	lo := petrellog.Options{Debug: o.Debug, Trace: o.Trace, NoTime: !o.Logtime, Discard: o.NoLog}
	if o.LogFile != "" {
		return petrellog.OpenFile(o.LogFile, lo)
	}
	return petrellog.New(lo), nil
}

// AddService registers a service to start with the server. Call before Start.
func (s *Server) AddService(svc Service) { s.services = append(s.services, svc) }

// Start listens for clients and starts the services. It returns once the
// server accepts connections, or with the error that prevented it.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.mu.running || s.mu.shutdown {
		s.mu.Unlock()
		return errors.New("server already started")
	}
	s.mu.running = true
	s.mu.Unlock()

	addr := net.JoinHostPort(s.options().Host, strconv.Itoa(max(s.options().Port, 0)))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.mu.Lock()
	s.mu.listener = ln
	s.mu.info = s.buildInfo(s.options(), s.authn(), ln.Addr().(*net.TCPAddr))
	s.mu.Unlock()
	s.log.Noticef("Starting petrel %s (nats feature level %s), id %s, name %s", Version, FeatureLevel, s.id, s.name)
	port := ln.Addr().(*net.TCPAddr).Port
	s.log.Noticef("Listening for client connections on %s", net.JoinHostPort(s.options().Host, strconv.Itoa(port)))

	for _, svc := range s.services {
		if err := svc.Start(s); err != nil {
			s.Shutdown()
			return err
		}
	}
	s.loops.Add(1)
	go s.acceptLoop(ln)
	close(s.ready)
	s.log.Noticef("Server is ready")
	return nil
}

// ReadyForConnections waits up to d for Start to finish.
func (s *Server) ReadyForConnections(d time.Duration) bool {
	select {
	case <-s.ready:
		return true
	case <-time.After(d):
		return false
	}
}

// Addr is the client listener's address, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.listener == nil {
		return nil
	}
	return s.mu.listener.Addr()
}

// ClientURL is the nats:// URL a local client connects to.
func (s *Server) ClientURL() string {
	addr, _ := s.Addr().(*net.TCPAddr)
	if addr == nil {
		return ""
	}
	host := s.options().Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// ID is the server's unique id (an nkey public key).
func (s *Server) ID() string { return s.id }

// Name is the server's name.
func (s *Server) Name() string { return s.name }

// Options returns the effective options (defaults applied): those of New,
// or of the last successful Reload. Do not modify.
func (s *Server) Options() *Options { return s.options() }

// Logger returns the server's logger.
func (s *Server) Logger() Logger { return s.log }

// StartTime is when the server was created.
func (s *Server) StartTime() time.Time { return s.start }

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.loops.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isShuttingDown() || errors.Is(err, net.ErrClosed) {
				return
			}
			delay = acceptBackoff(delay)
			s.log.Errorf("Accept error: %v; retrying in %v", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.createClient(nc)
	}
}

// acceptBackoff doubles the wait after a temporary accept error (such as
// running out of file descriptors), from 5ms up to 1s.
func acceptBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 5 * time.Millisecond
	}
	return min(2*d, time.Second)
}

func (s *Server) isShuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.shutdown
}

// NumClients is the number of open client connections.
func (s *Server) NumClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.clients)
}

// Shutdown closes the listener, every client and the services, and
// returns when all connection goroutines have ended. Safe to call twice.
func (s *Server) Shutdown() {
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		<-s.done
		return
	}
	s.mu.shutdown = true
	ln := s.mu.listener
	clients := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()

	if ln != nil {
		ln.Close()
	}
	for i := len(s.services) - 1; i >= 0; i-- {
		s.services[i].Shutdown()
	}
	for _, c := range clients {
		c.closeConnection(ServerShutdown)
	}
	s.loops.Wait()
	s.log.Noticef("Server exiting")
	close(s.done)
}

// WaitForShutdown blocks until Shutdown has completed.
func (s *Server) WaitForShutdown() { <-s.done }

// ShutdownContext is Shutdown bounded by ctx: it returns ctx's error if
// the server has not finished by then (the shutdown goes on).
func (s *Server) ShutdownContext(ctx context.Context) error {
	go s.Shutdown()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
