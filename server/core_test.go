package server_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

func TestPubSubWildcards(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s)
	got := make(chan string, 10)
	for _, f := range []string{"orders.*.created", "orders.>", "orders.eu.created", "other"} {
		f := f
		if _, err := nc.Subscribe(f, func(m *nats.Msg) { got <- f + "|" + m.Subject + "|" + string(m.Data) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Publish("orders.eu.created", []byte("x")); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	want := map[string]bool{
		"orders.*.created|orders.eu.created|x":  true,
		"orders.>|orders.eu.created|x":          true,
		"orders.eu.created|orders.eu.created|x": true,
	}
	for n := len(want); n > 0; n-- {
		select {
		case g := <-got:
			if !want[g] {
				t.Fatalf("unexpected delivery %q", g)
			}
			delete(want, g)
		case <-time.After(5 * time.Second):
			t.Fatalf("missing deliveries: %v", want)
		}
	}
	select {
	case g := <-got:
		t.Fatalf("extra delivery %q", g)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestFanOutAcrossConnections(t *testing.T) {
	s := testutil.RunServer(t, nil)
	const subs, msgs = 4, 500
	var wg sync.WaitGroup
	counts := make([]atomic.Int64, subs)
	for i := 0; i < subs; i++ {
		nc := testutil.Connect(t, s)
		i := i
		nc.Subscribe("fan", func(*nats.Msg) { counts[i].Add(1) })
		nc.Flush()
	}
	pub := testutil.Connect(t, s)
	for i := 0; i < msgs; i++ {
		pub.Publish("fan", []byte("m"))
	}
	pub.Flush()
	wg.Wait()
	testutil.WaitFor(t, 5*time.Second, func() error {
		for i := range counts {
			if n := counts[i].Load(); n != msgs {
				return fmt.Errorf("subscriber %d got %d of %d", i, n, msgs)
			}
		}
		return nil
	})
}

func TestQueueGroupDeliversEachMessageOnce(t *testing.T) {
	s := testutil.RunServer(t, nil)
	const members, msgs = 4, 1000
	var total atomic.Int64
	perMember := make([]atomic.Int64, members)
	for i := 0; i < members; i++ {
		nc := testutil.Connect(t, s)
		i := i
		nc.QueueSubscribe("work", "workers", func(*nats.Msg) { perMember[i].Add(1); total.Add(1) })
		nc.Flush()
	}
	var plain atomic.Int64
	obs := testutil.Connect(t, s)
	obs.Subscribe("work", func(*nats.Msg) { plain.Add(1) })
	obs.Flush()
	pub := testutil.Connect(t, s)
	for i := 0; i < msgs; i++ {
		pub.Publish("work", nil)
	}
	pub.Flush()
	testutil.WaitFor(t, 5*time.Second, func() error {
		if total.Load() != msgs || plain.Load() != msgs {
			return fmt.Errorf("queue got %d, plain got %d, want %d each", total.Load(), plain.Load(), msgs)
		}
		return nil
	})
	for i := range perMember {
		if perMember[i].Load() == 0 {
			t.Errorf("member %d got nothing: queue choice is not spread", i)
		}
	}
}

func TestRequestReply(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s)
	nc.Subscribe("svc.echo", func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
	nc.Flush()
	cl := testutil.Connect(t, s)
	m, err := cl.Request("svc.echo", []byte("hi"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != "re:hi" {
		t.Fatalf("reply %q", m.Data)
	}
}

func TestNoResponders(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s)
	start := time.Now()
	_, err := nc.Request("nobody.home", []byte("x"), 5*time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("got %v, want ErrNoResponders", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("no-responders took %v; it must be immediate", time.Since(start))
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s)
	sub, _ := nc.SubscribeSync("h")
	m := nats.NewMsg("h")
	m.Header.Set("Trace-Id", "abc")
	m.Header.Add("Multi", "1")
	m.Header.Add("Multi", "2")
	m.Data = []byte("body")
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	got, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("Trace-Id") != "abc" || len(got.Header.Values("Multi")) != 2 || string(got.Data) != "body" {
		t.Fatalf("got header %v data %q", got.Header, got.Data)
	}
}

func TestHeadersStrippedForClientsWithoutSupport(t *testing.T) {
	s := testutil.RunServer(t, nil)
	raw := testutil.DialRaw(t, s)
	raw.Send("CONNECT {\"headers\":false}\r\nSUB h 1\r\nPING\r\n")
	raw.Expect("PONG")
	nc := testutil.Connect(t, s)
	m := nats.NewMsg("h")
	m.Header.Set("K", "V")
	m.Data = []byte("payload")
	nc.PublishMsg(m)
	nc.Flush()
	raw.Expect("MSG h 1 7")
	raw.Expect("payload")
}

func TestEchoOff(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s, nats.NoEcho())
	other := testutil.Connect(t, s)
	self, _ := nc.SubscribeSync("e")
	peer, _ := other.SubscribeSync("e")
	nc.Flush()
	other.Flush()
	nc.Publish("e", []byte("1"))
	nc.Flush()
	if _, err := peer.NextMsg(2 * time.Second); err != nil {
		t.Fatalf("peer: %v", err)
	}
	if _, err := self.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatal("echo off but publisher received its own message")
	}
}

func TestAutoUnsubscribe(t *testing.T) {
	s := testutil.RunServer(t, nil)
	base := s.Stats().Subscriptions // the system request services' own
	nc := testutil.Connect(t, s)
	sub, _ := nc.SubscribeSync("au")
	sub.AutoUnsubscribe(3)
	nc.Flush()
	for i := 0; i < 10; i++ {
		nc.Publish("au", nil)
	}
	nc.Flush()
	for i := 0; i < 3; i++ {
		if _, err := sub.NextMsg(2 * time.Second); err != nil {
			t.Fatalf("msg %d: %v", i, err)
		}
	}
	testutil.WaitFor(t, 2*time.Second, func() error {
		if n := s.Stats().Subscriptions - base; n != 0 {
			return fmt.Errorf("%d subscriptions left", n)
		}
		return nil
	})
}

func TestInprocConn(t *testing.T) {
	s := testutil.RunServer(t, nil)
	bus := s.NewConn(nil)
	defer bus.Close()
	bus.Subscribe("svc.add", func(m *server.Msg) {
		bus.Publish(m.Reply, "", nil, append([]byte("sum:"), m.Data...))
	})
	nc := testutil.Connect(t, s)
	resp, err := nc.Request("svc.add", []byte("1+2"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Data) != "sum:1+2" {
		t.Fatalf("got %q", resp.Data)
	}
	sub, _ := nc.SubscribeSync("from.bus")
	nc.Flush()
	if _, err := bus.Publish("from.bus", "", []byte("NATS/1.0\r\nK: v\r\n\r\n"), []byte("d")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil || m.Header.Get("K") != "v" || string(m.Data) != "d" {
		t.Fatalf("got %v %v", m, err)
	}
}

func TestInprocBatch(t *testing.T) {
	s := testutil.RunServer(t, nil)
	bus := s.NewConn(nil)
	defer bus.Close()
	nc := testutil.Connect(t, s)
	sub, _ := nc.SubscribeSync("acks.*")
	nc.Flush()
	b := bus.NewBatch()
	const n = 100
	// A Batch is reusable after Flush; round 1 routes by one subject and
	// shows another (PublishAs).
	for round := 0; round < 2; round++ {
		for i := 0; i < n; i++ {
			route, data := fmt.Sprintf("acks.%d", i), []byte(fmt.Sprint(round, i))
			publish := func() (int, error) { return b.Publish(route, "", nil, data) }
			if round == 1 {
				publish = func() (int, error) { return b.PublishAs(route, fmt.Sprintf("shown.%d", i), "r", nil, data) }
			}
			if got, err := publish(); err != nil || got != 1 {
				t.Fatalf("publish %d: reached %d, %v", i, got, err)
			}
		}
		b.Flush()
		for i := 0; i < n; i++ {
			m, err := sub.NextMsg(2 * time.Second)
			want := fmt.Sprintf("acks.%d", i)
			if round == 1 {
				want = fmt.Sprintf("shown.%d", i)
			}
			if err != nil || string(m.Data) != fmt.Sprint(round, i) || m.Subject != want {
				t.Fatalf("round %d message %d: %v %v", round, i, m, err)
			}
		}
	}
}

// TestNoRespondersSubject: the 503 a requester gets when nobody listens
// names the subject it published to, as nats-server's does.
func TestNoRespondersSubject(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s)
	got := make(chan *nats.Msg, 1)
	if _, err := nc.Subscribe("rep", func(m *nats.Msg) { got <- m }); err != nil {
		t.Fatal(err)
	}
	if err := nc.PublishRequest("nobody.home", "rep", nil); err != nil {
		t.Fatal(err)
	}
	var m *nats.Msg
	select {
	case m = <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("no 503")
	}
	if m.Header.Get("Status") != "503" || m.Header.Get("Nats-Subject") != "nobody.home" || len(m.Data) != 0 {
		t.Fatalf("no-responders message: header %v data %q", m.Header, m.Data)
	}
	if _, err := nc.Request("nobody.home", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request: %v, want %v", err, nats.ErrNoResponders)
	}
}
