package monitor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// fakeJetStream is a JetStream engine whose health the test sets.
type fakeJetStream struct {
	ready  atomic.Bool
	assets atomic.Bool // streams and consumers healthy
}

func (f *fakeJetStream) Healthz(assets bool) error {
	if !f.ready.Load() {
		return errors.New("JetStream not ready")
	}
	if assets && !f.assets.Load() {
		return errors.New(`stream "ORDERS" is recovering`)
	}
	return nil
}

func (f *fakeJetStream) JSZ(opts monitor.JSZOptions) (*monitor.JSZ, error) {
	info := &monitor.JSZ{
		Config:    monitor.JetStreamConfig{MaxMemory: 1 << 30, MaxStore: 1 << 40, StoreDir: "/data"},
		Streams:   1,
		Consumers: 1,
		Messages:  7,
		Bytes:     700,
		Total:     1,
	}
	info.Store = 700
	info.Accounts = 1
	info.API = monitor.JetStreamAPIStats{Level: 1, Total: 12, Errors: 2}
	if opts.Accounts || opts.Streams || opts.Consumers {
		sd := monitor.StreamDetail{Name: "ORDERS", State: monitor.StreamState{Msgs: 7, Bytes: 700, FirstSeq: 3, LastSeq: 9, Consumers: 1}}
		if opts.Consumers {
			sd.Consumers = []*monitor.ConsumerDetail{{Stream: "ORDERS", Name: "ship", NumPending: 4, NumAckPending: 2, NumRedelivered: 1, NumWaiting: 3}}
		}
		acc := &monitor.AccountDetail{Name: "$G", ID: "$G"}
		if opts.Streams || opts.Consumers {
			acc.Streams = []monitor.StreamDetail{sd}
		}
		info.AccountDetails = []*monitor.AccountDetail{acc}
	}
	return info, nil
}

func (f *fakeJetStream) APIRequestsByType() []monitor.APITypeStats {
	return []monitor.APITypeStats{{Type: "STREAM.INFO", Total: 10, Errors: 1}, {Type: "STREAM.CREATE", Total: 2, Errors: 1}}
}

// runWithEngine starts a JetStream-configured server whose monitor reads
// engine (nil: the engine is not running) instead of the real JetStream
// service.
func runWithEngine(t *testing.T, engine monitor.JetStream) (*server.Server, string) {
	t.Helper()
	return runWithMonitor(t, monitor.Options{JetStream: func() monitor.JetStream { return engine }})
}

// runWithMonitor starts a JetStream-configured server without the real
// JetStream service, monitored by a monitor with opts.
func runWithMonitor(t *testing.T, opts monitor.Options) (*server.Server, string) {
	t.Helper()
	s, err := server.New(&server.Options{
		Host: "127.0.0.1", Port: server.RandomPort, HTTPPort: server.RandomPort,
		JetStream: true, StoreDir: t.TempDir(), NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := monitor.New(opts)
	s.AddService(m)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s, m.URL()
}

// health fetches /healthz?query and returns the status code and document.
func health(t *testing.T, url, query string) (int, monitor.HealthStatus) {
	t.Helper()
	code, body, h := get(t, url+"/healthz?"+query)
	var hs monitor.HealthStatus
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("healthz content type %q: %s", ct, body)
	}
	if err := json.Unmarshal([]byte(body), &hs); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	return code, hs
}

func expectHealth(t *testing.T, url, query string, wantCode int, wantErr string) {
	t.Helper()
	code, hs := health(t, url, query)
	wantStatus := "ok"
	if wantCode != 200 {
		wantStatus = "unavailable"
	}
	if code != wantCode || hs.Status != wantStatus || hs.Error != wantErr {
		t.Fatalf("healthz?%s: %d %+v, want %d %q %q", query, code, hs, wantCode, wantStatus, wantErr)
	}
}

func TestHealthzThroughLameDuckAndShutdown(t *testing.T) {
	s, url := runMonitored(t, &server.Options{LameDuckGracePeriod: time.Minute})
	expectHealth(t, url, "", 200, "")
	expectHealth(t, url, "js-enabled-only=true", 200, "")
	go s.LameDuck() // waits its grace period, so /healthz stays reachable
	testutil.WaitFor(t, 5*time.Second, func() error {
		if code, hs := health(t, url, ""); code != 503 || hs.Error != "server is shutting down" {
			return fmt.Errorf("healthz %d %+v", code, hs)
		}
		return nil
	})
	s.Shutdown()
	if _, err := (&httpClient).Get(url + "/healthz"); err == nil {
		t.Fatal("monitor still answers after Shutdown")
	}
}

func TestHealthzJetStreamReadiness(t *testing.T) {
	engine := &fakeJetStream{}
	_, url := runWithEngine(t, engine)
	expectHealth(t, url, "", 503, "JetStream not ready")
	expectHealth(t, url, "js-enabled-only=true", 503, "JetStream not ready")
	expectHealth(t, url, "js-server-only=true", 200, "")

	engine.ready.Store(true)
	expectHealth(t, url, "", 503, `stream "ORDERS" is recovering`)
	expectHealth(t, url, "js-enabled-only=1", 200, "")
	engine.assets.Store(true)
	expectHealth(t, url, "", 200, "")
}

func TestHealthzWithoutJetStreamEngine(t *testing.T) {
	_, url := runWithEngine(t, nil)
	expectHealth(t, url, "", 503, "JetStream not enabled")
	expectHealth(t, url, "js-server-only=true", 200, "")
	jsz := getJSON[monitor.JSZ](t, url+"/jsz")
	if jsz.Disabled || jsz.Streams != 0 || jsz.Config.StoreDir == "" {
		t.Fatalf("jsz before the engine runs: %+v", jsz)
	}
}

func TestHealthzWithoutJetStreamHook(t *testing.T) {
	_, url := runWithMonitor(t, monitor.Options{})
	expectHealth(t, url, "", 200, "")
	v := getJSON[monitor.Varz](t, url+"/varz")
	if v.JetStream.Config == nil || v.JetStream.Config.StoreDir == "" || v.JetStream.Stats == nil {
		t.Fatalf("varz jetstream without an engine: %+v", v.JetStream)
	}
}
