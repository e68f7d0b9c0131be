package jetstream

import (
	"errors"
	"strconv"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// hdrMarkerReason says why the server placed a subject delete marker.
const hdrMarkerReason = "Nats-Marker-Reason"

// onRemove is the store's report of messages it removed by itself. With
// subject_delete_marker_ttl set, a subject whose last message went to
// max_age gets a delete marker (ADR-43): an empty message on the subject
// with Nats-Marker-Reason: MaxAge and a Nats-TTL of the marker TTL. The
// marker is queued like a publish, so the ingest goroutine stays the only
// writer.
func (st *stream) onRemove(removed []store.Removal) {
	cfg := st.config()
	if !st.opened.Load() || cfg.SubjectDeleteMarkerTTL <= 0 {
		return
	}
	done := make(map[string]bool)
	for _, r := range removed {
		if r.Reason != store.ReasonMaxAge || done[r.Subject] {
			continue
		}
		done[r.Subject] = true
		if _, err := st.store.LoadLastMsg(r.Subject); !errors.Is(err, store.ErrNotFound) {
			continue
		}
		hdr := wire.AppendStatusLine(nil, 0, "")
		hdr = wire.AppendHeader(hdr, hdrMarkerReason, "MaxAge")
		hdr = wire.AppendHeader(hdr, hdrTTL, strconv.FormatInt(int64(cfg.SubjectDeleteMarkerTTL.Seconds()), 10))
		hdr = wire.AppendHeaderEnd(hdr)
		st.in.push(inMsg{subject: r.Subject, hdr: hdr})
	}
}
