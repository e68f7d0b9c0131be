package jetstream

import (
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// sourcing is a stream's running sourcers: its mirror or its sources.
type sourcing struct {
	mu   sync.Mutex
	list []*sourcer
}

// startSourcing starts a sourcer for the mirror and for every source.
func (st *stream) startSourcing() {
	st.stored.advance(st.store.State().LastSeq)
	st.mu.Lock()
	stopped := st.mu.stopped
	st.mu.Unlock()
	cfg := st.config()
	if stopped || (cfg.Mirror == nil && len(cfg.Sources) == 0) {
		return
	}
	var list []*sourcer
	if cfg.Mirror != nil {
		list = append(list, newSourcer(st, *cfg.Mirror, true))
	}
	for _, src := range cfg.Sources {
		list = append(list, newSourcer(st, *src, false))
	}
	st.src.mu.Lock()
	st.src.list = list
	st.src.mu.Unlock()
	for _, sc := range list {
		go sc.run()
	}
}

// stopSourcing stops every sourcer and waits for them; what they handed
// to the ingest is still stored.
func (st *stream) stopSourcing() {
	st.src.mu.Lock()
	list := st.src.list
	st.src.list = nil
	st.src.mu.Unlock()
	for _, sc := range list {
		close(sc.stop)
	}
	for _, sc := range list {
		<-sc.done
	}
}

// updateSourcing restarts the sourcers when an update changed the sources
// or removed the mirror (a mirror cannot change otherwise); each resumes
// where it was.
func (st *stream) updateSourcing(old *StreamConfig) {
	cfg := st.config()
	if reflect.DeepEqual(old.Sources, cfg.Sources) && (old.Mirror == nil) == (cfg.Mirror == nil) {
		return
	}
	st.stopSourcing()
	st.startSourcing()
}

func (st *stream) sourcers() []*sourcer {
	st.src.mu.Lock()
	defer st.src.mu.Unlock()
	return append([]*sourcer(nil), st.src.list...)
}

// storedSignal tells the readers of a stream's store (the sourcers of
// streams that copy from it) how far it is durable, and wakes them when
// that moves.
type storedSignal struct {
	seq atomic.Uint64
	mu  sync.Mutex
	ch  chan struct{}
}

// last is the last durable sequence.
func (s *storedSignal) last() uint64 { return s.seq.Load() }

// wait returns a channel closed at the next advance.
func (s *storedSignal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// advance records that everything up to seq is durable.
func (s *storedSignal) advance(seq uint64) {
	for {
		cur := s.seq.Load()
		if seq <= cur || s.seq.CompareAndSwap(cur, seq) {
			break
		}
	}
	s.mu.Lock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
	s.mu.Unlock()
}

// admitCopy adds to b a message the server stores itself: a copy from
// the origin of a mirror or source, or a delete marker. The publish checks
// (de-duplication, expectations, rollups) were the origin's or do not
// apply; it only needs room and, in a mirror, its origin sequence.
func (in *ingest) admitCopy(b *batch, m *inMsg) *batch {
	cfg := in.st.config()
	it := pubItem{entry: -1, src: m.src}
	e := store.Entry{Subject: m.subject, Header: m.hdr, Data: m.data}
	if m.src.keepSeq {
		e.MinSeq, e.At = m.src.originSeq, m.src.time
	}
	if m.src.rollup {
		it.rollup = rollupSubject
	}
	if cfg.AllowMsgCounter && !m.src.keepSeq {
		in.sourcedCounter(b, &e)
	}
	if cfg.AllowMsgTTL {
		e.TTL, _ = parseTTLHeader(cfg, m.hdr)
	}
	if it.err = in.quota.take(int64(in.st.store.MsgSize(e.Subject, e.Header, e.Data))); it.err == nil {
		it.entry = len(b.entries)
		b.entries = append(b.entries, e)
	}
	b.items = append(b.items, it)
	return b
}

// afterBatch runs on the acker once a batch's outcome is known: it tells
// each copied message's sourcer how it went, and the stream's readers how
// far the stream is durable.
func (in *ingest) afterBatch(b *batch) {
	for i := range b.items {
		if it := &b.items[i]; it.src != nil && it.src.done != nil {
			it.src.done(in.itemError(b, it))
		}
	}
	if b.res.err != nil {
		return
	}
	var last uint64
	for i := range b.entries {
		last = max(last, b.entries[i].Seq)
	}
	if last > 0 {
		in.st.noteMarkers(b.entries)
		in.st.noteSchedules(b.entries)
		in.st.stored.advance(last)
	}
}

// itemError is why an item of a batch was not stored, nil when it was.
func (in *ingest) itemError(b *batch, it *pubItem) error {
	switch {
	case it.err != nil:
		return it.err
	case b.res.err != nil:
		return b.res.err
	case it.entry < 0:
		return nil
	}
	if err := in.entryError(b, &b.entries[it.entry]); err != nil {
		return err
	}
	return nil
}

// StreamSourceInfo is the state of a mirror or source in stream info.
type StreamSourceInfo struct {
	Name              string             `json:"name"`
	Lag               uint64             `json:"lag"`
	Active            time.Duration      `json:"active"`
	FilterSubject     string             `json:"filter_subject,omitempty"`
	SubjectTransforms []SubjectTransform `json:"subject_transforms,omitempty"`
	Error             *APIError          `json:"error,omitempty"`
}

// sourceInfos reports the stream's mirror and sources.
func (st *stream) sourceInfos() (mirror *StreamSourceInfo, sources []*StreamSourceInfo) {
	for _, sc := range st.sourcers() {
		if sc.mirror {
			mirror = sc.info()
		} else {
			sources = append(sources, sc.info())
		}
	}
	return mirror, sources
}

// info is the sourcer's StreamSourceInfo: lag is what the origin holds
// beyond the position (within the filters), active the time since the
// origin was last read (-1 when never).
func (sc *sourcer) info() *StreamSourceInfo {
	sc.mu.Lock()
	next, active, errText := sc.mu.next, sc.mu.active, sc.mu.err
	sc.mu.Unlock()
	si := &StreamSourceInfo{
		Name: sc.cfg.Name, FilterSubject: sc.cfg.FilterSubject,
		SubjectTransforms: sc.cfg.SubjectTransforms, Active: -1,
	}
	if !active.IsZero() {
		si.Active = time.Since(active)
	}
	if errText != "" {
		si.Error = errorf(ErrStreamGeneral, "%s", errText)
	}
	if origin := sc.st.acc.lookup(sc.cfg.Name); origin != nil {
		si.Lag = sc.lag(origin, max(next, 1))
	}
	return si
}

func (sc *sourcer) lag(origin *stream, next uint64) uint64 {
	filters := sc.sel.filters
	if len(filters) == 0 {
		filters = []string{""}
	}
	var n uint64
	for _, f := range filters {
		if p, err := origin.store.NumPending(next, f, false); err == nil {
			n += p
		}
	}
	return n
}
