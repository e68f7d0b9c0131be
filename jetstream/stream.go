package jetstream

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/server"
)

// stream is one stream: its configuration, its store, its subscriptions
// and its ingest pipeline.
type stream struct {
	acc     *account
	name    string
	created time.Time
	store   store.Store
	in      *ingest
	cons    consumerSet // the stream's consumers
	opened  atomic.Bool // store and in are set

	src     sourcing     // its mirror or sources (sourcing.go)
	stored  storedSignal // how far the store is durable, for sourcers
	markers markerSet    // markers that may expire (markers.go)
	sched   scheduler    // message schedules (schedule.go)

	cfg   atomic.Pointer[StreamConfig] // immutable once stored
	xform atomic.Pointer[transform]    // subject_transform, nil when none
	repub atomic.Pointer[transform]    // republish mapping, nil when none

	mu struct {
		sync.Mutex
		subs    []*server.InprocSub
		direct  []*server.InprocSub
		stopped bool
	}
}

// openStream opens the store of rec's stream (creating it when new), starts
// its ingest pipeline and subscribes its subjects.
func openStream(a *account, rec *streamRecord, recovering bool) (*stream, error) {
	cfg := rec.Config
	st := &stream{acc: a, name: cfg.Name, created: rec.Created}
	st.sched.st = st
	if err := st.setConfig(&cfg); err != nil {
		return nil, err
	}
	scfg := storeConfig(&cfg)
	scfg.OnRemove = st.onRemove
	s, err := a.svc.stores.open(a.acc.Name+"/"+cfg.Name, cfg.Storage, scfg, !recovering)
	if err != nil {
		return nil, fmt.Errorf("open store of stream %s: %w", cfg.Name, err)
	}
	st.store = s
	st.in = newIngest(st)
	st.opened.Store(true)
	if recovering {
		if err := st.in.recover(); err != nil {
			s.Close()
			return nil, fmt.Errorf("recover stream %s: %w", cfg.Name, err)
		}
	}
	st.in.start()
	if err := st.subscribe(); err != nil {
		st.stop()
		return nil, err
	}
	st.startSourcing()
	return st, nil
}

// storeConfig maps the limits and compression of cfg onto the store's.
func storeConfig(cfg *StreamConfig) store.Config {
	return store.Config{
		Compress:             cfg.Compression == CompressionS2,
		FirstSeq:             cfg.FirstSeq,
		MaxMsgs:              cfg.MaxMsgs,
		MaxBytes:             cfg.MaxBytes,
		MaxMsgsPerSubject:    cfg.MaxMsgsPerSubject,
		MaxAge:               cfg.MaxAge,
		DiscardNew:           cfg.Discard == DiscardNew,
		DiscardNewPerSubject: cfg.DiscardNewPerSubject,
	}
}

// setConfig installs cfg and the transforms it implies.
func (st *stream) setConfig(cfg *StreamConfig) error {
	var xf, rp *transform
	var err error
	if t := cfg.SubjectTransform; t != nil {
		if xf, err = newTransform(t.Source, t.Destination); err != nil {
			return err
		}
	}
	if r := cfg.RePublish; r != nil {
		if rp, err = newTransform(r.Source, r.Destination); err != nil {
			return err
		}
	}
	st.cfg.Store(cfg)
	st.xform.Store(xf)
	st.repub.Store(rp)
	return nil
}

// config returns the current configuration; do not modify it.
func (st *stream) config() *StreamConfig { return st.cfg.Load() }

// numConsumers is the number of consumers on the stream.
func (st *stream) numConsumers() int { return st.cons.count() }

// subscribe (re)subscribes the stream's subjects and, with allow_direct,
// the direct get endpoints.
func (st *stream) subscribe() error {
	cfg := st.config()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.unsubscribeLocked()
	for _, subj := range cfg.Subjects {
		sub, err := st.acc.conn.SubscribeInlineStream(subj, st.name, st.in.enqueue)
		if err != nil {
			return err
		}
		st.mu.subs = append(st.mu.subs, sub)
	}
	if !cfg.AllowDirect {
		return nil
	}
	for _, subj := range []string{directPrefix + st.name, directPrefix + st.name + ".>"} {
		sub, err := st.acc.direct.Subscribe(subj, st.directGet)
		if err != nil {
			return err
		}
		st.mu.direct = append(st.mu.direct, sub)
	}
	return nil
}

func (st *stream) unsubscribeLocked() {
	for _, sub := range slices.Concat(st.mu.subs, st.mu.direct) {
		sub.Unsubscribe()
	}
	st.mu.subs, st.mu.direct = nil, nil
}

// update applies a validated new configuration.
func (st *stream) update(cfg *StreamConfig) error {
	old := st.config()
	scfg := storeConfig(cfg)
	scfg.OnRemove = st.onRemove
	if err := st.store.UpdateConfig(scfg); err != nil {
		return err
	}
	if err := st.setConfig(cfg); err != nil {
		return err
	}
	st.updateSourcing(old)
	if !slices.Equal(old.Subjects, cfg.Subjects) || old.AllowDirect != cfg.AllowDirect {
		return st.subscribe()
	}
	return nil
}

// halt unsubscribes and drains the ingest pipeline; it reports whether the
// stream was running.
func (st *stream) halt() bool {
	st.mu.Lock()
	if st.mu.stopped {
		st.mu.Unlock()
		return false
	}
	st.mu.stopped = true
	st.unsubscribeLocked()
	st.mu.Unlock()
	st.stopSourcing()
	st.sched.stop()
	st.in.stop()
	return true
}

// stop halts the stream and closes its store; the data stays.
func (st *stream) stop() error {
	st.stopConsumers()
	if !st.halt() {
		return nil
	}
	return st.store.Close()
}

// delete halts the stream and removes its data.
func (st *stream) delete() error {
	st.deleteConsumers()
	if !st.halt() {
		return errors.New("stream already stopped")
	}
	return st.store.Delete()
}
