package jetstream

import (
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/server"
)

// Push delivery tuning.
const (
	// A push consumer without interest on its deliver subject is woken by
	// the account when a matching subscription appears
	// (server.Account.WatchInterest). It also looks again itself, soon at
	// first (interestPollMin, doubling), then every interestPollMax as a
	// safety net. 1000 durable push consumers without subscribers took
	// 6.2% of a core polling every 100 ms; now 1.2% in their first
	// seconds and under 0.1% once backed off (the reference: 0.2%).
	interestPollMin = 2 * time.Millisecond
	interestPollMax = 30 * time.Second
	// flowControlWindow is how many bytes a flow-controlled push consumer
	// sends before it waits for the client's answer to a flow control
	// request (sent at half the window).
	flowControlWindow = 256 << 10
)

// pushState is the delivery state of a push consumer.
type pushState struct {
	interest bool          // someone listens on the deliver subject
	poll     time.Duration // interest poll interval, 0 while interest lasts
	watching string        // deliver subject watched for interest, "" if none
	unwatch  func()        // stops that watch
	lastSend time.Time     // last message or heartbeat sent
	fcReply  string        // outstanding flow control request, "" when none
	fcBytes  int           // bytes sent since the last answered request
}

// replayState paces replay_policy original.
type replayState struct {
	ts   int64     // original timestamp of the last message replayed
	wall time.Time // when it was sent
}

// rateState paces rate_limit_bps.
type rateState struct {
	next time.Time // when the next message may go
}

// pushTargetLocked returns the deliver subject when delivery may go on:
// someone listens, flow control is not stalled and the rate allows.
func (c *consumer) pushTargetLocked(r *roundState) *target {
	ps := &c.mu.push
	ps.interest = c.st.acc.acc.HasInterest(r.cfg.DeliverSubject)
	if ps.interest {
		ps.poll = 0
		c.unwatchLocked()
	}
	switch {
	case !ps.interest:
		c.watchLocked(r.cfg.DeliverSubject)
		ps.poll = min(max(2*ps.poll, interestPollMin), interestPollMax)
		r.wakeBy(r.now.Add(ps.poll))
		return nil
	case r.cfg.FlowControl && ps.fcReply != "" && ps.fcBytes >= flowControlWindow:
		return nil
	case r.cfg.RateLimit > 0 && r.now.Before(c.mu.rate.next):
		r.wakeBy(c.mu.rate.next)
		return nil
	}
	return &target{route: r.cfg.DeliverSubject}
}

// watchLocked makes a subscription to subj wake the consumer.
func (c *consumer) watchLocked(subj string) {
	ps := &c.mu.push
	if ps.watching == subj {
		return
	}
	c.unwatchLocked()
	ps.watching, ps.unwatch = subj, c.st.acc.acc.WatchInterest(subj, c.signal)
	// A subscription made between the interest check and the watch would
	// wake nobody: look once more.
	if c.st.acc.acc.HasInterest(subj) {
		c.signal()
	}
}

// unwatchLocked stops the interest watch, if any.
func (c *consumer) unwatchLocked() {
	ps := &c.mu.push
	if ps.unwatch != nil {
		ps.unwatch()
	}
	ps.watching, ps.unwatch = "", nil
}

// pushSentLocked accounts a push delivery: heartbeat timing, rate limit
// and flow control.
func (c *consumer) pushSentLocked(r *roundState, size int, _ *store.Msg) {
	ps := &c.mu.push
	ps.lastSend = r.now
	if bps := r.cfg.RateLimit; bps > 0 {
		start := c.mu.rate.next
		if start.Before(r.now) {
			start = r.now
		}
		c.mu.rate.next = start.Add(time.Duration(float64(size*8) / float64(bps) * float64(time.Second)))
	}
	if !r.cfg.FlowControl {
		return
	}
	ps.fcBytes += size
	if ps.fcReply == "" && ps.fcBytes >= flowControlWindow/2 {
		ps.fcReply = fcPrefix + c.st.name + "." + c.name + "." + generateName()
		r.out = append(r.out, outMsg{route: r.cfg.DeliverSubject, reply: ps.fcReply,
			hdr: statusHeader(100, "FlowControl Request")})
	}
}

// pushHeartbeatLocked sends an idle heartbeat when nothing went to the
// deliver subject for idle_heartbeat. The idle time counts from the first
// round, so a new consumer with nothing to send is quiet for a whole
// interval: clients (nats.py's KV watch) take anything arriving at once
// for a delivered message.
func (c *consumer) pushHeartbeatLocked(r *roundState) {
	hb := r.cfg.Heartbeat
	ps := &c.mu.push
	if hb > 0 && ps.lastSend.IsZero() {
		ps.lastSend = r.now
	}
	if hb <= 0 || !ps.interest || r.now.Before(ps.lastSend.Add(hb)) {
		return
	}
	stalled := ""
	if ps.fcReply != "" && ps.fcBytes >= flowControlWindow {
		stalled = ps.fcReply
	}
	r.out = append(r.out, outMsg{route: r.cfg.DeliverSubject, hdr: c.heartbeatLocked(stalled)})
	ps.lastSend = r.now
}

// onFlowControl handles the client's answer to a flow control request.
func (c *consumer) onFlowControl(m *server.Msg) {
	c.mu.Lock()
	if m.Subject != c.mu.push.fcReply {
		c.mu.Unlock()
		return
	}
	c.mu.push.fcReply = ""
	c.mu.push.fcBytes = 0
	c.mu.lastActive = time.Now()
	c.mu.Unlock()
	c.signal()
}

// replayReadyLocked paces replay_policy original: a message goes out the
// same time after the previous one as it was stored after it.
func (c *consumer) replayReadyLocked(r *roundState, m *store.Msg) bool {
	rs := &c.mu.replay
	if rs.ts != 0 && m.Time > rs.ts {
		due := rs.wall.Add(time.Duration(m.Time - rs.ts))
		if r.now.Before(due) {
			r.wakeBy(due)
			return false
		}
	}
	rs.ts, rs.wall = m.Time, r.now
	return true
}
