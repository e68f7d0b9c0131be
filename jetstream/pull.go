package jetstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/server"
)

// Headers of pull status messages (ADR-13) and heartbeats (ADR-9).
const (
	hdrPendingMsgs   = "Nats-Pending-Messages"
	hdrPendingBytes  = "Nats-Pending-Bytes"
	hdrLastConsumer  = "Nats-Last-Consumer"
	hdrLastStream    = "Nats-Last-Stream"
	hdrConsumerStall = "Nats-Consumer-Stalled"
)

// nextRequest is the JSON body of $JS.API.CONSUMER.MSG.NEXT (ADR-13); a
// bare number is a batch size, an empty body a batch of one.
type nextRequest struct {
	Batch     int           `json:"batch"`
	Expires   time.Duration `json:"expires"`
	NoWait    bool          `json:"no_wait"`
	MaxBytes  int           `json:"max_bytes"`
	Heartbeat time.Duration `json:"idle_heartbeat"`
	// Priority groups (ADR-42, priority.go).
	Group         string `json:"group"`
	MinPending    int64  `json:"min_pending"`
	MinAckPending int64  `json:"min_ack_pending"`
	PinID         string `json:"id"`
	Priority      int    `json:"priority"`
}

// pullRequest is a waiting pull request.
type pullRequest struct {
	reply     string
	batch     int // messages still wanted
	maxBytes  int // as asked, 0 for no limit
	bytesLeft int
	expires   time.Time // zero: until the batch is full
	noWait    bool
	hb        time.Duration
	nextHB    time.Time
	delivered int
	prio      pullPriority
}

// parseNextRequest reads a pull request body.
func parseNextRequest(data []byte, now time.Time) (*pullRequest, error) {
	data = bytes.TrimSpace(data)
	req := nextRequest{Batch: 1}
	asked := len(data) > 0 && data[0] == '{'
	switch {
	case len(data) == 0:
	case data[0] == '{':
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, err
		}
	default:
		if n, err := strconv.Atoi(string(data)); err == nil {
			req.Batch = n
		}
	}
	if req.Heartbeat > 0 && req.Heartbeat*2 > req.Expires {
		return nil, fmt.Errorf("heartbeat value too large")
	}
	pr := &pullRequest{
		batch: max(req.Batch, 1), maxBytes: max(req.MaxBytes, 0), noWait: req.NoWait, hb: max(req.Heartbeat, 0),
	}
	pr.bytesLeft = pr.maxBytes
	pr.prio = req.priorityFields(asked)
	if req.Expires > 0 {
		pr.expires = now.Add(req.Expires)
	}
	if pr.hb > 0 {
		pr.nextHB = now.Add(pr.hb)
	}
	return pr, nil
}

// onNextRequest handles a request on the consumer's MSG.NEXT subject.
func (c *consumer) onNextRequest(m *server.Msg) {
	if m.Reply == "" {
		return
	}
	if !apiLevelSupported(m.Header) {
		c.publish(outMsg{route: m.Reply, hdr: statusHeader(412, "Required Api Level")})
		return
	}
	c.addRequest(m.Reply, m.Data)
}

// addRequest queues a pull request, or answers at once why it cannot wait.
func (c *consumer) addRequest(reply string, data []byte) {
	cfg := c.config()
	now := time.Now()
	if !cfg.isPull() {
		c.publish(outMsg{route: reply, hdr: statusHeader(409, "Consumer is push based")})
		return
	}
	req, err := parseNextRequest(data, now)
	if err != nil {
		c.publish(outMsg{route: reply, hdr: statusHeader(400, "Bad Request - "+err.Error())})
		return
	}
	if desc := cfg.requestLimitExceeded(req, now); desc != "" {
		c.publish(outMsg{route: reply, hdr: statusHeader(409, desc)})
		return
	}
	if code, desc := c.checkPriorityRequest(cfg, req, now); code != 0 {
		c.publish(outMsg{route: reply, hdr: statusHeader(code, desc)})
		return
	}
	req.reply = reply
	if hdr := c.enqueueRequest(req, now); hdr != nil {
		c.publish(outMsg{route: reply, hdr: hdr})
		return
	}
	c.signal()
}

