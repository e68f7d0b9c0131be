package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

func (h *harness) expire(want uint64) {
	h.t.Helper()
	n, err := h.s.Expire()
	if err != nil || n != want {
		h.t.Fatalf("Expire() = %d, %v; want %d", n, err, want)
	}
	h.check()
}

func testMaxAge(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxAge: 10 * time.Second})
	h.add("a") // T0
	h.clock.Advance(5 * time.Second)
	h.add("b", "c") // T0+5s
	h.clock.Advance(4 * time.Second)
	h.add("d") // T0+9s
	h.expire(0)
	h.clock.Advance(time.Second)
	h.expire(1) // a message expires when its age reaches MaxAge
	h.wantRemoved(store.ReasonMaxAge, 1)
	h.clock.Advance(5 * time.Second)
	// An append expires what is due before it stores.
	h.add("e")
	wantSeqs(t, "left", h.seqsOf(">"), 4, 5)
	h.wantRemoved(store.ReasonMaxAge, 2, 3)
	if st := h.state(); st.FirstSeq != 4 || st.FirstTime != T0+int64(9*time.Second) {
		t.Fatalf("state = %+v", st)
	}
	h.clock.Advance(time.Hour)
	h.expire(2)
	if st := h.state(); st.Msgs != 0 || st.FirstSeq != 6 || st.LastSeq != 5 {
		t.Fatalf("state = %+v", st)
	}
	h.add("f")
	h.check()
}

func testTTL(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxAge: 10 * time.Second})
	h.appendAll([]store.Entry{
		{Subject: "ttl.short", TTL: 2 * time.Second},
		{Subject: "ttl.long", TTL: time.Minute},
		{Subject: "ttl.never", TTL: -1},
		{Subject: "age"},
		{Subject: "ttl.short2", TTL: 2 * time.Second},
	})
	if m := h.mustLoad(2, "ttl.long"); m.TTL != time.Minute {
		t.Fatalf("TTL = %v; want 1m", m.TTL)
	}
	h.clock.Advance(2 * time.Second)
	h.expire(2)
	h.wantRemoved(store.ReasonTTL, 1, 5)
	h.clock.Advance(7 * time.Second)
	h.expire(0)
	h.clock.Advance(time.Second)
	h.expire(1) // "age" by MaxAge; TTL'd messages ignore MaxAge
	h.wantRemoved(store.ReasonMaxAge, 4)
	h.clock.Advance(time.Minute)
	h.expire(1)
	h.wantRemoved(store.ReasonTTL, 2)
	h.clock.Advance(1000 * time.Hour)
	h.expire(0)
	wantSeqs(t, "left", h.seqsOf(">"), 3)
	// A message behind a never-expiring one still ages out.
	h.add("age2")
	h.clock.Advance(10 * time.Second)
	h.expire(1)
	wantSeqs(t, "left", h.seqsOf(">"), 3)
	// Deleting a message with a pending TTL leaves nothing to expire.
	h.appendAll([]store.Entry{{Subject: "ttl.gone", TTL: time.Second}})
	if err := h.s.DeleteMsg(7, false); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	h.expire(0)
}

// testExpiryTimer checks that messages expire without writes or Expire
// calls, on the wall clock.
func testExpiryTimer(t *testing.T, newStore NewStore) {
	removed := make(chan store.Removal, 16)
	s := newStore(t, store.Config{
		MaxAge:            100 * time.Millisecond,
		MaxMsgsPerSubject: 1,
		OnRemove: func(rs []store.Removal) {
			for _, r := range rs {
				removed <- r
			}
		},
	})
	t.Cleanup(func() { _ = s.Close() })
	// The second "ttl" message pushes the first, due in 10ms, out over
	// MaxMsgsPerSubject inside the Append: the first timer finds its
	// message gone, as after a DeleteMsg, and the store must still arm
	// itself for the next ones. (A DeleteMsg after the Append would race
	// that timer: a test goroutine 10ms late finds the message expired.)
	c, err := s.Append([]store.Entry{
		{Subject: "ttl", TTL: 10 * time.Millisecond},
		{Subject: "ttl", TTL: 30 * time.Millisecond},
		{Subject: "age"},
	}, 0)
	if err != nil || c.Wait() != nil {
		t.Fatal(err)
	}
	// OnRemove runs on the goroutine that removed: the Append and each
	// timer run report in the order they are scheduled, not by sequence.
	want := []store.Removal{
		{Seq: 1, Subject: "ttl", Reason: store.ReasonMaxMsgsPerSubject},
		{Seq: 2, Subject: "ttl", Reason: store.ReasonTTL},
		{Seq: 3, Subject: "age", Reason: store.ReasonMaxAge},
	}
	var got []store.Removal
	deadline := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case r := <-removed:
			got = append(got, r)
		case <-deadline:
			t.Fatalf("the timer never removed all of %+v; removed %+v", want, got)
		}
	}
	slices.SortFunc(got, func(a, b store.Removal) int { return cmp.Compare(a.Seq, b.Seq) })
	if !slices.Equal(got, want) {
		t.Fatalf("removed %+v; want %+v", got, want)
	}
	if st := s.State(); st.Msgs != 0 {
		t.Fatalf("state = %+v", st)
	}
}
