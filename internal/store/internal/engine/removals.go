package engine

import "github.com/petrelmq/petrel/internal/store"

// ringSize is how many recent removal ops the engine remembers one by
// one; older ones are merged into the oldest entry kept.
const ringSize = 16

// removal is one op that removed messages, or several merged: every
// sequence it removed is in [lo, hi]; gen is the newest op's generation.
type removal struct {
	gen, lo, hi uint64
}

// removals is the history RemovedSince answers from. Each op that removes
// messages bumps the generation and records the range it removed. When
// the ring is full the two oldest entries merge (the union of their
// ranges, the newer generation), so the history stays complete, only
// coarser: an answer may be a false positive, never a false negative. A
// store that only drops its oldest messages (limits, age, acks of a work
// queue) keeps the merged entry at its low end, away from readers ahead.
type removals struct {
	ring []removal // oldest first, at most ringSize
}

// add records an op of generation gen that removed sequences in [lo, hi].
func (r *removals) add(gen, lo, hi uint64) {
	if len(r.ring) == ringSize {
		a, b := r.ring[0], r.ring[1]
		r.ring[1] = removal{gen: b.gen, lo: min(a.lo, b.lo), hi: max(a.hi, b.hi)}
		r.ring = append(r.ring[:0], r.ring[1:]...)
	}
	r.ring = append(r.ring, removal{gen: gen, lo: lo, hi: hi})
}

// since reports whether an op newer than gen removed anything in [lo, hi].
func (r *removals) since(gen, lo, hi uint64) bool {
	for i := len(r.ring) - 1; i >= 0; i-- {
		x := r.ring[i]
		if x.gen <= gen {
			return false
		}
		if x.lo <= hi && lo <= x.hi {
			return true
		}
	}
	return false
}

// noteRemoved widens the op's removed range by [lo, hi].
func (o *op) noteRemoved(lo, hi uint64) {
	if !o.rmAny {
		o.rmLo, o.rmHi, o.rmAny = lo, hi, true
		return
	}
	o.rmLo, o.rmHi = min(o.rmLo, lo), max(o.rmHi, hi)
}

// recordRemoved bumps the generation if the op removed anything. e.mu
// must be held for writing; a failed op records too (its removals may
// have reached the backend).
func (o *op) recordRemoved() {
	if !o.rmAny {
		return
	}
	e := o.e
	gen := e.gen.Load() + 1
	e.mu.rm.add(gen, o.rmLo, o.rmHi)
	e.gen.Store(gen)
	o.rmAny = false
}

// RemovedSince reports whether a message in [lo, hi] may have been
// removed since mark. See store.Store.
func (e *Engine) RemovedSince(mark store.Mark, lo, hi uint64) bool {
	if e.gen.Load() == uint64(mark) {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.mu.rm.since(uint64(mark), lo, hi)
}
