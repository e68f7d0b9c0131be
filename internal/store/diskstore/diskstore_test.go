package diskstore

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/storetest"
)

// quiet drops Pebble's informational log lines in tests.
type quiet struct{ t testing.TB }

func (quiet) Infof(string, ...any)           {}
func (q quiet) Errorf(f string, args ...any) { q.t.Logf("pebble: "+f, args...) }
func (q quiet) Fatalf(f string, args ...any) { q.t.Fatalf("pebble: "+f, args...) }

func memOptions(t testing.TB) *Options {
	return &Options{FS: vfs.NewMem(), Logger: quiet{t}, CacheSize: 8 << 20}
}

func mustOpen(t testing.TB, dir string, opts *Options) *DB {
	t.Helper()
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// conformance runs the suite with every store in one shared DB, so the
// streams also prove they stay out of each other's keys. edit, if set,
// changes each store's config first.
func conformance(t *testing.T, opts *Options, edit func(*store.Config)) {
	db := mustOpen(t, "db", opts)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T, cfg store.Config) store.Store {
		if cfg.Name == "" {
			cfg.Name = fmt.Sprintf("stream-%d", n.Add(1))
		}
		if edit != nil {
			edit(&cfg)
		}
		s, err := db.OpenStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Check(); err != nil && err != store.ErrClosed {
				t.Errorf("Check: %v", err)
			}
		})
		return s
	})
}

func TestConformance(t *testing.T) { conformance(t, memOptions(t), nil) }

func TestConformanceIntervalSync(t *testing.T) {
	opts := memOptions(t)
	opts.SyncInterval = 10 * time.Millisecond
	conformance(t, opts, nil)
}
