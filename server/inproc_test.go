package server_test

import (
	"strings"
	"testing"

	petrellog "github.com/petrelmq/petrel/internal/log"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// TestInprocDropWarningsAreSpaced: a queued in-process subscriber that
// falls behind drops messages over its bound, and the log says so once
// with the count, not once per message.
func TestInprocDropWarningsAreSpaced(t *testing.T) {
	defer server.SetInprocPendingLimit(1000)()
	var out testutil.SyncBuffer
	s := testutil.RunServer(t, &server.Options{Logger: petrellog.New(petrellog.Options{Output: &out})})
	conn := s.NewConn(s.GlobalAccount())
	release := make(chan struct{})
	defer close(release)
	got := make(chan struct{}, 1)
	if _, err := conn.Subscribe("slow", func(*server.Msg) {
		select {
		case got <- struct{}{}:
		default:
		}
		<-release
	}); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 100)
	if _, err := conn.Publish("slow", "", nil, payload); err != nil {
		t.Fatal(err)
	}
	<-got // the handler holds the first message; the rest queue up
	for i := 0; i < 50; i++ {
		if _, err := conn.Publish("slow", "", nil, payload); err != nil {
			t.Fatal(err)
		}
	}
	if n := conn.Dropped(); n < 30 {
		t.Fatalf("dropped %d of 50 over a 1000-byte bound", n)
	}
	if n := strings.Count(out.String(), "is behind; dropped"); n != 1 {
		t.Fatalf("%d drop warnings, want 1:\n%s", n, out.String())
	}
}
