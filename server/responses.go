package server

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A request that crosses a service import gets a reply subject of the
// exporting account, "_R_.<id>", which routes the responses back to the
// requester's own reply subject in its account. A singleton export's
// route goes with its first response; a stream or chunked export's lasts
// until it has been idle for the export's response threshold, as
// nats-server's do. Unanswered routes go after the threshold too.

const (
	replyPrefix = "_R_."
	// DefaultResponseThreshold is how long a route back lasts unused
	// unless its export says otherwise, nats-server's default.
	DefaultResponseThreshold = 2 * time.Minute
	sweepEvery               = 30 * time.Second
)

// response is the way back for one request.
type response struct {
	dest  *Account // the requester's account
	reply string   // the requester's reply subject there
	rt    ResponseType
	idle  int64        // nanoseconds unused after which the route goes
	last  atomic.Int64 // unix nanos of the request or the latest response
}

// responseMap holds an exporting account's open routes back.
type responseMap struct {
	mu    sync.Mutex
	m     map[string]*response
	swept time.Time
}

var replyIDs struct {
	prefix string
	n      atomic.Uint64
}

func init() {
	var b [6]byte
	rand.Read(b[:])
	replyIDs.prefix = replyPrefix + hex.EncodeToString(b[:]) + "."
}

// add opens a route back to reply in dest and returns the reply subject
// the exporter's responders see.
func (rm *responseMap) add(dest *Account, reply string, si *serviceImport) string {
	id := replyIDs.prefix + strconv.FormatUint(replyIDs.n.Add(1), 36)
	r := &response{dest: dest, reply: reply, rt: si.rt, idle: int64(si.threshold)}
	now := time.Now()
	r.last.Store(now.UnixNano())
	rm.mu.Lock()
	if rm.m == nil {
		rm.m = make(map[string]*response)
	}
	rm.m[id] = r
	if now.Sub(rm.swept) > min(sweepEvery, si.threshold) {
		rm.sweepLocked(now)
	}
	rm.mu.Unlock()
	return id
}

// sweepLocked drops the routes idle past their threshold.
func (rm *responseMap) sweepLocked(now time.Time) {
	rm.swept = now
	t := now.UnixNano()
	for id, r := range rm.m {
		if r.last.Load()+r.idle < t {
			delete(rm.m, id)
		}
	}
}

func (rm *responseMap) get(id string) *response {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.m[id]
}

func (rm *responseMap) remove(id string) {
	rm.mu.Lock()
	delete(rm.m, id)
	rm.mu.Unlock()
}

// len is the number of open routes, for tests.
func (rm *responseMap) len() int {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return len(rm.m)
}

// isReplyRoute reports whether subj is a route back (_R_.).
func isReplyRoute(subj string) bool {
	return len(subj) > len(replyPrefix) && subj[:len(replyPrefix)] == replyPrefix
}

// deliverResponse carries a response published on a route back to the
// requester. What a client sees as the subject is the requester's reply
// subject, unless the message was routed under another subject
// (PublishAs). The response's own reply passes unchanged.
func (s *Server) deliverResponse(l *links, route string, d *delivery) int {
	r := l.responses.get(route)
	if r == nil {
		return 0
	}
	d2 := *d
	d2.subj, d2.trace, d2.nested, d2.hops = []byte(r.reply), nil, true, d.hops+1
	if bytesToString(d.subj) != route {
		d2.subj = d.subj
	}
	n := s.deliver(r.dest, r.reply, &d2)
	if n == 0 || r.rt == Singleton || len(d.msg) == 0 {
		l.responses.remove(route)
	} else {
		r.last.Store(time.Now().UnixNano())
	}
	return n
}

// responseInterest reports whether the requester behind route back subj
// still listens on its reply subject.
func (l *links) responseInterest(subj string) bool {
	if !isReplyRoute(subj) {
		return false
	}
	r := l.responses.get(subj)
	return r != nil && r.dest.HasInterest(r.reply)
}
