package jetstream

import (
	"errors"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Headers of subject delete markers (ADR-43) and of KV operations (ADR-8).
const (
	hdrMarkerReason = "Nats-Marker-Reason"
	hdrKVOperation  = "KV-Operation"
	kvOpPurge       = "PURGE"
	markerMaxAge    = "MaxAge"
)

// onRemove is the store's report of messages it removed by itself. With
// subject_delete_marker_ttl set, a subject whose last message went to
// max_age or to its own Nats-TTL gets a delete marker (ADR-43): an empty
// message on the subject with Nats-Marker-Reason: MaxAge, Nats-Rollup: sub
// and a Nats-TTL of the marker TTL, which KV watchers see as a purge. A
// removed message that was itself a marker (see markerSet) gets none, so
// markers do not beget markers. The marker is queued like a publish, so
// the ingest goroutine stays the only writer.
func (st *stream) onRemove(removed []store.Removal) {
	cfg := st.config()
	if !st.opened.Load() || cfg.SubjectDeleteMarkerTTL <= 0 {
		return
	}
	done := make(map[string]bool)
	for _, r := range removed {
		wasMarker := st.markers.take(r.Seq)
		expired := r.Reason == store.ReasonMaxAge || r.Reason == store.ReasonTTL
		if !expired || wasMarker || done[r.Subject] {
			continue
		}
		done[r.Subject] = true
		if _, err := st.store.LoadLastMsg(r.Subject); !errors.Is(err, store.ErrNotFound) {
			continue
		}
		hdr := wire.AppendStatusLine(nil, 0, "")
		hdr = wire.AppendHeader(hdr, hdrMarkerReason, markerMaxAge)
		// Whole seconds written as a duration ("50s", "1m30s"), as
		// nats-server writes a marker's Nats-TTL.
		hdr = wire.AppendHeader(hdr, hdrTTL, (time.Duration(cfg.SubjectDeleteMarkerTTL.Seconds()) * time.Second).String())
		hdr = wire.AppendHeader(hdr, hdrRollup, rollupSubject)
		hdr = wire.AppendHeaderEnd(hdr)
		st.in.push(inMsg{subject: r.Subject, hdr: hdr, src: &copyInfo{}})
	}
}

// isMarker reports a message that marks a subject's removal: a server
// delete marker or a KV purge.
func isMarker(hdr []byte) bool {
	if len(hdr) == 0 {
		return false
	}
	if _, ok := wire.HeaderGet(hdr, hdrMarkerReason); ok {
		return true
	}
	v, ok := wire.HeaderGet(hdr, hdrKVOperation)
	return ok && string(v) == kvOpPurge
}

// markerSet holds the sequences of a stream's markers, the ones whose
// expiry (by their own TTL or by max_age, a marker published without a
// TTL: nats-server counts any message with Nats-Marker-Reason or a KV
// purge) leaves no marker behind. The acker adds what it stores, start
// up adds what the store holds (streams with subject_delete_marker_ttl
// only).
type markerSet struct {
	mu   sync.Mutex
	seqs map[uint64]struct{}
	// prune is the size at which add drops the sequences below the
	// stream's first: markers that went by a purge, a rollup or a
	// delete, which onRemove does not see.
	prune int
}

const markerPruneMin = 1024

// add records seq; first, called without the set's lock held, is the
// stream's first sequence.
func (s *markerSet) add(seq uint64, first func() uint64) {
	s.mu.Lock()
	if s.seqs == nil {
		s.seqs = make(map[uint64]struct{})
	}
	s.seqs[seq] = struct{}{}
	full := len(s.seqs) >= max(s.prune, markerPruneMin)
	s.mu.Unlock()
	if !full {
		return
	}
	f := first()
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.seqs {
		if q < f {
			delete(s.seqs, q)
		}
	}
	s.prune = 2 * len(s.seqs)
}

// take reports whether seq was a marker and forgets it.
func (s *markerSet) take(seq uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.seqs[seq]
	delete(s.seqs, seq)
	return ok
}

// noteMarkers adds the stored entries of a durable batch that are
// markers.
func (st *stream) noteMarkers(entries []store.Entry) {
	if st.config().SubjectDeleteMarkerTTL <= 0 {
		return
	}
	for i := range entries {
		if e := &entries[i]; e.Seq != 0 && isMarker(e.Header) {
			st.markers.add(e.Seq, st.firstSeq)
		}
	}
}

func (st *stream) firstSeq() uint64 { return st.store.State().FirstSeq }

// recoverMarkers finds the stored markers of a stream with
// subject_delete_marker_ttl.
func (st *stream) recoverMarkers() error {
	if st.config().SubjectDeleteMarkerTTL <= 0 {
		return nil
	}
	return scanMsgs(st.store, 0, func(m *store.Msg) (bool, error) {
		if isMarker(m.Header) {
			st.markers.add(m.Seq, st.firstSeq)
		}
		return true, nil
	})
}
