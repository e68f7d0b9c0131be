// Package engine implements store.Store once, over a Backend that only keeps
// messages and indexes. The engine owns the counters, the subject
// summaries, the limits, the expiry timer and the purge rules, so memstore
// and diskstore behave exactly alike. They differ only in how many bytes a
// message counts for: a backend may bring its own formula (Sizer).
package engine

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// Engine is a store.Store over a Backend.
type Engine struct {
	b         Backend
	name      string
	now       func() int64
	afterFunc func(time.Duration, func()) store.Timer
	onRemove  func([]store.Removal)
	size      func(subject string, hdr, data []byte) uint64 // see Sizer

	// gen counts the ops that removed messages; it changes only under
	// e.mu, and is read without it by RemovedSince's fast path.
	gen atomic.Uint64

	mu struct {
		sync.RWMutex
		cfg     store.Config
		closed  bool
		err     error // sticky write failure
		st      state
		subj    map[string]*subj
		dirty   []string // subjects changed by the running op
		age     ageCursor
		nextTTL int64 // earliest TTL expiry (a lower bound), 0 if none
		timer   store.Timer
		timerAt int64
		rm      removals // recent removal ops (removals.go)
	}
}

// state holds the stream counters.
type state struct {
	msgs, bytes uint64
	first       uint64
	firstTime   int64
	firstStale  bool // the message at first was removed; resolve before use
	last        uint64
	lastTime    int64
}

// subj summarizes one subject.
type subj struct {
	msgs, first, last     uint64
	firstStale, lastStale bool
	dirty                 bool
}

// ageCursor marks where the MaxAge scan resumes: no message below seq can
// expire by age, and no message from seq on is older than ts. seq 0 means
// there is nothing to scan.
type ageCursor struct {
	seq uint64
	ts  int64
}

// New returns an engine over b. rec is the recovered state of an existing
// stream, nil for a new one. A recovered engine has not applied cfg's limits
// or armed its timer yet: the caller calls UpdateConfig(cfg) once it may
// receive OnRemove calls.
func New(cfg store.Config, b Backend, rec *Recovered) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	e := &Engine{b: b, name: cfg.Name, now: cfg.Now, afterFunc: cfg.AfterFunc, onRemove: cfg.OnRemove, size: store.MsgSize}
	if sz, ok := b.(Sizer); ok {
		e.size = sz.MsgSize
	}
	e.mu.cfg = cfg
	e.mu.subj = make(map[string]*subj)
	e.mu.st.first, e.mu.st.last = cfg.FirstSeq, cfg.FirstSeq-1
	if rec == nil {
		return e, nil
	}
	if err := e.recover(rec); err != nil {
		return nil, err
	}
	return e, nil
}

// MsgSize returns the bytes a message counts for: the backend's Sizer
// formula, or store.MsgSize.
func (e *Engine) MsgSize(subject string, hdr, data []byte) uint64 {
	return e.size(subject, hdr, data)
}

func (e *Engine) recover(rec *Recovered) error {
	p := rec.State
	st := &e.mu.st
	st.first, st.last, st.lastTime = p.First, p.Last, p.LastTime
	st.msgs, st.bytes = p.Msgs, p.Bytes
	for name, s := range rec.Subjects {
		e.mu.subj[name] = &subj{msgs: s.Msgs, first: s.First, last: s.Last}
	}
	e.mu.nextTTL = rec.NextTTL
	if st.msgs == 0 {
		return nil
	}
	r, err := e.b.Rec(st.first)
	if err != nil {
		return e.corruptIfMissing(err, st.first, "first message of the stream state is missing")
	}
	st.firstTime = r.Time
	e.mu.age = ageCursor{seq: r.Seq, ts: r.Time}
	return nil
}

// corruptIfMissing turns ErrNotFound for a message the counters say exists
// into a CorruptError.
func (e *Engine) corruptIfMissing(err error, seq uint64, why string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &store.CorruptError{Stream: e.name, Seq: seq, Reason: why}
	}
	return err
}

