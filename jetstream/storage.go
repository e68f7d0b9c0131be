package jetstream

import (
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/memstore"
)

// stores opens the message stores of streams: memstore for memory streams,
// and for file streams the diskstore of the store directory.
type stores struct {
	dir string
}

func openStores(dir string) (*stores, error) {
	return &stores{dir: dir}, nil
}

// open opens (or creates) the store of a stream. name is unique in the
// server (account-qualified).
func (st *stores) open(name, storage string, cfg store.Config) (store.Store, error) {
	cfg.Name = name
	// TODO(diskstore): file streams use memstore until diskstore lands.
	return memstore.New(cfg)
}

// close releases the stores' shared resources.
func (st *stores) close() error { return nil }
