package engine

import (
	"fmt"
	"strings"

	"github.com/petrelmq/petrel/internal/store"
)

// Append stores msgs as one atomic write. See store.Store.
func (e *Engine) Append(msgs []store.Entry, now int64) (store.Commit, error) {
	if err := e.admit(msgs); err != nil {
		for i := range msgs {
			msgs[i].Seq, msgs[i].Time = 0, 0
		}
		return nil, err
	}
	e.mu.Lock()
	if err := e.writable(); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	if now <= 0 {
		now = e.now()
	}
	o, err := e.begin()
	if err != nil {
		e.mu.Unlock()
		return nil, err
	}
	o.expire(now)
	for i := range msgs {
		o.appendOne(&msgs[i], now)
	}
	o.enforceLimits()
	c, removed, err := o.finish()
	e.mu.Unlock()
	if err != nil {
		for i := range msgs {
			msgs[i].Seq, msgs[i].Time = 0, 0
		}
		return nil, err
	}
	e.report(removed)
	return c, nil
}

// admit asks an Admitter backend for room for msgs.
func (e *Engine) admit(msgs []store.Entry) error {
	a, ok := e.b.(Admitter)
	if !ok {
		return nil
	}
	n := 0
	for i := range msgs {
		n += int(e.size(msgs[i].Subject, msgs[i].Header, msgs[i].Data))
	}
	return a.AdmitAppend(n)
}

// appendOne checks and stores one entry.
func (o *op) appendOne(ent *store.Entry, now int64) {
	ent.Seq, ent.Time, ent.Err = 0, 0, nil
	if o.err != nil {
		return
	}
	size := o.e.size(ent.Subject, ent.Header, ent.Data)
	if ent.Err = o.admit(ent.Subject, size); ent.Err != nil {
		return
	}
	st := &o.e.mu.st
	if st.last == ^uint64(0) {
		ent.Err = fmt.Errorf("%w: sequence space exhausted", store.ErrInvalid)
		return
	}
	at := now
	if ent.At > 0 {
		at = ent.At
	}
	ent.Seq, ent.Time = max(st.last+1, ent.MinSeq), max(at, st.lastTime)
	o.put(&store.Msg{
		Subject: ent.Subject, Header: ent.Header, Data: ent.Data,
		Seq: ent.Seq, Time: ent.Time, TTL: ent.TTL,
	}, size)
	o.trimSubject(ent.Subject)
}

// admit returns why a message of size bytes on subject must be rejected.
func (o *op) admit(subject string, size uint64) error {
	if subject == "" || strings.IndexByte(subject, 0) >= 0 {
		return fmt.Errorf("%w: subject %q", store.ErrInvalid, subject)
	}
	cfg := &o.e.mu.cfg
	st := &o.e.mu.st
	if cfg.MaxBytes > 0 && size > uint64(cfg.MaxBytes) {
		return store.ErrMaxBytes
	}
	if !cfg.DiscardNew {
		return nil
	}
	if cfg.MaxMsgs > 0 && st.msgs >= uint64(cfg.MaxMsgs) {
		return store.ErrMaxMsgs
	}
	if cfg.MaxBytes > 0 && st.bytes+size > uint64(cfg.MaxBytes) {
		return store.ErrMaxBytes
	}
	if cfg.DiscardNewPerSubject && cfg.MaxMsgsPerSubject > 0 {
		if s := o.e.mu.subj[subject]; s != nil && s.msgs >= uint64(cfg.MaxMsgsPerSubject) {
			return store.ErrMaxMsgsPerSubject
		}
	}
	return nil
}

// trimSubject removes the oldest messages of subject over
// MaxMsgsPerSubject.
func (o *op) trimSubject(name string) {
	limit := o.e.mu.cfg.MaxMsgsPerSubject
	if limit <= 0 {
		return
	}
	for o.err == nil {
		s := o.e.mu.subj[name]
		if s == nil || s.msgs <= uint64(limit) {
			return
		}
		o.removeSeq(o.subjFirst(name, s), store.ReasonMaxMsgsPerSubject)
	}
}

// enforcePerSubject trims every subject over MaxMsgsPerSubject.
func (o *op) enforcePerSubject() {
	limit := o.e.mu.cfg.MaxMsgsPerSubject
	if limit <= 0 {
		return
	}
	var over []string
	for name, s := range o.e.mu.subj {
		if s.msgs > uint64(limit) {
			over = append(over, name)
		}
	}
	for _, name := range over {
		o.trimSubject(name)
	}
}

// enforceLimits removes the oldest messages while the store is over
// MaxMsgs or MaxBytes, unless DiscardNew is set.
func (o *op) enforceLimits() {
	if o.err != nil || o.e.mu.cfg.DiscardNew {
		return
	}
	if o.overLimit() == 0 {
		return
	}
	o.resolveFirst()
	if o.err != nil {
		return
	}
	err := o.tx.Scan(o.e.mu.st.first, func(r Rec) bool {
		reason := o.overLimit()
		if reason == 0 {
			return false
		}
		o.remove(r, reason, false)
		return true
	})
	if err != nil {
		o.fail(err)
	}
}

// overLimit returns which limit the store exceeds, 0 if none.
func (o *op) overLimit() store.Reason {
	cfg := &o.e.mu.cfg
	st := &o.e.mu.st
	switch {
	case cfg.MaxMsgs > 0 && st.msgs > uint64(cfg.MaxMsgs):
		return store.ReasonMaxMsgs
	case cfg.MaxBytes > 0 && st.bytes > uint64(cfg.MaxBytes):
		return store.ReasonMaxBytes
	}
	return 0
}

// expire removes the messages whose TTL or MaxAge has passed at now.
func (o *op) expire(now int64) {
	o.expireTTL(now)
	o.expireAge(now)
}

func (o *op) expireTTL(now int64) {
	e := o.e
	if o.err != nil || e.mu.nextTTL == 0 || e.mu.nextTTL > now {
		return
	}
	var due []uint64
	err := o.tx.TTLDue(now, func(seq uint64) bool {
		due = append(due, seq)
		return true
	})
	if err != nil {
		o.fail(err)
		return
	}
	for _, seq := range due {
		o.removeSeq(seq, store.ReasonTTL)
	}
	if o.err == nil {
		e.mu.nextTTL, err = o.tx.NextTTL()
		o.fail(err)
	}
}

func (o *op) expireAge(now int64) {
	e := o.e
	maxAge := int64(e.mu.cfg.MaxAge)
	if o.err != nil || maxAge <= 0 || e.mu.age.seq == 0 || e.mu.age.ts > now-maxAge {
		return
	}
	cutoff := now - maxAge
	from := max(e.mu.age.seq, e.mu.st.first)
	e.mu.age = ageCursor{}
	err := o.tx.Scan(from, func(r Rec) bool {
		if r.TTL != 0 {
			return true
		}
		if r.Time > cutoff {
			e.mu.age = ageCursor{seq: r.Seq, ts: r.Time}
			return false
		}
		o.remove(r, store.ReasonMaxAge, false)
		return true
	})
	o.fail(err)
}
