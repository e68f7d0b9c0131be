package jetstream_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func pullSetup(t *testing.T, n int, cfg jsclient.ConsumerConfig) (*nats.Conn, jsclient.JetStream, jsclient.Consumer) {
	t.Helper()
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", n)
	if cfg.Durable == "" && cfg.Name == "" {
		cfg.Durable = "D"
	}
	return nc, js, mustConsumer(t, st, cfg)
}

func fetch(t *testing.T, c jsclient.Consumer, n int, opts ...jsclient.FetchOpt) []jsclient.Msg {
	t.Helper()
	opts = append([]jsclient.FetchOpt{jsclient.FetchMaxWait(2 * time.Second)}, opts...)
	batch, err := c.Fetch(n, opts...)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	var msgs []jsclient.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if batch.Error() != nil && !errors.Is(batch.Error(), nats.ErrTimeout) {
		t.Fatalf("fetch: %v", batch.Error())
	}
	return msgs
}

func TestPullFetchAckInfo(t *testing.T) {
	_, _, c := pullSetup(t, 10, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy})
	msgs := fetch(t, c, 4)
	if len(msgs) != 4 {
		t.Fatalf("fetched %d", len(msgs))
	}
	md, _ := msgs[1].Metadata()
	if md.Sequence.Stream != 2 || md.Sequence.Consumer != 2 || md.NumDelivered != 1 || md.NumPending != 8 ||
		md.Stream != "S" || md.Consumer != "D" || msgs[1].Subject() != "s.a" || string(msgs[1].Data()) != "msg-1" {
		t.Fatalf("metadata %+v subject %s", md, msgs[1].Subject())
	}
	// Ack 1 and 3: the floor moves to 1 only.
	msgs[0].Ack()
	if err := msgs[2].DoubleAck(ctx(t)); err != nil {
		t.Fatalf("double ack: %v", err)
	}
	ci := consumerInfo(t, c)
	if ci.Delivered.Consumer != 4 || ci.Delivered.Stream != 4 || ci.AckFloor.Consumer != 1 || ci.AckFloor.Stream != 1 ||
		ci.NumAckPending != 2 || ci.NumPending != 6 || ci.NumRedelivered != 0 {
		t.Fatalf("info %+v", ci)
	}
	msgs[1].Ack()
	if err := msgs[3].DoubleAck(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ci = consumerInfo(t, c)
	if ci.AckFloor.Consumer != 4 || ci.AckFloor.Stream != 4 || ci.NumAckPending != 0 {
		t.Fatalf("info after acks %+v", ci)
	}
	// FetchNoWait takes what is there and stops.
	batch, err := c.FetchNoWait(100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range batch.Messages() {
		n++
	}
	if n != 6 || batch.Error() != nil {
		t.Fatalf("fetch no wait: %d, %v", n, batch.Error())
	}
	// Next on an exhausted consumer times out.
	if _, err := c.Next(jsclient.FetchMaxWait(200 * time.Millisecond)); !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("next: %v", err)
	}
}

func TestPullConsumeAndMessages(t *testing.T) {
	_, js, c := pullSetup(t, 50, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy})
	got := make(chan uint64, 200)
	cc, err := c.Consume(func(m jsclient.Msg) {
		md, _ := m.Metadata()
		m.Ack()
		got <- md.Sequence.Stream
	}, jsclient.PullMaxMessages(20))
	if err != nil {
		t.Fatal(err)
	}
	publishN(t, js, "s.b", 50)
	for want := uint64(1); want <= 100; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("got seq %d, want %d", seq, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("timeout waiting for %d", want)
		}
	}
	cc.Stop()

	it, err := c.Messages()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Stop()
	publishN(t, js, "s.c", 3)
	for i := 0; i < 3; i++ {
		m, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		m.Ack()
	}
	testutil.WaitFor(t, 2*time.Second, func() error {
		if ci := consumerInfo(t, c); ci.AckFloor.Stream != 103 {
			return fmt.Errorf("ack floor %d", ci.AckFloor.Stream)
		}
		return nil
	})
}

