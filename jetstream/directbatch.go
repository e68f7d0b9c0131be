package jetstream

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/internal/wire"
)

// Batched and multi-subject direct gets (ADR-31, server 2.11).
//
// {"batch":n[,"seq":s][,"next_by_subj":f][,"start_time":t][,"max_bytes":b][,"up_to_seq":u]}
// streams up to n messages from s (or from the first at or after t) on f;
// {"multi_last":[f...][,"up_to_seq":u|"up_to_time":t][,"batch":n]} streams
// the last message of every subject matching the filters as of sequence u,
// in sequence order. Each message carries Nats-Num-Pending (how many more
// match) and Nats-Last-Sequence (the sequence sent before it); the batch
// ends with an empty "204 EOB" status message carrying both, and for
// multi_last Nats-UpTo-Sequence, the u to repeat for a consistent read.
// Nothing matching is a 404 ("Message Not Found" for a batch, "No
// Results" for multi_last, as nats-server says), a multi_last over more
// than 1024 subjects a 413.
const (
	hdrUpToSeq          = "Nats-UpTo-Sequence"
	maxMultiSubjects    = 1024
	defaultBatchBytes   = 64 << 20
	statusEOBCode       = 204
	statusTooManyCode   = 413
	statusTooManyText   = "Too Many Subjects"
	statusNotFoundCode  = 404
	statusNoResultsText = "No Results"
	statusEOBText       = "EOB"
)

// isBatch reports a batched or multi-subject direct get.
func (req *msgGetRequest) isBatch() bool { return req.Batch > 0 || len(req.MultiLast) > 0 }

// isEmpty reports a direct get that names no message: nats-server answers
// it "408 Empty Request" (a batch needs a start or a subject too).
func (req *msgGetRequest) isEmpty() bool {
	return req.Seq == 0 && req.LastBySubj == "" && req.NextBySubj == "" && len(req.MultiLast) == 0 && req.StartTime == nil
}

// checkDirect reports a malformed direct get request.
func (req *msgGetRequest) checkDirect() bool {
	switch {
	case req.Batch < 0 || req.MaxBytes < 0:
		return false
	case req.UpToSeq > 0 && req.UpToTime != nil, req.Batch > 0 && req.LastBySubj != "":
		return false
	case req.StartTime != nil && (req.Seq > 0 || req.LastBySubj != ""):
		return false
	case len(req.MultiLast) > 0:
		return req.checkMulti()
	case req.StartTime != nil && req.Batch == 0 && req.NextBySubj == "":
		return true // the first message at or after start_time
	case req.Batch > 0 && req.Seq == 0:
		req.Seq = 1 // from the start (or from start_time: see startSeq)
	}
	return req.check() == nil
}

func (req *msgGetRequest) checkMulti() bool {
	if req.LastBySubj != "" || req.NextBySubj != "" || req.Seq > 0 || req.StartTime != nil {
		return false
	}
	for _, f := range req.MultiLast {
		if !subject.ValidFilter(f) {
			return false
		}
	}
	return true
}

// directReply is one batch being sent to a reply subject.
type directReply struct {
	st      *stream
	reply   string
	lastSeq uint64 // sequence of the message sent before
}

func (st *stream) directBatch(reply string, req *msgGetRequest) {
	r := &directReply{st: st, reply: reply}
	if len(req.MultiLast) > 0 {
		r.multiLast(req)
		return
	}
	r.batch(req)
}

// startSeq is where a batch starts: seq, or the first message at or after
// start_time.
func (st *stream) startSeq(req *msgGetRequest) uint64 {
	if req.StartTime == nil {
		return max(req.Seq, 1)
	}
	seq, err := firstSeqSince(st.store, st.store.State(), req.StartTime.UnixNano())
	if err != nil {
		return max(req.Seq, 1)
	}
	return seq
}

// upTo is the last sequence a request may return.
func (st *stream) upTo(req *msgGetRequest) uint64 {
	last := st.store.State().LastSeq
	switch {
	case req.UpToSeq > 0:
		return min(req.UpToSeq, last)
	case req.UpToTime != nil:
		seq, err := firstSeqSince(st.store, st.store.State(), req.UpToTime.UnixNano()+1)
		if err == nil && seq > 0 {
			return min(seq-1, last)
		}
	}
	return last
}

// batch streams messages from the start on next_by_subj.
func (r *directReply) batch(req *msgGetRequest) {
	st := r.st
	start, upTo := st.startSeq(req), st.upTo(req)
	pending := r.pendingBetween(start, upTo, req.NextBySubj)
	maxBytes := req.MaxBytes
	if maxBytes == 0 {
		maxBytes = defaultBatchBytes
	}
	sent, size := 0, 0
	for seq := start; sent < req.Batch && size < maxBytes && seq <= upTo; {
		m, err := st.store.LoadNextMsg(req.NextBySubj, seq)
		if err != nil || m.Seq > upTo {
			break
		}
		pending--
		r.send(m, pending)
		sent, size, seq = sent+1, size+int(m.Size()), m.Seq+1
	}
	r.end(sent, pending, 0)
}

