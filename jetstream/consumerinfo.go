package jetstream

import "time"

// ConsumerInfo is a consumer's configuration and state as the API reports
// it.
type ConsumerInfo struct {
	Stream         string               `json:"stream_name"`
	Name           string               `json:"name"`
	Created        time.Time            `json:"created"`
	Config         ConsumerConfig       `json:"config"`
	Delivered      SequenceInfo         `json:"delivered"`
	AckFloor       SequenceInfo         `json:"ack_floor"`
	NumAckPending  int                  `json:"num_ack_pending"`
	NumRedelivered int                  `json:"num_redelivered"`
	NumWaiting     int                  `json:"num_waiting"`
	NumPending     uint64               `json:"num_pending"`
	Cluster        *ClusterInfo         `json:"cluster,omitempty"`
	PushBound      bool                 `json:"push_bound,omitempty"`
	Paused         bool                 `json:"paused,omitempty"`
	PauseRemaining time.Duration        `json:"pause_remaining,omitempty"`
	PriorityGroups []PriorityGroupState `json:"priority_groups,omitempty"`
	TimeStamp      time.Time            `json:"ts"`
}

// SequenceInfo is a consumer and a stream sequence with the time of the
// last activity.
type SequenceInfo struct {
	Consumer uint64     `json:"consumer_seq"`
	Stream   uint64     `json:"stream_seq"`
	Last     *time.Time `json:"last_active,omitempty"`
}

// info reports the consumer. num_pending is recounted from the store so
// it is exact.
func (c *consumer) info() *ConsumerInfo {
	cfg := c.config()
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recountLocked()
	ci := &ConsumerInfo{
		Stream:        c.st.name,
		Name:          c.name,
		Created:       c.created,
		Config:        cfg.withDynamicMetadata(),
		Delivered:     SequenceInfo{Consumer: c.mu.delivered.Consumer, Stream: c.mu.delivered.Stream},
		AckFloor:      SequenceInfo{Consumer: c.mu.ackFloor.Consumer, Stream: c.mu.ackFloor.Stream},
		NumAckPending: len(c.mu.pending),
		NumWaiting:    c.liveRequestsLocked(now),
		NumPending:    c.mu.numPending,
		TimeStamp:     now.UTC(),
	}
	if t := c.mu.lastDelivery; !t.IsZero() {
		t = t.UTC()
		ci.Delivered.Last = &t
	}
	if t := c.mu.lastAck; !t.IsZero() {
		t = t.UTC()
		ci.AckFloor.Last = &t
	}
	ci.PriorityGroups = c.priorityGroupsLocked(cfg)
	for _, p := range c.mu.pending {
		if p.count > 1 {
			ci.NumRedelivered++
		}
	}
	if !cfg.isPull() {
		ci.PushBound = c.st.acc.acc.HasInterest(cfg.DeliverSubject)
	}
	if pu := cfg.PauseUntil; pu != nil && now.Before(*pu) {
		ci.Paused, ci.PauseRemaining = true, pu.Sub(now)
	}
	return ci
}

// liveRequestsLocked counts the waiting requests not yet expired.
func (c *consumer) liveRequestsLocked(now time.Time) int {
	n := 0
	for _, req := range c.mu.waiting {
		if req.expires.IsZero() || now.Before(req.expires) {
			n++
		}
	}
	return n
}
