package server

import (
	"math/rand/v2"
	"time"
	"unsafe"

	"github.com/petrelmq/petrel/internal/wire"
)

var crlf = []byte("\r\n")

// noRespondersHdr is the status a requester gets when nobody listens, with
// the subject it published to, as nats-server sends it.
func noRespondersHdr(subj []byte) []byte {
	h := wire.AppendStatusLine(make([]byte, 0, 48+len(subj)), 503, "")
	return wire.AppendHeaderEnd(wire.AppendHeader(h, "Nats-Subject", bytesToString(subj)))
}

// delivery is one message on its way to subscribers: the subject and
// reply they see, the headers and payload, and who sends it. from is the
// publishing client (nil for in-process publishers): its echo setting,
// no-responders request and stall apply. Receivers are woken at once, or,
// when flush is set, collected there for the publisher to wake together
// once its read (or batch) is done.
type delivery struct {
	from        *client
	flush       map[*client]struct{}
	subj, reply []byte
	hdrLen      int
	msg         []byte
	trace       *msgTrace // set when the message is traced (trace.go)
	// Across accounts (services.go): imports crossed so far; nested when
	// delivered for a publish in another account (which sends the no
	// responders status, if any); viaService when a service import
	// brought it, so it is not passed on to stream importers.
	hops       uint8
	nested     bool
	viaService bool
}

// deliver routes d to every subscription in acc matching route (the
// subject d is published on): each plain subscription, and one member of
// each queue group. It returns how many subscriptions received it.
func (s *Server) deliver(acc *Account, route string, d *delivery) int {
	r := acc.sl.Match(route)
	from := d.from
	n := 0
	for _, sub := range r.Plain {
		if from != nil && sub.client == from && !from.opts.Echo {
			continue
		}
		if d.trace != nil {
			d.trace.record(sub, d.subj)
			if d.trace.only {
				continue
			}
		}
		if sub.shadow != nil {
			if s.deliverShadow(sub, route, d) {
				n++
			}
		} else if s.deliverTo(sub, d) {
			n++
		}
	}
	for i := range r.Queues {
		if sub := pickMember(r.Queues[i].Members, from); sub != nil {
			if d.trace != nil {
				d.trace.record(sub, d.subj)
				if d.trace.only {
					continue
				}
			}
			if sub.shadow != nil {
				if s.deliverShadow(sub, route, d) {
					n++
				}
			} else if s.deliverTo(sub, d) {
				n++
			}
		}
	}
	if d.trace != nil {
		s.sendTrace(acc, d.trace)
		if d.trace.only {
			return n
		}
	}
	if l := acc.links; l != nil {
		n += s.deliverLinked(l, route, d)
	}
	if n == 0 && !d.nested && len(d.reply) > 0 && from != nil && from.opts.NoResponders && from.opts.Headers {
		s.noResponders(acc, from, d.subj, d.reply)
	}
	return n
}

// bytesToString views b as a string without copying. The sublist copies
// any subject it keeps, so the view never outlives the call.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// pickMember chooses a queue group member at random, skipping the
// publisher itself when it asked for no echo.
func pickMember(members []*subscription, from *client) *subscription {
	n := len(members)
	if n == 0 {
		return nil
	}
	start := rand.IntN(n)
	for i := 0; i < n; i++ {
		sub := members[(start+i)%n]
		if from == nil || sub.client != from || from.opts.Echo {
			return sub
		}
	}
	return nil
}

// deliverTo hands the message to one subscription, honouring its
// delivery limit.
func (s *Server) deliverTo(sub *subscription, d *delivery) bool {
	if max := sub.max.Load(); max > 0 {
		n := sub.count.Add(1)
		if n > max {
			return false
		}
		if n == max {
			defer sub.expire()
		}
	} else {
		sub.count.Add(1)
	}
	if sub.inproc != nil {
		sub.inproc.deliver(d.from, d.subj, d.reply, d.hdrLen, d.msg)
	} else if !sub.client.queueMsg(sub, d) {
		return false
	}
	if from := d.from; from != nil {
		from.pass.outMsgs++
		from.pass.outBytes += int64(len(d.msg))
	} else {
		s.stats.outMsgs.Add(1)
		s.stats.outBytes.Add(int64(len(d.msg)))
	}
	return true
}

// noResponders answers a request nobody can serve with a 503 status,
// delivered to the requester's own subscriptions on the reply subject.
func (s *Server) noResponders(acc *Account, from *client, subj, reply []byte) {
	r := acc.sl.Match(bytesToString(reply))
	hdr := noRespondersHdr(subj)
	d := &delivery{from: from, flush: from.flushSet, subj: reply, hdrLen: len(hdr), msg: hdr}
	deliver := func(sub *subscription) {
		if sub.client == from {
			from.queueMsg(sub, d)
		}
	}
	for _, sub := range r.Plain {
		deliver(sub)
	}
	for _, q := range r.Queues {
		for _, sub := range q.Members {
			deliver(sub)
		}
	}
}

// queueMsg appends a MSG or HMSG for sub to the client's outbound buffer.
// A client that did not announce header support gets the payload alone.
// A client whose queue passes MaxPending is cut off as a slow consumer.
// The writer is woken now, or later through d.flush.
func (c *client) queueMsg(sub *subscription, d *delivery) bool {
	subj, reply, hdrLen, msg, from := d.subj, d.reply, d.hdrLen, d.msg, d.from
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return false
	}
	before := c.mu.out.size
	if hdrLen > 0 && c.opts.Headers {
		c.mu.scratch = wire.AppendHMsgHeader(c.mu.scratch[:0], subj, sub.sid, reply, hdrLen, len(msg))
	} else {
		msg = msg[hdrLen:]
		c.mu.scratch = wire.AppendMsgHeader(c.mu.scratch[:0], subj, sub.sid, reply, len(msg))
	}
	if len(reply) > 0 {
		if p := c.perms.Load(); p != nil && p.resp != nil {
			c.grantReplyLocked(p.resp, reply)
		}
	}
	c.mu.out.write(c.mu.scratch)
	c.mu.out.write(msg)
	c.mu.out.write(crlf)
	c.mu.pending += int64(c.mu.out.size - before)
	c.mu.outMsgs++
	c.mu.outBytes += int64(len(msg))
	pending, queued := c.mu.pending, c.mu.out.size
	stall := c.stallChan(from)
	c.mu.Unlock()
	if stall != nil {
		from.stallOn = stall
	}

	if pending > c.srv.options().MaxPending {
		c.closeConnection(SlowConsumerPendingBytes)
		return false
	}
	if d.flush == nil || queued >= flushAt {
		c.signal()
	} else {
		d.flush[c] = struct{}{}
	}
	return true
}

// stallChan returns the channel a publishing client should wait on because
// this client's queue is past the stall mark, or nil. A client whose
// current write has been blocked longer than activeWriter has stopped
// reading: it never holds publishers up, it is cut off at MaxPending.
// c.mu must be held.
func (c *client) stallChan(from *client) chan struct{} {
	if from == nil || c.mu.pending <= c.stallAt() {
		return nil
	}
	if w := c.mu.writing; w != 0 && time.Since(time.Unix(0, w)) > activeWriter {
		return nil
	}
	if c.mu.stall == nil {
		c.mu.stall = make(chan struct{})
	}
	return c.mu.stall
}
