package diskstore

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// Check rebuilds the stream's counters, subject summaries, index and TTL
// schedule from its messages, on a snapshot, and returns a
// *store.CorruptError for the first disagreement with what is stored. It
// works on a closed stream too; for a deleted stream it checks that no key
// is left. It reads every message: it is for tests and operators. The DB
// must stay open while it runs.
func (s *Stream) Check() error {
	snap := s.b.db.pdb.NewSnapshot()
	defer snap.Close()
	c := checker{v: view{r: snap, k: s.b.k, name: s.b.name}}
	val, release, err := snap.Get(catalogKey(s.b.name))
	if errors.Is(err, pebble.ErrNotFound) {
		return c.checkGone()
	}
	if err != nil {
		return err
	}
	same := bytes.Equal(val, s.b.k.p[1:])
	release.Close()
	if !same { // deleted, and the name reused by a new stream
		return c.checkGone()
	}
	return c.run()
}

// checker accumulates what the messages say.
type checker struct {
	v     view
	msgs  map[uint64]engine.Rec
	subj  map[string]engine.SubjState
	bytes uint64
	first uint64
	last  uint64
	ttls  int
}

func (c *checker) fail(format string, args ...any) error {
	return &store.CorruptError{Stream: c.v.name, Key: "check", Reason: fmt.Sprintf(format, args...)}
}

func (c *checker) checkGone() error {
	found := false
	err := c.v.iter(c.v.k.p, c.v.k.end(), false, func(*pebble.Iterator) (bool, error) {
		found = true
		return false, nil
	})
	if err == nil && found {
		err = c.fail("deleted stream left keys behind")
	}
	return err
}

func (c *checker) run() error {
	rec, _, err := (&backend{view: c.v}).recover()
	if err != nil {
		return err
	}
	if err := c.scan(); err != nil {
		return err
	}
	if err := c.compareState(rec.State); err != nil {
		return err
	}
	if err := c.compareSubjects(rec.Subjects); err != nil {
		return err
	}
	if err := c.checkIndex(); err != nil {
		return err
	}
	return c.checkTTL()
}

func (c *checker) scan() error {
	c.msgs = make(map[uint64]engine.Rec)
	c.subj = make(map[string]engine.SubjState)
	return c.v.Scan(0, func(r engine.Rec) bool {
		c.msgs[r.Seq] = r
		c.bytes += r.Size
		if c.first == 0 {
			c.first = r.Seq
		}
		c.last = r.Seq
		s := c.subj[r.Subject]
		if s.Msgs == 0 {
			s.First = r.Seq
		}
		s.Msgs++
		s.Last = r.Seq
		c.subj[r.Subject] = s
		if r.TTL > 0 {
			c.ttls++
		}
		return true
	})
}

func (c *checker) compareState(p engine.Persist) error {
	n := uint64(len(c.msgs))
	switch {
	case p.Msgs != n || p.Bytes != c.bytes:
		return c.fail("counters say %d msgs %d bytes, messages say %d msgs %d bytes", p.Msgs, p.Bytes, n, c.bytes)
	case n > 0 && (p.First != c.first || p.Last < c.last):
		return c.fail("counters say first %d last %d, messages span %d..%d", p.First, p.Last, c.first, c.last)
	case n == 0 && p.First != p.Last+1:
		return c.fail("empty stream with first %d last %d", p.First, p.Last)
	}
	return nil
}

func (c *checker) compareSubjects(stored map[string]engine.SubjState) error {
	if len(stored) != len(c.subj) {
		return c.fail("%d subject summaries, messages have %d subjects", len(stored), len(c.subj))
	}
	for name, want := range c.subj {
		if got := stored[name]; got != want {
			return c.fail("subject %q summary %+v, messages say %+v", name, got, want)
		}
	}
	return nil
}

func (c *checker) checkIndex() error {
	lo := c.v.k.kind(kindIndex)
	n := 0
	err := c.v.iter(lo, c.v.k.kindEnd(kindIndex), false, func(it *pebble.Iterator) (bool, error) {
		key := it.Key()
		if len(key) < len(lo)+9 || key[len(key)-9] != 0 {
			return false, c.fail("malformed index key %q", key)
		}
		subject, seq := string(key[len(lo):len(key)-9]), seqAt(key)
		if r, ok := c.msgs[seq]; !ok || r.Subject != subject {
			return false, c.fail("index entry %q/%d has no message", subject, seq)
		}
		n++
		return true, nil
	})
	if err == nil && n != len(c.msgs) {
		err = c.fail("%d index entries for %d messages", n, len(c.msgs))
	}
	return err
}

func (c *checker) checkTTL() error {
	n := 0
	err := c.v.iter(c.v.k.kind(kindTTL), c.v.k.kindEnd(kindTTL), false, func(it *pebble.Iterator) (bool, error) {
		key := it.Key()
		at, seq := int64(seqAt(key[:len(key)-8])), seqAt(key)
		if r, ok := c.msgs[seq]; !ok || r.TTL <= 0 || r.Time+r.TTL != at {
			return false, c.fail("TTL entry %d@%d has no message", seq, at)
		}
		n++
		return true, nil
	})
	if err == nil && n != c.ttls {
		err = c.fail("%d TTL entries for %d messages with a TTL", n, c.ttls)
	}
	return err
}
