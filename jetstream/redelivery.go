package jetstream

import (
	"encoding/json"
	"slices"
	"time"
)

// Advisory subjects and types of consumer events.
const (
	advisoryMaxDeliveries   = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."
	advisoryTerminated      = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."
	typeMaxDeliverAdvisory  = "io.nats.jetstream.advisory.v1.max_deliver"
	typeTerminatedAdvisory  = "io.nats.jetstream.advisory.v1.terminated"
	maxDeliveriesScanPeriod = time.Second
)

// ackWaitFor is how long the delivery number count waits for its ack:
// the backoff entry for it (the last one past the end), else ack_wait.
func (c *consumer) ackWaitFor(count uint64) time.Duration {
	cfg := c.config()
	if n := uint64(len(cfg.BackOff)); n > 0 {
		return cfg.BackOff[min(count, n)-1]
	}
	return cfg.AckWait
}

// scheduleLocked makes sure the delivery goroutine looks at pending acks
// no later than deadline.
func (c *consumer) scheduleLocked(deadline int64) {
	t := time.Unix(0, deadline)
	if c.mu.nextScan.IsZero() || t.Before(c.mu.nextScan) {
		c.mu.nextScan = t
	}
}

// queueRedeliveryLocked puts sseq on the redeliver list.
func (c *consumer) queueRedeliveryLocked(sseq uint64, p *pendingMsg) {
	if p.queued {
		return
	}
	p.queued = true
	c.mu.redeliver = append(c.mu.redeliver, sseq)
}

// maxDeliveryEvent is a message that reached max_deliver.
type maxDeliveryEvent struct {
	seq, count uint64
}

// scanDueLocked moves the pending messages whose ack wait has passed onto
// the redeliver list, in stream order, and drops those that reached
// max_deliver (returned, for their advisories).
func (c *consumer) scanDueLocked(now time.Time) []maxDeliveryEvent {
	if c.mu.nextScan.IsZero() || now.Before(c.mu.nextScan) {
		return nil
	}
	c.mu.nextScan = time.Time{}
	maxDeliver := uint64(max(c.config().MaxDeliver, 0))
	nowNS := now.UnixNano()
	var due []uint64
	var exceeded []maxDeliveryEvent
	for seq, p := range c.mu.pending {
		switch {
		case p.queued:
		case p.deadline > nowNS:
			c.scheduleLocked(p.deadline)
		case maxDeliver > 0 && p.count >= maxDeliver:
			exceeded = append(exceeded, maxDeliveryEvent{seq, p.count})
			delete(c.mu.pending, seq)
		default:
			due = append(due, seq)
		}
	}
	slices.Sort(due)
	for _, seq := range due {
		c.queueRedeliveryLocked(seq, c.mu.pending[seq])
	}
	if len(exceeded) > 0 {
		c.advanceFloorLocked()
		c.markDirtyLocked()
	}
	return exceeded
}

// popRedeliveryLocked returns the next message due again, skipping those
// acked meanwhile; ok is false when none is due.
func (c *consumer) peekRedeliveryLocked() (uint64, *pendingMsg, bool) {
	for len(c.mu.redeliver) > 0 {
		seq := c.mu.redeliver[0]
		if p, ok := c.mu.pending[seq]; ok && p.queued {
			return seq, p, true
		}
		c.mu.redeliver = c.mu.redeliver[1:]
	}
	c.mu.redeliver = nil
	return 0, nil, false
}

// advisory is the common part of advisories.
type advisory struct {
	Type string    `json:"type"`
	ID   string    `json:"id"`
	Time time.Time `json:"timestamp"`
}

func newAdvisory(typ string) advisory {
	return advisory{Type: typ, ID: generateName() + generateName(), Time: time.Now().UTC()}
}

type maxDeliverAdvisory struct {
	advisory
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

type terminatedAdvisory struct {
	advisory
	Stream      string `json:"stream"`
	Consumer    string `json:"consumer"`
	ConsumerSeq uint64 `json:"consumer_seq"`
	StreamSeq   uint64 `json:"stream_seq"`
	Deliveries  uint64 `json:"deliveries"`
	Reason      string `json:"reason,omitempty"`
}

// advisoryMaxDeliver announces messages that reached max_deliver.
func (c *consumer) advisoryMaxDeliver(events []maxDeliveryEvent) {
	subj := advisoryMaxDeliveries + c.st.name + "." + c.name
	for _, e := range events {
		c.sendAdvisory(subj, maxDeliverAdvisory{
			advisory: newAdvisory(typeMaxDeliverAdvisory),
			Stream:   c.st.name, Consumer: c.name, StreamSeq: e.seq, Deliveries: e.count,
		})
	}
}

// advisoryTerminated announces a message the client terminated.
func (c *consumer) advisoryTerminated(sseq, dseq uint64, reason []byte) {
	c.sendAdvisory(advisoryTerminated+c.st.name+"."+c.name, terminatedAdvisory{
		advisory: newAdvisory(typeTerminatedAdvisory),
		Stream:   c.st.name, Consumer: c.name, ConsumerSeq: dseq, StreamSeq: sseq,
		Reason: string(reason),
	})
}

func (c *consumer) sendAdvisory(subj string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	c.publish(outMsg{route: subj, data: data})
}
