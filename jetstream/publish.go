package jetstream

import (
	"errors"
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// JetStream publish headers (ADR-4, ADR-43).
const (
	hdrMsgID              = "Nats-Msg-Id"
	hdrExpectedStream     = "Nats-Expected-Stream"
	hdrExpectedLastSeq    = "Nats-Expected-Last-Sequence"
	hdrExpectedLastSubj   = "Nats-Expected-Last-Subject-Sequence"
	hdrExpectedLastSubjSj = "Nats-Expected-Last-Subject-Sequence-Subject"
	hdrExpectedLastMsgID  = "Nats-Expected-Last-Msg-Id"
	hdrRollup             = "Nats-Rollup"
	hdrTTL                = "Nats-TTL"
	hdrBatchID            = "Nats-Batch-Id" // ADR-50, atomic.go

	rollupSubject = "sub"
	rollupAll     = "all"

	maxHeaderBytes = 64 * 1024
	minMsgTTL      = time.Second
)

// admit checks one message and adds it to b, flushing b first when the
// message's checks need the exact stream state. It returns the batch to
// continue with.
func (in *ingest) admit(b *batch, m *inMsg) *batch {
	if m.src != nil {
		return in.admitCopy(b, m)
	}
	if id, ok := batchIDOf(m.hdr); ok {
		return in.admitAtomic(b, m, id)
	}
	cfg := in.st.config()
	it := pubItem{reply: m.reply, entry: -1}
	e, apiErr := in.prepare(cfg, m, &it)
	if apiErr != nil {
		it.err = apiErr
		b.items = append(b.items, it)
		return b
	}
	if needsState(m.hdr) || it.rollup != "" {
		b = in.flush(b)
	}
	if it.msgID != "" {
		in.dd.expire(now() - int64(cfg.Duplicates))
		if rec := in.dd.find(it.msgID); rec != nil {
			it.dup = rec
			b.items = append(b.items, it)
			return b
		}
	}
	if apiErr := in.applyCounter(cfg, b, m, &e, &it); apiErr != nil {
		it.err = apiErr
		b.items = append(b.items, it)
		return b
	}
	if apiErr := in.checkExpected(m.hdr, e.Subject); apiErr != nil {
		it.err = apiErr
		b.items = append(b.items, it)
		return b
	}
	if it.msgID != "" {
		it.rec = &dedupRec{id: it.msgID, ts: now(), res: b.res}
		in.dd.add(it.rec)
	}
	it.entry = len(b.entries)
	b.entries = append(b.entries, e)
	b.items = append(b.items, it)
	if it.rollup != "" {
		b = in.flush(b)
	}
	return b
}

// prepare runs the checks that need only the message and the config, and
// builds the store entry.
func (in *ingest) prepare(cfg *StreamConfig, m *inMsg, it *pubItem) (store.Entry, *APIError) {
	e := store.Entry{Subject: m.subject, Header: m.hdr, Data: m.data}
	switch {
	case cfg.Sealed:
		return e, newError(ErrStreamSealed)
	case len(m.hdr) > maxHeaderBytes:
		return e, newError(ErrStreamHeaderExceedsMax)
	case cfg.MaxMsgSize >= 0 && len(m.hdr)+len(m.data) > int(cfg.MaxMsgSize):
		return e, newError(ErrStreamMessageExceedsMax)
	}
	if apiErr := in.quota.take(int64(in.st.store.MsgSize(m.subject, m.hdr, m.data))); apiErr != nil {
		return e, apiErr
	}
	if xf := in.st.xform.Load(); xf != nil {
		if subj, ok := xf.apply(m.subject); ok {
			e.Subject = subj
		}
	}
	if len(m.hdr) == 0 {
		return e, nil
	}
	if v, ok := wire.HeaderGet(m.hdr, hdrExpectedStream); ok && string(v) != in.st.name {
		return e, newError(ErrStreamNotMatch)
	}
	if v, ok := wire.HeaderGet(m.hdr, hdrMsgID); ok {
		it.msgID = string(v)
	}
	ttl, apiErr := parseTTLHeader(cfg, m.hdr)
	if apiErr != nil {
		return e, apiErr
	}
	e.TTL = ttl
	if it.rollup, apiErr = parseRollup(cfg, m.hdr); apiErr != nil {
		return e, apiErr
	}
	return e, in.checkSchedule(cfg, m, &e, it)
}

// needsState reports whether a message carries an expectation that must be
// checked against everything appended before it.
func needsState(hdr []byte) bool {
	if len(hdr) == 0 {
		return false
	}
	for _, k := range []string{hdrExpectedLastSeq, hdrExpectedLastSubj, hdrExpectedLastMsgID} {
		if _, ok := wire.HeaderGet(hdr, k); ok {
			return true
		}
	}
	return false
}

// checkExpected checks the Nats-Expected-Last-* headers against the store.
func (in *ingest) checkExpected(hdr []byte, subj string) *APIError {
	if len(hdr) == 0 {
		return nil
	}
	if v, ok := wire.HeaderGet(hdr, hdrExpectedLastSeq); ok {
		last := in.st.store.State().LastSeq
		if want, err := strconv.ParseUint(string(v), 10, 64); err != nil || want != last {
			return newError(ErrStreamWrongLastSequence, last)
		}
	}
	if v, ok := wire.HeaderGet(hdr, hdrExpectedLastSubj); ok {
		if s, ok := wire.HeaderGet(hdr, hdrExpectedLastSubjSj); ok {
			subj = string(s)
		}
		last, err := in.lastSeqOn(subj)
		if err != nil {
			return errorf(ErrStreamStoreFailed, "%v", err)
		}
		if want, err := strconv.ParseUint(string(v), 10, 64); err != nil || want != last {
			return newError(ErrStreamWrongLastSequence, last)
		}
	}
	if v, ok := wire.HeaderGet(hdr, hdrExpectedLastMsgID); ok && string(v) != in.lastMsgID {
		return newError(ErrStreamWrongLastMsgID, in.lastMsgID)
	}
	return nil
}

// lastSeqOn is the sequence of the newest message on subj, 0 when none.
func (in *ingest) lastSeqOn(subj string) (uint64, error) {
	m, err := in.st.store.LoadLastMsg(subj)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Seq, nil
}

// parseTTLHeader reads Nats-TTL (ADR-43): seconds or a Go duration, or
// "never"; zero is ignored.
func parseTTLHeader(cfg *StreamConfig, hdr []byte) (time.Duration, *APIError) {
	v, ok := wire.HeaderGet(hdr, hdrTTL)
	if !ok {
		return 0, nil
	}
	if !cfg.AllowMsgTTL {
		return 0, newError(ErrMessageTTLDisabled)
	}
	ttl, err := parseTTL(string(v))
	if err != nil {
		return 0, newError(ErrMessageTTLInvalid)
	}
	return ttl, nil
}

var errInvalidTTL = errors.New("invalid TTL")

// parseTTL parses a Nats-TTL value: -1 for "never", 0 for zero.
func parseTTL(v string) (time.Duration, error) {
	if v == "never" {
		return -1, nil
	}
	var ttl time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs > int64(time.Duration(1<<63-1)/time.Second) {
			return 0, errInvalidTTL
		}
		ttl = time.Duration(secs) * time.Second
	} else if ttl, err = time.ParseDuration(v); err != nil {
		return 0, errInvalidTTL
	}
	switch {
	case ttl == 0:
		return 0, nil
	case ttl < minMsgTTL:
		return 0, errInvalidTTL
	}
	return ttl, nil
}

// parseRollup reads Nats-Rollup: "sub" or "all", on streams that allow it.
func parseRollup(cfg *StreamConfig, hdr []byte) (string, *APIError) {
	v, ok := wire.HeaderGet(hdr, hdrRollup)
	if !ok {
		return "", nil
	}
	if !cfg.AllowRollup || cfg.DenyPurge {
		return "", errorf(ErrStreamRollupFailed, "rollup not permitted")
	}
	switch kind := string(v); kind {
	case rollupSubject, rollupAll:
		return kind, nil
	default:
		return "", errorf(ErrStreamRollupFailed, "rollup value invalid: %q", kind)
	}
}
