package engine

import (
	"errors"
	"fmt"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/match"
)

// chunk is how many sequences a purge collects before removing them, so a
// removal never runs inside a subject index scan.
const chunk = 1024

// DeleteMsg removes the message at seq.
func (e *Engine) DeleteMsg(seq uint64, erase bool) error {
	e.mu.Lock()
	if err := e.writable(); err != nil {
		e.mu.Unlock()
		return err
	}
	var lookupErr error
	err := e.run(func(o *op) {
		r, err := o.tx.Rec(seq)
		if err != nil {
			lookupErr = err
			return
		}
		o.remove(r, 0, erase)
	})
	if lookupErr != nil {
		return lookupErr
	}
	return err
}

// DeleteMsgs removes the messages at seqs that are still stored, in one
// op: one commit, one wait for durability.
func (e *Engine) DeleteMsgs(seqs []uint64) (uint64, error) {
	if len(seqs) == 0 {
		return 0, nil
	}
	return e.purge(func(o *op) {
		for _, seq := range seqs {
			r, err := o.tx.Rec(seq)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				o.fail(err)
				return
			}
			o.remove(r, 0, false)
		}
	})
}

// Purge removes messages as opts says.
func (e *Engine) Purge(opts store.PurgeOpts) (uint64, error) {
	if opts.Seq != 0 && opts.Keep != 0 {
		return 0, fmt.Errorf("%w: purge with both Seq and Keep", store.ErrInvalid)
	}
	return e.purge(func(o *op) {
		all := match.All(opts.Subject)
		switch {
		case all && opts.Seq != 0:
			o.compact(opts.Seq)
		case all && opts.Keep != 0:
			o.keepNewest(opts.Keep)
		case all:
			o.removeAll()
		case opts.Keep != 0:
			o.keepNewestMatching(opts.Subject, opts.Keep)
		default:
			o.purgeSubjects(opts.Subject, opts.Seq)
		}
	})
}

// Compact removes every message below seq.
func (e *Engine) Compact(seq uint64) (uint64, error) {
	return e.purge(func(o *op) { o.compact(seq) })
}

// purge runs fn as an op and returns how many messages it removed.
func (e *Engine) purge(fn func(o *op)) (uint64, error) {
	e.mu.Lock()
	if err := e.writable(); err != nil {
		e.mu.Unlock()
		return 0, err
	}
	before := e.mu.st.msgs
	var after uint64
	err := e.run(func(o *op) {
		fn(o)
		after = e.mu.st.msgs
	})
	if err != nil {
		return 0, err
	}
	return before - after, nil
}

// removeAll empties the store; the sequence carries on from last.
func (o *op) removeAll() {
	e := o.e
	if e.mu.st.msgs == 0 {
		return
	}
	o.mutated = true
	o.tx.RemoveAll()
	st := &e.mu.st
	o.noteRemoved(st.first, st.last)
	st.msgs, st.bytes = 0, 0
	st.first, st.firstTime, st.firstStale = st.last+1, 0, false
	clear(e.mu.subj)
	e.mu.dirty = e.mu.dirty[:0]
	e.mu.age, e.mu.nextTTL = ageCursor{}, 0
}

// compact removes every message below seq.
func (o *op) compact(seq uint64) {
	st := &o.e.mu.st
	if seq > st.last+1 {
		o.removeAll()
		o.mutated = true
		st.first, st.last = seq, seq-1
		return
	}
	o.removeWhile(func(r Rec) (bool, bool) {
		return r.Seq < seq, r.Seq+1 < seq
	})
}

// keepNewest removes the oldest messages until keep remain.
func (o *op) keepNewest(keep uint64) {
	st := &o.e.mu.st
	if st.msgs <= keep {
		return
	}
	n := st.msgs - keep
	o.removeWhile(func(Rec) (bool, bool) {
		n--
		return true, n > 0
	})
}

// removeWhile scans messages from the first on; fn says whether to remove
// each one and whether to go on.
func (o *op) removeWhile(fn func(Rec) (remove, more bool)) {
	o.resolveFirst()
	if o.err != nil || o.e.mu.st.msgs == 0 {
		return
	}
	err := o.tx.Scan(o.e.mu.st.first, func(r Rec) bool {
		remove, more := fn(r)
		if remove {
			o.remove(r, 0, false)
		}
		return more
	})
	o.fail(err)
}

// keepNewestMatching removes the oldest messages matching filter until keep
// of them remain.
func (o *op) keepNewestMatching(filter string, keep uint64) {
	var total uint64
	o.e.eachSubject(filter, func(_ string, s *subj) { total += s.msgs })
	if total <= keep {
		return
	}
	n := total - keep
	if match.Literal(filter) {
		o.purgeSubject(filter, 0, n)
		return
	}
	o.removeWhile(func(r Rec) (bool, bool) {
		if !match.Match(filter, r.Subject) {
			return false, true
		}
		n--
		return true, n > 0
	})
}

// purgeSubjects removes every message matching filter below seq (all of
// them when seq is 0).
func (o *op) purgeSubjects(filter string, seq uint64) {
	var names []string
	o.e.eachSubject(filter, func(name string, _ *subj) { names = append(names, name) })
	for _, name := range names {
		o.purgeSubject(name, seq, 0)
	}
}

// purgeSubject removes the messages of one subject below seq (0: any),
// at most limit of them (0: no limit), oldest first.
func (o *op) purgeSubject(name string, seq, limit uint64) {
	for o.err == nil {
		s := o.e.mu.subj[name]
		if s == nil {
			return
		}
		batch := o.collect(name, o.subjFirst(name, s), seq, limit)
		if len(batch) == 0 {
			return
		}
		for _, q := range batch {
			o.removeSeq(q, 0)
		}
		if limit != 0 {
			limit -= uint64(len(batch))
			if limit == 0 {
				return
			}
		}
	}
}

// collect returns up to chunk sequences of subject from start on, below
// seq (0: any), at most limit (0: any).
func (o *op) collect(name string, start, seq, limit uint64) []uint64 {
	var out []uint64
	err := o.tx.SubjectScan(name, start, func(q uint64) bool {
		if seq != 0 && q >= seq {
			return false
		}
		out = append(out, q)
		return len(out) < chunk && (limit == 0 || uint64(len(out)) < limit)
	})
	o.fail(err)
	return out
}
