package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// loadNext calls LoadNextMsgs and returns the sequences it loaded.
func (h *harness) loadNext(filter string, start uint64, maxMsgs, maxBytes int) ([]uint64, store.Mark) {
	h.t.Helper()
	msgs, mark, err := h.s.LoadNextMsgs(filter, start, maxMsgs, maxBytes)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.t.Fatalf("LoadNextMsgs(%q, %d, %d, %d): %v", filter, start, maxMsgs, maxBytes, err)
	}
	if err == nil && len(msgs) == 0 {
		h.t.Fatalf("LoadNextMsgs(%q, %d): no messages and no ErrNotFound", filter, start)
	}
	seqs := make([]uint64, len(msgs))
	for i, m := range msgs {
		seqs[i] = m.Seq
		one, err := h.s.LoadMsg(m.Seq)
		if err != nil || one.Subject != m.Subject || string(one.Data) != string(m.Data) ||
			string(one.Header) != string(m.Header) || one.Time != m.Time || one.TTL != m.TTL {
			h.t.Fatalf("LoadNextMsgs message %d = %+v; LoadMsg gives %+v, %v", m.Seq, m, one, err)
		}
	}
	return seqs, mark
}

// firstN returns the first n of seqs at or after start.
func firstN(seqs []uint64, start uint64, n int) []uint64 {
	var out []uint64
	for _, s := range seqs {
		if s >= start && len(out) < n {
			out = append(out, s)
		}
	}
	return out
}

