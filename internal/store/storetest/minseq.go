package storetest

import (
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// testMinSeq checks that Entry.MinSeq skips sequences: the entry takes
// MinSeq, the skipped sequences are interior gaps, and a MinSeq at or
// below the next sequence changes nothing.
func testMinSeq(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	es := []store.Entry{
		{Subject: "a", Data: []byte("1"), MinSeq: 3},
		{Subject: "b", Data: []byte("2")},
		{Subject: "a", Data: []byte("3"), MinSeq: 2},
		{Subject: "c", Data: []byte("4"), MinSeq: 10},
	}
	h.appendAll(es)
	wantSeqs(t, "seqs", []uint64{es[0].Seq, es[1].Seq, es[2].Seq, es[3].Seq}, 3, 4, 5, 10)
	st := h.state()
	if st.FirstSeq != 3 || st.LastSeq != 10 || st.Msgs != 4 || st.NumDeleted != 4 {
		t.Fatalf("state = %+v; want first 3 last 10, 4 messages, 4 deleted", st)
	}
	h.mustNotFound(7)
	h.mustLoad(10, "c")
	// After a purge the store is empty; MinSeq still places the next one.
	h.purge(store.PurgeOpts{}, 4)
	h.appendAll([]store.Entry{{Subject: "d", MinSeq: 20}})
	if st := h.state(); st.FirstSeq != 20 || st.LastSeq != 20 || st.NumDeleted != 0 {
		t.Fatalf("state after purge = %+v; want first = last = 20", st)
	}
	h.check()
}