// pullRaw sends a raw pull request and returns the first reply.
func pullRaw(t *testing.T, nc *nats.Conn, consumer, body string) *nats.Msg {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S."+consumer, inbox, []byte(body)); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(3 * time.Second)
	if err != nil {
		t.Fatalf("pull %s: %v", body, err)
	}
	return m
}

func expectStatus(t *testing.T, m *nats.Msg, status, desc string) {
	t.Helper()
	if m.Header.Get("Status") != status || (desc != "" && m.Header.Get("Description") != desc) {
		t.Fatalf("got status %q %q (data %q), want %s %s", m.Header.Get("Status"), m.Header.Get("Description"), m.Data, status, desc)
	}
}

func TestPullStatusCodes(t *testing.T) {
	nc, _, c := pullSetup(t, 2, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy,
		MaxWaiting: 1, MaxRequestBatch: 10, MaxRequestExpires: time.Minute, MaxRequestMaxBytes: 1000})
	_ = c
	// A bare number is a batch; the message comes with its ack subject.
	m := pullRaw(t, nc, "D", "1")
	if string(m.Data) != "msg-0" || m.Subject != "s.a" || m.Reply != "$JS.ACK.S.D.1.1.1."+m.Reply[len("$JS.ACK.S.D.1.1.1."):] {
		t.Fatalf("delivery %s %s %q", m.Subject, m.Reply, m.Data)
	}
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":100}`), "409", "Exceeded MaxRequestBatch of 10")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"expires":3600000000000}`), "409", "Exceeded MaxRequestExpires of 1m0s")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"max_bytes":5000}`), "409", "Exceeded MaxRequestMaxBytes of 1000")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"max_bytes":3}`), "409", "Message Size Exceeds MaxBytes")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":`), "400", "")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"expires":100000000,"idle_heartbeat":90000000}`), "400", "Bad Request - heartbeat value too large")

	// Take the last message, then: no_wait finds nothing; expires times out
	// with the pending counts.
	pullRaw(t, nc, "D", "1")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":5,"no_wait":true}`), "404", "No Messages")
	m = pullRaw(t, nc, "D", `{"batch":5,"expires":100000000}`)
	expectStatus(t, m, "408", "Request Timeout")
	if m.Header.Get("Nats-Pending-Messages") != "5" || m.Header.Get("Nats-Pending-Bytes") != "0" {
		t.Fatalf("408 headers %v", m.Header)
	}

	// One waiting request fills max_waiting; the next is refused.
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(`{"batch":1,"expires":2000000000,"idle_heartbeat":100000000}`))
	hb, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, hb, "100", "Idle Heartbeat")
	if hb.Header.Get("Nats-Last-Consumer") != "2" || hb.Header.Get("Nats-Last-Stream") != "2" {
		t.Fatalf("heartbeat headers %v", hb.Header)
	}
	ci := consumerInfo(t, c)
	if ci.NumWaiting != 1 {
		t.Fatalf("num_waiting %d", ci.NumWaiting)
	}
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"expires":1000000000}`), "409", "Exceeded MaxWaiting")

	// Deleting the consumer ends the waiting request.
	js, _ := jsclient.New(nc)
	if err := js.DeleteConsumer(ctx(t), "S", "D"); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get("Status") != "100" {
			expectStatus(t, m, "409", "Consumer Deleted")
			break
		}
	}
}

func TestPullMaxBytesBatchCompleted(t *testing.T) {
	nc, _, _ := pullSetup(t, 3, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy})
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(`{"batch":2,"max_bytes":10000}`))
	for i := 0; i < 2; i++ {
		if m, err := sub.NextMsg(2 * time.Second); err != nil || len(m.Data) == 0 {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, m, "409", "Batch Completed")
}

func TestPullPushBasedRefused(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "P", DeliverSubject: "deliver.p"})
	expectStatus(t, pullRaw(t, nc, "P", "1"), "409", "Consumer is push based")
}

func TestAckKinds(t *testing.T) {
	nc, _, c := pullSetup(t, 5, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy, AckWait: 300 * time.Millisecond})
	events, _ := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.D")
	msgs := fetch(t, c, 5)
	if len(msgs) != 5 {
		t.Fatalf("fetched %d", len(msgs))
	}
	msgs[0].Nak()                                            // back at once
	msgs[1].NakWithDelay(50 * time.Millisecond)              // back after the delay
	msgs[2].TermWithReason("bad")                            // never again
	msgs[3].InProgress()                                     // more time
	if err := nc.Publish(msgs[4].Reply(), nil); err != nil { // an empty payload is an ack
		t.Fatal(err)
	}
	again := fetch(t, c, 2)
	if len(again) != 2 {
		t.Fatalf("redelivered %d", len(again))
	}
	for i, want := range []uint64{1, 2} {
		md, _ := again[i].Metadata()
		if md.Sequence.Stream != want || md.NumDelivered != 2 || md.Sequence.Consumer != uint64(6+i) {
			t.Fatalf("redelivery %d: %+v", i, md)
		}
		again[i].Ack()
	}
	if ev, err := events.NextMsg(2 * time.Second); err != nil {
		t.Fatalf("term advisory: %v", err)
	} else {
		var adv struct {
			Type      string `json:"type"`
			StreamSeq uint64 `json:"stream_seq"`
			Reason    string `json:"reason"`
		}
		json.Unmarshal(ev.Data, &adv)
		if adv.StreamSeq != 3 || adv.Reason != "bad" || adv.Type != "io.nats.jetstream.advisory.v1.terminated" {
			t.Fatalf("term advisory %s", ev.Data)
		}
	}
	// +WPI kept message 4 from coming back at the first ack wait; it comes
	// back once its renewed wait ends.
	m := fetch(t, c, 1)
	if len(m) != 1 {
		t.Fatal("message 4 not redelivered")
	}
	if md, _ := m[0].Metadata(); md.Sequence.Stream != 4 || md.NumDelivered != 2 {
		t.Fatalf("after progress: %+v", md)
	}
	ci := consumerInfo(t, c)
	if ci.NumAckPending != 1 || ci.NumRedelivered != 1 || ci.AckFloor.Stream != 3 {
		t.Fatalf("info %+v", ci)
	}
}

func TestAckAllAndNone(t *testing.T) {
	_, _, all := pullSetup(t, 5, jsclient.ConsumerConfig{AckPolicy: jsclient.AckAllPolicy})
	msgs := fetch(t, all, 5)
	if err := msgs[2].DoubleAck(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if ci := consumerInfo(t, all); ci.AckFloor.Stream != 3 || ci.NumAckPending != 2 {
		t.Fatalf("ack all: %+v", ci)
	}

	_, _, none := pullSetup(t, 5, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy})
	fetch(t, none, 3)
	if ci := consumerInfo(t, none); ci.AckFloor.Stream != 3 || ci.NumAckPending != 0 || ci.NumPending != 2 {
		t.Fatalf("ack none: %+v", ci)
	}
}

func TestAckNextDeliversNext(t *testing.T) {
	nc, _, c := pullSetup(t, 2, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy})
	m := pullRaw(t, nc, "D", "1")
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	if err := nc.PublishRequest(m.Reply, inbox, []byte("+NXT")); err != nil {
		t.Fatal(err)
	}
	next, err := sub.NextMsg(2 * time.Second)
	if err != nil || string(next.Data) != "msg-1" {
		t.Fatalf("+NXT: %v %q", err, next.Data)
	}
	if ci := consumerInfo(t, c); ci.AckFloor.Stream != 1 {
		t.Fatalf("+NXT did not ack: %+v", ci)
	}
}

func TestRedeliveryBackoffMaxDeliver(t *testing.T) {
	// Backoff entries far apart, so that which one applied shows however
	// slow the machine is.
	const first, second = 100 * time.Millisecond, time.Second
	nc, _, c := pullSetup(t, 1, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy,
		BackOff: []time.Duration{first, second}, MaxDeliver: 3})
	adv, _ := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.D")
	if ci := consumerInfo(t, c); ci.Config.AckWait != first {
		t.Fatalf("ack wait from backoff: %v", ci.Config.AckWait)
	}
	// asked[i] is when delivery i was asked for, got[i] when it came: the
	// server delivered it in between, so a redelivery due d after delivery
	// i comes no sooner than asked[i]+d.
	var asked, got []time.Time
	for i := 0; i < 3; i++ {
		asked = append(asked, time.Now())
		m, err := c.Next(jsclient.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
		got = append(got, time.Now())
		if md, _ := m.Metadata(); md.NumDelivered != uint64(i+1) {
			t.Fatalf("delivery %d: count %d", i+1, md.NumDelivered)
		}
	}
	// The first redelivery waits the first entry (well before the second
	// would be due), the next one the second entry.
	if d := got[1].Sub(asked[0]); d < first || d >= second {
		t.Fatalf("first redelivery %v after the request, want [%v, %v)", d, first, second)
	}
	if d := got[2].Sub(asked[1]); d < second || d > second+4*time.Second {
		t.Fatalf("second redelivery %v after the request, want at least %v", d, second)
	}
	ev, err := adv.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("max deliveries advisory: %v", err)
	}
	var a struct {
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	json.Unmarshal(ev.Data, &a)
	if a.StreamSeq != 1 || a.Deliveries != 3 {
		t.Fatalf("advisory %s", ev.Data)
	}
	if _, err := c.Next(jsclient.FetchMaxWait(300 * time.Millisecond)); !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("delivered past max_deliver: %v", err)
	}
	if ci := consumerInfo(t, c); ci.NumAckPending != 0 || ci.AckFloor.Stream != 1 {
		t.Fatalf("info %+v", ci)
	}
}

func TestMaxAckPending(t *testing.T) {
	_, _, c := pullSetup(t, 10, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: 3})
	msgs := fetch(t, c, 10, jsclient.FetchMaxWait(300*time.Millisecond))
	if len(msgs) != 3 {
		t.Fatalf("fetched %d past max_ack_pending", len(msgs))
	}
	msgs[0].Ack()
	more := fetch(t, c, 10, jsclient.FetchMaxWait(300*time.Millisecond))
	if len(more) != 1 {
		t.Fatalf("after one ack fetched %d", len(more))
	}
	if ci := consumerInfo(t, c); ci.NumAckPending != 3 || ci.NumPending != 6 {
		t.Fatalf("info %+v", ci)
	}
}

// TestPullMaxBytesCountsAckReply checks that max_bytes counts a delivery
// as nats-server does: subject, ack reply, headers and payload. nats.c's
// JetStreamSubscribePull asks for batch 10 within 150 bytes of 10-byte
// messages and expects 2, not 10.
func TestPullMaxBytesCountsAckReply(t *testing.T) {
	nc, _, _ := pullSetup(t, 10, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy})
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(`{"batch":10,"max_bytes":1}`))
	expectStatus(t, mustNext(t, sub), "409", "Message Size Exceeds MaxBytes")

	// Room for exactly two deliveries, counted with their ack replies.
	first := pullRaw(t, nc, "D", `{"batch":1}`)
	size := len(first.Subject) + len(first.Reply) + len(first.Data)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(fmt.Sprintf(`{"batch":10,"max_bytes":%d}`, 2*size+size/2)))
	for i := 0; i < 2; i++ {
		if m := mustNext(t, sub); len(m.Data) == 0 {
			t.Fatalf("delivery %d: status %q", i, m.Header.Get("Status"))
		}
	}
	expectStatus(t, mustNext(t, sub), "409", "Message Size Exceeds MaxBytes")
}

func mustNext(t *testing.T, sub *nats.Subscription) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPullNoWaitPartial checks a no_wait request without expires that
// gets fewer messages than asked: it ends with 404, as nats-server does
// from 2.11.11 and 2.12.2 on (408 before), the feature level petrel
// reports (nats.c's JetStreamSubscribePullAsync picks the status it
// expects by the version).
func TestPullNoWaitPartial(t *testing.T) {
	nc, _, _ := pullSetup(t, 2, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy})
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(`{"batch":13,"no_wait":true}`))
	for i := 0; i < 2; i++ {
		if m := mustNext(t, sub); len(m.Data) == 0 {
			t.Fatalf("delivery %d: status %q", i, m.Header.Get("Status"))
		}
	}
	expectStatus(t, mustNext(t, sub), "404", "No Messages")
}

// TestPullNoWaitWaitsForAckRoom checks that a no-wait request held back
// by max_ack_pending is not ended: it waits for acks to make room and
// ends with 404 only when the messages run out, as nats-server does
// (nats.c's JetStreamSubscribePullAsync fetches 117 messages 20 at a
// time with max_ack_pending 10).
func TestPullNoWaitWaitsForAckRoom(t *testing.T) {
	nc, _, _ := pullSetup(t, 5, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: 2})
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(`{"batch":10,"no_wait":true}`))
	for got := 0; got < 5; {
		var held []*nats.Msg
		for len(held) < 2 && got < 5 {
			m := mustNext(t, sub)
			if len(m.Data) == 0 {
				t.Fatalf("after %d messages: status %s %s", got, m.Header.Get("Status"), m.Header.Get("Description"))
			}
			held = append(held, m)
			got++
		}
		if len(held) == 2 {
			// Held back: nothing more, and no status, until the acks.
			if m, err := sub.NextMsg(200 * time.Millisecond); err == nil {
				t.Fatalf("past max_ack_pending: %q status %s", m.Data, m.Header.Get("Status"))
			}
		}
		for _, m := range held {
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	}
	expectStatus(t, mustNext(t, sub), "404", "No Messages")
}

// TestAckNoneHasNoAckResponder: a consumer with ack policy none listens on
// no ack subject, so an ack sent as a request gets "no responders", as
// from nats-server (nats.js's ackAck relies on it).
func TestAckNoneHasNoAckResponder(t *testing.T) {
	for _, tc := range []struct {
		policy jsclient.AckPolicy
		want   error
	}{{jsclient.AckNonePolicy, nats.ErrNoResponders}, {jsclient.AckExplicitPolicy, nil}} {
		_, _, c := pullSetup(t, 1, jsclient.ConsumerConfig{AckPolicy: tc.policy})
		msgs := fetch(t, c, 1)
		if len(msgs) != 1 {
			t.Fatalf("%v: fetched %d", tc.policy, len(msgs))
		}
		if err := msgs[0].DoubleAck(ctx(t)); !errors.Is(err, tc.want) {
			t.Fatalf("%v: double ack: %v, want %v", tc.policy, err, tc.want)
		}
	}
}

// TestPullNoWaitHeldBackEndsAtHeartbeat: a no-wait request with expires
// and a heartbeat that got messages and is then held back by
// max_ack_pending ends with 404 at its first heartbeat, as nats-server's
// does (nats.py's fetch(n, heartbeat=...) waits for it); one that got
// nothing yet gets heartbeats until it expires.
func TestPullNoWaitHeldBackEndsAtHeartbeat(t *testing.T) {
	nc, _, _ := pullSetup(t, 5, jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: 2})
	inbox := nats.NewInbox()
	sub, _ := nc.SubscribeSync(inbox)
	nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox,
		[]byte(`{"batch":10,"no_wait":true,"expires":2000000000,"idle_heartbeat":100000000}`))
	for range 2 {
		if m := mustNext(t, sub); len(m.Data) == 0 {
			t.Fatalf("status %s %s before the messages", m.Header.Get("Status"), m.Header.Get("Description"))
		}
	}
	start := time.Now()
	expectStatus(t, mustNext(t, sub), "404", "No Messages")
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("404 after %v, want it at the 100ms heartbeat", waited)
	}
}
