package engine

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
)

// op is one change under e.mu: a backend Txn plus the removals to report.
// The first error sticks; later steps are skipped. An error after the
// in-memory state changed poisons the store (it must be reopened).
type op struct {
	e       *Engine
	tx      Txn
	err     error
	mutated bool
	removed []store.Removal
	// rmLo and rmHi bound the sequences the op removed, if rmAny.
	rmLo, rmHi uint64
	rmAny      bool
}

func (e *Engine) begin() (*op, error) {
	tx, err := e.b.Begin()
	if err != nil {
		e.mu.err = err
		return nil, err
	}
	return &op{e: e, tx: tx}, nil
}

// fail records err as the op's error.
func (o *op) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// finish resolves stale positions, saves the counters and commits.
func (o *op) finish() (store.Commit, []store.Removal, error) {
	e := o.e
	o.recordRemoved()
	if o.err == nil && o.mutated {
		o.resolve()
		o.persist()
	}
	if o.err != nil {
		o.tx.Abort()
		e.mu.dirty = e.mu.dirty[:0]
		if o.mutated {
			e.mu.err = o.err
		}
		return nil, nil, o.err
	}
	if !o.mutated {
		o.tx.Abort()
		e.armTimer() // an expiry pass may have found only stale entries
		return store.Done, nil, nil
	}
	c, err := o.tx.Commit()
	if err != nil {
		e.mu.err = err
		return nil, nil, err
	}
	e.armTimer()
	if c != store.Done {
		c = &commit{e: e, c: c}
	}
	return c, o.removed, nil
}

// commit poisons the engine when the durability wait fails.
type commit struct {
	e *Engine
	c store.Commit
}

func (c *commit) Wait() error {
	err := c.c.Wait()
	if err != nil {
		c.e.mu.Lock()
		if c.e.mu.err == nil {
			c.e.mu.err = err
		}
		c.e.mu.Unlock()
	}
	return err
}

// put stores one message and updates the counters.
func (o *op) put(m *store.Msg, size uint64) {
	o.mutated = true
	o.tx.Put(m)
	e := o.e
	st := &e.mu.st
	if st.msgs == 0 {
		st.first, st.firstTime, st.firstStale = m.Seq, m.Time, false
	}
	st.msgs++
	st.bytes += size
	st.last, st.lastTime = m.Seq, m.Time
	s := e.mu.subj[m.Subject]
	if s == nil {
		s = &subj{first: m.Seq}
		e.mu.subj[m.Subject] = s
	}
	s.msgs++
	s.last, s.lastStale = m.Seq, false
	o.markDirty(m.Subject, s)
	if ttl := int64(m.TTL); ttl > 0 && (e.mu.nextTTL == 0 || m.Time+ttl < e.mu.nextTTL) {
		e.mu.nextTTL = m.Time + ttl
	}
	if e.mu.age.seq == 0 {
		e.mu.age = ageCursor{seq: m.Seq, ts: m.Time}
	}
}

// remove deletes one message and updates the counters; a non-zero reason
// is reported through OnRemove.
func (o *op) remove(r Rec, reason store.Reason, erase bool) {
	o.mutated = true
	o.tx.Remove(r, erase)
	o.noteRemoved(r.Seq, r.Seq)
	e := o.e
	st := &e.mu.st
	st.msgs--
	st.bytes -= r.Size
	if r.Seq == st.first {
		st.firstStale = true
	}
	if s := e.mu.subj[r.Subject]; s != nil {
		s.msgs--
		s.firstStale = s.firstStale || r.Seq == s.first
		s.lastStale = s.lastStale || r.Seq == s.last
		o.markDirty(r.Subject, s)
		if s.msgs == 0 {
			delete(e.mu.subj, r.Subject)
		}
	}
	if reason != 0 {
		o.removed = append(o.removed, store.Removal{Seq: r.Seq, Subject: r.Subject, Reason: reason})
	}
}

func (o *op) markDirty(name string, s *subj) {
	if !s.dirty {
		s.dirty = true
		o.e.mu.dirty = append(o.e.mu.dirty, name)
	}
}

// removeSeq removes the message at seq if it exists.
func (o *op) removeSeq(seq uint64, reason store.Reason) {
	r, err := o.tx.Rec(seq)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return
	case err != nil:
		o.fail(err)
		return
	}
	o.remove(r, reason, false)
}

// resolve finds the new first sequence of the stream and of every subject
// whose first or last message was removed.
func (o *op) resolve() {
	o.resolveFirst()
	for _, name := range o.e.mu.dirty {
		if s := o.e.mu.subj[name]; s != nil {
			o.resolveSubj(name, s)
		}
	}
}

// resolveFirst makes e.mu.st.first current.
func (o *op) resolveFirst() {
	st := &o.e.mu.st
	if !st.firstStale || o.err != nil {
		return
	}
	st.firstStale = false
	if st.msgs == 0 {
		st.first, st.firstTime = st.last+1, 0
		return
	}
	found := false
	err := o.tx.Scan(st.first+1, func(r Rec) bool {
		st.first, st.firstTime, found = r.Seq, r.Time, true
		return false
	})
	if err == nil && !found {
		err = &store.CorruptError{Stream: o.e.name, Seq: st.first, Reason: "counters hold messages past the last stored one"}
	}
	if err != nil {
		o.fail(err)
	}
}

// resolveSubj makes s.first and s.last current.
func (o *op) resolveSubj(name string, s *subj) {
	if s.firstStale && o.err == nil {
		s.firstStale = false
		found := false
		err := o.tx.SubjectScan(name, s.first+1, func(seq uint64) bool {
			s.first, found = seq, true
			return false
		})
		o.checkSubj(err, found, name)
	}
	if s.lastStale && o.err == nil {
		s.lastStale = false
		seq, found, err := o.tx.SubjectPrev(name, s.last-1)
		s.last = seq
		o.checkSubj(err, found, name)
	}
}

func (o *op) checkSubj(err error, found bool, name string) {
	if err == nil && !found {
		err = &store.CorruptError{Stream: o.e.name, Key: name, Reason: "subject summary counts messages the index lacks"}
	}
	if err != nil {
		o.fail(err)
	}
}

// subjFirst returns the current first sequence of subject s.
func (o *op) subjFirst(name string, s *subj) uint64 {
	if s.firstStale {
		o.resolveSubj(name, s)
	}
	return s.first
}

// persist saves the counters and the changed subject summaries.
func (o *op) persist() {
	e := o.e
	st := &e.mu.st
	o.tx.SaveState(Persist{First: st.first, Last: st.last, LastTime: st.lastTime, Msgs: st.msgs, Bytes: st.bytes})
	for _, name := range e.mu.dirty {
		s := e.mu.subj[name]
		if s == nil {
			o.tx.SaveSubject(name, SubjState{})
			continue
		}
		s.dirty = false
		o.tx.SaveSubject(name, SubjState{Msgs: s.msgs, First: s.first, Last: s.last})
	}
	e.mu.dirty = e.mu.dirty[:0]
}
