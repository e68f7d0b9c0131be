package jetstream

import (
	"errors"

	"github.com/petrelmq/petrel/internal/store"
)

// Retention other than limits removes messages as consumers finish them:
//
//   - workqueue: a message goes once its (only) consumer acknowledges it;
//   - interest: a message goes once every consumer whose filters pass its
//     subject has acknowledged it, and at once when no consumer wants it.
//
// Consumers call afterAcks without holding their own lock, since checking
// interest takes every other consumer's.

// afterAcks removes the messages c just finished, when the retention
// policy says nobody else needs them.
func (st *stream) afterAcks(c *consumer, seqs []uint64) {
	switch st.config().Retention {
	case RetentionWorkQueue:
		for _, seq := range seqs {
			st.removeMsg(seq)
		}
	case RetentionInterest:
		others := st.cons.all()
		for _, seq := range seqs {
			if st.nobodyElseNeeds(c, others, seq) {
				st.removeMsg(seq)
			}
		}
	}
}

// nobodyElseNeeds reports whether every consumer but c that wants seq has
// acknowledged it.
func (st *stream) nobodyElseNeeds(c *consumer, others []*consumer, seq uint64) bool {
	var subj string
	for _, o := range others {
		if o == c {
			continue
		}
		if subj == "" {
			m, err := st.store.LoadMsg(seq)
			if err != nil {
				return false
			}
			subj = m.Subject
		}
		if matchesAny(o.config().filters(), subj) && !o.ackedBy(seq) {
			return false
		}
	}
	return true
}

// dropUninterested removes, from an interest stream, stored entries no
// consumer's filters pass.
func (st *stream) dropUninterested(consumers []*consumer, entries []store.Entry) {
	for i := range entries {
		e := &entries[i]
		if e.Err != nil || e.Seq == 0 {
			continue
		}
		wanted := false
		for _, c := range consumers {
			if matchesAny(c.config().filters(), e.Subject) {
				wanted = true
				break
			}
		}
		if !wanted {
			st.removeMsg(e.Seq)
		}
	}
}

// afterConsumerDeleted re-checks an interest stream's messages once a
// consumer is gone: those nobody left needs are removed.
func (st *stream) afterConsumerDeleted() {
	if st.config().Retention != RetentionInterest {
		return
	}
	consumers := st.cons.all()
	s := st.store.State()
	for seq := s.FirstSeq; seq <= s.LastSeq && seq != 0; {
		m, err := st.store.LoadNextMsg(">", seq)
		if err != nil {
			return
		}
		if st.nobodyElseNeeds(nil, consumers, m.Seq) {
			st.removeMsg(m.Seq)
		}
		seq = m.Seq + 1
	}
}

// removeMsg deletes one message a retention policy released.
func (st *stream) removeMsg(seq uint64) {
	err := st.store.DeleteMsg(seq, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		st.acc.svc.log.Errorf("JetStream stream %s: remove acknowledged message %d: %v", st.name, seq, err)
	}
}
