// Package memstore keeps a stream's messages in memory. It implements
// store.Store (and store.MetaStore) through the shared engine, so it
// behaves exactly as diskstore does, minus durability (every Commit is
// store.Done) and the size formula: a message counts for store.MsgSize
// bytes, as in nats-server's memory store.
//
// Messages live in a map by sequence. Order comes from sorted sequence
// lists, one for the stream and one per subject; removals only count a list
// entry as dead, and a list is rebuilt once more than half of it is dead,
// so scans skip at most as many dead entries as live ones. Per-message TTLs
// sit in a min-heap by expiry, pruned lazily.
package memstore

import (
	"container/heap"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// Store is an in-memory store.Store and store.MetaStore.
type Store struct {
	*engine.Engine
	meta struct {
		sync.Mutex
		kv map[string][]byte
	}
}

// New returns an empty in-memory store configured by cfg.
func New(cfg store.Config) (*Store, error) {
	b := &backend{msgs: make(map[uint64]*store.Msg), subj: make(map[string]*seqList)}
	e, err := engine.New(cfg, b, nil)
	if err != nil {
		return nil, err
	}
	s := &Store{Engine: e}
	s.meta.kv = make(map[string][]byte)
	return s, nil
}

// PutMeta stores a copy of val under key.
func (s *Store) PutMeta(key string, val []byte) error {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.meta.kv[key] = slices.Clone(val)
	return nil
}

// GetMeta returns a copy of the value of key, or store.ErrNotFound.
func (s *Store) GetMeta(key string) ([]byte, error) {
	s.meta.Lock()
	defer s.meta.Unlock()
	v, ok := s.meta.kv[key]
	if !ok {
		return nil, store.ErrNotFound
	}
	return slices.Clone(v), nil
}

// DeleteMeta removes key.
func (s *Store) DeleteMeta(key string) error {
	s.meta.Lock()
	defer s.meta.Unlock()
	delete(s.meta.kv, key)
	return nil
}

// ListMeta returns the keys starting with prefix, sorted.
func (s *Store) ListMeta(prefix string) ([]string, error) {
	s.meta.Lock()
	defer s.meta.Unlock()
	var keys []string
	for k := range s.meta.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// backend is the engine's view of the in-memory data. The engine
// serializes writes and lets reads run together, so backend needs no lock.
// It is its own Txn: changes apply at once.
type backend struct {
	msgs map[uint64]*store.Msg
	all  seqList
	subj map[string]*seqList
	ttl  ttlHeap
}

var _ engine.Txn = (*backend)(nil)

func (b *backend) live(seq uint64) bool { return b.msgs[seq] != nil }

func rec(m *store.Msg) engine.Rec {
	return engine.Rec{Seq: m.Seq, Subject: m.Subject, Size: m.Size(), Time: m.Time, TTL: int64(m.TTL)}
}

func (b *backend) Load(seq uint64) (*store.Msg, error) {
	m := b.msgs[seq]
	if m == nil {
		return nil, store.ErrNotFound
	}
	return clone(m), nil
}

// clone copies m with its header and data in one allocation; an empty
// header becomes nil.
func clone(m *store.Msg) *store.Msg {
	c := *m
	buf := make([]byte, len(m.Header)+len(m.Data))
	n := copy(buf, m.Header)
	c.Header = nil
	if n > 0 {
		c.Header = buf[:n:n]
	}
	c.Data = buf[n:]
	copy(c.Data, m.Data)
	return &c
}

func (b *backend) Rec(seq uint64) (engine.Rec, error) {
	m := b.msgs[seq]
	if m == nil {
		return engine.Rec{}, store.ErrNotFound
	}
	return rec(m), nil
}

func (b *backend) Scan(from uint64, fn func(engine.Rec) bool) error {
	b.all.scan(from, b.live, func(seq uint64) bool { return fn(rec(b.msgs[seq])) })
	return nil
}

func (b *backend) ScanMsgs(from uint64, fn func(*store.Msg) bool) error {
	b.all.scan(from, b.live, func(seq uint64) bool { return fn(clone(b.msgs[seq])) })
	return nil
}

func (b *backend) Prev(upto uint64) (uint64, bool, error) {
	seq, ok := b.all.prev(upto, b.live)
	return seq, ok, nil
}

func (b *backend) SubjectScan(subject string, from uint64, fn func(uint64) bool) error {
	if l := b.subj[subject]; l != nil {
		l.scan(from, b.live, fn)
	}
	return nil
}

func (b *backend) SubjectPrev(subject string, upto uint64) (uint64, bool, error) {
	if l := b.subj[subject]; l != nil {
		seq, ok := l.prev(upto, b.live)
		return seq, ok, nil
	}
	return 0, false, nil
}

func (b *backend) Begin() (engine.Txn, error) { return b, nil }

func (b *backend) Put(m *store.Msg) {
	b.msgs[m.Seq] = clone(m)
	b.all.push(m.Seq)
	l := b.subj[m.Subject]
	if l == nil {
		l = &seqList{}
		b.subj[m.Subject] = l
	}
	l.push(m.Seq)
	if m.TTL > 0 {
		heap.Push(&b.ttl, ttlEntry{at: m.Time + int64(m.TTL), seq: m.Seq})
	}
}

func (b *backend) Remove(r engine.Rec, erase bool) {
	m := b.msgs[r.Seq]
	if m == nil {
		return
	}
	if erase {
		fillRandom(m.Header)
		fillRandom(m.Data)
	}
	delete(b.msgs, r.Seq)
	b.all.kill(b.live)
	if l := b.subj[r.Subject]; l != nil && l.kill(b.live) {
		delete(b.subj, r.Subject)
	}
}

func fillRandom(p []byte) {
	for i := range p {
		p[i] = byte(rand.Uint32())
	}
}

func (b *backend) RemoveAll() {
	clear(b.msgs)
	clear(b.subj)
	b.all = seqList{}
	b.ttl = nil
}

func (b *backend) TTLDue(now int64, fn func(uint64) bool) error {
	for len(b.ttl) > 0 && b.ttl[0].at <= now {
		e := heap.Pop(&b.ttl).(ttlEntry)
		if m := b.msgs[e.seq]; m != nil && m.Time+int64(m.TTL) == e.at && !fn(e.seq) {
			return nil
		}
	}
	return nil
}

func (b *backend) NextTTL() (int64, error) {
	for len(b.ttl) > 0 && !b.live(b.ttl[0].seq) {
		heap.Pop(&b.ttl)
	}
	if len(b.ttl) == 0 {
		return 0, nil
	}
	return b.ttl[0].at, nil
}

func (b *backend) SaveState(engine.Persist)             {}
func (b *backend) SaveSubject(string, engine.SubjState) {}
func (b *backend) Commit() (store.Commit, error)        { return store.Done, nil }
func (b *backend) Abort()                               {}
func (b *backend) Destroy() error                       { b.RemoveAll(); return nil }
func (b *backend) Close() error                         { return nil }