// pendingBetween counts the messages on filter from start to upTo.
func (r *directReply) pendingBetween(start, upTo uint64, filter string) uint64 {
	all, err := r.st.store.NumPending(start, filter, false)
	if err != nil {
		return 0
	}
	after, err := r.st.store.NumPending(upTo+1, filter, false)
	if err != nil || after > all {
		return all
	}
	return all - after
}

// multiLast streams the last message of every matching subject as of
// up_to_seq.
func (r *directReply) multiLast(req *msgGetRequest) {
	upTo := r.st.upTo(req)
	subjects := r.subjects(req.MultiLast)
	if len(subjects) > maxMultiSubjects {
		r.status(statusTooManyCode, statusTooManyText)
		return
	}
	msgs := r.lastOf(subjects, upTo)
	if len(msgs) == 0 {
		r.status(statusNotFoundCode, statusNoResultsText)
		return
	}
	limit := len(msgs)
	if req.Batch > 0 {
		limit = min(limit, req.Batch)
	}
	for i, m := range msgs[:limit] {
		r.send(m, uint64(len(msgs)-i-1))
	}
	r.end(limit, uint64(len(msgs)-limit), upTo)
}

// subjects lists the stored subjects matching any of filters.
func (r *directReply) subjects(filters []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, f := range filters {
		for subj := range r.st.store.SubjectsState(f) {
			if !seen[subj] {
				seen[subj] = true
				out = append(out, subj)
			}
		}
	}
	return out
}

// lastOf returns the newest message at or below upTo of each subject,
// in sequence order.
func (r *directReply) lastOf(subjects []string, upTo uint64) []*store.Msg {
	var msgs []*store.Msg
	for _, subj := range subjects {
		if m := r.lastAtOrBelow(subj, upTo); m != nil {
			msgs = append(msgs, m)
		}
	}
	slices.SortFunc(msgs, func(a, b *store.Msg) int { return cmp.Compare(a.Seq, b.Seq) })
	return msgs
}

// lastAtOrBelow is the newest message on subj with sequence <= upTo.
func (r *directReply) lastAtOrBelow(subj string, upTo uint64) *store.Msg {
	last, err := r.st.store.LoadLastMsg(subj)
	if err != nil || last.Seq <= upTo {
		return last
	}
	var found *store.Msg
	for seq := uint64(0); ; {
		m, err := r.st.store.LoadNextMsg(subj, seq)
		if err != nil || m.Seq > upTo {
			return found
		}
		found, seq = m, m.Seq+1
	}
}

// send publishes one message of a batch.
func (r *directReply) send(m *store.Msg, pending uint64) {
	hdr := directHeader(r.st.name, m)
	hdr = wire.AppendHeader(hdr, hdrPending, strconv.FormatUint(pending, 10))
	hdr = wire.AppendHeader(hdr, hdrLastSeq, strconv.FormatUint(r.lastSeq, 10))
	hdr = wire.AppendHeaderEnd(hdr)
	r.lastSeq = m.Seq
	r.st.acc.direct.Publish(r.reply, "", hdr, m.Data)
}

// end closes the batch with the EOB status, or answers 404 when nothing
// was sent.
func (r *directReply) end(sent int, pending, upTo uint64) {
	if sent == 0 {
		r.st.acc.direct.Publish(r.reply, "", statusNotFound, nil)
		return
	}
	hdr := wire.AppendStatusLine(nil, statusEOBCode, statusEOBText)
	hdr = wire.AppendHeader(hdr, hdrPending, strconv.FormatUint(pending, 10))
	hdr = wire.AppendHeader(hdr, hdrLastSeq, strconv.FormatUint(r.lastSeq, 10))
	if upTo > 0 {
		hdr = wire.AppendHeader(hdr, hdrUpToSeq, strconv.FormatUint(upTo, 10))
	}
	hdr = wire.AppendHeaderEnd(hdr)
	r.st.acc.direct.Publish(r.reply, "", hdr, nil)
}

func (r *directReply) status(code int, text string) {
	r.st.acc.direct.Publish(r.reply, "", wire.StatusHeader(code, text), nil)
}

// directHeader opens the reply header of a direct get: the message's own
// headers and its stream coordinates, not yet closed.
func directHeader(stream string, m *store.Msg) []byte {
	hdr := openHeader(m.Header)
	hdr = wire.AppendHeader(hdr, hdrStream, stream)
	hdr = wire.AppendHeader(hdr, hdrSubject, m.Subject)
	hdr = wire.AppendHeader(hdr, hdrSequence, strconv.FormatUint(m.Seq, 10))
	return wire.AppendHeader(hdr, hdrTimeStamp, formatTime(m.Time))
}

// loadFirstSince is a single direct get by start_time.
func (st *stream) loadFirstSince(t time.Time) (*store.Msg, error) {
	seq, err := firstSeqSince(st.store, st.store.State(), t.UnixNano())
	if err != nil {
		return nil, err
	}
	return st.store.LoadNextMsg("", seq)
}
