package storetest

import (
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// testDeleteMsgs checks the batched delete: it removes the stored
// sequences it is given in any order, skips missing and repeated ones,
// counts only what it removed, and leaves the counters, subjects and gaps
// as the same DeleteMsg calls would.
func testDeleteMsgs(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a", "b", "a", "c", "b", "a", "c", "a")
	if n, err := h.s.DeleteMsgs(nil); err != nil || n != 0 {
		t.Fatalf("DeleteMsgs(nil) = %d, %v", n, err)
	}
	n, err := h.s.DeleteMsgs([]uint64{6, 1, 4, 4, 42, 3})
	if err != nil || n != 4 {
		t.Fatalf("DeleteMsgs = %d, %v; want 4 removed", n, err)
	}
	for _, seq := range []uint64{1, 3, 4, 6} {
		h.mustNotFound(seq)
	}
	h.check()
	st := h.state()
	if st.FirstSeq != 2 || st.LastSeq != 8 || st.Msgs != 4 || st.NumDeleted != 3 || st.NumSubjects != 3 {
		t.Fatalf("state = %+v; want first 2 last 8, 4 messages, 3 deleted, 3 subjects", st)
	}
	gaps, _ := h.s.DeletedSeqs()
	wantSeqs(t, "DeletedSeqs", gaps, 3, 4, 6)
	if got := h.s.SubjectsState(">"); got["a"] != 1 || got["b"] != 2 || got["c"] != 1 {
		t.Fatalf("SubjectsState = %v", got)
	}
	if n, err := h.s.DeleteMsgs([]uint64{1, 3}); err != nil || n != 0 {
		t.Fatalf("DeleteMsgs of removed = %d, %v; want 0, nil", n, err)
	}
	if n, err := h.s.DeleteMsgs([]uint64{8, 2, 5, 7}); err != nil || n != 4 {
		t.Fatalf("DeleteMsgs of the rest = %d, %v", n, err)
	}
	st = h.state()
	if st.Msgs != 0 || st.Bytes != 0 || st.FirstSeq != 9 || st.LastSeq != 8 || st.NumDeleted != 0 || st.NumSubjects != 0 {
		t.Fatalf("emptied state = %+v; want first 9 last 8", st)
	}
	wantSeqs(t, "next seq", h.add("d"), 9)
	h.check()
}
