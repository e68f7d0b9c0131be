package diskstore

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
)

// PutMeta stores val under key in the stream's metadata area. It returns
// once the write is durable (in sync-always mode).
func (s *Stream) PutMeta(key string, val []byte) error {
	return s.writeMeta(func(b *pebble.Batch) { _ = b.Set(s.b.k.meta(key), val, nil) })
}

// DeleteMeta removes key from the metadata area.
func (s *Stream) DeleteMeta(key string) error {
	return s.writeMeta(func(b *pebble.Batch) { _ = b.Delete(s.b.k.meta(key), nil) })
}

func (s *Stream) writeMeta(fill func(b *pebble.Batch)) error {
	return s.Do(func() error {
		batch := s.b.db.pdb.NewBatch()
		fill(batch)
		c, err := s.b.db.apply(batch, nil)
		if err != nil {
			return err
		}
		return c.Wait()
	})
}

// GetMeta returns a copy of the value of key, or store.ErrNotFound.
func (s *Stream) GetMeta(key string) ([]byte, error) {
	var out []byte
	err := s.Do(func() error {
		val, release, err := s.b.get(s.b.k.meta(key))
		if err != nil {
			return err
		}
		out = bytes.Clone(val)
		if out == nil {
			out = []byte{}
		}
		return release.Close()
	})
	return out, err
}

// ListMeta returns the metadata keys that start with prefix, sorted.
func (s *Stream) ListMeta(prefix string) ([]string, error) {
	var keys []string
	err := s.Do(func() error {
		lo := s.b.k.meta(prefix)
		n := len(s.b.k.meta(""))
		return s.b.iter(lo, prefixEnd(lo), false, func(it *pebble.Iterator) (bool, error) {
			keys = append(keys, string(it.Key()[n:]))
			return true, nil
		})
	})
	return keys, err
}

var _ store.MetaStore = (*Stream)(nil)
