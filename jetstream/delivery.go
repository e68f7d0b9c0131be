package jetstream

import (
	"errors"
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Bounds of one round of the delivery goroutine, so the consumer's lock is
// never held for long; the goroutine goes round again at once.
const (
	maxRoundMsgs  = 256
	maxRoundBytes = 4 << 20
	idleWait      = time.Hour
)

// outMsg is a message the consumer sends once its lock is released.
type outMsg struct {
	route string // the subject it is routed by
	subj  string // the subject subscribers see; "" means route
	reply string
	hdr   []byte
	data  []byte
}

// publisher sends messages: the consumer's connection, or a batch on it.
type publisher interface {
	Publish(subj, reply string, hdr, data []byte) (int, error)
	PublishAs(route, subj, reply string, hdr, data []byte) (int, error)
}

// publish sends msgs in order on the consumer's connection.
func (c *consumer) publish(msgs ...outMsg) { c.publishOn(c.conn, msgs) }

// send publishes a round's messages in order as one burst, so each client
// receiving them is woken once, not once per message. Only the delivery
// goroutine calls it (c.out is its own).
func (c *consumer) send(msgs []outMsg) {
	if len(msgs) == 0 {
		return
	}
	c.publishOn(c.out, msgs)
	c.out.Flush()
}

func (c *consumer) publishOn(p publisher, msgs []outMsg) {
	for i := range msgs {
		m := &msgs[i]
		var err error
		if m.subj == "" || m.subj == m.route {
			_, err = p.Publish(m.route, m.reply, m.hdr, m.data)
		} else {
			_, err = p.PublishAs(m.route, m.subj, m.reply, m.hdr, m.data)
		}
		if err != nil {
			c.st.acc.svc.log.Debugf("JetStream consumer %s > %s: send to %s: %v", c.st.name, c.name, m.route, err)
		}
	}
}

// statusHeader is a header block with a status line and optional
// key/value pairs.
func statusHeader(code int, desc string, kv ...string) []byte {
	h := wire.AppendStatusLine(nil, code, desc)
	for i := 0; i+1 < len(kv); i += 2 {
		h = wire.AppendHeader(h, kv[i], kv[i+1])
	}
	return wire.AppendHeaderEnd(h)
}

// run is the delivery goroutine: it delivers whatever it can, then sleeps
// until woken (new message, ack, request) or until the next deadline.
func (c *consumer) run() {
	defer close(c.done)
	timer := time.NewTimer(idleWait)
	defer timer.Stop()
	for {
		wait, again := c.round()
		if again {
			wait = 0
		}
		timer.Reset(wait)
		select {
		case <-c.quit:
			return
		case <-c.wake:
		case <-timer.C:
		}
	}
}

// round is one pass of the delivery goroutine. It returns how long it may
// sleep, and whether it stopped early with more to do.
func (c *consumer) round() (time.Duration, bool) {
	now := time.Now()
	cfg := c.config()
	r := &roundState{now: now, cfg: cfg}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return idleWait, false
	}
	exceeded := c.scanDueLocked(now)
	if cfg.isPull() {
		c.expireRequestsLocked(r)
	}
	c.deliverLocked(r)
	if cfg.isPull() && r.eos {
		c.finishNoWaitLocked(r)
	}
	if !cfg.isPull() {
		c.pushHeartbeatLocked(r)
	}
	inactive := c.inactiveLocked(r)
	wait := c.nextWakeLocked(r)
	c.mu.Unlock()
	c.send(r.out)
	if len(exceeded) > 0 {
		c.advisoryMaxDeliver(exceeded)
	}
	if len(r.noAck) > 0 {
		c.st.afterAcks(c, r.noAck)
	}
	if inactive {
		go c.st.deleteConsumer(c)
		return idleWait, false
	}
	return wait, r.more
}

// roundState is what one round collects.
type roundState struct {
	now    time.Time
	cfg    *ConsumerConfig
	out    []outMsg
	bytes  int
	noAck  []uint64  // delivered without ack policy: done at once
	wakeAt time.Time // earliest time something becomes deliverable
	eos    bool      // stopped because nothing more can be delivered
	more   bool      // stopped at the round's bounds
}

// wakeBy notes that the round must run again by t.
func (r *roundState) wakeBy(t time.Time) {
	if r.wakeAt.IsZero() || t.Before(r.wakeAt) {
		r.wakeAt = t
	}
}

