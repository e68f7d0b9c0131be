package diskstore

import (
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/petrelmq/petrel/internal/store"
)

// survives reports whether seq 1 of stream "i" is in a power-cut copy of fs
// that keeps only synced data.
func survives(t *testing.T, fs *vfs.MemFS) bool {
	t.Helper()
	clone := fs.CrashClone(vfs.CrashCloneCfg{})
	db := mustOpen(t, "d", &Options{FS: clone, Logger: quiet{t}})
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "i"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.LoadMsg(1)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestIntervalSync(t *testing.T) {
	fs := vfs.NewCrashableMem()
	db := mustOpen(t, "d", &Options{FS: fs, Logger: quiet{t}, SyncInterval: time.Hour})
	s, err := db.OpenStream(store.Config{Name: "i"})
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s, msgs("a")...) // Wait returns at once in interval mode
	if survives(t, fs) {
		t.Fatal("unsynced message survived a power cut")
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	if !survives(t, fs) {
		t.Fatal("message lost after Sync")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIntervalSyncer(t *testing.T) {
	fs := vfs.NewCrashableMem()
	db := mustOpen(t, "d", &Options{FS: fs, Logger: quiet{t}, SyncInterval: 5 * time.Millisecond})
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "i"})
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s, msgs("a")...)
	eventually(t, 10*time.Second, func() bool { return survives(t, fs) }, "the background syncer never synced")
}

// eventually polls cond every millisecond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatal(msg)
		case <-tick.C:
		}
	}
}
