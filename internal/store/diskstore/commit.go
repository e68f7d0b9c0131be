package diskstore

import (
	"context"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/petrelmq/petrel/internal/store"
)

// commit waits for the fsync of one batch applied with ApplyNoSyncWait,
// then erases what the batch asked to.
type commit struct {
	db    *DB
	b     *pebble.Batch
	erase [][2][]byte // key ranges to compact away after the sync
	once  sync.Once
	err   error
}

// apply writes b in the DB's mode and returns its commit. The batch
// belongs to the commit afterwards. In interval mode a write with nothing
// to erase is as durable as it gets once applied: its commit is
// store.Done, which tells callers there is nothing to wait for.
func (db *DB) apply(b *pebble.Batch, erase [][2][]byte) (store.Commit, error) {
	if err := db.err(); err != nil {
		_ = b.Close()
		return nil, err
	}
	c := &commit{db: db, b: b, erase: erase}
	if db.wsync == pebble.NoSync {
		err := db.pdb.Apply(b, pebble.NoSync)
		_ = b.Close()
		c.b = nil
		if err != nil {
			db.fail(err)
			return nil, err
		}
		if len(erase) == 0 {
			return store.Done, nil
		}
		return c, nil
	}
	db.mu.Lock()
	db.mu.pending[c] = struct{}{}
	db.mu.Unlock()
	if err := db.pdb.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		db.fail(err)
		c.done(err)
		return nil, err
	}
	return c, nil
}

// Wait blocks until the batch is durable; see store.Commit.
func (c *commit) Wait() error {
	c.once.Do(func() {
		var err error
		if c.b != nil {
			err = c.b.SyncWait()
			if err != nil {
				c.db.fail(err)
			}
		}
		if err == nil {
			err = c.compact()
		}
		c.done(err)
	})
	return c.err
}

// done records the outcome and releases the batch.
func (c *commit) done(err error) {
	c.err = err
	if c.b == nil {
		return
	}
	_ = c.b.Close()
	c.b = nil
	c.db.mu.Lock()
	delete(c.db.mu.pending, c)
	c.db.mu.Unlock()
}

// compact rewrites the erased key ranges so their old values leave the
// SSTables.
func (c *commit) compact() error {
	for _, r := range c.erase {
		if err := c.db.pdb.Compact(context.Background(), r[0], r[1], false); err != nil {
			return err
		}
	}
	return nil
}
