package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

func testAppend(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	if st := h.state(); st != (store.State{}) {
		t.Fatalf("fresh state = %+v; want zero", st)
	}
	es := []store.Entry{
		{Subject: "a", Header: []byte("NATS/1.0\r\nK: v\r\n\r\n"), Data: []byte("one")},
		{Subject: "b", Data: []byte("two")},
		{Subject: "a", Data: nil},
	}
	h.appendAll(es)
	for i, e := range es {
		if e.Err != nil || e.Seq != uint64(i+1) || e.Time != T0 {
			t.Fatalf("entry %d = seq %d time %d err %v", i, e.Seq, e.Time, e.Err)
		}
		m := h.mustLoad(e.Seq, e.Subject)
		if !sameMsg(m, e.Subject, e.Header, e.Data) || m.Time != T0 {
			t.Fatalf("LoadMsg(%d) = %+v; want %+v", e.Seq, m, e)
		}
	}
	h.mustNotFound(0)
	h.mustNotFound(4)
	st := h.state()
	want := store.State{Msgs: 3, FirstSeq: 1, FirstTime: T0, LastSeq: 3, LastTime: T0, NumSubjects: 2}
	for _, e := range es {
		want.Bytes += h.s.MsgSize(e.Subject, e.Header, e.Data)
	}
	if st != want {
		t.Fatalf("state = %+v; want %+v", st, want)
	}
	checkPinnedBytes(t, want.Bytes, len(es[0].Header))
	// The caller may reuse its buffers once Append returns.
	copy(es[1].Data, "XXX")
	if m := h.mustLoad(2, "b"); string(m.Data) != "two" {
		t.Fatalf("store kept the caller's buffer: %q", m.Data)
	}
	// A batch of 100 gets consecutive sequences.
	seqs := h.addN("c", 100)
	for i, s := range seqs {
		if s != uint64(4+i) {
			t.Fatalf("batch seq[%d] = %d", i, s)
		}
	}
	// An empty batch is fine.
	h.appendAll(nil)
	h.check()
}

// checkPinnedBytes checks testAppend's three messages count as one of
// nats-server's two formulas: memory (subject+header+data+16 each) or
// file (30+subject+data each, plus 4+header with a header).
func checkPinnedBytes(t *testing.T, got uint64, hdr int) {
	t.Helper()
	memory := uint64((1 + hdr + 3 + 16) + (1 + 3 + 16) + (1 + 16))
	file := uint64((30 + 1 + 3 + 4 + hdr) + (30 + 1 + 3) + (30 + 1))
	if got != memory && got != file {
		t.Fatalf("bytes = %d; want %d (memory formula) or %d (file formula)", got, memory, file)
	}
}

func testFirstSeq(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{FirstSeq: 100})
	if st := h.state(); st.FirstSeq != 100 || st.LastSeq != 99 || st.Msgs != 0 {
		t.Fatalf("fresh state = %+v; want first 100 last 99", st)
	}
	wantSeqs(t, "seqs", h.add("a", "b"), 100, 101)
	h.check()
}