// requestLimitExceeded checks a request against max_batch, max_expires
// and max_bytes; it returns the 409 description, or "".
func (cfg *ConsumerConfig) requestLimitExceeded(req *pullRequest, now time.Time) string {
	switch {
	case cfg.MaxRequestBatch > 0 && req.batch > cfg.MaxRequestBatch:
		return fmt.Sprintf("Exceeded MaxRequestBatch of %d", cfg.MaxRequestBatch)
	case cfg.MaxRequestExpires > 0 && !req.expires.IsZero() && req.expires.After(now.Add(cfg.MaxRequestExpires)):
		return fmt.Sprintf("Exceeded MaxRequestExpires of %v", cfg.MaxRequestExpires)
	case cfg.MaxRequestMaxBytes > 0 && req.maxBytes > cfg.MaxRequestMaxBytes:
		return fmt.Sprintf("Exceeded MaxRequestMaxBytes of %v", cfg.MaxRequestMaxBytes)
	}
	return ""
}

// enqueueRequest adds req to the waiting queue; it returns the status to
// answer instead when the queue is full or a no-wait request finds
// nothing.
func (c *consumer) enqueueRequest(req *pullRequest, now time.Time) []byte {
	cfg := c.config()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.lastActive = now
	if len(c.mu.waiting) >= cfg.MaxWaiting {
		c.dropDeadRequestsLocked(now)
	}
	if len(c.mu.waiting) >= cfg.MaxWaiting {
		if req.hb > 0 {
			return nil // the client's missed heartbeats tell it
		}
		return statusHeader(409, "Exceeded MaxWaiting")
	}
	if req.noWait && req.expires.IsZero() && c.mu.numPending+uint64(c.numRedeliverLocked()) == 0 {
		return statusHeader(404, "No Messages")
	}
	c.mu.waiting = append(c.mu.waiting, req)
	return nil
}

// numRedeliverLocked counts the messages due for redelivery.
func (c *consumer) numRedeliverLocked() int {
	n := 0
	for _, seq := range c.mu.redeliver {
		if p, ok := c.mu.pending[seq]; ok && p.queued {
			n++
		}
	}
	return n
}

// dropDeadRequestsLocked forgets expired requests and those whose
// requester is gone, without answering them.
func (c *consumer) dropDeadRequestsLocked(now time.Time) {
	keep := c.mu.waiting[:0]
	for _, req := range c.mu.waiting {
		if (req.expires.IsZero() || now.Before(req.expires)) && c.st.acc.acc.HasInterest(req.reply) {
			keep = append(keep, req)
		}
	}
	clear(c.mu.waiting[len(keep):])
	c.mu.waiting = keep
}

// expireRequestsLocked answers expired requests with 408, forgets those
// without interest and sends due heartbeats.
func (c *consumer) expireRequestsLocked(r *roundState) {
	c.expirePinsLocked(r)
	keep := c.mu.waiting[:0]
	for _, req := range c.mu.waiting {
		switch {
		case !req.expires.IsZero() && !r.now.Before(req.expires):
			r.out = append(r.out, outMsg{route: req.reply, hdr: req.pendingStatus(408, "Request Timeout")})
		case !c.st.acc.acc.HasInterest(req.reply):
		case req.hb > 0 && !r.now.Before(req.nextHB) && req.noWait && req.delivered > 0:
			// A no-wait request that got messages and is held back (by
			// max_ack_pending) ends at its heartbeat, as nats-server's
			// does: nats.py's fetch waits for that 404 to return.
			r.out = append(r.out, outMsg{route: req.reply, hdr: statusHeader(404, "No Messages")})
		default:
			if req.hb > 0 && !r.now.Before(req.nextHB) {
				r.out = append(r.out, outMsg{route: req.reply, hdr: c.heartbeatLocked("")})
				req.nextHB = r.now.Add(req.hb)
			}
			keep = append(keep, req)
		}
	}
	clear(c.mu.waiting[len(keep):])
	c.mu.waiting = keep
}