func testLoadNextMsgs(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a.1", "b.1", "a.2", "b.2", "a.1", "c", "a.2", "a.1")
	for _, seq := range []uint64{2, 5} {
		if err := h.s.DeleteMsg(seq, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, filter := range []string{">", "", "a.*", "a.1", "a.2", "b.>", "*", "z"} {
		all := h.seqsOf(filter)
		for start := uint64(0); start <= 9; start++ {
			for _, n := range []int{1, 2, 100} {
				got, _ := h.loadNext(filter, start, n, 0)
				wantSeqs(t, fmt.Sprintf("LoadNextMsgs(%q, %d, %d)", filter, start, n), got, firstN(all, start, n)...)
			}
		}
	}
	// maxBytes stops the batch once reached, but never before one message.
	one := int(store.MsgSize("a.1", nil, payload("a.1", 0)))
	got, _ := h.loadNext(">", 1, 100, 2*one)
	wantSeqs(t, "two messages' bytes", got, 1, 3)
	got, _ = h.loadNext(">", 1, 100, 1)
	wantSeqs(t, "one byte", got, 1)
	h.check()
}

// testRemovedSince loads ahead, removes in every way a store removes, and
// checks RemovedSince never misses a removal of what was loaded, and does
// not flag removals entirely below the range asked about (a work queue
// acknowledging behind its reader).
func testRemovedSince(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.addN("q", 20)
	seqs, mark := h.loadNext(">", 11, 5, 0)
	wantSeqs(t, "loaded", seqs, 11, 12, 13, 14, 15)
	if h.s.RemovedSince(mark, 11, 15) {
		t.Fatal("RemovedSince with no removal = true")
	}
	h.add("q", "q")
	if h.s.RemovedSince(mark, 11, 15) {
		t.Fatal("RemovedSince after an append = true")
	}
	if _, err := h.s.DeleteMsgs([]uint64{3, 1, 10, 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Compact(5); err != nil {
		t.Fatal(err)
	}
	if h.s.RemovedSince(mark, 11, 15) {
		t.Fatal("RemovedSince after removals below the range = true")
	}
	if !h.s.RemovedSince(mark, 1, 15) {
		t.Fatal("RemovedSince over removed sequences = false")
	}
	if err := h.s.DeleteMsg(13, true); err != nil {
		t.Fatal(err)
	}
	if !h.s.RemovedSince(mark, 11, 15) || !h.s.RemovedSince(mark, 13, 13) {
		t.Fatal("RemovedSince after erasing 13 = false")
	}
	seqs, mark = h.loadNext(">", 11, 5, 0)
	wantSeqs(t, "reloaded", seqs, 11, 12, 14, 15, 16)
	if h.s.RemovedSince(mark, 11, 16) {
		t.Fatal("RemovedSince at a fresh mark = true")
	}
	h.check()
}

// testRemovedSinceEach covers each way of removing, one at a time, on a
// fresh store: the read-ahead 3..6 must learn its message 4 is gone.
func testRemovedSinceEach(t *testing.T, newStore NewStore) {
	cases := []struct {
		name   string
		cfg    store.Config
		remove func(h *harness)
	}{
		{"DeleteMsg", store.Config{}, func(h *harness) { h.mustDelete(4) }},
		{"DeleteMsgs", store.Config{}, func(h *harness) { _, _ = h.s.DeleteMsgs([]uint64{9, 4}) }},
		{"PurgeAll", store.Config{}, func(h *harness) { _, _ = h.s.Purge(store.PurgeOpts{}) }},
		{"PurgeSubject", store.Config{}, func(h *harness) { _, _ = h.s.Purge(store.PurgeOpts{Subject: "s.4"}) }},
		{"PurgeKeep", store.Config{}, func(h *harness) { _, _ = h.s.Purge(store.PurgeOpts{Keep: 2}) }},
		{"PurgeSeq", store.Config{}, func(h *harness) { _, _ = h.s.Purge(store.PurgeOpts{Seq: 5}) }},
		{"Compact", store.Config{}, func(h *harness) { _, _ = h.s.Compact(5) }},
		{"CompactPastLast", store.Config{}, func(h *harness) { _, _ = h.s.Compact(100) }},
		{"MaxMsgs", store.Config{MaxMsgs: 10}, func(h *harness) { h.addN("x", 4) }},
		{"UpdateConfig", store.Config{}, func(h *harness) { _ = h.s.UpdateConfig(store.Config{MaxMsgs: 2}) }},
		{"MaxMsgsPerSubject", store.Config{MaxMsgsPerSubject: 1}, func(h *harness) { h.add("s.4") }},
		{"MaxAge", store.Config{MaxAge: time.Second}, func(h *harness) {
			h.clock.Advance(time.Second)
			_, _ = h.s.Expire()
		}},
		{"Timer", store.Config{MaxAge: time.Second}, func(h *harness) {
			h.clock.Advance(time.Second)
			h.clock.Fire()
		}},
		{"TTL", store.Config{}, func(h *harness) {
			h.clock.Advance(time.Second)
			h.add("y")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, newStore, c.cfg)
			for i := 1; i <= 10; i++ {
				e := []store.Entry{{Subject: fmt.Sprintf("s.%d", i), Data: []byte("x")}}
				if i == 4 {
					e[0].TTL = time.Second
				}
				h.appendAll(e)
			}
			seqs, mark := h.loadNext(">", 3, 4, 0)
			wantSeqs(t, "loaded", seqs, 3, 4, 5, 6)
			c.remove(h)
			h.mustNotFound(4)
			if !h.s.RemovedSince(mark, 3, 6) {
				t.Fatal("RemovedSince(3..6) = false after 4 was removed")
			}
			h.check()
		})
	}
}

func (h *harness) mustDelete(seq uint64) {
	h.t.Helper()
	if err := h.s.DeleteMsg(seq, false); err != nil {
		h.t.Fatalf("DeleteMsg(%d): %v", seq, err)
	}
}

// testRemovedSinceMany keeps removing behind a reader for longer than a
// store remembers removals one by one: the reader ahead stays valid, and
// a removal inside its range is still seen.
func testRemovedSinceMany(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.addN("q", 300)
	seqs, mark := h.loadNext("q", 200, 50, 0)
	if len(seqs) != 50 || seqs[0] != 200 {
		t.Fatalf("loaded %d from %v", len(seqs), seqs[:1])
	}
	for seq := uint64(1); seq < 150; seq++ {
		h.mustDelete(seq)
	}
	if h.s.RemovedSince(mark, 200, 249) {
		t.Fatal("RemovedSince after many removals below = true")
	}
	h.mustDelete(220)
	for seq := uint64(150); seq < 180; seq++ {
		h.mustDelete(seq)
	}
	if !h.s.RemovedSince(mark, 200, 249) {
		t.Fatal("RemovedSince missed 220 behind later removals")
	}
	h.check()
}

// readAhead is what the model test loaded before a step.
type readAhead struct {
	seqs []uint64
	mark store.Mark
}

// loadAhead loads a few messages from a random point, as a consumer
// reading ahead would, and checks them against the model.
func loadAhead(t *testing.T, h *harness, m *model, rng interface{ IntN(int) int }) readAhead {
	t.Helper()
	filter := modelFilters[rng.IntN(len(modelFilters))]
	start := uint64(rng.IntN(int(m.last) + 2))
	n := 1 + rng.IntN(8)
	seqs, mark := h.loadNext(filter, start, n, 0)
	wantSeqs(t, fmt.Sprintf("LoadNextMsgs(%q, %d, %d)", filter, start, n), seqs, firstN(m.seqs(filter), start, n)...)
	return readAhead{seqs: seqs, mark: mark}
}

// check fails if the step removed a loaded message and RemovedSince
// does not say so.
func (ra readAhead) check(t *testing.T, h *harness, m *model, what string) {
	t.Helper()
	for _, seq := range ra.seqs {
		if _, ok := m.msgs[seq]; ok {
			continue
		}
		if !h.s.RemovedSince(ra.mark, seq, seq) || !h.s.RemovedSince(ra.mark, ra.seqs[0], ra.seqs[len(ra.seqs)-1]) {
			t.Fatalf("after %s: loaded %d was removed; RemovedSince says no", what, seq)
		}
	}
}
