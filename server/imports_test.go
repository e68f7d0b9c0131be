package server_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// linkedServer runs a server with accounts A (user a) and B (user b), A
// exporting what exports says and B importing what imports says.
func linkedServer(t *testing.T, exports []server.Export, imports []server.Import) (*server.Server, *nats.Conn, *nats.Conn) {
	t.Helper()
	s := testutil.RunServer(t, &server.Options{
		Accounts: []*server.AccountConfig{{Name: "A", Exports: exports}, {Name: "B", Imports: imports}},
		Users: []*server.User{{Username: "a", Password: "a", Account: "A"},
			{Username: "b", Password: "b", Account: "B"}},
	})
	return s, testutil.Connect(t, s, nats.UserInfo("a", "a")), testutil.Connect(t, s, nats.UserInfo("b", "b"))
}

// expectMsgs reads want "subject|data" entries, in any order, from ch.
func expectMsgs(t *testing.T, ch <-chan *nats.Msg, want ...string) {
	t.Helper()
	left := map[string]int{}
	for _, w := range want {
		left[w]++
	}
	for range want {
		select {
		case m := <-ch:
			g := m.Subject + "|" + string(m.Data)
			if left[g] == 0 {
				t.Fatalf("unexpected %q; still waiting for %v", g, left)
			}
			left[g]--
		case <-time.After(3 * time.Second):
			t.Fatalf("missing %v", left)
		}
	}
	select {
	case m := <-ch:
		t.Fatalf("extra %s|%s", m.Subject, m.Data)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestStreamImportPrefixAndWildcards(t *testing.T) {
	_, a, b := linkedServer(t,
		[]server.Export{{Subject: "orders.>"}},
		[]server.Import{{Account: "A", Subject: "orders.>", Prefix: "from.a"}})
	ch := make(chan *nats.Msg, 16)
	for _, f := range []string{"from.a.orders.*", "from.a.>", "*.a.orders.eu", "orders.>"} {
		if _, err := b.ChanSubscribe(f, ch); err != nil {
			t.Fatal(err)
		}
	}
	b.Flush()
	a.Publish("orders.eu", []byte("1"))
	a.Publish("other", []byte("2"))
	a.Publish("orders.us.x", []byte("3"))
	a.Flush()
	expectMsgs(t, ch,
		"from.a.orders.eu|1", "from.a.orders.eu|1", "from.a.orders.eu|1", // the three filters that cover it
		"from.a.orders.us.x|3")
	// B's own traffic on the local subject is B's, and A sees none of it.
	ach := make(chan *nats.Msg, 4)
	a.ChanSubscribe(">", ach)
	a.Flush()
	b.Publish("orders.eu", []byte("4"))
	b.Flush()
	expectMsgs(t, ch, "orders.eu|4")
	expectMsgs(t, ach)
}

func TestStreamImportTo(t *testing.T) {
	_, a, b := linkedServer(t,
		[]server.Export{{Subject: "x.*.y"}, {Subject: "plain"}},
		[]server.Import{{Account: "A", Subject: "x.*.y", To: "z.*"}, {Account: "A", Subject: "plain", To: "renamed"}})
	ch := make(chan *nats.Msg, 16)
	b.ChanSubscribe("z.>", ch)
	b.ChanSubscribe("renamed", ch)
	qch := make(chan *nats.Msg, 16)
	b.ChanQueueSubscribe("z.k", "q", qch)
	b.ChanQueueSubscribe("z.k", "q", qch)
	b.Flush()
	a.Publish("x.k.y", []byte("1"))
	a.Publish("plain", []byte("2"))
	a.Flush()
	expectMsgs(t, ch, "z.k|1", "renamed|2")
	expectMsgs(t, qch, "z.k|1")
}

func TestStreamImportUnsubscribe(t *testing.T) {
	_, a, b := linkedServer(t, []server.Export{{Subject: "e.>"}},
		[]server.Import{{Account: "A", Subject: "e.>"}})
	ch := make(chan *nats.Msg, 16)
	sub, _ := b.ChanSubscribe("e.x", ch)
	sub.AutoUnsubscribe(2)
	b.Flush()
	for _, d := range []string{"1", "2", "3"} {
		a.Publish("e.x", []byte(d))
	}
	a.Flush()
	expectMsgs(t, ch, "e.x|1", "e.x|2")
	sub2, _ := b.ChanSubscribe("e.y", ch)
	b.Flush()
	sub2.Unsubscribe()
	b.Flush()
	a.Publish("e.y", []byte("4"))
	a.Flush()
	expectMsgs(t, ch)
}

func TestServiceImport(t *testing.T) {
	_, a, b := linkedServer(t,
		[]server.Export{{Subject: "svc.>", Service: true}},
		[]server.Import{{Account: "A", Subject: "svc.>", Service: true, To: "local.>"}})
	a.Subscribe("svc.>", func(m *nats.Msg) {
		info := m.Header.Get("Nats-Request-Info")
		var ri struct {
			Acc  string `json:"acc"`
			User string `json:"user"`
		}
		json.Unmarshal([]byte(info), &ri)
		if !strings.HasPrefix(m.Reply, "_R_.") {
			m.Respond([]byte("bad reply " + m.Reply))
			return
		}
		m.Respond([]byte(m.Subject + " for " + ri.Acc + "/" + ri.User + ": " + string(m.Data)))
	})
	a.Flush()
	resp, err := b.Request("local.echo", []byte("hi"), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(resp.Data); got != "svc.echo for B/b: hi" {
		t.Fatalf("response %q", got)
	}
	// The request subject is not exported as itself.
	if _, err := b.Request("svc.echo", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request on the exporter's subject: %v", err)
	}
}

func TestServiceImportNoResponders(t *testing.T) {
	_, _, b := linkedServer(t,
		[]server.Export{{Subject: "svc", Service: true}},
		[]server.Import{{Account: "A", Subject: "svc", Service: true}})
	if _, err := b.Request("svc", nil, 2*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request without responders: %v", err)
	}
}

// TestServiceImportSingleton: a singleton export's route back carries one
// response; a stream export's carries them all.
func TestServiceImportResponseTypes(t *testing.T) {
	s, a, b := linkedServer(t,
		[]server.Export{{Subject: "one", Service: true}, {Subject: "many", Service: true, ResponseType: server.Stream}},
		[]server.Import{{Account: "A", Subject: "one", Service: true}, {Account: "A", Subject: "many", Service: true}})
	for _, subj := range []string{"one", "many"} {
		a.Subscribe(subj, func(m *nats.Msg) {
			for _, d := range []string{"r1", "r2", "r3"} {
				m.Respond([]byte(d))
			}
		})
	}
	a.Flush()
	for subj, want := range map[string]int{"one": 1, "many": 3} {
		inbox := b.NewRespInbox()
		ch := make(chan *nats.Msg, 8)
		b.ChanSubscribe(inbox, ch)
		b.PublishRequest(subj, inbox, nil)
		b.Flush()
		var got []string
		for i := 0; i < want; i++ {
			select {
			case m := <-ch:
				got = append(got, string(m.Data))
			case <-time.After(3 * time.Second):
				t.Fatalf("%s: got %v, want %d responses", subj, got, want)
			}
		}
		select {
		case m := <-ch:
			t.Fatalf("%s: extra response %q after %v", subj, m.Data, got)
		case <-time.After(100 * time.Millisecond):
		}
	}
	// The singleton's route went with its response; the stream's stays
	// until it has been idle a while.
	if n := server.ResponseRoutes(s.LookupAccount("A")); n != 1 {
		t.Fatalf("%d routes back open, want 1 (the stream's)", n)
	}
}

// TestServiceImportChained: a request crosses two imports and its
// response comes back across both.
func TestServiceImportChained(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		Accounts: []*server.AccountConfig{
			{Name: "A", Exports: []server.Export{{Subject: "q", Service: true}}},
			{Name: "B", Imports: []server.Import{{Account: "A", Subject: "q", Service: true}},
				Exports: []server.Export{{Subject: "q", Service: true}}},
			{Name: "C", Imports: []server.Import{{Account: "B", Subject: "q", Service: true, To: "ask"}}},
		},
		Users: []*server.User{{Username: "a", Password: "a", Account: "A"}, {Username: "c", Password: "c", Account: "C"}},
	})
	a := testutil.Connect(t, s, nats.UserInfo("a", "a"))
	c := testutil.Connect(t, s, nats.UserInfo("c", "c"))
	a.Subscribe("q", func(m *nats.Msg) { m.Respond([]byte("from A: " + m.Header.Get("Nats-Request-Info"))) })
	a.Flush()
	resp, err := c.Request("ask", nil, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Data), `"acc":"C"`) {
		t.Fatalf("response %q", resp.Data)
	}
}

