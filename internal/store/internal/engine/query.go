package engine

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/match"
)

// A wildcard LoadNextMsg first scans up to scanFirst messages from start,
// the usual case of a consumer whose next match is near. If that finds
// nothing it looks up the matching subjects one by one through the subject
// index, unless more than seekSubjects match; then it scans on.
const (
	scanFirst    = 64
	seekSubjects = 64
)

// rlock read-locks e.mu if the store is open.
func (e *Engine) rlock() error {
	e.mu.RLock()
	if e.mu.closed {
		e.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// State returns the counters.
func (e *Engine) State() store.State {
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := &e.mu.st
	s := store.State{
		Msgs: st.msgs, Bytes: st.bytes,
		FirstSeq: st.first, FirstTime: st.firstTime,
		LastSeq: st.last, LastTime: st.lastTime,
		NumSubjects: len(e.mu.subj),
	}
	if st.msgs > 0 {
		s.NumDeleted = st.last - st.first + 1 - st.msgs
	}
	if st.last == 0 {
		s.FirstSeq = 0
	}
	return s
}

// LoadMsg returns the message at seq.
func (e *Engine) LoadMsg(seq uint64) (*store.Msg, error) {
	if err := e.rlock(); err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	return e.b.Load(seq)
}

// LoadLastMsg returns the newest message matching filter.
func (e *Engine) LoadLastMsg(filter string) (*store.Msg, error) {
	if err := e.rlock(); err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	if e.mu.st.msgs == 0 {
		return nil, store.ErrNotFound
	}
	if match.All(filter) {
		seq, ok, err := e.b.Prev(e.mu.st.last)
		if err != nil || !ok {
			return nil, notFound(err)
		}
		return e.b.Load(seq)
	}
	var last uint64
	e.eachSubject(filter, func(_ string, s *subj) {
		last = max(last, s.last)
	})
	if last == 0 {
		return nil, store.ErrNotFound
	}
	return e.b.Load(last)
}

func notFound(err error) error {
	if err != nil {
		return err
	}
	return store.ErrNotFound
}

// eachSubject calls fn for each subject matching filter. e.mu must be held.
func (e *Engine) eachSubject(filter string, fn func(name string, s *subj)) {
	if match.Literal(filter) {
		if s := e.mu.subj[filter]; s != nil {
			fn(filter, s)
		}
		return
	}
	for name, s := range e.mu.subj {
		if match.Match(filter, name) {
			fn(name, s)
		}
	}
}

// LoadNextMsg returns the first message at or after start matching filter.
func (e *Engine) LoadNextMsg(filter string, start uint64) (*store.Msg, error) {
	if err := e.rlock(); err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	start = max(start, e.mu.st.first)
	if m, err := e.loadAt(filter, start); m != nil || err != nil {
		return m, err
	}
	seq, err := e.nextSeq(filter, start)
	if err != nil {
		return nil, err
	}
	return e.b.Load(seq)
}

// loadAt is LoadNextMsg's fast path for a reader that takes every message
// (a consumer without a filter, catching up): the message at start itself,
// one point read instead of a scan and a read. It returns nil, nil when
// the fast path does not apply or start holds no message.
func (e *Engine) loadAt(filter string, start uint64) (*store.Msg, error) {
	if !match.All(filter) || e.mu.st.msgs == 0 || start > e.mu.st.last {
		return nil, nil
	}
	m, err := e.b.Load(start)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// nextSeq returns the first sequence >= start matching filter.
func (e *Engine) nextSeq(filter string, start uint64) (uint64, error) {
	if e.mu.st.msgs == 0 || start > e.mu.st.last {
		return 0, store.ErrNotFound
	}
	if match.All(filter) {
		return e.scanNext(start, "", 0)
	}
	if !match.Literal(filter) {
		seq, err := e.scanNext(start, filter, scanFirst)
		if err == nil || !errors.Is(err, errScanLimit) {
			return seq, err
		}
	}
	var cand []string
	var best uint64
	e.eachSubject(filter, func(name string, s *subj) {
		switch {
		case s.last < start:
		case s.first >= start:
			if best == 0 || s.first < best {
				best = s.first
			}
		default:
			cand = append(cand, name)
		}
	})
	if len(cand) > seekSubjects {
		return e.scanNext(start, filter, 0)
	}
	for _, name := range cand {
		seq, err := e.subjNext(name, start)
		if err != nil {
			return 0, err
		}
		if best == 0 || seq < best {
			best = seq
		}
	}
	if best == 0 {
		return 0, store.ErrNotFound
	}
	return best, nil
}

// errScanLimit: scanNext gave up after its limit.
var errScanLimit = errors.New("scan limit")

// scanNext scans messages from start for the first matching filter,
// looking at no more than limit messages (0: no limit).
func (e *Engine) scanNext(start uint64, filter string, limit int) (uint64, error) {
	var seq uint64
	n := 0
	err := e.b.Scan(start, func(r Rec) bool {
		if match.Match(filter, r.Subject) {
			seq = r.Seq
			return false
		}
		n++
		return limit == 0 || n < limit
	})
	switch {
	case err != nil || seq != 0:
	case limit != 0 && n >= limit:
		err = errScanLimit
	default:
		err = store.ErrNotFound
	}
	return seq, err
}

// subjNext returns the first sequence >= start on subject name.
func (e *Engine) subjNext(name string, start uint64) (uint64, error) {
	var seq uint64
	err := e.b.SubjectScan(name, start, func(s uint64) bool {
		seq = s
		return false
	})
	if err == nil && seq == 0 {
		err = &store.CorruptError{Stream: e.name, Key: name, Reason: "subject summary names messages the index lacks"}
	}
	return seq, err
}

// SubjectsState returns the message count of each subject matching filter.
func (e *Engine) SubjectsState(filter string) map[string]uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make(map[string]uint64)
	if match.All(filter) {
		for name, s := range e.mu.subj {
			out[name] = s.msgs
		}
		return out
	}
	e.eachSubject(filter, func(name string, s *subj) { out[name] = s.msgs })
	return out
}

// NumPending counts the messages at or after start matching filter.
func (e *Engine) NumPending(start uint64, filter string, lastPerSubject bool) (uint64, error) {
	if err := e.rlock(); err != nil {
		return 0, err
	}
	defer e.mu.RUnlock()
	st := &e.mu.st
	start = max(start, st.first)
	if st.msgs == 0 || start > st.last {
		return 0, nil
	}
	if lastPerSubject {
		return e.countLastPerSubject(start, filter), nil
	}
	if match.All(filter) {
		return e.countAll(start)
	}
	var n uint64
	var err error
	e.eachSubject(filter, func(name string, s *subj) {
		if err != nil {
			return
		}
		var k uint64
		k, err = e.countSubj(name, s, start)
		n += k
	})
	return n, err
}

func (e *Engine) countLastPerSubject(start uint64, filter string) uint64 {
	var n uint64
	count := func(_ string, s *subj) {
		if s.last >= start {
			n++
		}
	}
	if match.All(filter) {
		for name, s := range e.mu.subj {
			count(name, s)
		}
		return n
	}
	e.eachSubject(filter, count)
	return n
}

// countAll counts every message >= start, scanning the shorter side.
func (e *Engine) countAll(start uint64) (uint64, error) {
	st := &e.mu.st
	if start <= st.first {
		return st.msgs, nil
	}
	var below uint64
	if start-st.first > st.last-start {
		return e.countFrom(start)
	}
	err := e.b.Scan(st.first, func(r Rec) bool {
		if r.Seq >= start {
			return false
		}
		below++
		return true
	})
	return st.msgs - below, err
}

func (e *Engine) countFrom(start uint64) (uint64, error) {
	var n uint64
	err := e.b.Scan(start, func(Rec) bool {
		n++
		return true
	})
	return n, err
}

// countSubj counts the messages >= start on one subject.
func (e *Engine) countSubj(name string, s *subj, start uint64) (uint64, error) {
	switch {
	case s.first >= start:
		return s.msgs, nil
	case s.last < start:
		return 0, nil
	}
	var n uint64
	err := e.b.SubjectScan(name, start, func(uint64) bool {
		n++
		return true
	})
	return n, err
}

// DeletedSeqs lists the sequences between first and last with no message.
func (e *Engine) DeletedSeqs() ([]uint64, error) {
	if err := e.rlock(); err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	st := &e.mu.st
	if st.msgs == 0 {
		return nil, nil
	}
	var gaps []uint64
	next := st.first
	err := e.b.Scan(st.first, func(r Rec) bool {
		for ; next < r.Seq; next++ {
			gaps = append(gaps, next)
		}
		next = r.Seq + 1
		return true
	})
	for ; err == nil && next <= st.last; next++ {
		gaps = append(gaps, next)
	}
	return gaps, err
}
