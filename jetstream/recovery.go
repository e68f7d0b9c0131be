package jetstream

import (
	"errors"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// recover rebuilds what the ingest path keeps in memory from the stored
// messages: the id of the last message, and the de-duplication window
// from the Nats-Msg-Id headers of the messages inside duplicate_window.
func (in *ingest) recover() error {
	s := in.st.store
	state := s.State()
	if state.Msgs == 0 {
		return nil
	}
	if err := in.st.recoverMarkers(); err != nil {
		return err
	}
	if err := in.st.recoverSchedules(); err != nil {
		return err
	}
	last, err := s.LoadLastMsg("")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if last != nil {
		in.lastMsgID = msgIDOf(last.Header)
	}
	window := in.st.config().Duplicates
	if window <= 0 {
		return nil
	}
	start, err := firstSeqSince(s, state, time.Now().Add(-window).UnixNano())
	if err != nil {
		return err
	}
	return scanMsgs(s, start, func(m *store.Msg) (bool, error) {
		if id := msgIDOf(m.Header); id != "" {
			in.dd.add(&dedupRec{id: id, seq: m.Seq, ts: m.Time})
		}
		return true, nil
	})
}

// firstSeqSince binary-searches the first sequence whose message is not
// older than cutoff (timestamps never decrease with sequence).
func firstSeqSince(s store.Store, state store.State, cutoff int64) (uint64, error) {
	lo, hi := state.FirstSeq, state.LastSeq+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := s.LoadNextMsg("", mid)
		if errors.Is(err, store.ErrNotFound) {
			hi = mid
			continue
		}
		if err != nil {
			return 0, err
		}
		if m.Time >= cutoff {
			hi = mid
		} else {
			lo = m.Seq + 1
		}
	}
	return lo, nil
}

func msgIDOf(hdr []byte) string {
	if len(hdr) == 0 {
		return ""
	}
	v, _ := wire.HeaderGet(hdr, hdrMsgID)
	return string(v)
}
