package engine

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/match"
)

// LoadNextMsgs returns up to maxMsgs messages (and about maxBytes) from
// start on matching filter, with the Mark they were loaded at. See
// store.Store.
func (e *Engine) LoadNextMsgs(filter string, start uint64, maxMsgs, maxBytes int) ([]*store.Msg, store.Mark, error) {
	if err := e.rlock(); err != nil {
		return nil, 0, err
	}
	defer e.mu.RUnlock()
	mark := store.Mark(e.gen.Load())
	start = max(start, e.mu.st.first)
	if e.mu.st.msgs == 0 || start > e.mu.st.last {
		return nil, mark, store.ErrNotFound
	}
	b := &loadBatch{maxMsgs: max(maxMsgs, 1), maxBytes: maxBytes}
	var err error
	switch {
	case match.All(filter):
		err = e.b.ScanMsgs(start, b.add)
	case match.Literal(filter):
		err = e.loadSubject(filter, start, b)
	default:
		err = e.loadMatching(filter, start, b)
	}
	if err == nil && len(b.msgs) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, mark, err
	}
	return b.msgs, mark, nil
}

// loadBatch collects what LoadNextMsgs returns.
type loadBatch struct {
	msgs     []*store.Msg
	bytes    int
	maxMsgs  int
	maxBytes int
}

// add takes m and reports whether there is room for more.
func (b *loadBatch) add(m *store.Msg) bool {
	b.msgs = append(b.msgs, m)
	b.bytes += int(m.Size())
	return !b.full()
}

func (b *loadBatch) full() bool {
	return len(b.msgs) >= b.maxMsgs || (b.maxBytes > 0 && b.bytes >= b.maxBytes)
}

// loadSubject fills b from the subject index of one subject: one scan
// for the sequences, then a read of each.
func (e *Engine) loadSubject(subject string, start uint64, b *loadBatch) error {
	s := e.mu.subj[subject]
	if s == nil || s.last < start {
		return nil
	}
	var seqs []uint64
	err := e.b.SubjectScan(subject, start, func(seq uint64) bool {
		seqs = append(seqs, seq)
		return len(seqs) < b.maxMsgs
	})
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		if b.full() {
			break
		}
		m, err := e.b.Load(seq)
		if err != nil {
			return e.corruptIfMissing(err, seq, "subject index names a missing message")
		}
		b.add(m)
	}
	return nil
}

// loadMatching fills b by repeated next-lookups under the one lock.
func (e *Engine) loadMatching(filter string, start uint64, b *loadBatch) error {
	for !b.full() && start <= e.mu.st.last {
		seq, err := e.nextSeq(filter, start)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		m, err := e.b.Load(seq)
		if err != nil {
			return e.corruptIfMissing(err, seq, "subject index names a missing message")
		}
		b.add(m)
		start = seq + 1
	}
	return nil
}
