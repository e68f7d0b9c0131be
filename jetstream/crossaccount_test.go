package jetstream_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// crossAccountServer is the setup of nats.js's cross-account tests: JS
// has JetStream and exports its API and acknowledgements as services and
// A.> as a stream to A; A imports the API under IPA.>, the
// acknowledgements as they are, and A.> (its inboxes, "A" prefixed);
// also flow control replies ($JS.FC.>), which nats.js's setup leaves out.
func crossAccountServer(t *testing.T) (admin, user *nats.Conn) {
	t.Helper()
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		StoreDir:  t.TempDir(),
		Accounts: []*server.AccountConfig{
			{Name: "JS", JetStream: true, Exports: []server.Export{
				{Subject: "$JS.API.>", Service: true, ResponseType: server.Stream},
				{Subject: "$JS.ACK.>", Service: true, ResponseType: server.Stream},
				{Subject: "$JS.FC.>", Service: true},
				{Subject: "A.>", Accounts: []string{"A"}},
			}},
			{Name: "A", Imports: []server.Import{
				{Account: "JS", Subject: "$JS.API.>", Service: true, To: "IPA.>"},
				{Account: "JS", Subject: "$JS.ACK.>", Service: true},
				{Account: "JS", Subject: "$JS.FC.>", Service: true},
				{Account: "JS", Subject: "A.>"},
			}},
		},
		Users: []*server.User{{Username: "js", Password: "js", Account: "JS"},
			{Username: "a", Password: "a", Account: "A"}},
	})
	admin = testutil.Connect(t, s, nats.UserInfo("js", "js"))
	user = testutil.Connect(t, s, nats.UserInfo("a", "a"), nats.CustomInboxPrefix("A"))
	return admin, user
}

func TestCrossAccountStreamsAndPull(t *testing.T) {
	admin, user := crossAccountServer(t)
	js, err := jsclient.NewWithAPIPrefix(user, "IPA")
	if err != nil {
		t.Fatal(err)
	}
	// The importing account manages the exporter's streams.
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	for i := 1; i <= 3; i++ {
		admin.Publish("s.x", []byte(fmt.Sprint(i)))
	}
	admin.Flush()
	// Plain publishes: the stream stores them after the flush returns.
	testutil.WaitFor(t, 5*time.Second, func() error {
		info, err := st.Info(ctx(t))
		if err != nil || info.State.Msgs != 3 {
			return fmt.Errorf("stream state %+v, %v", info.State, err)
		}
		return nil
	})
	names := js.StreamNames(ctx(t))
	for n := range names.Name() {
		if n != "S" {
			t.Fatalf("stream %q listed", n)
		}
	}
	// A pull consumer: its messages reach A's inbox through the route
	// back, and their acknowledgements reach JS through the $JS.ACK import.
	c, err := st.CreateOrUpdateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "me", AckPolicy: jsclient.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(3, jsclient.FetchMaxWait(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		n++
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatalf("ack of message %d: %v", n, err)
		}
	}
	if n != 3 || batch.Error() != nil {
		t.Fatalf("fetched %d, error %v", n, batch.Error())
	}
	ci, err := c.Info(ctx(t))
	if err != nil || ci.AckFloor.Stream != 3 || ci.NumPending != 0 {
		t.Fatalf("consumer info %+v, %v", ci, err)
	}
	// A pull that finds nothing ends when it expires.
	batch, err = c.Fetch(1, jsclient.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
		t.Fatal("message after the stream was consumed")
	}
}