// Kinds of deliveries.
const (
	firstDelivery = iota
	lastPerSubjectDelivery
	redelivery
)

// candidate is the next message to deliver.
type candidate struct {
	msg  *store.Msg
	kind int
	p    *pendingMsg // redelivery only
}

// deliverLocked delivers messages until nothing more can go.
func (c *consumer) deliverLocked(r *roundState) {
	for n := 0; ; n++ {
		if n >= maxRoundMsgs || r.bytes >= maxRoundBytes {
			r.more = true
			return
		}
		if c.pausedLocked(r) {
			r.eos = true
			return
		}
		tgt := c.targetLocked(r)
		if tgt == nil {
			return
		}
		cand, ok := c.peekLocked()
		if !ok {
			// Held back by max_ack_pending is not the end: as nats-server
			// does, no-wait requests keep waiting for acks to make room.
			r.eos = !c.ackPendingFullLocked()
			return
		}
		if !c.readyLocked(r, tgt, cand) {
			return
		}
		c.deliverOneLocked(r, tgt, cand)
	}
}

// pausedLocked reports whether pause_until is in the future.
func (c *consumer) pausedLocked(r *roundState) bool {
	pu := r.cfg.PauseUntil
	if pu == nil || !r.now.Before(*pu) {
		return false
	}
	r.wakeBy(*pu)
	return true
}

// peekLocked finds the next message to deliver without taking it:
// redeliveries first, then (within max_ack_pending) the last-per-subject
// list, then new messages.
func (c *consumer) peekLocked() (candidate, bool) {
	for {
		seq, p, ok := c.peekRedeliveryLocked()
		if !ok {
			break
		}
		m, err := c.st.store.LoadMsg(seq)
		if err == nil {
			return candidate{msg: m, kind: redelivery, p: p}, true
		}
		delete(c.mu.pending, seq) // gone from the stream
		c.advanceFloorLocked()
	}
	if c.ackPendingFullLocked() {
		return candidate{}, false
	}
	for len(c.mu.lps) > 0 {
		m, err := c.st.store.LoadMsg(c.mu.lps[0])
		if err == nil {
			return candidate{msg: m, kind: lastPerSubjectDelivery}, true
		}
		c.mu.lps = c.mu.lps[1:]
		c.mu.numPending = max(c.mu.numPending, 1) - 1
	}
	m, err := c.peekNew(c.mu.next)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.st.acc.svc.log.Errorf("JetStream consumer %s > %s: load: %v", c.st.name, c.name, err)
		}
		return candidate{}, false
	}
	return candidate{msg: m, kind: firstDelivery}, true
}

// ackPendingFullLocked reports whether max_ack_pending holds back new
// deliveries.
func (c *consumer) ackPendingFullLocked() bool {
	cfg := c.config()
	return cfg.AckPolicy != AckNone && cfg.MaxAckPending > 0 && len(c.mu.pending) >= cfg.MaxAckPending
}

// deliverOneLocked takes cand, updates the state and queues the message
// for tgt.
func (c *consumer) deliverOneLocked(r *roundState, tgt *target, cand candidate) {
	m, cfg := cand.msg, r.cfg
	count := uint64(1)
	switch cand.kind {
	case redelivery:
		c.mu.redeliver = c.mu.redeliver[1:]
		cand.p.queued = false
		cand.p.count++
		count = cand.p.count
	case lastPerSubjectDelivery:
		c.mu.lps = c.mu.lps[1:]
		c.mu.numPending = max(c.mu.numPending, 1) - 1
	default:
		c.mu.next = m.Seq + 1
		c.mu.numPending = max(c.mu.numPending, 1) - 1
	}
	c.mu.delivered.Consumer++
	dseq := c.mu.delivered.Consumer
	if cand.kind != redelivery {
		c.mu.delivered.Stream = max(c.mu.delivered.Stream, m.Seq)
	}
	c.trackLocked(r, cand, dseq)
	reply := c.ackReply(count, m.Seq, dseq, m.Time, c.mu.numPending)
	hdr, data := deliveryBody(m, cfg)
	size := len(m.Subject) + len(reply) + len(hdr) + len(data)
	r.out = append(r.out, outMsg{route: tgt.route, subj: m.Subject, reply: reply, hdr: hdr, data: data})
	r.bytes += size
	c.mu.lastActive, c.mu.lastDelivery = r.now, r.now
	tgt.sent(c, r, size, m)
	c.markDirtyLocked()
}

