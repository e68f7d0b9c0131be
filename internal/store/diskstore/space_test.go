package diskstore

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// TestSpaceFloor: appends are refused below the free-space floor without
// poisoning the store; removals still work, and appends resume once space
// is back.
func TestSpaceFloor(t *testing.T) {
	var free atomic.Int64
	free.Store(100 << 20)
	opts := memOptions(t)
	opts.MinFreeBytes = 1 << 20
	opts.DiskFree = func() (int64, error) { return free.Load(), nil }
	db := mustOpen(t, "db", opts)
	defer db.Close()
	db.space.fresh = 0 // read the free space at every append
	s, err := db.OpenStream(store.Config{Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	msg := []store.Entry{{Subject: "a", Data: make([]byte, 100)}}
	appendAll(t, s, msg)
	appendAll(t, s, msg)

	free.Store(512 << 10)
	_, err = s.Append(msg, 0)
	if !errors.Is(err, store.ErrNoSpace) {
		t.Fatalf("append on a nearly full disk: %v, want ErrNoSpace", err)
	}
	if msg[0].Seq != 0 {
		t.Fatalf("refused entry got sequence %d", msg[0].Seq)
	}
	if st := s.State(); st.Msgs != 2 || st.LastSeq != 2 {
		t.Fatalf("state after a refused append: %+v", st)
	}
	if err := s.DeleteMsg(1, false); err != nil {
		t.Fatalf("delete on a nearly full disk: %v", err)
	}
	free.Store(50 << 20)
	appendAll(t, s, msg)
	if msg[0].Seq != 3 {
		t.Fatalf("append after space came back got sequence %d, want 3", msg[0].Seq)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSpaceFloorCountsDown: between two readings the guard subtracts what
// it let through, and takes a new reading before refusing.
func TestSpaceFloorCountsDown(t *testing.T) {
	var readings atomic.Int64
	g := newSpace("", &Options{MinFreeBytes: 1000, DiskFree: func() (int64, error) {
		readings.Add(1)
		return 5000, nil
	}}, false)
	for range 4 {
		if err := g.admit(1000); err != nil {
			t.Fatal(err)
		}
	}
	if n := readings.Load(); n != 1 {
		t.Fatalf("%d readings for appends inside the first one", n)
	}
	// 1000 left by the count: this one needs a fresh reading, which says
	// 5000 free, so it passes.
	if err := g.admit(1000); err != nil {
		t.Fatal(err)
	}
	if n := readings.Load(); n != 2 {
		t.Fatalf("%d readings, want a second one near the floor", n)
	}
	if err := g.admit(4500); !errors.Is(err, store.ErrNoSpace) {
		t.Fatalf("append past the floor: %v", err)
	}
	if off := newSpace("", &Options{MinFreeBytes: -1}, true); off.admit(1<<40) != nil {
		t.Fatal("a negative floor still refuses")
	}
}