// TestServiceImportCycle: accounts that import a service from each other
// do not pass a request around for ever; with nobody answering, the
// requester gets no responders.
func TestServiceImportCycle(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		Accounts: []*server.AccountConfig{
			{Name: "A", Exports: []server.Export{{Subject: "q", Service: true}},
				Imports: []server.Import{{Account: "B", Subject: "q", Service: true}}},
			{Name: "B", Exports: []server.Export{{Subject: "q", Service: true}},
				Imports: []server.Import{{Account: "A", Subject: "q", Service: true}}},
		},
		Users: []*server.User{{Username: "a", Password: "a", Account: "A"}},
	})
	a := testutil.Connect(t, s, nats.UserInfo("a", "a"))
	if _, err := a.Request("q", nil, 2*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request around the cycle: %v", err)
	}
	for _, acc := range []string{"A", "B"} {
		if n := server.ResponseRoutes(s.LookupAccount(acc)); n != 0 {
			t.Fatalf("%d routes back left open in %s", n, acc)
		}
	}
}

// TestServiceImportResponseThreshold: a stream export's route back goes
// once it has been unused for the export's response threshold.
func TestServiceImportResponseThreshold(t *testing.T) {
	s, a, b := linkedServer(t,
		[]server.Export{{Subject: "many", Service: true, ResponseType: server.Stream, ResponseThreshold: 100 * time.Millisecond}},
		[]server.Import{{Account: "A", Subject: "many", Service: true}})
	a.Subscribe("many", func(m *nats.Msg) { m.Respond([]byte("r")) })
	a.Flush()
	if _, err := b.Request("many", nil, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	acc := s.LookupAccount("A")
	if n := server.ResponseRoutes(acc); n != 1 {
		t.Fatalf("%d routes back, want 1", n)
	}
	time.Sleep(250 * time.Millisecond)
	if _, err := b.Request("many", nil, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := server.ResponseRoutes(acc); n != 1 {
		t.Fatalf("%d routes back after the first went idle, want 1 (the new one)", n)
	}
}
