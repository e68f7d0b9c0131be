package jetstream

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
	"github.com/petrelmq/petrel/server"
)

// Headers of republished messages (ADR-28) and of direct gets (ADR-31).
const (
	hdrStream    = "Nats-Stream"
	hdrSubject   = "Nats-Subject"
	hdrSequence  = "Nats-Sequence"
	hdrTimeStamp = "Nats-Time-Stamp"
	hdrLastSeq   = "Nats-Last-Sequence"
	hdrMsgSize   = "Nats-Msg-Size"
	hdrPending   = "Nats-Num-Pending"
)

// pubAckError is a failed publish's answer.
type pubAckError struct {
	Error  *APIError `json:"error"`
	Stream string    `json:"stream,omitempty"`
}

// acknowledge answers every publish of a batch whose commit outcome is
// known, in order, then republishes what it stored.
func (in *ingest) acknowledge(b *batch) {
	cfg := in.st.config()
	acks := in.st.acc.conn.NewBatch()
	for i := range b.items {
		it := &b.items[i]
		if it.reply == "" || cfg.NoAck {
			continue
		}
		in.publishAck(acks, it.reply, in.ackFor(b, it))
	}
	acks.Flush()
	if b.res.err != nil {
		in.logFailure(b)
		return
	}
	if rp := in.st.repub.Load(); rp != nil {
		for i := range b.entries {
			if e := &b.entries[i]; e.Err == nil && e.Seq != 0 {
				in.republish(cfg, rp, e)
			}
		}
	}
}

// storeFailure is the API error for a write the store did not take: a
// full disk is "insufficient resources", as a full budget is; anything
// else is a store failure with its text.
func storeFailure(err error) *APIError {
	if errors.Is(err, store.ErrNoSpace) {
		return newError(ErrInsufficientResources)
	}
	return errorf(ErrStreamStoreFailed, "%v", err)
}

// noSpaceWarnEvery spaces the warnings of a stream refused for a full
// disk: its publishers keep trying, one line per batch would flood the log.
const noSpaceWarnEvery = 10 * time.Second

// logFailure logs a batch the store did not take.
func (in *ingest) logFailure(b *batch) {
	log := in.st.acc.svc.log
	if !errors.Is(b.res.err, store.ErrNoSpace) {
		log.Errorf("JetStream stream %s: write failed, %d publishes not stored: %v", in.st.name, len(b.entries), b.res.err)
		return
	}
	in.noSpace.refused += len(b.entries)
	if now := time.Now(); now.Sub(in.noSpace.warned) >= noSpaceWarnEvery {
		log.Warnf("JetStream stream %s: disk nearly full, %d publishes refused: %v", in.st.name, in.noSpace.refused, b.res.err)
		in.noSpace.warned, in.noSpace.refused = now, 0
	}
}

// ackFor builds the JSON answer of one publish.
func (in *ingest) ackFor(b *batch, it *pubItem) []byte {
	switch {
	case it.err != nil:
		return in.errorAck(it.err)
	case it.dup != nil:
		return in.dupAck(it.dup)
	case b.res.err != nil:
		return in.errorAck(storeFailure(b.res.err))
	}
	e := &b.entries[it.entry]
	if err := in.entryError(b, e); err != nil {
		return in.errorAck(err)
	}
	if it.extra != "" {
		return extendAck(in.okAck(e.Seq, false), it.extra)
	}
	return in.okAck(e.Seq, false)
}

func (in *ingest) dupAck(rec *dedupRec) []byte {
	switch {
	case rec.err != nil:
		return in.errorAck(rec.err)
	case rec.res != nil && rec.res.err != nil:
		return in.errorAck(storeFailure(rec.res.err))
	}
	return in.okAck(rec.seq, true)
}

// okAck is {"stream":<name>[,"domain":<domain>],"seq":<seq>[,"duplicate":true]},
// the domain there when the server has a JetStream domain, as nats-server
// sends it.
func (in *ingest) okAck(seq uint64, dup bool) []byte {
	domain := in.st.acc.svc.srv.Options().JetStreamDomain
	buf := make([]byte, 0, 48+len(in.st.name)+len(domain))
	buf = append(buf, `{"stream":`...)
	buf = appendJSONString(buf, in.st.name)
	if domain != "" {
		buf = append(buf, `,"domain":`...)
		buf = appendJSONString(buf, domain)
	}
	buf = append(buf, `,"seq":`...)
	buf = strconv.AppendUint(buf, seq, 10)
	if dup {
		buf = append(buf, `,"duplicate":true`...)
	}
	return append(buf, '}')
}

func (in *ingest) errorAck(err *APIError) []byte {
	data, _ := json.Marshal(pubAckError{Error: err, Stream: in.st.name})
	return data
}

func appendJSONString(dst []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(dst, q...)
}

func (in *ingest) publishAck(acks *server.Batch, reply string, data []byte) {
	if _, err := acks.Publish(reply, "", nil, data); err != nil {
		in.st.acc.svc.log.Debugf("JetStream stream %s: ack to %s: %v", in.st.name, reply, err)
	}
}

// republish sends a stored message on to the republish destination with
// the stream's headers added (ADR-28).
func (in *ingest) republish(cfg *StreamConfig, rp *transform, e *store.Entry) {
	dest, ok := rp.apply(e.Subject)
	if !ok {
		return
	}
	hdr := openHeader(e.Header)
	hdr = wire.AppendHeader(hdr, hdrStream, in.st.name)
	hdr = wire.AppendHeader(hdr, hdrSubject, e.Subject)
	hdr = wire.AppendHeader(hdr, hdrSequence, strconv.FormatUint(e.Seq, 10))
	hdr = wire.AppendHeader(hdr, hdrTimeStamp, formatTime(e.Time))
	hdr = wire.AppendHeader(hdr, hdrLastSeq, strconv.FormatUint(e.Seq-1, 10))
	data := e.Data
	if cfg.RePublish.HeadersOnly {
		hdr = wire.AppendHeader(hdr, hdrMsgSize, strconv.Itoa(len(e.Data)))
		data = nil
	}
	hdr = wire.AppendHeaderEnd(hdr)
	if _, err := in.st.acc.conn.Publish(dest, "", hdr, data); err != nil {
		in.st.acc.svc.log.Debugf("JetStream stream %s: republish to %s: %v", in.st.name, dest, err)
	}
}

// openHeader returns a copy of hdr without its closing empty line, ready
// for more headers, or a fresh "NATS/1.0" block when hdr is empty.
func openHeader(hdr []byte) []byte {
	if len(hdr) < 4 {
		return wire.AppendStatusLine(nil, 0, "")
	}
	out := make([]byte, 0, len(hdr)+128)
	out = append(out, hdr...)
	for len(out) >= 2 && string(out[len(out)-2:]) == "\r\n" {
		out = out[:len(out)-2]
	}
	return append(out, "\r\n"...)
}

// formatTime renders Unix nanoseconds as nats-server does in headers.
func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}
