package server

import (
	"sync/atomic"

	"github.com/petrelmq/petrel/internal/subject"
)

// subscription is one interest in a subject filter: a client's SUB, or an
// in-process handler (inproc set). max > 0 ends it after that many
// deliveries (UNSUB with a count).
type subscription struct {
	client  *client
	inproc  *InprocSub
	subject string
	queue   string
	sid     []byte
	max     atomic.Int64
	count   atomic.Int64
	shadow  *shadowOf // set on a stream import's shadow (shadow.go)
}

// subscribe adds a client subscription.
func (c *client) subscribe(subj, queue string, sid []byte) error {
	if !subject.ValidFilter(subj) || !validQueue(queue) {
		return &clientError{Text: errInvalidSubject}
	}
	if err := c.checkSubscribe(subj, queue); err != nil {
		return err
	}
	sub := &subscription{client: c, subject: subj, queue: queue, sid: append([]byte(nil), sid...)}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return nil
	}
	if _, dup := c.mu.subs[string(sid)]; dup {
		c.mu.Unlock()
		return nil
	}
	if max := c.srv.options().MaxSubs; max > 0 && len(c.mu.subs) >= max {
		c.mu.Unlock()
		c.srv.log.Warnf("Client %d: %s", c.cid, errMaxSubs)
		return &clientError{Text: errMaxSubs}
	}
	c.mu.subs[string(sid)] = sub
	c.mu.Unlock()
	if err := c.acc.insertSub(subj, queue, sub); err != nil {
		return err
	}
	// A reload may have narrowed the permissions since the check above,
	// and looked at the client's subscriptions before this one was
	// listed: whichever of the two sees the other removes it.
	if !c.perms.Load().mayHold(sub) {
		c.revoke(sub)
		c.acc.removeSub(sub) // when the reload dropped it before the insert
	}
	return nil
}

// validQueue: a queue group name is one token of printable characters.
func validQueue(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] <= ' ' || q[i] == 0x7f {
			return false
		}
	}
	return true
}

// unsubscribe removes a subscription now, or after max deliveries in all.
func (c *client) unsubscribe(sid []byte, max int64) {
	c.mu.Lock()
	sub, ok := c.mu.subs[string(sid)]
	if !ok {
		c.mu.Unlock()
		return
	}
	if max > 0 && sub.count.Load() < max {
		sub.max.Store(max)
		c.mu.Unlock()
		return
	}
	delete(c.mu.subs, string(sid))
	c.mu.Unlock()
	c.acc.removeSub(sub)
}

// expire removes a subscription that reached its delivery count.
func (sub *subscription) expire() {
	if sub.inproc != nil {
		sub.inproc.Unsubscribe()
		return
	}
	sub.client.drop(sub)
}

// drop removes sub from its client, unless it is gone already; it
// reports whether it removed it.
func (c *client) drop(sub *subscription) bool {
	c.mu.Lock()
	if c.mu.subs[string(sub.sid)] != sub {
		c.mu.Unlock()
		return false
	}
	delete(c.mu.subs, string(sub.sid))
	c.mu.Unlock()
	c.acc.removeSub(sub)
	return true
}