func testTimestamps(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	for _, now := range []int64{T0 + 10, T0 + 5, T0 + 20} {
		es := []store.Entry{{Subject: "a"}}
		c, err := h.s.Append(es, now)
		if err != nil || c.Wait() != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	for seq := uint64(1); seq <= 3; seq++ {
		got = append(got, h.mustLoad(seq, "a").Time)
	}
	if got[0] != T0+10 || got[1] != T0+10 || got[2] != T0+20 {
		t.Fatalf("times = %v; want non-decreasing [10 10 20] after T0", got)
	}
	h.clock.Advance(time.Second)
	h.add("a")
	if m := h.mustLoad(4, "a"); m.Time != T0+int64(time.Second) {
		t.Fatalf("now=0 time = %d; want the clock", m.Time)
	}
	if st := h.state(); st.LastTime != T0+int64(time.Second) || st.FirstTime != T0+10 {
		t.Fatalf("state times %+v", st)
	}
	// An entry's At replaces now, still never below the last time.
	at := T0 + int64(2*time.Second)
	es := []store.Entry{{Subject: "a", At: at}, {Subject: "a", At: T0}, {Subject: "a"}}
	c, err := h.s.Append(es, T0+int64(3*time.Second))
	if err != nil || c.Wait() != nil {
		t.Fatal(err)
	}
	if es[0].Time != at || es[1].Time != at || es[2].Time != T0+int64(3*time.Second) {
		t.Fatalf("times with At = %d %d %d; want At, At (not earlier), now", es[0].Time-T0, es[1].Time-T0, es[2].Time-T0)
	}
	if m := h.mustLoad(5, "a"); m.Time != at {
		t.Fatalf("stored time with At = %d; want %d", m.Time, at)
	}
}

func testRejectInvalid(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	es := []store.Entry{{Subject: "a"}, {Subject: ""}, {Subject: "b\x00c"}, {Subject: "b"}}
	h.appendAll(es)
	if es[0].Seq != 1 || es[3].Seq != 2 {
		t.Fatalf("seqs %d %d; want 1 2", es[0].Seq, es[3].Seq)
	}
	for _, i := range []int{1, 2} {
		if es[i].Seq != 0 || !errors.Is(es[i].Err, store.ErrInvalid) {
			t.Fatalf("entry %d: seq %d err %v; want ErrInvalid", i, es[i].Seq, es[i].Err)
		}
	}
	h.check()
}

func testLoadLast(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	_, err := h.s.LoadLastMsg(">")
	wantErr(t, "LoadLastMsg on empty", err, store.ErrNotFound)
	h.add("kv.a", "kv.b", "kv.a", "other.x", "kv.b.deep", "kv.c")
	cases := map[string]uint64{
		"kv.a": 3, "kv.b": 2, "kv.*": 6, "kv.>": 6, "*.x": 4, ">": 6, "": 6, "kv.b.>": 5, "*.*.deep": 5,
	}
	for filter, want := range cases {
		m, err := h.s.LoadLastMsg(filter)
		if err != nil || m.Seq != want {
			t.Fatalf("LoadLastMsg(%q) = %v, %v; want %d", filter, m, err, want)
		}
	}
	for _, filter := range []string{"kv.z", "nope.*", "kv"} {
		_, err := h.s.LoadLastMsg(filter)
		wantErr(t, "LoadLastMsg("+filter+")", err, store.ErrNotFound)
	}
	// Deleting the newest message falls back to the one before.
	if err := h.s.DeleteMsg(6, false); err != nil {
		t.Fatal(err)
	}
	for filter, want := range map[string]uint64{">": 5, "kv.*": 3, "kv.a": 3} {
		if m, err := h.s.LoadLastMsg(filter); err != nil || m.Seq != want {
			t.Fatalf("after delete LoadLastMsg(%q) = %v, %v; want %d", filter, m, err, want)
		}
	}
	if err := h.s.DeleteMsg(3, false); err != nil {
		t.Fatal(err)
	}
	if m, err := h.s.LoadLastMsg("kv.a"); err != nil || m.Seq != 1 {
		t.Fatalf("LoadLastMsg(kv.a) after delete = %v, %v; want 1", m, err)
	}
	h.check()
}

func testLoadNext(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a.1", "b.1", "a.2", "b.2", "a.1", "c", "a.2")
	for _, seq := range []uint64{2, 5} {
		if err := h.s.DeleteMsg(seq, false); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		filter string
		want   []uint64
	}{
		{">", []uint64{1, 3, 4, 6, 7}},
		{"a.*", []uint64{1, 3, 7}},
		{"a.1", []uint64{1}},
		{"a.2", []uint64{3, 7}},
		{"b.>", []uint64{4}},
		{"*", []uint64{6}},
		{"z", nil},
	}
	for _, c := range cases {
		wantSeqs(t, "seqs("+c.filter+")", h.seqsOf(c.filter), c.want...)
	}
	for _, c := range []struct {
		filter string
		start  uint64
		want   uint64
	}{{">", 2, 3}, {"a.2", 4, 7}, {"a.*", 2, 3}, {">", 0, 1}} {
		m, err := h.s.LoadNextMsg(c.filter, c.start)
		if err != nil || m.Seq != c.want {
			t.Fatalf("LoadNextMsg(%q, %d) = %v, %v; want %d", c.filter, c.start, m, err, c.want)
		}
	}
	_, err := h.s.LoadNextMsg(">", 8)
	wantErr(t, "LoadNextMsg past last", err, store.ErrNotFound)
	h.check()
}

// testLoadNextManySubjects covers wildcard filters matching more subjects
// than a store looks up one by one.
func testLoadNextManySubjects(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	var subs []string
	for i := range 300 {
		subs = append(subs, fmt.Sprintf("m.%d", i), fmt.Sprintf("n.%d", i))
	}
	h.add(subs...)
	h.add(subs...)
	got := h.seqsOf("n.*")
	if len(got) != 600 || got[0] != 2 || got[599] != 1200 {
		t.Fatalf("n.* gave %d seqs from %v", len(got), got[:min(3, len(got))])
	}
	for i, s := range got {
		if s%2 != 0 {
			t.Fatalf("n.* seq[%d] = %d; want even", i, s)
		}
	}
	m, err := h.s.LoadNextMsg("m.*", 601)
	if err != nil || m.Seq != 601 {
		t.Fatalf("LoadNextMsg(m.*, 601) = %v, %v", m, err)
	}
	if n, err := h.s.NumPending(601, "n.*", false); err != nil || n != 300 {
		t.Fatalf("NumPending(601, n.*) = %d, %v; want 300", n, err)
	}
	// A rare subject far behind a run of others: 1201, then 1402.
	h.add("rare.x")
	h.add(subs[:200]...)
	h.add("rare.x")
	for _, c := range [][2]uint64{{1, 1201}, {1202, 1402}, {1201, 1201}} {
		m, err := h.s.LoadNextMsg("rare.*", c[0])
		if err != nil || m.Seq != c[1] {
			t.Fatalf("LoadNextMsg(rare.*, %d) = %v, %v; want %d", c[0], m, err, c[1])
		}
	}
	if _, err := h.s.LoadNextMsg("rare.*", 1403); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadNextMsg(rare.*, 1403) err = %v", err)
	}
	h.check()
}