// TestCrossAccountPush: a push consumer delivers on A.<inbox>, which JS
// exports as a stream to A.
func TestCrossAccountPush(t *testing.T) {
	admin, user := crossAccountServer(t)
	js, err := user.JetStream(nats.APIPrefix("IPA"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "P", Subjects: []string{"p.>"}}); err != nil {
		t.Fatal(err)
	}
	deliver := user.NewRespInbox()
	if _, err := js.AddConsumer("P", &nats.ConsumerConfig{Durable: "push", DeliverSubject: deliver,
		AckPolicy: nats.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *nats.Msg, 8)
	if _, err := user.ChanSubscribe(deliver, ch); err != nil {
		t.Fatal(err)
	}
	user.Flush()
	admin.Publish("p.1", []byte("one"))
	admin.Publish("p.2", []byte("two"))
	admin.Flush()
	for _, want := range []string{"p.1|one", "p.2|two"} {
		select {
		case m := <-ch:
			if got := m.Subject + "|" + string(m.Data); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
			if err := m.AckSync(); err != nil {
				t.Fatalf("ack: %v", err)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("no %s", want)
		}
	}
	ci, err := js.ConsumerInfo("P", "push")
	if err != nil || ci.AckFloor.Stream != 2 || !ci.PushBound {
		t.Fatalf("consumer info %+v, %v", ci, err)
	}
}

// TestCrossAccountKV is nats.js's kv cross-account setup: B reaches A's
// JetStream API under froma.> and its KV subjects under froma.$KV.>, and
// takes watch deliveries on forb.>.
func TestCrossAccountKV(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		StoreDir:  t.TempDir(),
		Accounts: []*server.AccountConfig{
			{Name: "A", JetStream: true, Exports: []server.Export{
				{Subject: "$JS.API.>", Service: true}, {Subject: "$KV.>", Service: true}, {Subject: "forb.>"}}},
			{Name: "B", Imports: []server.Import{
				{Account: "A", Subject: "$KV.>", Service: true, To: "froma.$KV.>"},
				{Account: "A", Subject: "$JS.API.>", Service: true, To: "froma.>"},
				{Account: "A", Subject: "forb.>"}}},
		},
		Users: []*server.User{{Username: "a", Password: "a", Account: "A"}, {Username: "b", Password: "b", Account: "B"}},
	})
	a := testutil.Connect(t, s, nats.UserInfo("a", "a"))
	b := testutil.Connect(t, s, nats.UserInfo("b", "b"), nats.CustomInboxPrefix("forb"))
	jsa, _ := jsclient.New(a)
	kva, err := jsa.CreateKeyValue(ctx(t), jsclient.KeyValueConfig{Bucket: "a", History: 5})
	if err != nil {
		t.Fatal(err)
	}
	kva.Put(ctx(t), "A", []byte("1"))
	jsb, _ := jsclient.NewWithAPIPrefix(b, "froma")
	kvb, err := jsb.KeyValue(ctx(t), "a")
	if err != nil {
		t.Fatal(err)
	}
	w, err := kvb.WatchAll(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if e := nextEntry(t, w); e == nil || e.Key() != "A" {
		t.Fatalf("first watched entry %v", e)
	}
	if e := nextEntry(t, w); e != nil {
		t.Fatalf("want the end of the initial values, got %v", e)
	}
	if _, err := kvb.Put(ctx(t), "B", []byte("2")); err != nil {
		t.Fatalf("put from B: %v", err)
	}
	if e := nextEntry(t, w); e == nil || e.Key() != "B" || string(e.Value()) != "2" {
		t.Fatalf("watched %v", e)
	}
	e, err := kva.Get(ctx(t), "B")
	if err != nil || string(e.Value()) != "2" {
		t.Fatalf("get in A: %v %v", e, err)
	}
	hist, err := kvb.History(ctx(t), "A")
	if err != nil || len(hist) != 1 {
		t.Fatalf("history %v, %v", hist, err)
	}
}

func nextEntry(t *testing.T, w jsclient.KeyWatcher) jsclient.KeyValueEntry {
	t.Helper()
	select {
	case e := <-w.Updates():
		return e
	case <-time.After(3 * time.Second):
		t.Fatal("no watch update")
		return nil
	}
}

// TestCrossAccountFlowControl: a flow-controlled push consumer delivers
// more than its window to the importing account, whose client answers
// the flow control requests through the $JS.FC import.
func TestCrossAccountFlowControl(t *testing.T) {
	admin, user := crossAccountServer(t)
	js, err := user.JetStream(nats.APIPrefix("IPA"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "F", Subjects: []string{"f"}}); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	payload := make([]byte, 1024)
	ajs, _ := admin.JetStream()
	for i := 0; i < n; i++ {
		if _, err := ajs.PublishAsync("f", payload); err != nil {
			t.Fatal(err)
		}
	}
	<-ajs.PublishAsyncComplete()
	got := make(chan struct{}, n)
	sub, err := js.Subscribe("f", func(m *nats.Msg) { got <- struct{}{} }, nats.BindStream("F"),
		nats.DeliverSubject(user.NewRespInbox()), nats.EnableFlowControl(), nats.IdleHeartbeat(time.Second), nats.AckNone())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	for i := 0; i < n; i++ {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("received %d of %d", i, n)
		}
	}
}
