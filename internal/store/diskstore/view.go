package diskstore

import (
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// view reads one stream through a pebble.Reader: the DB for committed
// data, an indexed batch for a transaction's own view.
type view struct {
	r    pebble.Reader
	k    keys
	name string
}

var _ engine.Reader = view{}

func (v view) corrupt(seq uint64, err error) error {
	return &store.CorruptError{Stream: v.name, Seq: seq, Reason: err.Error()}
}

// get returns a copy-free look at key's value; release must be called.
func (v view) get(key []byte) (val []byte, release io.Closer, err error) {
	val, release, err = v.r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil, store.ErrNotFound
	}
	return val, release, err
}

// record calls fn with the decoded record at seq while its bytes are
// pinned; a record or payload that does not decode is corrupt.
func (v view) record(seq uint64, fn func(r record) error) error {
	val, release, err := v.get(v.k.msg(seq))
	if err != nil {
		return err
	}
	defer release.Close()
	r, err := decodeRecord(val)
	if err == nil {
		err = fn(r)
	}
	if err != nil {
		return v.corrupt(seq, err)
	}
	return nil
}

func (v view) Load(seq uint64) (*store.Msg, error) {
	var m *store.Msg
	err := v.record(seq, func(r record) (err error) {
		m, err = r.msg(seq)
		return err
	})
	return m, err
}

func (v view) Rec(seq uint64) (engine.Rec, error) {
	var out engine.Rec
	err := v.record(seq, func(r record) error {
		out = r.rec(seq)
		return nil
	})
	return out, err
}

// iter runs fn over the keys in [lo, hi), backwards if reverse, until fn
// returns false.
func (v view) iter(lo, hi []byte, reverse bool, fn func(it *pebble.Iterator) (bool, error)) error {
	it, err := v.r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	ok := it.First()
	if reverse {
		ok = it.Last()
	}
	for ; ok; ok = stepIter(it, reverse) {
		more, err := fn(it)
		if err != nil {
			it.Close()
			return err
		}
		if !more {
			break
		}
	}
	return errors.Join(it.Error(), it.Close())
}

func stepIter(it *pebble.Iterator, reverse bool) bool {
	if reverse {
		return it.Prev()
	}
	return it.Next()
}

func (v view) Scan(from uint64, fn func(engine.Rec) bool) error {
	return v.scanRecords(from, func(seq uint64, r record) (bool, error) { return fn(r.rec(seq)), nil })
}

func (v view) ScanMsgs(from uint64, fn func(*store.Msg) bool) error {
	return v.scanRecords(from, func(seq uint64, r record) (bool, error) {
		m, err := r.msg(seq)
		if err != nil {
			return false, err
		}
		return fn(m), nil
	})
}

// scanRecords decodes the message records from from on, with one
// iterator, until fn returns false; a record fn cannot decode is corrupt.
func (v view) scanRecords(from uint64, fn func(seq uint64, r record) (bool, error)) error {
	return v.iter(v.k.msg(from), v.k.kindEnd(kindMsg), false, func(it *pebble.Iterator) (bool, error) {
		seq := seqAt(it.Key())
		val, err := it.ValueAndErr()
		if err != nil {
			return false, err
		}
		r, err := decodeRecord(val)
		more := false
		if err == nil {
			more, err = fn(seq, r)
		}
		if err != nil {
			return false, v.corrupt(seq, err)
		}
		return more, nil
	})
}

func (v view) Prev(upto uint64) (uint64, bool, error) {
	return v.last(v.k.kind(kindMsg), v.k.msg(upto), upto)
}

// last returns the sequence ending the last key in [lo, end of upto].
func (v view) last(lo, uptoKey []byte, upto uint64) (uint64, bool, error) {
	hi := prefixEnd(uptoKey)
	if upto == ^uint64(0) {
		hi = prefixEnd(lo)
	}
	var seq uint64
	found := false
	err := v.iter(lo, hi, true, func(it *pebble.Iterator) (bool, error) {
		seq, found = seqAt(it.Key()), true
		return false, nil
	})
	return seq, found, err
}

func (v view) SubjectScan(subject string, from uint64, fn func(uint64) bool) error {
	p := v.k.subjPrefix(subject)
	return v.iter(v.k.index(subject, from), prefixEnd(p), false, func(it *pebble.Iterator) (bool, error) {
		key := it.Key()
		if len(key) != len(p)+8 {
			return false, &store.CorruptError{Stream: v.name, Key: fmt.Sprintf("%q", key), Reason: "bad index key"}
		}
		return fn(seqAt(key)), nil
	})
}

func (v view) SubjectPrev(subject string, upto uint64) (uint64, bool, error) {
	return v.last(v.k.subjPrefix(subject), v.k.index(subject, upto), upto)
}

// nextTTL returns the earliest TTL expiry, 0 if none.
func (v view) nextTTL() (int64, error) {
	var at int64
	err := v.iter(v.k.kind(kindTTL), v.k.kindEnd(kindTTL), false, func(it *pebble.Iterator) (bool, error) {
		key := it.Key()
		at = int64(seqAt(key[:len(key)-8]))
		return false, nil
	})
	return at, err
}

// ttlDue calls fn with each sequence whose TTL expiry is <= now.
func (v view) ttlDue(now int64, fn func(uint64) bool) error {
	return v.iter(v.k.kind(kindTTL), v.k.ttl(now+1, 0), false, func(it *pebble.Iterator) (bool, error) {
		return fn(seqAt(it.Key())), nil
	})
}
