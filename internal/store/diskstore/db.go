package diskstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/petrelmq/petrel/internal/store"
)

// Options configure a DB. The zero value is valid and durable.
type Options struct {
	// FS is the filesystem. Default vfs.Default (the OS). Tests use
	// vfs.NewMem, vfs.NewCrashableMem or an errorfs wrapper.
	FS vfs.FS

	// SyncAlways makes every Commit wait for an fsync of its batch.
	// Interval mode is used only when SyncAlways is false AND
	// SyncInterval > 0, so the zero Options are durable. Default: sync
	// always.
	SyncAlways bool
	// SyncInterval is how often interval mode fsyncs the WAL. Default 0
	// (which means sync always).
	SyncInterval time.Duration

	// CacheSize is Pebble's block cache in bytes. Default 64 MiB. Pebble
	// counts its memtables against the cache it is given, so the cache
	// is created with room for memTableStopWrites memtables on top:
	// CacheSize is what is left for blocks.
	CacheSize int64
	// MemTableSize is the size of one Pebble memtable in bytes: how much
	// is written between two flushes to L0. Pebble starts at 256 KiB and
	// doubles up to this as writes come, so an idle store stays small;
	// up to memTableStopWrites memtables may be in memory at once.
	// Default 64 MiB (Pebble's own default, 4 MiB, spent about 60% of the
	// server's CPU on compactions under async publish).
	MemTableSize uint64
	// MinFreeBytes is the free space the store keeps on its filesystem:
	// appends are refused with store.ErrNoSpace below it (removals never
	// are), so the WAL does not run into a full disk. Default 16 MiB;
	// negative turns the check off. It applies on the OS filesystem, or
	// wherever DiskFree is given.
	MinFreeBytes int64
	// DiskFree measures the free space, for tests. Default: statfs of the
	// directory.
	DiskFree func() (int64, error)
	// Logger receives Pebble's log. Default: Pebble's default logger, the
	// standard log package (it reports WAL replay at open).
	Logger pebble.Logger
	// Tune, if set, may adjust the Pebble options last, before Open.
	Tune func(*pebble.Options)
}

const (
	defaultCacheSize    = 64 << 20
	defaultMemTableSize = 64 << 20
)

// Pebble tuning for the JetStream workload: messages are appended in
// sequence order (keys only grow), read back mostly while recent, and
// removed oldest first by limits or in ranges by purges. Pebble's defaults
// suit random writes; here they flush and compact far more than needed.
// Measured with `nats bench js pub async` (bench/RESULTS.md).
const (
	// memTableStopWrites is how many memtables (the mutable one and those
	// queued for flush) may exist before writes stall. Pebble default 2;
	// 4 rides out a flush of a large memtable without stalling.
	memTableStopWrites = 4
	// l0CompactionThreshold is the L0 read amplification that triggers an
	// L0 -> Lbase compaction; l0StopWrites stalls writes. Pebble defaults
	// 4 and 12. Larger flushes (MemTableSize) make each L0 file worth
	// more, and appended keys rarely overlap, so compact less eagerly.
	l0CompactionThreshold = 8
	l0StopWrites          = 24
)

// syncAlways reports whether the options select sync-always mode.
func (o *Options) syncAlways() bool { return o.SyncAlways || o.SyncInterval <= 0 }

// DB is one store directory: a Pebble database holding many streams.
type DB struct {
	pdb    *pebble.DB
	opts   Options
	wsync  *pebble.WriteOptions  // for message batches
	failed atomic.Pointer[error] // first write failure; poisons every write
	stop   chan struct{}         // closes the interval syncer
	synced chan struct{}         // closed when the syncer has stopped
	space  *space                // free-space floor for appends; nil: off

	mu struct {
		sync.Mutex
		closed  bool
		nextID  uint64
		streams map[string]*Stream
		pending map[*commit]struct{} // batches applied but not yet waited
	}
}

// Open opens (creating if needed) the store directory dir. opts may be nil.
func Open(dir string, opts *Options) (*DB, error) {
	db := &DB{stop: make(chan struct{}), synced: make(chan struct{})}
	if opts != nil {
		db.opts = *opts
	}
	osFS := db.opts.FS == nil || db.opts.FS == vfs.Default
	if osFS {
		db.opts.FS = newWALFS(vfs.Default)
	}
	db.space = newSpace(dir, &db.opts, osFS)
	if db.space != nil {
		db.space.reclaim = db.flushLogs
	}
	if db.opts.CacheSize <= 0 {
		db.opts.CacheSize = defaultCacheSize
	}
	if db.opts.MemTableSize == 0 {
		db.opts.MemTableSize = defaultMemTableSize
	}
	db.wsync = pebble.Sync
	if !db.opts.syncAlways() {
		db.wsync = pebble.NoSync
	}
	if err := db.openPebble(dir); err != nil {
		return nil, err
	}
	db.mu.streams = make(map[string]*Stream)
	db.mu.pending = make(map[*commit]struct{})
	if err := db.loadNextID(); err != nil {
		_ = db.pdb.Close()
		return nil, err
	}
	if db.opts.syncAlways() {
		close(db.synced)
	} else {
		go db.syncLoop(db.opts.SyncInterval)
	}
	return db, nil
}

