package jetstream

import "github.com/petrelmq/petrel/internal/store"

// SetStoreHook makes every store opened from now on pass through f;
// nil restores the default.
func SetStoreHook(f func(name string, s store.Store) store.Store) { storeHook = f }
