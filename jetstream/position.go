package jetstream

import (
	"errors"
	"slices"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// initPosition places a new consumer at the start its deliver policy
// names and counts what it has pending.
func (c *consumer) initPosition() {
	cfg := c.config()
	s := c.st.store.State()
	next := s.LastSeq + 1
	if s.Msgs > 0 {
		next = s.FirstSeq
	}
	switch cfg.DeliverPolicy {
	case DeliverLast:
		next = c.lastMatching(s)
	case DeliverNew:
		next = s.LastSeq + 1
	case DeliverByStartSeq:
		next = cfg.OptStartSeq
	case DeliverByStartTime:
		next = c.firstAtOrAfter(cfg.OptStartTime.UnixNano(), s)
	case DeliverLastPerSubject:
		c.mu.lps = c.lastPerSubject()
		next = s.LastSeq + 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropReadAheadLocked()
	c.mu.next = max(next, 1)
	c.mu.delivered = seqPair{Stream: c.mu.next - 1}
	if len(c.mu.lps) > 0 {
		c.mu.delivered.Stream = c.mu.lps[0] - 1
	}
	c.mu.ackFloor = c.mu.delivered
	c.mu.lastDelivery, c.mu.lastAck = time.Time{}, time.Time{}
	c.recountLocked()
}

// lastMatching is the sequence of the newest message the filters pass, or
// the next sequence when there is none.
func (c *consumer) lastMatching(s store.State) uint64 {
	var last uint64
	for _, f := range c.filterList() {
		if m, err := c.st.store.LoadLastMsg(f); err == nil {
			last = max(last, m.Seq)
		}
	}
	if last == 0 {
		return s.LastSeq + 1
	}
	return last
}

// firstAtOrAfter finds the first message stored at or after ts, by binary
// search: sequences are in time order.
func (c *consumer) firstAtOrAfter(ts int64, s store.State) uint64 {
	lo, hi := max(s.FirstSeq, 1), s.LastSeq+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := c.st.store.LoadNextMsg(">", mid)
		switch {
		case err != nil:
			hi = mid
		case m.Time >= ts:
			hi = mid
		default:
			lo = m.Seq + 1
		}
	}
	return lo
}

// lastPerSubject lists the newest message of every subject the filters
// pass, ascending.
func (c *consumer) lastPerSubject() []uint64 {
	var seqs []uint64
	for _, f := range c.filterList() {
		for subj := range c.st.store.SubjectsState(f) {
			if m, err := c.st.store.LoadLastMsg(subj); err == nil {
				seqs = append(seqs, m.Seq)
			}
		}
	}
	slices.Sort(seqs)
	return slices.Compact(seqs)
}

// filterList is the filters, or ">" when there are none.
func (c *consumer) filterList() []string {
	if f := c.config().filters(); len(f) > 0 {
		return f
	}
	return []string{">"}
}

// recountLocked sets numPending from the store.
func (c *consumer) recountLocked() {
	var n uint64
	for _, f := range c.filterList() {
		k, err := c.st.store.NumPending(c.mu.next, f, false)
		if err == nil {
			n += k
		}
	}
	c.mu.numPending = n + uint64(len(c.mu.lps))
}

// countNew adds the stored entries the filters pass to numPending and
// reports whether there were any.
func (c *consumer) countNew(entries []store.Entry) bool {
	filters := c.config().filters()
	c.mu.Lock()
	defer c.mu.Unlock()
	n := uint64(0)
	for i := range entries {
		e := &entries[i]
		if e.Err == nil && e.Seq >= c.mu.next && matchesAny(filters, e.Subject) {
			n++
		}
	}
	c.mu.numPending += n
	return n > 0
}

// peekNew returns the first message at or after next that the filters
// pass, without taking it, from the read-ahead buffers. c.mu must be held.
func (c *consumer) peekNew(next uint64) (*store.Msg, error) {
	return c.mu.ahead.peek(c.st.store, c.filterList(), next)
}

// afterPurge forgets pending messages the store no longer has and
// recounts.
func (c *consumer) afterPurge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropReadAheadLocked()
	s := c.st.store.State()
	for seq := range c.mu.pending {
		if _, err := c.st.store.LoadMsg(seq); errors.Is(err, store.ErrNotFound) {
			delete(c.mu.pending, seq)
		}
	}
	if first := s.FirstSeq; s.Msgs > 0 && c.mu.next < first {
		c.mu.next = first
	} else if s.Msgs == 0 && c.mu.next <= s.LastSeq {
		c.mu.next = s.LastSeq + 1
	}
	if c.mu.delivered.Stream < c.mu.next-1 {
		c.mu.delivered.Stream = c.mu.next - 1
	}
	c.mu.lps = slices.DeleteFunc(c.mu.lps, func(seq uint64) bool {
		_, err := c.st.store.LoadMsg(seq)
		return err != nil
	})
	c.advanceFloorLocked()
	c.recountLocked()
	c.markDirtyLocked()
}
