package diskstore

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// copyDir copies the files of dir into a new directory, as a crash would
// leave them: whatever each file holds at that moment, no clean close.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if err := os.MkdirAll(filepath.Join(out, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.Create(filepath.Join(out, rel))
		if err != nil {
			return err
		}
		defer dst.Close()
		_, err = io.Copy(dst, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWALSizedAhead checks that the log files of a store on the OS
// filesystem are sized ahead of their writes, and that a crash image (the
// files copied while the DB is open, the log ending in zeros) recovers
// every message whose commit was waited for.
func TestWALSizedAhead(t *testing.T) {
	if !canAllocate {
		t.Skip("no fallocate on this platform")
	}
	dir := t.TempDir()
	db := mustOpen(t, dir, &Options{Logger: quiet{t}})
	s, err := db.OpenStream(store.Config{Name: "wal"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		appendWait(t, s, store.Entry{Subject: fmt.Sprintf("k.%d", i), Data: []byte(strings.Repeat("v", 100))})
	}
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no WAL files in %s (%v)", dir, err)
	}
	for _, l := range logs {
		fi, err := os.Stat(l)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 || fi.Size()%walGrowth != 0 {
			t.Fatalf("%s is %d bytes, want a multiple of %d", l, fi.Size(), walGrowth)
		}
	}

	image := copyDir(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{image, dir} {
		db := mustOpen(t, d, &Options{Logger: quiet{t}})
		s, err := db.OpenStream(store.Config{Name: "wal"})
		if err != nil {
			t.Fatal(err)
		}
		if st := s.State(); st.Msgs != n || st.LastSeq != n {
			t.Fatalf("%s: reopened state %+v, want %d messages", d, st, n)
		}
		m, err := s.LoadMsg(n)
		if err != nil || m.Subject != fmt.Sprintf("k.%d", n-1) {
			t.Fatalf("%s: last message %+v, %v", d, m, err)
		}
		appendWait(t, s, store.Entry{Subject: "after"})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