// deliveryBody is the headers and payload a delivery of m carries: with
// headers_only, the headers with Nats-Msg-Size and no payload.
func deliveryBody(m *store.Msg, cfg *ConsumerConfig) (hdr, data []byte) {
	if cfg.HeadersOnly {
		return wire.AppendHeaderEnd(wire.AppendHeader(openHeader(m.Header), hdrMsgSize, strconv.Itoa(len(m.Data)))), nil
	}
	return m.Header, m.Data
}

// deliverySizeLocked is what delivering cand now counts against a pull
// request's max_bytes, as nats-server counts it: the subject, the ack
// reply deliverOneLocked will give it, the headers and the payload.
func (c *consumer) deliverySizeLocked(cand candidate, cfg *ConsumerConfig) int {
	m := cand.msg
	count, pending := uint64(1), max(c.mu.numPending, 1)-1
	if cand.kind == redelivery {
		count, pending = cand.p.count+1, c.mu.numPending
	}
	reply := c.ackReply(count, m.Seq, c.mu.delivered.Consumer+1, m.Time, pending)
	hdr, data := deliveryBody(m, cfg)
	return len(m.Subject) + len(reply) + len(hdr) + len(data)
}

// trackLocked records a delivery as pending (or as done without acks).
func (c *consumer) trackLocked(r *roundState, cand candidate, dseq uint64) {
	seq := cand.msg.Seq
	if r.cfg.AckPolicy == AckNone {
		c.mu.ackFloor = c.mu.delivered
		r.noAck = append(r.noAck, seq)
		return
	}
	p := cand.p
	if p == nil {
		p = &pendingMsg{dseq: dseq, count: 1}
		c.mu.pending[seq] = p
		c.mu.order = append(c.mu.order, seq)
	}
	p.ts = r.now.UnixNano()
	p.deadline = r.now.Add(c.ackWaitFor(p.count)).UnixNano()
	c.scheduleLocked(p.deadline)
}

// nextWakeLocked is how long the goroutine may sleep.
func (c *consumer) nextWakeLocked(r *roundState) time.Duration {
	t := r.wakeAt
	earliest := func(u time.Time) {
		if !u.IsZero() && (t.IsZero() || u.Before(t)) {
			t = u
		}
	}
	earliest(c.mu.nextScan)
	for _, req := range c.mu.waiting {
		earliest(req.expires)
		earliest(req.nextHB)
	}
	// Heartbeats go out only while someone listens (pushHeartbeatLocked),
	// so without interest their deadline stays in the past: counting it
	// would wake the goroutine again at once, forever.
	if hb := r.cfg.Heartbeat; hb > 0 && !r.cfg.isPull() && c.mu.push.interest {
		earliest(c.mu.push.lastSend.Add(hb))
	}
	if th := r.cfg.InactiveThreshold; th > 0 {
		earliest(c.mu.lastActive.Add(th))
	}
	if t.IsZero() {
		return idleWait
	}
	return max(t.Sub(r.now), 0)
}

// inactiveLocked reports whether the consumer has been without interest
// for its inactive_threshold and must be removed.
func (c *consumer) inactiveLocked(r *roundState) bool {
	th := r.cfg.InactiveThreshold
	if th <= 0 {
		return false
	}
	active := len(c.mu.waiting) > 0
	if !r.cfg.isPull() {
		active = c.mu.push.interest
	}
	if active {
		c.mu.lastActive = r.now
		return false
	}
	if r.now.Before(c.mu.lastActive.Add(th)) {
		return false
	}
	if r.cfg.isPull() {
		// The client may still be working on what it was given, without
		// a request out: as nats-server does, count the threshold from
		// the last ack deadline of what is pending.
		if due := c.lastAckDeadlineLocked(); due.After(c.mu.lastActive) {
			c.mu.lastActive = due
			return !r.now.Before(due.Add(th))
		}
	}
	return true
}

// lastAckDeadlineLocked is the latest ack deadline of the pending
// messages, zero when none is pending.
func (c *consumer) lastAckDeadlineLocked() time.Time {
	var last int64
	for _, p := range c.mu.pending {
		last = max(last, p.deadline)
	}
	if last == 0 {
		return time.Time{}
	}
	return time.Unix(0, last)
}
