package jetstream

import (
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Atomic batch publish (ADR-50). On a stream with allow_atomic, messages
// carrying Nats-Batch-Id and Nats-Batch-Sequence (1, 2, ...) are staged in
// memory by the ingest goroutine, each answered with an empty reply; the
// message with Nats-Batch-Commit: 1 (stored) or "eob" (not stored) runs
// every staged message through the publish checks against the stream as
// it was before the batch, then appends them all as one store write: all
// are stored or none. Its PubAck names the last sequence, "batch" and
// "count". A gap, an unknown batch, a batch over 1000 messages, more than
// 50 open batches or 10 s without a message abandon it. Staged messages
// are not durable: a batch open at a crash is abandoned.
const (
	hdrBatchSeq    = "Nats-Batch-Sequence"
	hdrBatchCommit = "Nats-Batch-Commit"

	maxAtomicBatchMsgs   = 1000
	maxAtomicBatchesOpen = 50
	maxAtomicBatchID     = 64
	atomicBatchIdle      = 10 * time.Second
)

// atomicBatch is one open batch.
type atomicBatch struct {
	msgs []inMsg
	last time.Time
}

// atomicState is the open batches of a stream; only the ingest goroutine
// uses it. Idle batches are abandoned when the next batch message arrives.
type atomicState struct {
	open map[string]*atomicBatch
}

// batchIDOf is the Nats-Batch-Id of a message, "" when none.
func batchIDOf(hdr []byte) (string, bool) {
	if len(hdr) == 0 {
		return "", false
	}
	v, ok := wire.HeaderGet(hdr, hdrBatchID)
	return string(v), ok
}

// admitAtomic handles a message of an atomic batch.
func (in *ingest) admitAtomic(b *batch, m *inMsg, id string) *batch {
	refuse := func(err *APIError) *batch {
		b.items = append(b.items, pubItem{reply: m.reply, entry: -1, err: err})
		return b
	}
	cfg := in.st.config()
	seq, commit, eob, apiErr := parseBatchHeaders(cfg, m.hdr, id)
	if apiErr != nil {
		in.abandon(id)
		return refuse(apiErr)
	}
	ab, apiErr := in.atomicBatch(id, seq)
	if apiErr != nil {
		return refuse(apiErr)
	}
	switch {
	case seq != uint64(len(ab.msgs))+1 || (seq == 1 && eob):
		in.abandon(id)
		return refuse(newError(ErrAtomicPublishIncomplete))
	case seq-b2u(eob) > maxAtomicBatchMsgs:
		in.abandon(id)
		return refuse(newError(ErrAtomicPublishTooLarge, maxAtomicBatchMsgs))
	}
	ab.msgs, ab.last = append(ab.msgs, *m), time.Now()
	if !commit {
		if m.reply != "" {
			in.st.acc.conn.Publish(m.reply, "", nil, nil)
		}
		return b
	}
	in.abandon(id)
	msgs := ab.msgs
	if eob {
		msgs = msgs[:len(msgs)-1]
	}
	return in.commitAtomic(b, id, msgs, m.reply)
}

func b2u(b bool) uint64 { return uint64(b2i(b)) }

// parseBatchHeaders reads the batch sequence and commit of a message.
func parseBatchHeaders(cfg *StreamConfig, hdr []byte, id string) (seq uint64, commit, eob bool, err *APIError) {
	switch {
	case !cfg.AllowAtomicPublish:
		return 0, false, false, newError(ErrAtomicPublishDisabled)
	case id == "" || len(id) > maxAtomicBatchID:
		return 0, false, false, newError(ErrAtomicPublishInvalidBatchID)
	}
	v, ok := wire.HeaderGet(hdr, hdrBatchSeq)
	seq, perr := strconv.ParseUint(string(v), 10, 64)
	if !ok || perr != nil || seq == 0 {
		return 0, false, false, newError(ErrAtomicPublishMissingSeq)
	}
	if c, ok := wire.HeaderGet(hdr, hdrBatchCommit); ok {
		if string(c) != "1" && string(c) != "eob" {
			return 0, false, false, newError(ErrAtomicPublishInvalidCommit)
		}
		return seq, true, string(c) == "eob", nil
	}
	return seq, false, false, nil
}

// atomicBatch returns the open batch id, opening it at sequence 1.
func (in *ingest) atomicBatch(id string, seq uint64) (*atomicBatch, *APIError) {
	st := &in.atomic
	in.sweepAtomic()
	if ab := st.open[id]; ab != nil {
		return ab, nil
	}
	switch {
	case seq > maxAtomicBatchMsgs:
		return nil, newError(ErrAtomicPublishTooLarge, maxAtomicBatchMsgs)
	case seq != 1:
		return nil, newError(ErrAtomicPublishIncomplete)
	case len(st.open) >= maxAtomicBatchesOpen:
		return nil, newError(ErrAtomicPublishTooManyInflight)
	}
	if st.open == nil {
		st.open = make(map[string]*atomicBatch)
	}
	ab := &atomicBatch{last: time.Now()}
	st.open[id] = ab
	return ab, nil
}

func (in *ingest) abandon(id string) { delete(in.atomic.open, id) }

// sweepAtomic abandons the batches idle for atomicBatchIdle.
func (in *ingest) sweepAtomic() {
	for id, ab := range in.atomic.open {
		if time.Since(ab.last) >= atomicBatchIdle {
			in.st.acc.svc.log.Debugf("JetStream stream %s: atomic batch %q abandoned after %v without messages", in.st.name, id, atomicBatchIdle)
			delete(in.atomic.open, id)
		}
	}
}

// commitAtomic checks every message of a batch and appends them as one
// write, or refuses the whole batch on the commit's reply.
func (in *ingest) commitAtomic(b *batch, id string, msgs []inMsg, reply string) *batch {
	b = in.flush(b)
	cfg := in.st.config()
	nb := newBatch()
	chk := newAtomicCheck(in, cfg)
	for i := range msgs {
		m := &msgs[i]
		it := pubItem{entry: -1}
		e, apiErr := in.prepare(cfg, m, &it)
		if apiErr == nil {
			apiErr = chk.check(nb, m, &e, &it)
		}
		if apiErr != nil {
			b.items = append(b.items, pubItem{reply: reply, entry: -1, err: apiErr})
			return b
		}
		it.entry = len(nb.entries)
		nb.entries = append(nb.entries, e)
		nb.items = append(nb.items, it)
	}
	if apiErr := chk.fits(len(nb.entries)); apiErr != nil {
		b.items = append(b.items, pubItem{reply: reply, entry: -1, err: apiErr})
		return b
	}
	for i := range nb.items {
		if it := &nb.items[i]; it.msgID != "" {
			it.rec = &dedupRec{id: it.msgID, ts: now(), res: nb.res}
			in.dd.add(it.rec)
		}
	}
	last := &nb.items[len(nb.items)-1]
	last.reply = reply
	last.extra = joinExtra(last.extra, `"batch":`+strconv.Quote(id)+`,"count":`+strconv.Itoa(len(nb.items)))
	return in.flush(nb)
}

// atomicCheck runs the checks of a batch's messages that depend on the
// stream state, as if each earlier message of the batch were stored.
type atomicCheck struct {
	in    *ingest
	cfg   *StreamConfig
	state store.State
	next  uint64            // sequence the next message would get
	subj  map[string]uint64 // sequences the batch gives its subjects
	ids   map[string]bool
	bytes uint64 // what the batch counts for in the store (Store.MsgSize)
}

func newAtomicCheck(in *ingest, cfg *StreamConfig) *atomicCheck {
	state := in.st.store.State()
	return &atomicCheck{in: in, cfg: cfg, state: state, next: state.LastSeq + 1,
		subj: make(map[string]uint64), ids: make(map[string]bool)}
}

func (c *atomicCheck) check(nb *batch, m *inMsg, e *store.Entry, it *pubItem) *APIError {
	if _, ok := wire.HeaderGet(m.hdr, hdrExpectedLastMsgID); ok {
		return newError(ErrAtomicPublishUnsupportedHeader, hdrExpectedLastMsgID)
	}
	if it.msgID != "" {
		c.in.dd.expire(now() - int64(c.cfg.Duplicates))
		if c.ids[it.msgID] || c.in.dd.find(it.msgID) != nil {
			return newError(ErrAtomicPublishDuplicateMsg)
		}
		c.ids[it.msgID] = true
	}
	if apiErr := c.expected(m.hdr, e.Subject); apiErr != nil {
		return apiErr
	}
	if apiErr := c.in.applyCounter(c.cfg, nb, m, e, it); apiErr != nil {
		return apiErr
	}
	c.subj[e.Subject] = c.next
	c.next++
	c.bytes += c.in.st.store.MsgSize(e.Subject, e.Header, e.Data)
	return nil
}

// expected checks Nats-Expected-Last-Sequence and
// Nats-Expected-Last-Subject-Sequence against the stream plus the batch.
func (c *atomicCheck) expected(hdr []byte, subj string) *APIError {
	if v, ok := wire.HeaderGet(hdr, hdrExpectedLastSeq); ok {
		if want, err := strconv.ParseUint(string(v), 10, 64); err != nil || want != c.next-1 {
			return newError(ErrStreamWrongLastSequence, c.next-1)
		}
	}
	v, ok := wire.HeaderGet(hdr, hdrExpectedLastSubj)
	if !ok {
		return nil
	}
	if s, ok := wire.HeaderGet(hdr, hdrExpectedLastSubjSj); ok {
		subj = string(s)
	}
	last, seen := c.subj[subj]
	if !seen {
		var err error
		if last, err = c.in.lastSeqOn(subj); err != nil {
			return errorf(ErrStreamStoreFailed, "%v", err)
		}
	}
	if want, err := strconv.ParseUint(string(v), 10, 64); err != nil || want != last {
		return newError(ErrStreamWrongLastSequence, last)
	}
	return nil
}

// fits reports a batch that a discard-new stream could only take in part.
func (c *atomicCheck) fits(n int) *APIError {
	if c.cfg.Discard != DiscardNew {
		return nil
	}
	if c.cfg.MaxMsgs > 0 && c.state.Msgs+uint64(n) > uint64(c.cfg.MaxMsgs) {
		return errorf(ErrStreamStoreFailed, "maximum messages exceeded")
	}
	if c.cfg.MaxBytes > 0 && c.state.Bytes+c.bytes > uint64(c.cfg.MaxBytes) {
		return errorf(ErrStreamStoreFailed, "maximum bytes exceeded")
	}
	return nil
}

// checkAtomic validates allow_atomic against the rest of the
// configuration.
func (cfg *StreamConfig) checkAtomic() *APIError {
	if cfg.AllowAtomicPublish && cfg.Mirror != nil {
		return newError(ErrMirrorWithAtomicPublish)
	}
	return nil
}
