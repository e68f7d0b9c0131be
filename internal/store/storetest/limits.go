package storetest

import (
	"fmt"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// wantRemoved checks what OnRemove reported since the last call.
func (h *harness) wantRemoved(reason store.Reason, seqs ...uint64) {
	h.t.Helper()
	got := h.takeRemoved()
	if len(got) != len(seqs) {
		h.t.Fatalf("OnRemove reported %v; want %v %v", got, reason, seqs)
	}
	for i, r := range got {
		if r.Seq != seqs[i] || r.Reason != reason || r.Subject == "" {
			h.t.Fatalf("OnRemove reported %v; want %v %v", got, reason, seqs)
		}
	}
}

func testMaxMsgs(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxMsgs: 3})
	h.add("a", "b", "c", "d")
	wantSeqs(t, "left", h.seqsOf(">"), 2, 3, 4)
	h.wantRemoved(store.ReasonMaxMsgs, 1)
	// A batch larger than the limit keeps only its newest messages.
	h.add("e", "f", "g", "h", "i")
	wantSeqs(t, "left", h.seqsOf(">"), 7, 8, 9)
	h.wantRemoved(store.ReasonMaxMsgs, 2, 3, 4, 5, 6)
	h.check()
}

func testMaxBytes(t *testing.T, newStore NewStore) {
	one := sizeOf(t, newStore, "a", nil, payload("a", 0))
	h := newHarness(t, newStore, store.Config{MaxBytes: int64(3 * one)})
	h.add("a")
	h.add("b")
	h.add("c")
	h.add("d")
	wantSeqs(t, "left", h.seqsOf(">"), 2, 3, 4)
	h.wantRemoved(store.ReasonMaxBytes, 1)
	if st := h.state(); st.Bytes != 3*one {
		t.Fatalf("bytes = %d; want %d", st.Bytes, 3*one)
	}
	// A message that can never fit is rejected, whatever the policy.
	es := []store.Entry{{Subject: "big", Data: make([]byte, 3*one)}}
	h.appendAll(es)
	wantErr(t, "oversized", es[0].Err, store.ErrMaxBytes)
	wantSeqs(t, "left", h.seqsOf(">"), 2, 3, 4)
	h.check()
}

func testMaxMsgsPerSubject(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxMsgsPerSubject: 2})
	h.add("k.a", "k.b", "k.a", "k.a", "k.b", "k.a")
	wantSeqs(t, "k.a", h.seqsOf("k.a"), 4, 6)
	wantSeqs(t, "k.b", h.seqsOf("k.b"), 2, 5)
	h.wantRemoved(store.ReasonMaxMsgsPerSubject, 1, 3)
	if st := h.state(); st.FirstSeq != 2 || st.Msgs != 4 {
		t.Fatalf("state = %+v", st)
	}
	h.check()
}

func testDiscardNew(t *testing.T, newStore NewStore) {
	one := sizeOf(t, newStore, "a", nil, payload("a", 0))
	h := newHarness(t, newStore, store.Config{MaxMsgs: 3, DiscardNew: true})
	es := entries("a", "b", "c", "d", "e")
	h.appendAll(es)
	for i, e := range es {
		if i < 3 && (e.Err != nil || e.Seq != uint64(i+1)) {
			t.Fatalf("entry %d: seq %d err %v", i, e.Seq, e.Err)
		}
		if i >= 3 && (e.Seq != 0 || e.Err != store.ErrMaxMsgs) {
			t.Fatalf("entry %d: seq %d err %v; want ErrMaxMsgs", i, e.Seq, e.Err)
		}
	}
	h.wantRemoved(0)
	// Room made by a delete is usable again.
	if err := h.s.DeleteMsg(2, false); err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, "after delete", h.add("f"), 4)

	h2 := newHarness(t, newStore, store.Config{MaxBytes: int64(2 * one), DiscardNew: true})
	es = entries("a", "b", "c")
	h2.appendAll(es)
	if es[1].Err != nil || es[2].Err != store.ErrMaxBytes {
		t.Fatalf("errs %v %v; want nil ErrMaxBytes", es[1].Err, es[2].Err)
	}
	h2.check()

	// Without DiscardNewPerSubject the per-subject limit discards old.
	h3 := newHarness(t, newStore, store.Config{MaxMsgs: 10, MaxMsgsPerSubject: 1, DiscardNew: true})
	h3.add("k", "k", "k")
	wantSeqs(t, "k", h3.seqsOf(">"), 3)
	h3.wantRemoved(store.ReasonMaxMsgsPerSubject, 1, 2)
}

func testDiscardNewPerSubject(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxMsgsPerSubject: 2, DiscardNew: true, DiscardNewPerSubject: true})
	es := entries("k", "k", "j", "k")
	h.appendAll(es)
	if es[2].Err != nil || es[3].Err != store.ErrMaxMsgsPerSubject || es[3].Seq != 0 {
		t.Fatalf("entry 3: seq %d err %v; want ErrMaxMsgsPerSubject", es[3].Seq, es[3].Err)
	}
	wantSeqs(t, "left", h.seqsOf(">"), 1, 2, 3)
	h.check()
}

func entries(subjects ...string) []store.Entry {
	es := make([]store.Entry, len(subjects))
	for i, s := range subjects {
		es[i] = store.Entry{Subject: s, Data: payload(s, i)}
	}
	return es
}

func testUpdateConfig(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	var subs []string
	for i := range 10 {
		subs = append(subs, fmt.Sprintf("s.%d", i%3))
	}
	h.add(subs...) // s.0: 1 4 7 10, s.1: 2 5 8, s.2: 3 6 9
	update := func(cfg store.Config) {
		t.Helper()
		if err := h.s.UpdateConfig(cfg); err != nil {
			t.Fatalf("UpdateConfig(%+v): %v", cfg, err)
		}
		h.check()
	}
	update(store.Config{MaxMsgsPerSubject: 2})
	wantSeqs(t, "left", h.seqsOf(">"), 5, 6, 7, 8, 9, 10)
	update(store.Config{MaxMsgsPerSubject: 2, MaxMsgs: 4})
	wantSeqs(t, "left", h.seqsOf(">"), 7, 8, 9, 10)
	h.takeRemoved()
	one := h.s.MsgSize("s.0", nil, payload("s.0", 0))
	update(store.Config{MaxBytes: int64(2*one + 5)})
	wantSeqs(t, "left", h.seqsOf(">"), 9, 10)
	h.wantRemoved(store.ReasonMaxBytes, 7, 8)
	// With DiscardNew, shrinking removes nothing; new messages are refused.
	update(store.Config{MaxMsgs: 1, DiscardNew: true})
	wantSeqs(t, "left", h.seqsOf(">"), 9, 10)
	es := entries("s.5")
	h.appendAll(es)
	wantErr(t, "append over shrunk limit", es[0].Err, store.ErrMaxMsgs)
	// Lifting every limit lets messages in again.
	update(store.Config{})
	h.add("s.5")
	h.check()
}
