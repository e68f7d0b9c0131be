package diskstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// Stream is one stream of a DB. It implements store.Store and
// store.MetaStore.
type Stream struct {
	*engine.Engine
	b *backend
}

var (
	_ store.Store     = (*Stream)(nil)
	_ store.MetaStore = (*Stream)(nil)
)

// ErrStreamOpen is returned by OpenStream for a stream already open.
var ErrStreamOpen = errors.New("diskstore: stream already open")

// OpenStream opens the stream cfg.Name, creating it if the directory does
// not hold it. The limits of cfg apply at once: a reopened stream removes
// what its (possibly shrunk) limits and expiry say, reporting through
// cfg.OnRemove before OpenStream returns.
func (db *DB) OpenStream(cfg store.Config) (*Stream, error) {
	s, err := db.register(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.UpdateConfig(cfg); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// UpdateConfig applies cfg's limits (see store.Store) and its Compress
// setting, which decides how later appends are written; records already
// stored keep their form.
func (s *Stream) UpdateConfig(cfg store.Config) error {
	s.b.compress.Store(cfg.Compress)
	return s.Engine.UpdateConfig(cfg)
}

// register finds or creates the stream and adds it to the open set.
func (db *DB) register(cfg store.Config) (*Stream, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("%w: empty stream name", store.ErrInvalid)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	switch {
	case db.mu.closed:
		return nil, store.ErrClosed
	case db.mu.streams[cfg.Name] != nil:
		return nil, ErrStreamOpen
	}
	b, rec, err := db.lookup(cfg)
	if err != nil {
		return nil, err
	}
	e, err := engine.New(cfg, b, rec)
	if err != nil {
		return nil, err
	}
	s := &Stream{Engine: e, b: b}
	b.compress.Store(cfg.Compress)
	db.mu.streams[cfg.Name] = s
	return s, nil
}

// lookup finds or creates the stream's id and reads its recovered state.
// db.mu must be held.
func (db *DB) lookup(cfg store.Config) (*backend, *engine.Recovered, error) {
	val, closer, err := db.pdb.Get(catalogKey(cfg.Name))
	if errors.Is(err, pebble.ErrNotFound) {
		return db.create(cfg)
	}
	if err != nil {
		return nil, nil, err
	}
	defer closer.Close()
	if len(val) != 8 {
		return nil, nil, &store.CorruptError{Stream: cfg.Name, Key: "catalog", Reason: "stream id is not 8 bytes"}
	}
	b := db.newBackend(cfg.Name, binary.BigEndian.Uint64(val))
	rec, recounted, err := b.recover()
	if err == nil && recounted {
		err = db.saveState(b, rec.State)
	}
	return b, rec, err
}

// saveState writes a stream's counters, durably: the counters of an old
// version, once recover has recounted them.
func (db *DB) saveState(b *backend, p engine.Persist) error {
	if err := db.err(); err != nil {
		return err
	}
	if err := db.pdb.Set(b.k.state(), encodeState(p), db.wsync); err != nil {
		db.fail(err)
		return err
	}
	return nil
}

// create writes a new stream's catalog entry and counters, durably.
func (db *DB) create(cfg store.Config) (*backend, *engine.Recovered, error) {
	if err := db.err(); err != nil {
		return nil, nil, err
	}
	id := db.mu.nextID
	b := db.newBackend(cfg.Name, id)
	first := cfg.WithDefaults().FirstSeq
	rec := &engine.Recovered{State: engine.Persist{First: first, Last: first - 1}}
	batch := db.pdb.NewBatch()
	defer batch.Close()
	_ = batch.Set(catalogKey(cfg.Name), binary.BigEndian.AppendUint64(nil, id), nil)
	_ = batch.Set(nextIDKey, binary.BigEndian.AppendUint64(nil, id+1), nil)
	_ = batch.Set(b.k.state(), encodeState(rec.State), nil)
	if err := db.pdb.Apply(batch, db.wsync); err != nil {
		db.fail(err)
		return nil, nil, err
	}
	db.mu.nextID = id + 1
	return b, rec, nil
}

func (db *DB) newBackend(name string, id uint64) *backend {
	k := newKeys(id)
	return &backend{view: view{r: db.pdb, k: k, name: name}, db: db}
}

// forget drops a closed stream from the open set.
func (db *DB) forget(name string) {
	db.mu.Lock()
	delete(db.mu.streams, name)
	db.mu.Unlock()
}

// backend is the engine's access to one stream's keys.
type backend struct {
	view
	db *DB
	// compress asks Put for packed (s2) records; Stream.UpdateConfig sets
	// it, and pack is its scratch space (the engine runs one txn at a
	// time).
	compress atomic.Bool
	pack     packer
}

var (
	_ engine.Backend  = (*backend)(nil)
	_ engine.Admitter = (*backend)(nil)
	_ engine.Sizer    = (*backend)(nil)
)

// MsgSize counts a message as nats-server's file store does
// (store.FileMsgSize); record.rec agrees.
func (b *backend) MsgSize(subject string, hdr, data []byte) uint64 {
	return store.FileMsgSize(subject, hdr, data)
}

// AdmitAppend refuses an append while the disk is under its floor.
func (b *backend) AdmitAppend(n int) error { return b.db.space.admit(n) }

// recover reads the counters, subject summaries and TTL schedule.
// Counters of stateVersionMemBytes get their Bytes recounted from the
// messages, and recounted says so: they are not saved yet.
func (b *backend) recover() (rec *engine.Recovered, recounted bool, err error) {
	st, ver, err := b.readState()
	if err != nil {
		return nil, false, err
	}
	if ver == stateVersionMemBytes {
		if st.Bytes, err = b.countBytes(); err != nil {
			return nil, false, err
		}
	}
	rec = &engine.Recovered{State: st}
	if rec.Subjects, err = b.readSummaries(); err != nil {
		return nil, false, err
	}
	rec.NextTTL, err = b.nextTTL()
	return rec, ver == stateVersionMemBytes, err
}

// readState reads the stream's counters and their version.
func (b *backend) readState() (engine.Persist, byte, error) {
	val, release, err := b.get(b.k.state())
	if errors.Is(err, store.ErrNotFound) {
		return engine.Persist{}, 0, &store.CorruptError{Stream: b.name, Key: "counters", Reason: "missing"}
	}
	if err != nil {
		return engine.Persist{}, 0, err
	}
	defer release.Close()
	st, ver, err := decodeState(val)
	if err != nil {
		return engine.Persist{}, 0, &store.CorruptError{Stream: b.name, Key: "counters", Reason: err.Error()}
	}
	return st, ver, nil
}

// countBytes sums the sizes of the stream's messages.
func (b *backend) countBytes() (uint64, error) {
	var n uint64
	err := b.Scan(0, func(r engine.Rec) bool {
		n += r.Size
		return true
	})
	return n, err
}

// readSummaries reads every subject summary.
func (b *backend) readSummaries() (map[string]engine.SubjState, error) {
	subjects := make(map[string]engine.SubjState)
	lo := b.k.kind(kindSummary)
	err := b.iter(lo, b.k.kindEnd(kindSummary), false, func(it *pebble.Iterator) (bool, error) {
		name := string(it.Key()[len(lo):])
		s, err := decodeSummary(it.Value())
		if err != nil {
			return false, &store.CorruptError{Stream: b.name, Key: "subject " + name, Reason: err.Error()}
		}
		subjects[name] = s
		return true, nil
	})
	return subjects, err
}

// Begin starts a change; see txn.
func (b *backend) Begin() (engine.Txn, error) {
	if err := b.db.err(); err != nil {
		return nil, err
	}
	return b.newTxn(), nil
}

// Destroy deletes every key of the stream and its catalog entry, durably.
func (b *backend) Destroy() error {
	if err := b.db.err(); err != nil {
		return err
	}
	batch := b.db.pdb.NewBatch()
	_ = batch.DeleteRange(b.k.p, b.k.end(), nil)
	_ = batch.Delete(catalogKey(b.name), nil)
	c, err := b.db.apply(batch, nil)
	if err != nil {
		return err
	}
	return c.Wait()
}

// Close forgets the stream; its data stays.
func (b *backend) Close() error {
	b.db.forget(b.name)
	return nil
}
