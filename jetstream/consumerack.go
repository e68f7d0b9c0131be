package jetstream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/petrelmq/petrel/server"
)

// The ack subject of a delivery (ADR-15) is
//
//	$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>
//
// and the payload of the message sent to it says what the client did.
const (
	ackAck      = "+ACK"
	ackNak      = "-NAK"
	ackProgress = "+WPI"
	ackNext     = "+NXT"
	ackTerm     = "+TERM"
)

// ackBase is the start of the consumer's ack subjects, through the dot
// before the delivery count.
func ackBase(stream, consumer string) string {
	return ackPrefix + stream + "." + consumer + "."
}

// ackReply builds the ack subject of one delivery (one allocation: the
// string).
func (c *consumer) ackReply(dc, sseq, dseq uint64, ts int64, pending uint64) string {
	var buf [160]byte
	b := append(buf[:0], c.ackBase...)
	b = strconv.AppendUint(b, dc, 10)
	for _, n := range [...]uint64{sseq, dseq, uint64(ts), pending} {
		b = append(b, '.')
		b = strconv.AppendUint(b, n, 10)
	}
	return string(b)
}

// parseAckSubject returns the stream and consumer sequences of an ack
// subject of this consumer.
func (c *consumer) parseAckSubject(subj string) (sseq, dseq uint64, ok bool) {
	rest, found := strings.CutPrefix(subj, c.ackBase)
	if !found {
		return 0, 0, false
	}
	var toks [5]string
	for i := range toks {
		var more bool
		toks[i], rest, more = strings.Cut(rest, ".")
		if more != (i < len(toks)-1) {
			return 0, 0, false
		}
	}
	sseq, err1 := strconv.ParseUint(toks[1], 10, 64)
	dseq, err2 := strconv.ParseUint(toks[2], 10, 64)
	// No delivery has sequence 0: such a subject is not one we sent.
	return sseq, dseq, err1 == nil && err2 == nil && sseq > 0 && dseq > 0
}

// onAck handles a message on the consumer's ack subjects.
func (c *consumer) onAck(m *server.Msg) {
	sseq, dseq, ok := c.parseAckSubject(m.Subject)
	if !ok {
		return
	}
	kind, arg := splitAck(m.Data)
	now := time.Now()
	var acked []uint64
	var sample *ackSample
	c.mu.Lock()
	c.mu.lastActive = now
	if kind == ackAck || kind == ackNext {
		sample = c.sampleLocked(sseq, dseq, now)
	}
	switch kind {
	case ackAck:
		acked = c.ackLocked(sseq)
		c.mu.lastAck = now
	case ackNak:
		c.nakLocked(sseq, parseNakDelay(arg), now)
	case ackProgress:
		c.progressLocked(sseq, now)
	case ackNext:
		acked = c.ackLocked(sseq)
		c.mu.lastAck = now
	case ackTerm:
		acked = c.ackLocked(sseq)
		c.mu.lastAck = now
	default:
		c.mu.Unlock()
		return
	}
	if len(acked) > 0 && c.persist != nil && c.st.config().Retention != RetentionLimits {
		// Removed after the state holding these acks is stored: see
		// retention.go.
		c.persist.released = append(c.persist.released, acked...)
		acked = nil
	}
	syncReply := m.Reply != "" && kind != ackNext
	stored := c.persist == nil
	if syncReply && !stored {
		c.mu.waiters = append(c.mu.waiters, m.Reply)
		c.persist.hasten()
	}
	c.markDirtyLocked()
	c.mu.Unlock()
	c.signal()
	if kind == ackTerm {
		c.advisoryTerminated(sseq, dseq, arg)
	}
	if sample != nil {
		c.sendAdvisory(metricAckPrefix+c.st.name+"."+c.name, sample)
	}
	if syncReply && stored {
		c.publish(outMsg{route: m.Reply})
	}
	if kind == ackNext && m.Reply != "" {
		c.addRequest(m.Reply, bytes.TrimSpace(arg))
	}
	if len(acked) > 0 {
		c.st.afterAcks(c, acked)
	}
}

// splitAck separates the ack kind from its argument; an empty payload
// is an ack.
func splitAck(data []byte) (kind string, arg []byte) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return ackAck, nil
	}
	k, a, _ := bytes.Cut(data, []byte{' '})
	return string(k), a
}

// parseNakDelay reads the optional {"delay": ns} of a -NAK.
func parseNakDelay(arg []byte) time.Duration {
	arg = bytes.TrimSpace(arg)
	if len(arg) == 0 {
		return 0
	}
	var req struct {
		Delay time.Duration `json:"delay"`
	}
	if json.Unmarshal(arg, &req) != nil {
		return 0
	}
	return max(req.Delay, 0)
}

// ackLocked acknowledges sseq (and, with ack all, everything before it)
// and returns the stream sequences it removed from pending.
func (c *consumer) ackLocked(sseq uint64) []uint64 {
	switch c.config().AckPolicy {
	case AckExplicit:
		if _, ok := c.mu.pending[sseq]; !ok {
			return nil
		}
		delete(c.mu.pending, sseq)
		c.advanceFloorLocked()
		return []uint64{sseq}
	case AckAll:
		var acked []uint64
		for _, seq := range c.mu.order {
			if seq > sseq {
				break
			}
			if _, ok := c.mu.pending[seq]; ok {
				delete(c.mu.pending, seq)
				acked = append(acked, seq)
			}
		}
		c.advanceFloorLocked()
		return acked
	}
	return nil
}

// nakLocked makes sseq due again after delay (at once when 0).
func (c *consumer) nakLocked(sseq uint64, delay time.Duration, now time.Time) {
	p, ok := c.mu.pending[sseq]
	if !ok {
		return
	}
	if delay > 0 {
		p.deadline = now.Add(delay).UnixNano()
		c.scheduleLocked(p.deadline)
		return
	}
	c.queueRedeliveryLocked(sseq, p)
}

// progressLocked restarts the ack wait of sseq.
func (c *consumer) progressLocked(sseq uint64, now time.Time) {
	if p, ok := c.mu.pending[sseq]; ok && !p.queued {
		p.deadline = now.Add(c.ackWaitFor(p.count)).UnixNano()
	}
}

// advanceFloorLocked moves the ack floor up to just below the oldest
// pending message, or to the last delivered one when none is pending.
func (c *consumer) advanceFloorLocked() {
	for len(c.mu.order) > 0 {
		if _, ok := c.mu.pending[c.mu.order[0]]; ok {
			break
		}
		c.mu.order = c.mu.order[1:]
	}
	if len(c.mu.order) == 0 {
		c.mu.order = nil
		c.mu.ackFloor = c.mu.delivered
		return
	}
	seq := c.mu.order[0]
	c.mu.ackFloor = seqPair{Consumer: c.mu.pending[seq].dseq - 1, Stream: seq - 1}
}

// ackedBy reports whether the consumer is done with sseq: delivered and
// acknowledged (or never to be delivered: below its start).
func (c *consumer) ackedBy(sseq uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sseq >= c.mu.next || (len(c.mu.lps) > 0 && sseq >= c.mu.lps[0]) {
		return false
	}
	_, pending := c.mu.pending[sseq]
	return !pending
}

// markDirtyLocked notes that the stored state is behind and wakes the
// persister.
func (c *consumer) markDirtyLocked() {
	if c.persist == nil {
		return
	}
	c.mu.dirty = true
	c.persist.kick()
}
