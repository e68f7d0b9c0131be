// Package storetest is the conformance suite every store.Store passes.
// An implementation's test calls Run with a constructor:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, cfg store.Config) store.Store {
//			s, err := memstore.New(cfg)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite closes the stores it creates. Time is driven through a fake
// Config.Now and Config.AfterFunc, so expiry is deterministic: the store's
// timer fires only where a test calls Clock.Fire. Only the timer test uses
// the wall clock, and it waits on OnRemove, never sleeps.
//
// Expected byte counts come from the store's own Store.MsgSize, so a store
// may count as either nats-server formula (store.MsgSize or
// store.FileMsgSize); testAppend checks it is one of the two.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// NewStore returns a new, empty store configured by cfg.
type NewStore func(t *testing.T, cfg store.Config) store.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newStore NewStore)
	}{
		{"Append", testAppend},
		{"FirstSeq", testFirstSeq},
		{"MinSeq", testMinSeq},
		{"Timestamps", testTimestamps},
		{"RejectInvalid", testRejectInvalid},
		{"LoadLast", testLoadLast},
		{"LoadNext", testLoadNext},
		{"LoadNextManySubjects", testLoadNextManySubjects},
		{"LoadNextMsgs", testLoadNextMsgs},
		{"RemovedSince", testRemovedSince},
		{"RemovedSinceEach", testRemovedSinceEach},
		{"RemovedSinceMany", testRemovedSinceMany},
		{"DeleteMsg", testDeleteMsg},
		{"DeleteMsgs", testDeleteMsgs},
		{"Erase", testErase},
		{"PurgeAll", testPurgeAll},
		{"PurgeSubject", testPurgeSubject},
		{"PurgeKeep", testPurgeKeep},
		{"PurgeSeq", testPurgeSeq},
		{"Compact", testCompact},
		{"MaxMsgs", testMaxMsgs},
		{"MaxBytes", testMaxBytes},
		{"MaxMsgsPerSubject", testMaxMsgsPerSubject},
		{"DiscardNew", testDiscardNew},
		{"DiscardNewPerSubject", testDiscardNewPerSubject},
		{"MaxAge", testMaxAge},
		{"TTL", testTTL},
		{"ExpiryTimer", testExpiryTimer},
		{"UpdateConfig", testUpdateConfig},
		{"NumPending", testNumPending},
		{"SubjectsState", testSubjectsState},
		{"Closed", testClosed},
		{"Delete", testDelete},
		{"Meta", testMeta},
		{"Concurrent", testConcurrent},
		{"Model", testModel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

// T0 is the fake clock's start, in Unix nanoseconds.
const T0 = int64(1_700_000_000_000_000_000)

// Clock is a fake clock for Config.Now, with fake timers for
// Config.AfterFunc. A fake timer never fires by itself: it fires in Fire,
// on the caller's goroutine. Until then the store's timer is merely late,
// which it may always be, so a test decides where the timer runs.
type Clock struct {
	ns atomic.Int64
	mu struct {
		sync.Mutex
		timers []*fakeTimer
	}
}

// NewClock returns a clock at T0.
func NewClock() *Clock {
	c := &Clock{}
	c.ns.Store(T0)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() int64 { return c.ns.Load() }

// Advance moves the clock forward by d. It runs no timer; see Fire.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// AfterFunc is Config.AfterFunc on the fake clock: f runs in the first
// Fire at or after d from now.
func (c *Clock) AfterFunc(d time.Duration, f func()) store.Timer {
	t := &fakeTimer{c: c, f: f}
	t.Reset(d)
	c.mu.Lock()
	c.mu.timers = append(c.mu.timers, t)
	c.mu.Unlock()
	return t
}

// Fire runs every timer due at the clock's time, on the caller's
// goroutine, until none is due (a timer's function may rearm a timer for a
// time already passed), and returns how many ran.
func (c *Clock) Fire() int {
	n := 0
	for round := 0; ; round++ {
		if round == 1000 {
			panic("storetest: timers keep rearming for a time already passed")
		}
		now := c.Now()
		var due []*fakeTimer
		c.mu.Lock()
		for _, t := range c.mu.timers {
			if t.armed && t.at <= now {
				t.armed = false
				due = append(due, t)
			}
		}
		c.mu.Unlock()
		if len(due) == 0 {
			return n
		}
		for _, t := range due {
			t.f()
		}
		n += len(due)
	}
}

// fakeTimer is a store.Timer on a Clock; c.mu guards at and armed.
type fakeTimer struct {
	c     *Clock
	f     func()
	at    int64
	armed bool
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.at, t.armed = t.c.Now()+int64(d), true
	return was
}

// harness is one store under test with a fake clock and a record of what
// OnRemove reported.
type harness struct {
	t     *testing.T
	s     store.Store
	clock *Clock
	mu    struct {
		sync.Mutex
		removed []store.Removal
	}
}

func newHarness(t *testing.T, newStore NewStore, cfg store.Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: NewClock()}
	if cfg.Now == nil {
		cfg.Now, cfg.AfterFunc = h.clock.Now, h.clock.AfterFunc
	}
	cfg.OnRemove = func(rs []store.Removal) {
		h.mu.Lock()
		h.mu.removed = append(h.mu.removed, rs...)
		h.mu.Unlock()
	}
	h.s = newStore(t, cfg)
	t.Cleanup(func() { _ = h.s.Close() })
	return h
}

// sizeOf asks a store made by newStore what a message counts for, for a
// test that needs it before it creates the store under test.
func sizeOf(t *testing.T, newStore NewStore, subject string, hdr, data []byte) uint64 {
	t.Helper()
	s := newStore(t, store.Config{})
	defer s.Close()
	return s.MsgSize(subject, hdr, data)
}

// takeRemoved returns and clears what OnRemove reported.
func (h *harness) takeRemoved() []store.Removal {
	h.mu.Lock()
	defer h.mu.Unlock()
	rs := h.mu.removed
	h.mu.removed = nil
	return rs
}

// payload is the data the harness stores for seq n on subject.
func payload(subject string, n int) []byte { return fmt.Appendf(nil, "%s#%d", subject, n) }

// add appends one message per subject as one batch and returns their
// sequences; it fails the test on any rejection.
func (h *harness) add(subjects ...string) []uint64 {
	h.t.Helper()
	es := make([]store.Entry, len(subjects))
	for i, s := range subjects {
		es[i] = store.Entry{Subject: s, Data: payload(s, i)}
	}
	h.appendAll(es)
	seqs := make([]uint64, len(es))
	for i, e := range es {
		if e.Err != nil {
			h.t.Fatalf("append %q: %v", e.Subject, e.Err)
		}
		seqs[i] = e.Seq
	}
	return seqs
}

// appendAll appends es and waits for the commit.
func (h *harness) appendAll(es []store.Entry) {
	h.t.Helper()
	c, err := h.s.Append(es, 0)
	if err != nil {
		h.t.Fatalf("Append: %v", err)
	}
	if err := c.Wait(); err != nil {
		h.t.Fatalf("Wait: %v", err)
	}
}

// addN appends n messages on subject, one batch.
func (h *harness) addN(subject string, n int) []uint64 {
	h.t.Helper()
	subs := make([]string, n)
	for i := range subs {
		subs[i] = subject
	}
	return h.add(subs...)
}

func (h *harness) state() store.State { return h.s.State() }

// seqsOf lists the stored sequences via LoadNextMsg.
func (h *harness) seqsOf(filter string) []uint64 {
	h.t.Helper()
	var out []uint64
	for seq := uint64(0); ; seq++ {
		m, err := h.s.LoadNextMsg(filter, seq)
		if errors.Is(err, store.ErrNotFound) {
			return out
		}
		if err != nil {
			h.t.Fatalf("LoadNextMsg(%q, %d): %v", filter, seq, err)
		}
		out = append(out, m.Seq)
		seq = m.Seq
	}
}

// check verifies the store's counters against its messages.
func (h *harness) check() {
	h.t.Helper()
	t := h.t
	st := h.s.State()
	var msgs, bytesTotal uint64
	subjects := map[string]uint64{}
	last := map[string]uint64{}
	var first uint64
	var firstTime int64
	var seqs []uint64
	for seq := uint64(0); ; seq++ {
		m, err := h.s.LoadNextMsg(">", seq)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatalf("LoadNextMsg: %v", err)
		}
		if first == 0 {
			first, firstTime = m.Seq, m.Time
		}
		seq = m.Seq
		seqs = append(seqs, seq)
		msgs++
		bytesTotal += h.s.MsgSize(m.Subject, m.Header, m.Data)
		subjects[m.Subject]++
		last[m.Subject] = m.Seq
	}
	if st.Msgs != msgs || st.Bytes != bytesTotal || st.NumSubjects != len(subjects) {
		t.Fatalf("state %+v; messages say msgs=%d bytes=%d subjects=%d", st, msgs, bytesTotal, len(subjects))
	}
	if msgs > 0 && (st.FirstSeq != first || st.FirstTime != firstTime) {
		t.Fatalf("state first %d@%d, first message %d@%d", st.FirstSeq, st.FirstTime, first, firstTime)
	}
	if msgs == 0 && st.LastSeq != 0 && st.FirstSeq != st.LastSeq+1 {
		t.Fatalf("empty state %+v: want FirstSeq = LastSeq+1", st)
	}
	if msgs > 0 && seqs[len(seqs)-1] > st.LastSeq {
		t.Fatalf("message %d beyond LastSeq %d", seqs[len(seqs)-1], st.LastSeq)
	}
	h.checkGaps(st, seqs)
	h.checkSubjects(subjects, last)
	if n, err := h.s.NumPending(0, ">", false); err != nil || n != msgs {
		t.Fatalf("NumPending(all) = %d, %v; want %d", n, err, msgs)
	}
}

func (h *harness) checkGaps(st store.State, seqs []uint64) {
	h.t.Helper()
	var want []uint64
	if len(seqs) > 0 {
		next := seqs[0]
		for _, s := range seqs {
			for ; next < s; next++ {
				want = append(want, next)
			}
			next = s + 1
		}
		for ; next <= st.LastSeq; next++ {
			want = append(want, next)
		}
	}
	got, err := h.s.DeletedSeqs()
	if err != nil {
		h.t.Fatalf("DeletedSeqs: %v", err)
	}
	if !equalSeqs(got, want) || st.NumDeleted != uint64(len(want)) {
		h.t.Fatalf("DeletedSeqs = %v, NumDeleted = %d; want %v", got, st.NumDeleted, want)
	}
}

func (h *harness) checkSubjects(counts, last map[string]uint64) {
	h.t.Helper()
	got := h.s.SubjectsState(">")
	if len(got) != len(counts) {
		h.t.Fatalf("SubjectsState = %v; want %v", got, counts)
	}
	for subj, n := range counts {
		if got[subj] != n {
			h.t.Fatalf("SubjectsState[%q] = %d; want %d", subj, got[subj], n)
		}
		m, err := h.s.LoadLastMsg(subj)
		if err != nil || m.Seq != last[subj] {
			h.t.Fatalf("LoadLastMsg(%q) = %v, %v; want seq %d", subj, m, err, last[subj])
		}
	}
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mustLoad loads seq and checks subject and payload.
func (h *harness) mustLoad(seq uint64, subject string) *store.Msg {
	h.t.Helper()
	m, err := h.s.LoadMsg(seq)
	if err != nil {
		h.t.Fatalf("LoadMsg(%d): %v", seq, err)
	}
	if m.Seq != seq || m.Subject != subject {
		h.t.Fatalf("LoadMsg(%d) = %d %q; want %q", seq, m.Seq, m.Subject, subject)
	}
	return m
}

func (h *harness) mustNotFound(seq uint64) {
	h.t.Helper()
	if m, err := h.s.LoadMsg(seq); !errors.Is(err, store.ErrNotFound) {
		h.t.Fatalf("LoadMsg(%d) = %v, %v; want ErrNotFound", seq, m, err)
	}
}

func (h *harness) purge(opts store.PurgeOpts, want uint64) {
	h.t.Helper()
	n, err := h.s.Purge(opts)
	if err != nil || n != want {
		h.t.Fatalf("Purge(%+v) = %d, %v; want %d", opts, n, err, want)
	}
	h.check()
}

func wantSeqs(t *testing.T, what string, got []uint64, want ...uint64) {
	t.Helper()
	if !equalSeqs(got, want) {
		t.Fatalf("%s = %v; want %v", what, got, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v; want %v", what, err, want)
	}
}

func sameMsg(m *store.Msg, subject string, hdr, data []byte) bool {
	return m.Subject == subject && bytes.Equal(m.Header, hdr) && bytes.Equal(m.Data, data)
}
