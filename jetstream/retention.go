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
//
// # Batched removal and its ordering
//
// A durable consumer (one with a persister) does not remove what an ack
// released at once: onAck adds the sequences to persister.released
// (guarded by c.mu) in the same lock hold that records the ack, and the
// persister removes them all with one store.DeleteMsgs per state write
// (one commit for the cycle, not one fsync per ack). One flush does, in
// this order:
//
//  1. under c.mu, snapshot the state and take released and the waiting
//     ack replies together: every taken sequence is acked in the snapshot;
//  2. store the snapshot, with the taken sequences in its Release list,
//     and wait until it is durable;
//  3. remove the released messages the policy lets go (DeleteMsgs, durable
//     when it returns);
//  4. answer the waiting AckSyncs.
//
// So a crash at any point leaves one of:
//
//   - before 2 is durable: neither the acks nor the removals are stored;
//     the messages are still in the stream and, unacked in the stored
//     state, are delivered again after their ack wait. No AckSync of
//     theirs was answered, so the client was never told they were stored.
//   - after 2, before 3 is durable: the acks are stored, some messages may
//     still be in the stream. They are not delivered again: the stored
//     state has them acked (below the ack floor or absent from pending,
//     with next past them). recoverConsumers finishes the job from the
//     stored Release list, so they do not linger either. The next state
//     write (step 2 of the next flush) comes only after step 3, so a
//     Release list is never dropped before its removal is durable.
//   - after 3: everything is stored; the AckSync may or may not have been
//     answered, the usual at-least-once ambiguity of a lost reply.
//
// An AckSync is thus answered only once its ack is durable and its message
// removed for good. Interest streams check the other consumers' acks in
// memory (nobodyElseNeeds): a message every consumer acked is removed even
// if another consumer's state write is still to come; after a crash, that
// consumer finds it gone and skips it, as a message every consumer acked
// needs no second delivery.

// afterAcks removes the messages c just finished, when the retention
// policy says nobody else needs them, in one store write.
func (st *stream) afterAcks(c *consumer, seqs []uint64) error {
	var gone []uint64
	switch st.config().Retention {
	case RetentionWorkQueue:
		gone = seqs
	case RetentionInterest:
		others := st.cons.all()
		for _, seq := range seqs {
			if st.nobodyElseNeeds(c, others, seq) {
				gone = append(gone, seq)
			}
		}
	}
	return st.removeMsgs(gone)
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

// removeMsgs deletes the messages a retention policy released, as one
// write; those already gone are skipped.
func (st *stream) removeMsgs(seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := st.store.DeleteMsgs(seqs)
	if err != nil {
		st.acc.svc.log.Errorf("JetStream stream %s: remove %d acknowledged messages: %v", st.name, len(seqs), err)
	}
	return err
}

// removeMsg deletes one message a retention policy released.
func (st *stream) removeMsg(seq uint64) {
	err := st.store.DeleteMsg(seq, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		st.acc.svc.log.Errorf("JetStream stream %s: remove acknowledged message %d: %v", st.name, seq, err)
	}
}