// pendingStatus is a status carrying what the request still wanted.
func (req *pullRequest) pendingStatus(code int, desc string) []byte {
	return statusHeader(code, desc,
		hdrPendingMsgs, strconv.Itoa(req.batch), hdrPendingBytes, strconv.Itoa(req.bytesLeft))
}

// heartbeatLocked is an idle heartbeat with the last delivered sequences
// and, when stalled on flow control, the reply that releases it.
func (c *consumer) heartbeatLocked(stalled string) []byte {
	kv := []string{
		hdrLastConsumer, strconv.FormatUint(c.mu.delivered.Consumer, 10),
		hdrLastStream, strconv.FormatUint(c.mu.delivered.Stream, 10),
	}
	if stalled != "" {
		kv = append(kv, hdrConsumerStall, stalled)
	}
	return statusHeader(100, "Idle Heartbeat", kv...)
}

// finishNoWaitLocked answers the no-wait requests once nothing more can
// be delivered: 404, unless one with expires has had nothing yet (it then
// waits for a message or its expiry).
func (c *consumer) finishNoWaitLocked(r *roundState) {
	keep := c.mu.waiting[:0]
	for _, req := range c.mu.waiting {
		if req.noWait && (req.expires.IsZero() || req.delivered > 0) {
			r.out = append(r.out, outMsg{route: req.reply, hdr: statusHeader(404, "No Messages")})
			continue
		}
		keep = append(keep, req)
	}
	clear(c.mu.waiting[len(keep):])
	c.mu.waiting = keep
}

// target is where the next delivery goes: a pull request's inbox or the
// deliver subject.
type target struct {
	route string
	req   *pullRequest
	// pinned: a pinned_client request, whose deliveries carry the pin
	// (assigned at its first delivery when its group has none).
	pinned bool
}

// targetLocked picks the destination of the next delivery, or nil when
// nothing may be delivered now.
func (c *consumer) targetLocked(r *roundState) *target {
	if !r.cfg.isPull() {
		return c.pushTargetLocked(r)
	}
	if len(c.mu.waiting) == 0 {
		return nil
	}
	if r.cfg.PriorityPolicy != "" {
		return c.priorityTargetLocked(r)
	}
	req := c.mu.waiting[0]
	return &target{route: req.reply, req: req}
}

// readyLocked checks that cand may go to tgt now: within the request's
// max_bytes, and at its time when replaying at the original pace.
func (c *consumer) readyLocked(r *roundState, tgt *target, cand candidate) bool {
	if req := tgt.req; req != nil && req.maxBytes > 0 {
		if size := c.deliverySizeLocked(cand, r.cfg); size > req.bytesLeft {
			r.out = append(r.out, outMsg{route: req.reply, hdr: req.pendingStatus(409, "Message Size Exceeds MaxBytes")})
			c.removeRequestLocked(req)
			r.more = true
			return false
		}
	}
	if r.cfg.ReplayPolicy == ReplayOriginal && cand.kind != redelivery {
		return c.replayReadyLocked(r, cand.msg)
	}
	return true
}

// removeRequestLocked drops req from the waiting queue.
func (c *consumer) removeRequestLocked(req *pullRequest) {
	for i, w := range c.mu.waiting {
		if w == req {
			c.mu.waiting = append(c.mu.waiting[:i], c.mu.waiting[i+1:]...)
			return
		}
	}
}

// sent accounts a delivery to its target.
func (t *target) sent(c *consumer, r *roundState, size int, m *store.Msg) {
	if t.req == nil {
		c.pushSentLocked(r, size, m)
		return
	}
	req := t.req
	if t.pinned {
		i := len(r.out) - 1 // the delivery; pinLocked may append an advisory
		id := c.pinLocked(r, req)
		r.out[i].hdr = withPinHeader(r.out[i].hdr, id)
	}
	req.batch--
	req.delivered++
	if req.maxBytes > 0 {
		req.bytesLeft -= size
	}
	if req.hb > 0 {
		req.nextHB = r.now.Add(req.hb)
	}
	if req.batch > 0 {
		return
	}
	c.removeRequestLocked(req)
	if req.maxBytes > 0 && req.bytesLeft > 0 {
		r.out = append(r.out, outMsg{route: req.reply, hdr: req.pendingStatus(409, "Batch Completed")})
	}
}
