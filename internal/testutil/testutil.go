// Package testutil starts in-process petrel servers for tests and polls
// for conditions with a deadline instead of sleeping.
package testutil

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel"
	"github.com/petrelmq/petrel/server"
)

// RunServer starts a server on a random loopback port with a temporary
// store dir, and shuts it down when the test ends. opts may be nil.
func RunServer(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	if opts == nil {
		opts = &server.Options{}
	}
	o := *opts
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = server.RandomPort
	}
	if o.StoreDir == "" {
		o.StoreDir = t.TempDir()
	}
	if o.Logger == nil && !testing.Verbose() {
		o.NoLog = true
	}
	s, err := petrel.NewServer(&o)
	if err != nil {
		t.Fatalf("petrel.NewServer: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// Connect opens a nats.go connection to s, closed when the test ends.
func Connect(t testing.TB, s *server.Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// WaitFor polls cond until it returns nil or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %v", timeout, err)
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// RawConn is a plain TCP connection speaking the protocol by hand, for
// what client libraries hide.
type RawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// DialRaw connects to s and reads its INFO line.
func DialRaw(t testing.TB, s *server.Server) *RawConn {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	rc := &RawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
	if line := rc.ReadLine(); !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("expected INFO, got %q", line)
	}
	return rc
}

// Send writes raw protocol bytes.
func (rc *RawConn) Send(s string) {
	rc.t.Helper()
	if _, err := rc.conn.Write([]byte(s)); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// ReadLine reads one CRLF-terminated line (without the CRLF), failing the
// test after 5s.
func (rc *RawConn) ReadLine() string {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := rc.r.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("read line: %v (got %q)", err, line)
	}
	return strings.TrimRight(line, "\r\n")
}

// Expect reads one line and fails unless it equals want.
func (rc *RawConn) Expect(want string) {
	rc.t.Helper()
	if got := rc.ReadLine(); got != want {
		rc.t.Fatalf("got %q, want %q", got, want)
	}
}

// ExpectClosed fails unless the server closes the connection within 5s.
func (rc *RawConn) ExpectClosed() {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := rc.r.ReadByte(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				rc.t.Fatalf("connection still open")
			}
			return
		}
	}
}

// Close closes the connection.
func (rc *RawConn) Close() { rc.conn.Close() }

// Read reads raw bytes, starting with any ReadLine left buffered; it
// fails with a timeout after 10s without data.
func (rc *RawConn) Read(p []byte) (int, error) {
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	return rc.r.Read(p)
}
