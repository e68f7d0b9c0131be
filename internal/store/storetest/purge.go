package storetest

import (
	"errors"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

func testPurgeAll(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.purge(store.PurgeOpts{}, 0)
	h.add("a", "b", "c")
	h.purge(store.PurgeOpts{}, 3)
	st := h.state()
	if st.Msgs != 0 || st.FirstSeq != 4 || st.LastSeq != 3 || st.NumSubjects != 0 || st.FirstTime != 0 {
		t.Fatalf("purged state = %+v", st)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		h.mustNotFound(seq)
	}
	_, err := h.s.LoadLastMsg("a")
	wantErr(t, "LoadLastMsg after purge", err, store.ErrNotFound)
	wantSeqs(t, "after purge", h.add("a"), 4)
	h.purge(store.PurgeOpts{Subject: ">"}, 1)
	h.check()
}

func testPurgeSubject(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("kv.a", "kv.b", "kv.a", "x.y", "kv.c.d", "kv.a")
	h.purge(store.PurgeOpts{Subject: "kv.a"}, 3)
	wantSeqs(t, "left", h.seqsOf(">"), 2, 4, 5)
	h.purge(store.PurgeOpts{Subject: "kv.a"}, 0)
	h.purge(store.PurgeOpts{Subject: "kv.>"}, 2)
	wantSeqs(t, "left", h.seqsOf(">"), 4)
	if st := h.state(); st.FirstSeq != 4 || st.LastSeq != 6 {
		t.Fatalf("state = %+v", st)
	}
	h.purge(store.PurgeOpts{Subject: "*.y"}, 1)
	if st := h.state(); st.Msgs != 0 || st.FirstSeq != 7 {
		t.Fatalf("state = %+v", st)
	}
}

func testPurgeKeep(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "a", "b", "a", "c", "a")
	// Keep per literal subject (the KV purge).
	h.purge(store.PurgeOpts{Subject: "a", Keep: 1}, 3)
	wantSeqs(t, "a", h.seqsOf("a"), 7)
	h.purge(store.PurgeOpts{Subject: "a", Keep: 5}, 0)
	// Keep across a wildcard counts the matching messages together.
	h.add("b", "c") // 8 9
	h.purge(store.PurgeOpts{Subject: "*", Keep: 3}, 3)
	wantSeqs(t, "left", h.seqsOf(">"), 7, 8, 9)
	// Keep over everything.
	h.add("d", "e") // 10 11
	h.purge(store.PurgeOpts{Keep: 2}, 3)
	wantSeqs(t, "left", h.seqsOf(">"), 10, 11)
	if st := h.state(); st.FirstSeq != 10 {
		t.Fatalf("state = %+v", st)
	}
	h.purge(store.PurgeOpts{Keep: 9}, 0)
	_, err := h.s.Purge(store.PurgeOpts{Seq: 3, Keep: 1})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Purge(Seq and Keep) err = %v; want ErrInvalid", err)
	}
}

func testPurgeSeq(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "a", "b", "a", "b")
	h.purge(store.PurgeOpts{Subject: "a", Seq: 5}, 2)
	wantSeqs(t, "left", h.seqsOf(">"), 2, 4, 5, 6)
	h.purge(store.PurgeOpts{Seq: 5}, 2)
	wantSeqs(t, "left", h.seqsOf(">"), 5, 6)
	if st := h.state(); st.FirstSeq != 5 {
		t.Fatalf("state = %+v", st)
	}
	h.purge(store.PurgeOpts{Subject: ">", Seq: 100}, 2)
	if st := h.state(); st.FirstSeq != 100 || st.LastSeq != 99 || st.Msgs != 0 {
		t.Fatalf("state after purge past last = %+v", st)
	}
	wantSeqs(t, "next", h.add("z"), 100)
}

func testCompact(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "c", "d", "e", "f")
	if err := h.s.DeleteMsg(4, false); err != nil {
		t.Fatal(err)
	}
	compact := func(seq, want uint64) {
		t.Helper()
		n, err := h.s.Compact(seq)
		if err != nil || n != want {
			t.Fatalf("Compact(%d) = %d, %v; want %d", seq, n, err, want)
		}
		h.check()
	}
	compact(1, 0)
	compact(3, 2)
	compact(5, 1)
	if st := h.state(); st.FirstSeq != 5 || st.Msgs != 2 {
		t.Fatalf("state = %+v", st)
	}
	compact(4, 0)
	compact(7, 2)
	if st := h.state(); st.FirstSeq != 7 || st.LastSeq != 6 || st.Msgs != 0 {
		t.Fatalf("state = %+v", st)
	}
	compact(50, 0)
	if st := h.state(); st.FirstSeq != 50 || st.LastSeq != 49 {
		t.Fatalf("state after compact past last = %+v", st)
	}
	wantSeqs(t, "next", h.add("g"), 50)
	h.check()
}
