package diskstore

import (
	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// txn is one engine change: one Pebble batch, committed atomically.
//
// A change must read its own writes, which only an indexed batch can do,
// but indexing every key costs about as much as inserting it into the
// memtable, and a plain append never reads. So a txn starts with a plain
// batch and reads the committed state straight from the DB; its first read
// after a write moves what it wrote into an indexed batch (readers see the
// change from then on).
//
// In the plain batch, Put writes the message keys in sequence order and
// defers the subject index and TTL keys to a side batch appended at
// Commit. The memtable inserts a batch's keys in batch order and skips the
// search when a key follows the previous one, so runs of ascending keys
// (all messages, then all index entries) insert faster than interleaved
// ones. Any other write first moves the side batch in, keeping the order
// of writes to one key.
type txn struct {
	view
	b       *backend
	batch   *pebble.Batch
	side    *pebble.Batch // deferred index and TTL keys (plain mode only)
	indexed bool
	key     []byte // scratch key
	erase   [][2][]byte
}

var _ engine.Txn = (*txn)(nil)

func (b *backend) newTxn() *txn {
	return &txn{view: view{r: b.db.pdb, k: b.k, name: b.name}, b: b, batch: b.db.pdb.NewBatch()}
}

// writer returns the batch for a write that is not a Put's index entry:
// the side batch is moved in first, so writes to one key stay in order.
func (t *txn) writer() *pebble.Batch {
	t.mergeSide()
	return t.batch
}

func (t *txn) mergeSide() {
	if t.side == nil || t.side.Empty() {
		return
	}
	_ = t.batch.Apply(t.side, nil)
	t.side.Reset()
}

// reading makes the change's own writes visible to its reads.
func (t *txn) reading() {
	if t.indexed || t.batch.Empty() && (t.side == nil || t.side.Empty()) {
		return
	}
	t.mergeSide()
	ib := t.b.db.pdb.NewIndexedBatch()
	_ = ib.Apply(t.batch, nil)
	_ = t.batch.Close()
	t.batch, t.indexed, t.view.r = ib, true, ib
}

func (t *txn) Load(seq uint64) (*store.Msg, error) { t.reading(); return t.view.Load(seq) }
func (t *txn) Rec(seq uint64) (engine.Rec, error)  { t.reading(); return t.view.Rec(seq) }
func (t *txn) Prev(upto uint64) (uint64, bool, error) {
	t.reading()
	return t.view.Prev(upto)
}

func (t *txn) Scan(from uint64, fn func(engine.Rec) bool) error {
	t.reading()
	return t.view.Scan(from, fn)
}

func (t *txn) ScanMsgs(from uint64, fn func(*store.Msg) bool) error {
	t.reading()
	return t.view.ScanMsgs(from, fn)
}

func (t *txn) SubjectScan(subject string, from uint64, fn func(uint64) bool) error {
	t.reading()
	return t.view.SubjectScan(subject, from, fn)
}

func (t *txn) SubjectPrev(subject string, upto uint64) (uint64, bool, error) {
	t.reading()
	return t.view.SubjectPrev(subject, upto)
}

func (t *txn) TTLDue(now int64, fn func(uint64) bool) error { t.reading(); return t.ttlDue(now, fn) }
func (t *txn) NextTTL() (int64, error)                      { t.reading(); return t.nextTTL() }

func (t *txn) Put(m *store.Msg) {
	t.key = t.k.appendMsg(t.key[:0], m.Seq)
	t.putRecord(m)
	idx := t.batch
	if !t.indexed {
		if t.side == nil {
			t.side = t.b.db.pdb.NewBatch()
		}
		idx = t.side
	}
	t.key = t.k.appendIndex(t.key[:0], m.Subject, m.Seq)
	_ = idx.Set(t.key, nil, nil)
	if m.TTL > 0 {
		_ = idx.Set(t.k.ttl(m.Time+int64(m.TTL), m.Seq), nil, nil)
	}
}

// putRecord writes m's record under t.key, encoded straight into the
// batch (no scratch copy of the payload), packed when the stream
// compresses and s2 shrinks the payload.
func (t *txn) putRecord(m *store.Msg) {
	var packed []byte
	if t.b.compress.Load() {
		packed = t.b.pack.pack(m)
	}
	if packed == nil {
		op := t.batch.SetDeferred(len(t.key), recordLen(m))
		copy(op.Key, t.key)
		appendRecord(op.Value[:0], m)
		_ = op.Finish()
		return
	}
	op := t.batch.SetDeferred(len(t.key), recordHeadLen(m)+len(packed))
	copy(op.Key, t.key)
	_ = append(appendRecordHead(op.Value[:0], recordPacked, m), packed...)
	_ = op.Finish()
}

func (t *txn) Remove(r engine.Rec, erase bool) {
	w := t.writer()
	key := t.k.msg(r.Seq)
	_ = w.Delete(key, nil)
	_ = w.Delete(t.k.index(r.Subject, r.Seq), nil)
	if r.TTL > 0 {
		_ = w.Delete(t.k.ttl(r.Time+r.TTL, r.Seq), nil)
	}
	if erase {
		t.erase = append(t.erase, [2][]byte{key, t.k.msg(r.Seq + 1)})
	}
}

func (t *txn) RemoveAll() {
	w := t.writer()
	for _, kind := range []byte{kindIndex, kindMsg, kindSummary, kindTTL} {
		_ = w.DeleteRange(t.k.kind(kind), t.k.kindEnd(kind), nil)
	}
}

func (t *txn) SaveState(p engine.Persist) {
	_ = t.batch.Set(t.k.state(), encodeState(p), nil)
}

func (t *txn) SaveSubject(subject string, s engine.SubjState) {
	if s.Msgs == 0 {
		_ = t.batch.Delete(t.k.summary(subject), nil)
		return
	}
	_ = t.batch.Set(t.k.summary(subject), encodeSummary(s), nil)
}

func (t *txn) Commit() (store.Commit, error) {
	t.mergeSide()
	t.closeSide()
	c, err := t.b.db.apply(t.batch, t.erase)
	t.batch = nil
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (t *txn) Abort() {
	t.closeSide()
	if t.batch != nil {
		_ = t.batch.Close()
		t.batch = nil
	}
}

func (t *txn) closeSide() {
	if t.side != nil {
		_ = t.side.Close()
		t.side = nil
	}
}
