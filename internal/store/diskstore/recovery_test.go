package diskstore

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/storetest"
)

// snapshot is everything a reopened stream must restore.
type snapshot struct {
	State    store.State
	Subjects map[string]uint64
	Deleted  []uint64
	Msgs     []store.Msg
	Meta     map[string]string
}

func takeSnapshot(t *testing.T, s *Stream) snapshot {
	t.Helper()
	snap := snapshot{State: s.State(), Subjects: s.SubjectsState(">"), Meta: map[string]string{}}
	var err error
	if snap.Deleted, err = s.DeletedSeqs(); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(0); ; seq++ {
		m, err := s.LoadNextMsg(">", seq)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		snap.Msgs = append(snap.Msgs, *m)
		seq = m.Seq
	}
	keys, err := s.ListMeta("")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := s.GetMeta(k)
		if err != nil {
			t.Fatal(err)
		}
		snap.Meta[k] = string(v)
	}
	return snap
}

func appendWait(t testing.TB, s store.Store, es ...store.Entry) {
	t.Helper()
	c, err := s.Append(es, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
}

func msgs(subjects ...string) []store.Entry {
	es := make([]store.Entry, len(subjects))
	for i, s := range subjects {
		es[i] = store.Entry{Subject: s, Header: []byte("H"), Data: fmt.Appendf(nil, "%s-%d", s, i)}
	}
	return es
}

// recoverCfgs are streams of several shapes. The store does not keep its
// limits; the stream layer passes them again at open.
var recoverCfgs = []store.Config{
	{Name: "plain"},
	{Name: "kv", MaxMsgsPerSubject: 2},
	{Name: "limited", MaxMsgs: 5, FirstSeq: 1000},
	{Name: "gaps"},
	{Name: "empty"},
	{Name: "purged"},
	{Name: "ttl", MaxAge: time.Hour},
}

// fillStreams builds the streams of recoverCfgs.
func fillStreams(t *testing.T, db *DB, clock *storetest.Clock) map[string]snapshot {
	t.Helper()
	cfgs := recoverCfgs
	for _, cfg := range cfgs {
		cfg.Now = clock.Now
		s, err := db.OpenStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		switch cfg.Name {
		case "plain", "kv", "limited":
			appendWait(t, s, msgs("a.1", "a.2", "a.1", "b", "a.1", "b", "c.x.y")...)
		case "gaps":
			appendWait(t, s, msgs("g", "h", "g", "h", "g")...)
			for _, seq := range []uint64{1, 3, 5} {
				if err := s.DeleteMsg(seq, seq == 3); err != nil {
					t.Fatal(err)
				}
			}
		case "purged":
			appendWait(t, s, msgs("p", "q", "p")...)
			if _, err := s.Purge(store.PurgeOpts{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Compact(10); err != nil {
				t.Fatal(err)
			}
		case "ttl":
			appendWait(t, s, store.Entry{Subject: "short", TTL: time.Minute}, store.Entry{Subject: "aged"},
				store.Entry{Subject: "never", TTL: -1})
		}
		if err := s.PutMeta("config", []byte("cfg-"+cfg.Name)); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]snapshot{}
	for _, cfg := range cfgs {
		out[cfg.Name] = takeSnapshot(t, db.mu.streams[cfg.Name])
	}
	return out
}

func TestRecoverStreams(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock()
	opts := &Options{Logger: quiet{t}}
	db := mustOpen(t, dir, opts)
	want := fillStreams(t, db, clock)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpen(t, dir, opts)
	defer db.Close()
	names, err := db.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[empty gaps kv limited plain purged ttl]" {
		t.Fatalf("Streams() = %v", names)
	}
	streams := map[string]*Stream{}
	for _, cfg := range recoverCfgs {
		name := cfg.Name
		cfg.Now = clock.Now
		s, err := db.OpenStream(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if got := takeSnapshot(t, s); !reflect.DeepEqual(got, want[name]) {
			t.Fatalf("stream %s after reopen:\n got %+v\nwant %+v", name, got, want[name])
		}
		streams[name] = s
	}
	// Sequences carry on; expiry schedules survived.
	appendWait(t, streams["limited"], msgs("z")...)
	if st := streams["limited"].State(); st.LastSeq != 1007 || st.Msgs != 5 {
		t.Fatalf("limited after append: %+v", st)
	}
	appendWait(t, streams["purged"], msgs("z")...)
	if st := streams["purged"].State(); st.FirstSeq != 10 || st.LastSeq != 10 {
		t.Fatalf("purged after append: %+v", st)
	}
	clock.Advance(time.Minute)
	if n, err := streams["ttl"].Expire(); err != nil || n != 1 {
		t.Fatalf("TTL expiry after reopen: %d, %v", n, err)
	}
	clock.Advance(time.Hour)
	if n, err := streams["ttl"].Expire(); err != nil || n != 1 {
		t.Fatalf("age expiry after reopen: %d, %v", n, err)
	}
	for _, s := range streams {
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamLifecycle(t *testing.T) {
	fs := vfs.NewMem()
	opts := &Options{FS: fs, Logger: quiet{t}}
	db := mustOpen(t, "d", opts)
	s, err := db.OpenStream(store.Config{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenStream(store.Config{Name: "a"}); !errors.Is(err, ErrStreamOpen) {
		t.Fatalf("second OpenStream: %v", err)
	}
	if _, err := db.OpenStream(store.Config{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("OpenStream without name: %v", err)
	}
	appendWait(t, s, msgs("x")...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = db.OpenStream(store.Config{Name: "a"})
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	if st := s.State(); st.Msgs != 1 {
		t.Fatalf("state = %+v", st)
	}
	if err := s.Delete(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check after Delete: %v", err)
	}
	if names, _ := db.Streams(); len(names) != 0 {
		t.Fatalf("Streams after Delete = %v", names)
	}
	// DB.Close closes the streams still open.
	s2, err := db.OpenStream(store.Config{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.LoadMsg(1); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("LoadMsg after DB.Close: %v", err)
	}
	if _, err := db.OpenStream(store.Config{Name: "c"}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("OpenStream after Close: %v", err)
	}
}

func TestCorruptData(t *testing.T) {
	fs := vfs.NewMem()
	opts := &Options{FS: fs, Logger: quiet{t}}
	db := mustOpen(t, "d", opts)
	s, err := db.OpenStream(store.Config{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s, msgs("a", "b")...)
	if err := db.pdb.Set(s.b.k.msg(2), []byte{recordVersion, 1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.LoadMsg(2)
	var ce *store.CorruptError
	if !errors.As(err, &ce) || ce.Seq != 2 || ce.Stream != "c" {
		t.Fatalf("LoadMsg of a bad record = %v; want CorruptError at seq 2", err)
	}
	if _, err := s.LoadNextMsg(">", 2); !errors.As(err, &ce) {
		t.Fatalf("LoadNextMsg over a bad record = %v", err)
	}
	if err := s.Check(); !errors.As(err, &ce) {
		t.Fatalf("Check = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.pdb.Set(s.b.k.state(), []byte{9}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenStream(store.Config{Name: "c"}); !errors.As(err, &ce) {
		t.Fatalf("OpenStream with bad counters = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReopenAppliesLimits: limits shrunk and TTLs passed while the stream
// was closed take effect when it opens, and are reported.
func TestReopenAppliesLimits(t *testing.T) {
	clock := storetest.NewClock()
	db := mustOpen(t, "d", memOptions(t))
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "r", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	appendWait(t, s, store.Entry{Subject: "t", TTL: time.Second}, store.Entry{Subject: "a"},
		store.Entry{Subject: "b"}, store.Entry{Subject: "c"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	var removed []store.Removal
	s, err = db.OpenStream(store.Config{Name: "r", Now: clock.Now, MaxMsgs: 2,
		OnRemove: func(rs []store.Removal) { removed = append(removed, rs...) }})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(removed) != "[{1 t ttl} {2 a max-msgs}]" {
		t.Fatalf("removed at open: %v", removed)
	}
	if st := s.State(); st.FirstSeq != 3 || st.Msgs != 2 {
		t.Fatalf("state = %+v", st)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
