package server_test

import (
	"sync/atomic"
	"testing"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// TestWatchInterest: a watcher hears of subscriptions that match its
// subject, literal or wildcard, from clients and in-process connections,
// and of nothing after stop.
func TestWatchInterest(t *testing.T) {
	s := testutil.RunServer(t, nil)
	var calls atomic.Int32
	stop := s.GlobalAccount().WatchInterest("deliver.orders", func() { calls.Add(1) })
	nc := testutil.Connect(t, s)
	for _, subj := range []string{"deliver.orders", "deliver.*", "deliver.>", "other", "deliver.orders.x"} {
		if _, err := nc.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3 (the literal and two wildcard subscriptions)", n)
	}
	conn := s.NewConn(s.GlobalAccount())
	defer conn.Close()
	if _, err := conn.Subscribe("deliver.orders", func(*server.Msg) {}); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 4 {
		t.Fatalf("in-process subscription: %d calls, want 4", n)
	}
	stop()
	stop()
	nc.SubscribeSync("deliver.orders")
	nc.Flush()
	if n := calls.Load(); n != 4 {
		t.Fatalf("after stop: %d calls", n)
	}
}