func testDeleteMsg(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "c", "d", "e")
	for _, seq := range []uint64{3, 1, 5} {
		if err := h.s.DeleteMsg(seq, false); err != nil {
			t.Fatalf("DeleteMsg(%d): %v", seq, err)
		}
		h.mustNotFound(seq)
		h.check()
	}
	wantErr(t, "second delete", h.s.DeleteMsg(3, false), store.ErrNotFound)
	wantErr(t, "delete past last", h.s.DeleteMsg(9, false), store.ErrNotFound)
	st := h.state()
	if st.FirstSeq != 2 || st.LastSeq != 5 || st.Msgs != 2 || st.NumDeleted != 2 {
		t.Fatalf("state = %+v", st)
	}
	gaps, _ := h.s.DeletedSeqs()
	wantSeqs(t, "DeletedSeqs", gaps, 3, 5)
	for _, seq := range []uint64{2, 4} {
		if err := h.s.DeleteMsg(seq, false); err != nil {
			t.Fatal(err)
		}
	}
	st = h.state()
	if st.Msgs != 0 || st.Bytes != 0 || st.FirstSeq != 6 || st.LastSeq != 5 || st.NumDeleted != 0 || st.NumSubjects != 0 {
		t.Fatalf("emptied state = %+v; want first 6 last 5", st)
	}
	wantSeqs(t, "next seq", h.add("f"), 6)
	h.check()
}

func testErase(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "a")
	if err := h.s.DeleteMsg(2, true); err != nil {
		t.Fatal(err)
	}
	h.mustNotFound(2)
	if m := h.mustLoad(3, "a"); string(m.Data) != string(payload("a", 2)) {
		t.Fatalf("neighbour damaged: %q", m.Data)
	}
	h.check()
}
