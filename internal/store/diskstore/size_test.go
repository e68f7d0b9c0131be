package diskstore

import (
	"bytes"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

var sizeHdr = []byte("NATS/1.0\r\nK: v\r\n\r\n") // 18 bytes

// sizeEntries are a message with a header, one without, and one s2 packs
// (in a stream with Compress).
func sizeEntries() []store.Entry {
	return []store.Entry{
		{Subject: "foo", Header: sizeHdr, Data: []byte("hello")},
		{Subject: "foo", Data: []byte("hello")},
		{Subject: "bar", Header: sizeHdr, Data: bytes.Repeat([]byte("packed "), 40)},
	}
}

// TestMsgSizeIsFileFormula: a disk stream counts as nats-server's file
// store, plain or packed, in MsgSize, in its state and in Check.
func TestMsgSizeIsFileFormula(t *testing.T) {
	db := mustOpen(t, "db", memOptions(t))
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "F", Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.MsgSize("foo", sizeHdr, []byte("hello")), uint64(30+3+5+4+18); got != want {
		t.Fatalf("MsgSize with header = %d; want %d", got, want)
	}
	if got, want := s.MsgSize("foo", nil, []byte("hello")), uint64(30+3+5); got != want {
		t.Fatalf("MsgSize without header = %d; want %d", got, want)
	}
	appendAll(t, s, sizeEntries())
	if got := rawVersion(t, db, s, 3); got != recordPacked {
		t.Fatalf("seq 3 stored as version %d; want packed", got)
	}
	want := uint64((30 + 3 + 5 + 4 + 18) + (30 + 3 + 5) + (30 + 3 + 280 + 4 + 18))
	if st := s.State(); st.Bytes != want {
		t.Fatalf("state bytes = %d; want %d", st.Bytes, want)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestRecountMemoryFormulaBytes: counters written before diskstore
// counted the file formula (version 1, bytes in the memory formula) are
// recounted when the stream opens, and saved in the current version.
func TestRecountMemoryFormulaBytes(t *testing.T) {
	opts := memOptions(t)
	db := mustOpen(t, "db", opts)
	s, err := db.OpenStream(store.Config{Name: "OLD", Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	es := sizeEntries()
	appendAll(t, s, es)
	var memBytes, fileBytes uint64
	for _, e := range es {
		memBytes += store.MsgSize(e.Subject, e.Header, e.Data)
		fileBytes += store.FileMsgSize(e.Subject, e.Header, e.Data)
	}
	old := s.State()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writeV1State(t, db, s, engine.Persist{First: old.FirstSeq, Last: old.LastSeq, LastTime: old.LastTime, Msgs: old.Msgs, Bytes: memBytes})

	s, err = db.OpenStream(store.Config{Name: "OLD"})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.State(); st.Bytes != fileBytes || st.Msgs != 3 || st.FirstSeq != 1 || st.LastSeq != 3 {
		t.Fatalf("state after recount = %+v; want %d bytes (memory formula said %d)", st, fileBytes, memBytes)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if v := rawStateVersion(t, db, s); v != stateVersion {
		t.Fatalf("counters still at version %d after open; want %d", v, stateVersion)
	}
	// The recount is durable: a reopened DB reads it without scanning.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, "db", opts)
	defer db.Close()
	if s, err = db.OpenStream(store.Config{Name: "OLD"}); err != nil {
		t.Fatal(err)
	}
	if st := s.State(); st.Bytes != fileBytes {
		t.Fatalf("bytes after reopen = %d; want %d", st.Bytes, fileBytes)
	}
}

// writeV1State overwrites a closed stream's counters with their version 1
// encoding.
func writeV1State(t *testing.T, db *DB, s *Stream, p engine.Persist) {
	t.Helper()
	v := encodeState(p)
	v[0] = stateVersionMemBytes // the layout is the same; only the formula of bytes differs
	if err := db.pdb.Set(s.b.k.state(), v, nil); err != nil {
		t.Fatal(err)
	}
}

func rawStateVersion(t *testing.T, db *DB, s *Stream) byte {
	t.Helper()
	val, closer, err := db.pdb.Get(s.b.k.state())
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	return val[0]
}
