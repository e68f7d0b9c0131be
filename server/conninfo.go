package server

import (
	"sort"
	"sync"
	"time"
)

// ConnInfo describes one client connection as monitoring shows it.
type ConnInfo struct {
	CID          uint64
	IP           string
	Port         int
	Start        time.Time
	LastActivity time.Time
	Stop         time.Time // zero while open
	Reason       string    // why it closed; empty while open
	RTT          time.Duration
	Name         string
	Lang         string
	Version      string
	Account      string
	PendingBytes int64
	InMsgs       int64
	OutMsgs      int64
	InBytes      int64
	OutBytes     int64
	NumSubs      int
	Subs         []SubInfo
}

// SubInfo describes one subscription of a connection.
type SubInfo struct {
	Subject string
	Queue   string
	SID     string
	Msgs    int64
	Max     int64
}

func (c *client) snapshot(reason ClosedReason, numSubs int) ConnInfo {
	ci := c.info(false)
	ci.Stop = time.Now()
	ci.Reason = reason.String()
	ci.NumSubs = numSubs
	return ci
}

// info reads the connection's current state.
func (c *client) info(withSubs bool) ConnInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci := ConnInfo{
		CID:          c.cid,
		IP:           c.host,
		Port:         c.port,
		Start:        c.start,
		LastActivity: time.Unix(0, c.lastActivity.Load()),
		RTT:          time.Duration(c.rtt.Load()),
		Name:         c.opts.Name,
		Lang:         c.opts.Lang,
		Version:      c.opts.Version,
		Account:      c.acc.Name,
		PendingBytes: c.mu.pending,
		InMsgs:       c.inMsgs.Load(),
		OutMsgs:      c.mu.outMsgs,
		InBytes:      c.inBytes.Load(),
		OutBytes:     c.mu.outBytes,
		NumSubs:      len(c.mu.subs),
	}
	if withSubs {
		for sid, s := range c.mu.subs {
			ci.Subs = append(ci.Subs, SubInfo{Subject: s.subject, Queue: s.queue, SID: sid, Msgs: s.count.Load(), Max: s.max.Load()})
		}
		sort.Slice(ci.Subs, func(i, j int) bool { return ci.Subs[i].SID < ci.Subs[j].SID })
	}
	return ci
}

// Connections returns the open connections, ordered by cid.
func (s *Server) Connections(withSubs bool) []ConnInfo {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	out := make([]ConnInfo, 0, len(clients))
	for _, c := range clients {
		out = append(out, c.info(withSubs))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CID < out[j].CID })
	return out
}

// ClosedConnections returns the most recently closed connections, oldest first.
func (s *Server) ClosedConnections() []ConnInfo { return s.closed.list() }

// closedRing keeps the last n closed connections.
type closedRing struct {
	mu struct {
		sync.Mutex
		buf  []ConnInfo
		next int
		full bool
	}
}

func newClosedRing(n int) *closedRing {
	r := &closedRing{}
	r.mu.buf = make([]ConnInfo, n)
	return r
}

func (r *closedRing) add(ci ConnInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.buf[r.mu.next] = ci
	r.mu.next = (r.mu.next + 1) % len(r.mu.buf)
	if r.mu.next == 0 {
		r.mu.full = true
	}
}

func (r *closedRing) list() []ConnInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.mu.full {
		return append([]ConnInfo(nil), r.mu.buf[:r.mu.next]...)
	}
	out := append([]ConnInfo(nil), r.mu.buf[r.mu.next:]...)
	return append(out, r.mu.buf[:r.mu.next]...)
}

// Stats are the server-wide counters.
type Stats struct {
	InMsgs, OutMsgs, InBytes, OutBytes int64
	SlowConsumers                      int64
	TotalConnections                   int64
	Connections                        int
	Subscriptions                      int
}

// Stats reads the server-wide counters.
func (s *Server) Stats() Stats {
	st := Stats{
		InMsgs:           s.stats.inMsgs.Load(),
		OutMsgs:          s.stats.outMsgs.Load(),
		InBytes:          s.stats.inBytes.Load(),
		OutBytes:         s.stats.outBytes.Load(),
		SlowConsumers:    s.stats.slowConsumers.Load(),
		TotalConnections: s.stats.totalConns.Load(),
		Connections:      s.NumClients(),
	}
	for _, a := range s.accounts.all() {
		st.Subscriptions += a.sl.Count()
	}
	return st
}
