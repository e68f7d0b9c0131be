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

// TestMsgSizeIsMemoryFormula: a memory stream counts as nats-server's
// memory store, in MsgSize and in its state.
func TestMsgSizeIsMemoryFormula(t *testing.T) {
	s, err := New(store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hdr := []byte("NATS/1.0\r\nK: v\r\n\r\n")
	es := []store.Entry{{Subject: "foo", Header: hdr, Data: []byte("hello")}, {Subject: "foo", Data: []byte("hello")}}
	if _, err := s.Append(es, 0); err != nil {
		t.Fatal(err)
	}
	want := uint64((3 + 18 + 5 + 16) + (3 + 5 + 16))
	if got := s.MsgSize("foo", hdr, []byte("hello")) + s.MsgSize("foo", nil, []byte("hello")); got != want {
		t.Fatalf("MsgSize sum = %d; want %d", got, want)
	}
	if st := s.State(); st.Bytes != want {
		t.Fatalf("state bytes = %d; want %d", st.Bytes, want)
	}
}