// writable reports why the store cannot be written. e.mu must be held.
func (e *Engine) writable() error {
	if e.mu.closed {
		return store.ErrClosed
	}
	return e.mu.err
}

// Close stops the timer and closes the backend.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed {
		return store.ErrClosed
	}
	e.shut()
	return e.b.Close()
}

// Delete destroys the stream's data and closes the store.
func (e *Engine) Delete() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed {
		return store.ErrClosed
	}
	if err := e.b.Destroy(); err != nil {
		return err
	}
	e.shut()
	return e.b.Close()
}

func (e *Engine) shut() {
	e.mu.closed = true
	if e.mu.timer != nil {
		e.mu.timer.Stop()
	}
}

// UpdateConfig replaces the limits and applies them.
func (e *Engine) UpdateConfig(cfg store.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	e.mu.Lock()
	if err := e.writable(); err != nil {
		e.mu.Unlock()
		return err
	}
	c := &e.mu.cfg
	c.MaxMsgs, c.MaxBytes, c.MaxAge = cfg.MaxMsgs, cfg.MaxBytes, cfg.MaxAge
	c.MaxMsgsPerSubject = cfg.MaxMsgsPerSubject
	c.DiscardNew, c.DiscardNewPerSubject = cfg.DiscardNew, cfg.DiscardNewPerSubject
	return e.run(func(o *op) {
		o.expire(e.now())
		o.enforcePerSubject()
		o.enforceLimits()
	})
}

// Expire removes every message whose MaxAge or TTL has passed.
func (e *Engine) Expire() (uint64, error) {
	var n uint64
	e.mu.Lock()
	if err := e.writable(); err != nil {
		e.mu.Unlock()
		return 0, err
	}
	err := e.run(func(o *op) {
		o.expire(e.now())
		n = uint64(len(o.removed))
	})
	return n, err
}

// run runs fn as one op, commits it, unlocks e.mu, waits for durability and
// reports removals. e.mu must be held and the store writable.
func (e *Engine) run(fn func(o *op)) error {
	o, err := e.begin()
	if err != nil {
		e.mu.Unlock()
		return err
	}
	fn(o)
	c, removed, err := o.finish()
	e.mu.Unlock()
	if err != nil {
		return err
	}
	err = c.Wait()
	e.report(removed)
	return err
}

func (e *Engine) report(removed []store.Removal) {
	if len(removed) > 0 && e.onRemove != nil {
		e.onRemove(removed)
	}
}

// armTimer sets the timer for the next due expiry. e.mu must be held.
func (e *Engine) armTimer() {
	next := e.nextExpiry()
	if next == e.mu.timerAt {
		return
	}
	e.mu.timerAt = next
	if next == 0 {
		if e.mu.timer != nil {
			e.mu.timer.Stop()
		}
		return
	}
	d := time.Duration(next - e.now())
	if e.mu.timer == nil {
		e.mu.timer = e.afterFunc(d, e.fire)
		return
	}
	e.mu.timer.Reset(d)
}

// nextExpiry returns when the next message may expire, 0 if never.
func (e *Engine) nextExpiry() int64 {
	next := e.mu.nextTTL
	if e.mu.cfg.MaxAge > 0 && e.mu.age.seq != 0 {
		at := e.mu.age.ts + int64(e.mu.cfg.MaxAge)
		if next == 0 || at < next {
			next = at
		}
	}
	return next
}

// fire runs on the timer's goroutine.
func (e *Engine) fire() {
	e.mu.Lock()
	e.mu.timerAt = 0
	if e.writable() != nil {
		e.mu.Unlock()
		return
	}
	_ = e.run(func(o *op) { o.expire(e.now()) })
}

// Do runs fn while the store is open, holding off Close and Delete. The
// backend's own extras (metadata) use it.
func (e *Engine) Do(fn func() error) error {
	if err := e.rlock(); err != nil {
		return err
	}
	defer e.mu.RUnlock()
	return fn()
}
