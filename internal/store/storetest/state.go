package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

func testNumPending(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("o.1", "o.2", "o.1", "x", "o.2", "o.1", "x", "o.3") // 1..8
	if err := h.s.DeleteMsg(3, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		start  uint64
		filter string
		last   bool
		want   uint64
	}{
		{0, ">", false, 7},
		{1, "", false, 7},
		{3, ">", false, 5},
		{7, ">", false, 2},
		{9, ">", false, 0},
		{0, "o.1", false, 2},
		{2, "o.1", false, 1},
		{7, "o.1", false, 0},
		{0, "o.*", false, 5},
		{5, "o.*", false, 3},
		{0, "o.>", true, 3},
		{6, "o.*", true, 2},
		{0, ">", true, 4},
		{8, ">", true, 1},
		{0, "none", false, 0},
	}
	for _, c := range cases {
		n, err := h.s.NumPending(c.start, c.filter, c.last)
		if err != nil || n != c.want {
			t.Fatalf("NumPending(%d, %q, %v) = %d, %v; want %d", c.start, c.filter, c.last, n, err, c.want)
		}
	}
}

func testSubjectsState(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{})
	h.add("a.1", "a.2", "a.1", "b.1", "a.2.x")
	cases := map[string]map[string]uint64{
		">":     {"a.1": 2, "a.2": 1, "b.1": 1, "a.2.x": 1},
		"a.*":   {"a.1": 2, "a.2": 1},
		"a.>":   {"a.1": 2, "a.2": 1, "a.2.x": 1},
		"b.1":   {"b.1": 1},
		"*.1":   {"a.1": 2, "b.1": 1},
		"zzz":   {},
		"a.2.*": {"a.2.x": 1},
	}
	for filter, want := range cases {
		got := h.s.SubjectsState(filter)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("SubjectsState(%q) = %v; want %v", filter, got, want)
		}
	}
}

func testClosed(t *testing.T, newStore NewStore) {
	s := newStore(t, store.Config{})
	c, err := s.Append(entries("a"), 0)
	if err != nil || c.Wait() != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = s.Append(entries("b"), 0)
	wantErr(t, "Append", err, store.ErrClosed)
	_, err = s.LoadMsg(1)
	wantErr(t, "LoadMsg", err, store.ErrClosed)
	_, err = s.LoadLastMsg("a")
	wantErr(t, "LoadLastMsg", err, store.ErrClosed)
	_, err = s.LoadNextMsg("a", 0)
	wantErr(t, "LoadNextMsg", err, store.ErrClosed)
	wantErr(t, "DeleteMsg", s.DeleteMsg(1, false), store.ErrClosed)
	_, err = s.Purge(store.PurgeOpts{})
	wantErr(t, "Purge", err, store.ErrClosed)
	_, err = s.Compact(5)
	wantErr(t, "Compact", err, store.ErrClosed)
	_, err = s.Expire()
	wantErr(t, "Expire", err, store.ErrClosed)
	_, err = s.NumPending(0, ">", false)
	wantErr(t, "NumPending", err, store.ErrClosed)
	_, err = s.DeletedSeqs()
	wantErr(t, "DeletedSeqs", err, store.ErrClosed)
	wantErr(t, "UpdateConfig", s.UpdateConfig(store.Config{}), store.ErrClosed)
	wantErr(t, "Close", s.Close(), store.ErrClosed)
	wantErr(t, "Delete", s.Delete(), store.ErrClosed)
}

func testDelete(t *testing.T, newStore NewStore) {
	s := newStore(t, store.Config{Name: "doomed"})
	c, err := s.Append(entries("a", "b"), 0)
	if err != nil || c.Wait() != nil {
		t.Fatal(err)
	}
	if err := s.Delete(); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = s.LoadMsg(1)
	wantErr(t, "LoadMsg after Delete", err, store.ErrClosed)
	// A new store of the same name starts empty.
	s2 := newStore(t, store.Config{Name: "doomed"})
	defer s2.Close()
	if st := s2.State(); st.Msgs != 0 || st.LastSeq != 0 {
		t.Fatalf("recreated state = %+v", st)
	}
}

func testMeta(t *testing.T, newStore NewStore) {
	s := newStore(t, store.Config{})
	defer s.Close()
	ms, ok := s.(store.MetaStore)
	if !ok {
		t.Skip("store does not implement MetaStore")
	}
	_, err := ms.GetMeta("config")
	wantErr(t, "GetMeta missing", err, store.ErrNotFound)
	for _, k := range []string{"config", "c/2", "c/1", "d"} {
		if err := ms.PutMeta(k, []byte("v-"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := ms.GetMeta("c/1"); err != nil || string(v) != "v-c/1" {
		t.Fatalf("GetMeta = %q, %v", v, err)
	}
	if err := ms.PutMeta("c/1", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if v, _ := ms.GetMeta("c/1"); string(v) != "new" {
		t.Fatalf("overwritten value = %q", v)
	}
	keys, err := ms.ListMeta("c")
	if err != nil || fmt.Sprint(keys) != "[c/1 c/2 config]" {
		t.Fatalf("ListMeta(c) = %v, %v", keys, err)
	}
	if err := ms.DeleteMeta("c/2"); err != nil {
		t.Fatal(err)
	}
	if err := ms.DeleteMeta("missing"); err != nil {
		t.Fatal(err)
	}
	keys, _ = ms.ListMeta("")
	if fmt.Sprint(keys) != "[c/1 config d]" {
		t.Fatalf("ListMeta() = %v", keys)
	}
	// Purges leave metadata alone.
	c, err := s.Append(entries("a"), 0)
	if err != nil || c.Wait() != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(store.PurgeOpts{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ms.GetMeta("config"); err != nil {
		t.Fatalf("GetMeta after purge: %v", err)
	}
}

// testConcurrent runs one appender with pipelined commits against readers,
// for the race detector.
func testConcurrent(t *testing.T, newStore NewStore) {
	h := newHarness(t, newStore, store.Config{MaxMsgsPerSubject: 50, MaxMsgs: 400})
	const batches = 60
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				st := h.s.State()
				_, err := h.s.LoadNextMsg(fmt.Sprintf("c.%d", r), st.FirstSeq)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("LoadNextMsg: %v", err)
					return
				}
				if _, err := h.s.NumPending(st.FirstSeq, "c.*", r == 1); err != nil {
					t.Errorf("NumPending: %v", err)
					return
				}
			}
		}()
	}
	waits := make(chan store.Commit, 4)
	done := make(chan error, 1)
	go func() {
		for c := range waits {
			if err := c.Wait(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range batches {
		es := make([]store.Entry, 10)
		for j := range es {
			es[j] = store.Entry{Subject: fmt.Sprintf("c.%d", (i+j)%4), Data: []byte("x")}
		}
		c, err := h.s.Append(es, 0)
		if err != nil {
			t.Fatal(err)
		}
		waits <- c
	}
	close(waits)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if st := h.state(); st.LastSeq != batches*10 || st.Msgs != 200 {
		t.Fatalf("state = %+v", st)
	}
	h.check()
}