func (db *DB) openPebble(dir string) error {
	memtables := int64(db.opts.MemTableSize) * memTableStopWrites
	cache := pebble.NewCache(db.opts.CacheSize + memtables)
	defer cache.Unref()
	popts := &pebble.Options{
		FS:                          db.opts.FS,
		Cache:                       cache,
		Logger:                      db.opts.Logger,
		FormatMajorVersion:          pebble.FormatNewest,
		MemTableSize:                db.opts.MemTableSize,
		MemTableStopWritesThreshold: memTableStopWrites,
		L0CompactionThreshold:       l0CompactionThreshold,
		L0StopWritesThreshold:       l0StopWrites,
	}
	if db.opts.Tune != nil {
		db.opts.Tune(popts)
	}
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		return fmt.Errorf("diskstore: open %s: %w", dir, err)
	}
	db.pdb = pdb
	return nil
}

func (db *DB) loadNextID() error {
	val, closer, err := db.pdb.Get(nextIDKey)
	if errors.Is(err, pebble.ErrNotFound) {
		db.mu.nextID = 1
		return nil
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	if len(val) != 8 {
		return &store.CorruptError{Key: "next stream id", Reason: "not 8 bytes"}
	}
	db.mu.nextID = binary.BigEndian.Uint64(val)
	return nil
}

// syncLoop fsyncs the WAL every interval (interval mode).
func (db *DB) syncLoop(interval time.Duration) {
	defer close(db.synced)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			if err := db.syncWAL(); err != nil {
				return
			}
		}
	}
}

// flushLogs starts a flush of the memtables, in the background: what
// was purged or deleted since the last flush stays in the WAL files until
// the memtables holding it are flushed and the files released, so a disk
// full of removed messages only frees up then.
func (db *DB) flushLogs() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.mu.closed || db.err() != nil {
		return
	}
	if _, err := db.pdb.AsyncFlush(); err != nil && db.opts.Logger != nil {
		db.opts.Logger.Infof("diskstore: flush to reclaim disk space: %v", err)
	}
}

// syncWAL fsyncs everything written so far.
func (db *DB) syncWAL() error {
	if err := db.err(); err != nil {
		return err
	}
	if err := db.pdb.LogData(nil, pebble.Sync); err != nil {
		db.fail(err)
		return err
	}
	return nil
}

// Sync makes every write so far durable, in either mode.
func (db *DB) Sync() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.mu.closed {
		return store.ErrClosed
	}
	return db.syncWAL()
}

// err returns the write failure that poisoned the DB, if any.
func (db *DB) err() error {
	if p := db.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// fail poisons the DB with err (the first failure wins).
func (db *DB) fail(err error) {
	err = fmt.Errorf("diskstore: write failed, reopen the store: %w", err)
	db.failed.CompareAndSwap(nil, &err)
}

// Streams returns the names of every stream in the directory, sorted.
func (db *DB) Streams() ([]string, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.mu.closed {
		return nil, store.ErrClosed
	}
	v := view{r: db.pdb}
	lo := []byte{prefixCatalog}
	var names []string
	err := v.iter(lo, prefixEnd(lo), false, func(it *pebble.Iterator) (bool, error) {
		names = append(names, string(it.Key()[1:]))
		return true, nil
	})
	return names, err
}

// Close closes every open stream, waits for pending commits and closes the
// database.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.mu.closed {
		db.mu.Unlock()
		return store.ErrClosed
	}
	db.mu.closed = true
	streams := make([]*Stream, 0, len(db.mu.streams))
	for _, s := range db.mu.streams {
		streams = append(streams, s)
	}
	db.mu.Unlock()
	for _, s := range streams {
		_ = s.Close()
	}
	db.waitPending()
	close(db.stop)
	<-db.synced
	var errs []error
	if !db.opts.syncAlways() && db.err() == nil {
		errs = append(errs, db.pdb.LogData(nil, pebble.Sync))
	}
	errs = append(errs, db.pdb.Close())
	return errors.Join(errs...)
}

// waitPending waits for every applied batch nobody waited for.
func (db *DB) waitPending() {
	db.mu.Lock()
	pending := make([]*commit, 0, len(db.mu.pending))
	for c := range db.mu.pending {
		pending = append(pending, c)
	}
	db.mu.Unlock()
	for _, c := range pending {
		_ = c.Wait()
	}
}
