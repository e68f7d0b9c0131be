package jetstream

// dedup is a stream's Nats-Msg-Id window: the ids of the messages stored
// within duplicate_window, oldest first. Only the ingest goroutine uses it.
type dedup struct {
	ids   map[string]*dedupRec
	order []*dedupRec // by ts, oldest first; order[head:] is live
	head  int
}

// dedupRec is one remembered message id.
type dedupRec struct {
	id  string
	seq uint64 // 0 until the store assigned it
	ts  int64  // Unix nanoseconds: arrival, then the stored timestamp
	// res is the outcome of the batch that stores the message (nil once
	// known durable, as after recovery); err is set when the message
	// itself was rejected.
	res *batchResult
	err *APIError
}

func (d *dedup) find(id string) *dedupRec {
	return d.ids[id]
}

func (d *dedup) add(r *dedupRec) {
	if d.ids == nil {
		d.ids = make(map[string]*dedupRec)
	}
	d.ids[r.id] = r
	d.order = append(d.order, r)
}

// forget drops r, as when its message was rejected.
func (d *dedup) forget(r *dedupRec) {
	if d.ids[r.id] == r {
		delete(d.ids, r.id)
	}
}

// expire drops the ids older than cutoff (Unix nanoseconds).
func (d *dedup) expire(cutoff int64) {
	for d.head < len(d.order) && d.order[d.head].ts < cutoff {
		d.forget(d.order[d.head])
		d.order[d.head] = nil
		d.head++
	}
	if d.head > 1024 && d.head*2 > len(d.order) {
		d.order = append([]*dedupRec(nil), d.order[d.head:]...)
		d.head = 0
	}
}

// len is the number of ids remembered.
func (d *dedup) len() int { return len(d.ids) }
