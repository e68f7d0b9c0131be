package jetstream

import (
	"encoding/json"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/wire"
)

// Where a sourcer resumes after a restart or a config update.
//
// A mirror keeps its origin's sequences, so its own last sequence is the
// last origin message copied. A source writes, after every durable round,
// {origin_seq, target_seq} under "source/<index>" in the target's metadata
// area; on resume it reads that and then the target's messages after
// target_seq for newer Nats-Stream-Source headers of the same source
// (copies made after the last save). A memory target keeps no metadata
// and no messages over a restart, so it copies again from the start.

// sourcePosition is what the metadata area keeps per source.
type sourcePosition struct {
	Origin uint64 `json:"origin_seq"`
	Target uint64 `json:"target_seq"`
}

func (sc *sourcer) metaKey() string { return "source/" + sc.sel.index(sc.cfg.Name) }

// resume returns the next origin sequence to copy, 0 when nothing was
// copied yet.
func (sc *sourcer) resume() uint64 {
	if sc.mirror {
		if last := sc.st.store.State().LastSeq; last > 0 {
			return last + 1
		}
		return 0
	}
	var pos sourcePosition
	if meta, ok := sc.st.store.(store.MetaStore); ok {
		if data, err := meta.GetMeta(sc.metaKey()); err == nil {
			_ = json.Unmarshal(data, &pos) // a bad record only costs a longer scan
		}
	}
	if origin := sc.scanTail(pos); origin > 0 {
		return origin + 1
	}
	return 0
}

// scanTail returns the newest origin sequence this source copied, looking
// at the target's messages after pos.Target.
func (sc *sourcer) scanTail(pos sourcePosition) uint64 {
	idx := sc.sel.index(sc.cfg.Name)
	last := pos.Origin
	_ = scanMsgs(sc.st.store, pos.Target+1, func(m *store.Msg) (bool, error) {
		if v, ok := wire.HeaderGet(m.Header, hdrStreamSource); ok {
			if i, s, ok := parseSourceHeader(string(v)); ok && i == idx {
				last = max(last, s)
			}
		}
		return true, nil
	})
	return last
}

// savePosition records that origin sequences up to origin are copied.
func (sc *sourcer) savePosition(origin uint64) {
	meta, ok := sc.st.store.(store.MetaStore)
	if sc.mirror || !ok {
		return
	}
	data, _ := json.Marshal(sourcePosition{Origin: origin, Target: sc.st.store.State().LastSeq})
	if err := meta.PutMeta(sc.metaKey(), data); err != nil {
		sc.st.acc.svc.log.Warnf("JetStream stream %s: save position of source %s: %v", sc.st.name, sc.cfg.Name, err)
	}
}
