package diskstore

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// TestConformanceCompressed runs the store suite on streams that compress.
func TestConformanceCompressed(t *testing.T) {
	conformance(t, memOptions(t), func(cfg *store.Config) { cfg.Compress = true })
}

// TestCompressedRecords: with Compress, a compressible payload is stored
// packed and reads back whole through every read path, sizes count the
// uncompressed bytes, a payload s2 cannot shrink stays plain, and turning
// compression off (or reopening) keeps the old records readable.
func TestCompressedRecords(t *testing.T) {
	opts := memOptions(t)
	db := mustOpen(t, "db", opts)
	s, err := db.OpenStream(store.Config{Name: "Z", Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	hdr := []byte("NATS/1.0\r\nK: v\r\n\r\n")
	text := bytes.Repeat([]byte("compressible payload "), 50)
	random := make([]byte, 1000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	entries := []store.Entry{
		{Subject: "a", Header: hdr, Data: text},
		{Subject: "b", Data: random},
		{Subject: "c", Data: []byte("tiny")},
	}
	appendAll(t, s, entries)
	wantKinds := []byte{recordPacked, recordVersion, recordVersion}
	for i, want := range wantKinds {
		if got := rawVersion(t, db, s, uint64(i+1)); got != want {
			t.Errorf("seq %d stored as record version %d, want %d", i+1, got, want)
		}
	}
	checkMsgs(t, s, entries)
	var size uint64
	for _, e := range entries {
		size += store.FileMsgSize(e.Subject, e.Header, e.Data)
	}
	if st := s.State(); st.Bytes != size {
		t.Errorf("state bytes %d, want the uncompressed %d", st.Bytes, size)
	}
	if m, err := s.LoadLastMsg("a"); err != nil || !bytes.Equal(m.Data, text) || !bytes.Equal(m.Header, hdr) {
		t.Errorf("LoadLastMsg(a): %v", err)
	}
	if m, err := s.LoadNextMsg("a", 1); err != nil || !bytes.Equal(m.Data, text) {
		t.Errorf("LoadNextMsg(a): %v", err)
	}

	if err := s.UpdateConfig(store.Config{Name: "Z"}); err != nil {
		t.Fatal(err)
	}
	more := store.Entry{Subject: "a", Data: text}
	appendAll(t, s, []store.Entry{more})
	if got := rawVersion(t, db, s, 4); got != recordVersion {
		t.Errorf("after turning compression off: version %d", got)
	}
	entries = append(entries, more)
	checkMsgs(t, s, entries)
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, "db", opts)
	defer db.Close()
	s, err = db.OpenStream(store.Config{Name: "Z"})
	if err != nil {
		t.Fatal(err)
	}
	checkMsgs(t, s, entries)
}

func appendAll(t *testing.T, s *Stream, entries []store.Entry) {
	t.Helper()
	c, err := s.Append(entries, 0)
	if err == nil {
		err = c.Wait()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func checkMsgs(t *testing.T, s *Stream, entries []store.Entry) {
	t.Helper()
	for i, e := range entries {
		m, err := s.LoadMsg(uint64(i + 1))
		if err != nil {
			t.Fatalf("LoadMsg(%d): %v", i+1, err)
		}
		if m.Subject != e.Subject || !bytes.Equal(m.Header, e.Header) || !bytes.Equal(m.Data, e.Data) {
			t.Fatalf("seq %d: got %q %q %d B, want %q %q %d B", i+1, m.Subject, m.Header, len(m.Data), e.Subject, e.Header, len(e.Data))
		}
	}
}

// rawVersion is the version byte of the record stored at seq.
func rawVersion(t *testing.T, db *DB, s *Stream, seq uint64) byte {
	t.Helper()
	val, closer, err := db.pdb.Get(s.b.k.msg(seq))
	if err != nil {
		t.Fatalf("raw get %d: %v", seq, err)
	}
	defer closer.Close()
	return val[0]
}

// TestCorruptPackedRecord: a packed payload that does not decode is a
// CorruptError naming the sequence, not a crash or garbage.
func TestCorruptPackedRecord(t *testing.T) {
	m := &store.Msg{Subject: "a", Data: bytes.Repeat([]byte("x"), 500)}
	var p packer
	packed := p.pack(m)
	if packed == nil {
		t.Fatal("500 repeated bytes did not pack")
	}
	rec := append(appendRecordHead(nil, recordPacked, m), packed...)
	rec = rec[:len(rec)-3]
	r, err := decodeRecord(rec)
	if err == nil {
		_, err = r.msg(1)
	}
	if err == nil {
		t.Fatal("truncated packed record decoded")
	}
}
