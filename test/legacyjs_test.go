package e2e

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// The legacy JetStream API of nats.go (nats.JetStreamContext) is what most
// Go services written before the jetstream package still use: push
// subscriptions that create their consumers, queue subscriptions, pull
// subscriptions with Fetch, ordered consumers and the ack kinds.

func legacyJS(t *testing.T) (*nats.Conn, nats.JetStreamContext) {
	t.Helper()
	s := testutil.RunServer(t, &server.Options{JetStream: true})
	nc := testutil.Connect(t, s)
	js, err := nc.JetStream()
	check(t, err, "JetStream")
	_, err = js.AddStream(&nats.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}})
	check(t, err, "AddStream")
	return nc, js
}

func publishN(t *testing.T, js nats.JetStreamContext, subj string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		_, err := js.Publish(subj, []byte(fmt.Sprint(i)))
		check(t, err, "Publish")
	}
}

func TestLegacyPushSubscribe(t *testing.T) {
	_, js := legacyJS(t)
	publishN(t, js, "orders.new", 5)
	// A durable the application created outlives its subscriptions (one
	// the library creates is deleted on Unsubscribe, as with nats-server).
	_, err := js.AddConsumer("ORDERS", &nats.ConsumerConfig{
		Durable: "shipper", DeliverSubject: nats.NewInbox(), AckPolicy: nats.AckExplicitPolicy, FilterSubject: "orders.new",
	})
	check(t, err, "AddConsumer")
	got := make(chan string, 10)
	sub, err := js.Subscribe("orders.new", func(m *nats.Msg) {
		got <- string(m.Data)
		m.Ack()
	}, nats.Bind("ORDERS", "shipper"), nats.ManualAck())
	check(t, err, "Subscribe")
	for i := 1; i <= 5; i++ {
		select {
		case d := <-got:
			if d != fmt.Sprint(i) {
				t.Fatalf("message %d: %q", i, d)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("message %d not delivered", i)
		}
	}
	testutil.WaitFor(t, 3*time.Second, func() error {
		ci, err := sub.ConsumerInfo()
		if err != nil {
			return err
		}
		if ci.AckFloor.Stream != 5 || ci.NumAckPending != 0 {
			return fmt.Errorf("ack floor %d, pending %d", ci.AckFloor.Stream, ci.NumAckPending)
		}
		return nil
	})
	check(t, sub.Unsubscribe(), "Unsubscribe")
	publishN(t, js, "orders.new", 1)
	sub, err = js.SubscribeSync("orders.new", nats.Bind("ORDERS", "shipper"))
	check(t, err, "SubscribeSync")
	m, err := sub.NextMsg(3 * time.Second)
	check(t, err, "NextMsg")
	if string(m.Data) != "1" {
		t.Fatalf("resumed durable got %q", m.Data)
	}
	meta, err := m.Metadata()
	check(t, err, "Metadata")
	if meta.Sequence.Stream != 6 || meta.NumDelivered != 1 {
		t.Fatalf("metadata %+v", meta)
	}
}

func TestLegacyQueueSubscribe(t *testing.T) {
	_, js := legacyJS(t)
	var mu sync.Mutex
	seen := map[string]int{}
	counts := [2]int{}
	for i := range 2 {
		_, err := js.QueueSubscribe("orders.*", "workers", func(m *nats.Msg) {
			mu.Lock()
			seen[string(m.Data)]++
			counts[i]++
			mu.Unlock()
			m.Ack()
		}, nats.Durable("workers"))
		check(t, err, "QueueSubscribe")
	}
	publishN(t, js, "orders.paid", 40)
	testutil.WaitFor(t, 5*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 40 {
			return fmt.Errorf("%d of 40 delivered", len(seen))
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	for d, n := range seen {
		if n != 1 {
			t.Fatalf("message %s delivered %d times to the group", d, n)
		}
	}
}

func TestLegacyPullSubscribe(t *testing.T) {
	_, js := legacyJS(t)
	publishN(t, js, "orders.new", 10)
	sub, err := js.PullSubscribe("orders.new", "puller", nats.AckWait(500*time.Millisecond))
	check(t, err, "PullSubscribe")
	msgs, err := sub.Fetch(4, nats.MaxWait(2*time.Second))
	check(t, err, "Fetch")
	if len(msgs) != 4 {
		t.Fatalf("fetched %d, want 4", len(msgs))
	}
	check(t, msgs[0].AckSync(), "AckSync")
	check(t, msgs[1].Nak(), "Nak")
	check(t, msgs[2].InProgress(), "InProgress")
	check(t, msgs[2].Ack(), "Ack")
	check(t, msgs[3].Term(), "Term")
	// The nak'd message comes back first, then the rest in order.
	msgs, err = sub.Fetch(10, nats.MaxWait(2*time.Second))
	check(t, err, "Fetch again")
	if len(msgs) == 0 || string(msgs[0].Data) != "2" {
		t.Fatalf("after a nak: %d messages, first %q", len(msgs), firstData(msgs))
	}
	for _, m := range msgs {
		m.Ack()
	}
	batch, err := sub.FetchBatch(5, nats.MaxWait(300*time.Millisecond))
	check(t, err, "FetchBatch")
	n := 0
	for range batch.Messages() {
		n++
	}
	if n != 0 || batch.Error() != nil && !errors.Is(batch.Error(), nats.ErrTimeout) {
		t.Fatalf("empty stream: %d messages, error %v", n, batch.Error())
	}
}

func firstData(msgs []*nats.Msg) string {
	if len(msgs) == 0 {
		return ""
	}
	return string(msgs[0].Data)
}

func TestLegacyOrderedAndChan(t *testing.T) {
	_, js := legacyJS(t)
	publishN(t, js, "orders.new", 20)
	ch := make(chan *nats.Msg, 64)
	sub, err := js.ChanSubscribe("orders.>", ch, nats.OrderedConsumer())
	check(t, err, "ChanSubscribe ordered")
	for i := 1; i <= 20; i++ {
		select {
		case m := <-ch:
			if string(m.Data) != fmt.Sprint(i) {
				t.Fatalf("ordered message %d: %q", i, m.Data)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("ordered message %d missing", i)
		}
	}
	check(t, sub.Unsubscribe(), "Unsubscribe")

	// An ephemeral push consumer goes away with its subscription.
	sub, err = js.SubscribeSync("orders.new")
	check(t, err, "SubscribeSync ephemeral")
	ci, err := sub.ConsumerInfo()
	check(t, err, "ConsumerInfo")
	check(t, sub.Unsubscribe(), "Unsubscribe ephemeral")
	testutil.WaitFor(t, 3*time.Second, func() error {
		if _, err := js.ConsumerInfo("ORDERS", ci.Name); !errors.Is(err, nats.ErrConsumerNotFound) {
			return fmt.Errorf("ephemeral consumer after unsubscribe: %v", err)
		}
		return nil
	})

	// Drain lets the handler finish what was delivered.
	done := make(chan struct{})
	var handled int
	sub, err = js.Subscribe("orders.new", func(m *nats.Msg) {
		handled++
		m.Ack()
		if handled == 20 {
			close(done)
		}
	}, nats.Durable("drainer"), nats.DeliverAll())
	check(t, err, "Subscribe drainer")
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatalf("drainer got %d of 20", handled)
	}
	check(t, sub.Drain(), "Drain")
}

func TestLegacyStreamManagement(t *testing.T) {
	_, js := legacyJS(t)
	publishN(t, js, "orders.new", 3)
	info, err := js.StreamInfo("ORDERS")
	check(t, err, "StreamInfo")
	if info.State.Msgs != 3 {
		t.Fatalf("stream state %+v", info.State)
	}
	names := []string{}
	for n := range js.StreamNames() {
		names = append(names, n)
	}
	if len(names) != 1 || names[0] != "ORDERS" {
		t.Fatalf("stream names %v", names)
	}
	_, err = js.AddConsumer("ORDERS", &nats.ConsumerConfig{Durable: "audit", AckPolicy: nats.AckExplicitPolicy})
	check(t, err, "AddConsumer")
	n := 0
	for range js.ConsumersInfo("ORDERS") {
		n++
	}
	if n != 1 {
		t.Fatalf("%d consumers listed", n)
	}
	m, err := js.GetLastMsg("ORDERS", "orders.new")
	check(t, err, "GetLastMsg")
	if string(m.Data) != "3" || m.Sequence != 3 {
		t.Fatalf("last message %q at %d", m.Data, m.Sequence)
	}
	check(t, js.DeleteMsg("ORDERS", 2), "DeleteMsg")
	check(t, js.PurgeStream("ORDERS"), "PurgeStream")
	check(t, js.DeleteConsumer("ORDERS", "audit"), "DeleteConsumer")
	check(t, js.DeleteStream("ORDERS"), "DeleteStream")
	if _, err := js.StreamInfo("ORDERS"); !errors.Is(err, nats.ErrStreamNotFound) {
		t.Fatalf("deleted stream: %v", err)
	}
	acc, err := js.AccountInfo()
	check(t, err, "AccountInfo")
	if acc.Streams != 0 {
		t.Fatalf("account info %+v", acc)
	}
}
