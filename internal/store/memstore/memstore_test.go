package memstore

import (
	"testing"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg store.Config) store.Store {
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
