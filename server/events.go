package server

import (
	"sync"
	"sync/atomic"
)

// ClientEventKind says what happened to a client connection.
type ClientEventKind int

const (
	// ClientConnected: the client authenticated (its CONNECT was accepted).
	ClientConnected ClientEventKind = iota
	// ClientDisconnected: an authenticated client's connection closed.
	ClientDisconnected
	// ClientAuthFailed: a CONNECT failed authentication.
	ClientAuthFailed
)

// ClientEvent reports a client connection's connect, disconnect or failed
// authentication, for the system account's event subjects.
type ClientEvent struct {
	Kind ClientEventKind
	// Conn is the connection as it was; a disconnect's has Stop and
	// Reason, and its counters are final.
	Conn ConnInfo
	// User is who the client authenticated as (see Sender.User); for a
	// failed authentication, the user name it presented.
	User    string
	NameTag string
	JWT     string // the user JWT presented, if any
	Reason  string // why authentication failed (ClientAuthFailed)
}

// clientWatchers holds the callbacks of WatchClients.
type clientWatchers struct {
	n  atomic.Int32 // how many; lets the connect path skip the lock
	mu sync.Mutex
	fs map[*func(*ClientEvent)]struct{}
}

// WatchClients calls f, until the returned stop is called, for every client
// that connects, disconnects or fails authentication, on the goroutine of
// that client. f must not block.
func (s *Server) WatchClients(f func(*ClientEvent)) (stop func()) {
	w := &s.clientWatch
	key := &f
	w.mu.Lock()
	if w.fs == nil {
		w.fs = make(map[*func(*ClientEvent)]struct{})
	}
	w.fs[key] = struct{}{}
	w.n.Store(int32(len(w.fs)))
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		delete(w.fs, key)
		w.n.Store(int32(len(w.fs)))
		w.mu.Unlock()
	}
}

// notifyClient tells the watchers about ev, built only when there are any.
func (s *Server) notifyClient(build func() *ClientEvent) {
	w := &s.clientWatch
	if w.n.Load() == 0 {
		return
	}
	w.mu.Lock()
	fs := make([]func(*ClientEvent), 0, len(w.fs))
	for f := range w.fs {
		fs = append(fs, *f)
	}
	w.mu.Unlock()
	if len(fs) == 0 {
		return
	}
	ev := build()
	for _, f := range fs {
		f(ev)
	}
}

// clientEvent builds the event of kind for c, whose state is ci.
func (c *client) clientEvent(kind ClientEventKind, ci ConnInfo) *ClientEvent {
	ev := &ClientEvent{Kind: kind, Conn: ci, JWT: c.opts.JWT}
	if id := c.ident.Load(); id != nil {
		ev.User, ev.NameTag = id.user, id.nameTag
	}
	return ev
}
