package jetstream

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/diskstore"
	"github.com/petrelmq/petrel/internal/store/memstore"
	"github.com/petrelmq/petrel/server"
)

// stores opens the message stores of streams: memstore for memory
// streams, and for file streams the one diskstore database of the store
// directory (<store_dir>/jetstream/data).
type stores struct {
	db *diskstore.DB
}

func openStores(dir string, syncInterval time.Duration, log server.Logger) (*stores, error) {
	db, err := diskstore.Open(filepath.Join(dir, "jetstream", "data"), &diskstore.Options{
		SyncInterval: syncInterval,
		Logger:       pebbleLogger{log},
	})
	if err != nil {
		return nil, err
	}
	return &stores{db: db}, nil
}

// storeHook, when set (by tests), wraps every store opened.
var storeHook func(name string, s store.Store) store.Store

// open opens the store of a stream; name is unique in the server
// (account-qualified). With fresh, data left under that name by a stream
// that is no longer in the catalog is removed first.
func (st *stores) open(name, storage string, cfg store.Config, fresh bool) (store.Store, error) {
	s, err := st.openStore(name, storage, cfg, fresh)
	if err == nil && storeHook != nil {
		s = storeHook(name, s)
	}
	return s, err
}

func (st *stores) openStore(name, storage string, cfg store.Config, fresh bool) (store.Store, error) {
	cfg.Name = name
	if storage == StorageMemory {
		return memstore.New(cfg)
	}
	if fresh {
		if err := st.removeLeftover(name); err != nil {
			return nil, err
		}
	}
	return st.db.OpenStream(cfg)
}

func (st *stores) removeLeftover(name string) error {
	names, err := st.db.Streams()
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		return nil
	}
	s, err := st.db.OpenStream(store.Config{Name: name})
	if err != nil {
		return fmt.Errorf("remove leftover data of %s: %w", name, err)
	}
	return s.Delete()
}

// orphans lists the file streams of account that have data on disk but
// are not in known.
func (st *stores) orphans(account string, known map[string]bool) ([]string, error) {
	names, err := st.db.Streams()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if stream, ok := strings.CutPrefix(n, account+"/"); ok && !known[stream] {
			out = append(out, stream)
		}
	}
	return out, nil
}

// close closes the database after every stream has been closed.
func (st *stores) close() error { return st.db.Close() }

// pebbleLogger routes Pebble's log through the server's.
type pebbleLogger struct{ log server.Logger }

func (l pebbleLogger) Infof(format string, args ...any)  { l.log.Debugf("pebble: "+format, args...) }
func (l pebbleLogger) Errorf(format string, args ...any) { l.log.Errorf("pebble: "+format, args...) }
func (l pebbleLogger) Fatalf(format string, args ...any) { l.log.Fatalf("pebble: "+format, args...) }
