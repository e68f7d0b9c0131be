package jetstream_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func TestPushLegacySubscribeHeartbeatFlowControl(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	ljs, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
	payload := strings.Repeat("x", 8<<10)
	sub, err := ljs.Subscribe("s.>", func(m *nats.Msg) {
		got.Add(1)
		m.Ack()
	}, nats.Durable("P"), nats.IdleHeartbeat(200*time.Millisecond), nats.EnableFlowControl(), nats.ManualAck())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	for i := 0; i < 200; i++ { // 1.6MB: several flow control windows
		if _, err := ljs.Publish("s.a", []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WaitFor(t, 10*time.Second, func() error {
		if n := got.Load(); n != 200 {
			return fmt.Errorf("got %d", n)
		}
		return nil
	})
	info, err := sub.ConsumerInfo()
	if err != nil {
		t.Fatal(err)
	}
	if !info.PushBound || info.Config.DeliverSubject == "" || !info.Config.FlowControl {
		t.Fatalf("info %+v", info)
	}

	// A raw subscriber on a push consumer's deliver subject sees the
	// heartbeats with the last sequences.
	_, err = js.CreateOrUpdateConsumer(ctx(t), "S", jsclient.ConsumerConfig{Durable: "H", DeliverSubject: "hb.h",
		AckPolicy: jsclient.AckNonePolicy, IdleHeartbeat: 100 * time.Millisecond, DeliverPolicy: jsclient.DeliverLastPolicy})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := nc.SubscribeSync("hb.h")
	m, err := raw.NextMsg(2 * time.Second)
	if err != nil || string(m.Data) != payload {
		t.Fatalf("last message: %v", err)
	}
	hb, err := raw.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, hb, "100", "Idle Heartbeat")
	if hb.Header.Get("Nats-Last-Consumer") != "1" || hb.Header.Get("Nats-Last-Stream") != "200" {
		t.Fatalf("heartbeat headers %v", hb.Header)
	}
}

func TestPushInterestGroupHeadersOnly(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 4)
	// No subscriber yet: nothing is delivered, nothing is lost.
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "Q", DeliverSubject: "dq", DeliverGroup: "g",
		AckPolicy: jsclient.AckExplicitPolicy, HeadersOnly: true})
	if ci := consumerInfo(t, c); ci.Delivered.Stream != 0 || ci.PushBound {
		t.Fatalf("delivered without interest: %+v", ci)
	}
	ch := make(chan *nats.Msg, 10)
	s1, _ := nc.ChanQueueSubscribe("dq", "g", ch)
	s2, _ := nc.ChanQueueSubscribe("dq", "g", ch)
	defer s1.Unsubscribe()
	defer s2.Unsubscribe()
	for i := 0; i < 4; i++ {
		select {
		case m := <-ch:
			if len(m.Data) != 0 || m.Header.Get("Nats-Msg-Size") != "5" || m.Subject != "s.a" {
				t.Fatalf("headers only: %q %v", m.Data, m.Header)
			}
			m.Ack()
		case <-time.After(3 * time.Second):
			t.Fatalf("got %d of 4", i)
		}
	}
	select {
	case m := <-ch:
		t.Fatalf("a queue group member got a duplicate: %v", m.Header)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestPushRateLimitAndReplayOriginal(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	js.Publish(ctx(t), "s.a", nil)
	time.Sleep(300 * time.Millisecond) // not a wait: the gap replay must reproduce
	js.Publish(ctx(t), "s.a", nil)
	sub, _ := nc.SubscribeSync("rp")
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "R", DeliverSubject: "rp", ReplayPolicy: jsclient.ReplayOriginalPolicy})
	if _, err := sub.NextMsg(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if _, err := sub.NextMsg(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t1); d < 250*time.Millisecond {
		t.Fatalf("replay original gap %v", d)
	}

	publishN(t, js, "s.b", 4)
	sub2, _ := nc.SubscribeSync("rl")
	start := time.Now()
	// 4000 bits/s = 500 bytes/s; each delivery is ~50 bytes, so the last
	// three wait about 300ms.
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "L", DeliverSubject: "rl", RateLimit: 4000, FilterSubject: "s.b"})
	for i := 0; i < 4; i++ {
		if _, err := sub2.NextMsg(2 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("rate limit: 4 messages in %v", d)
	}
}

func TestOrderedConsumer(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 20)
	oc, err := st.OrderedConsumer(ctx(t), jsclient.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan uint64, 100)
	cc, err := oc.Consume(func(m jsclient.Msg) {
		md, _ := m.Metadata()
		got <- md.Sequence.Stream
	})
	if err != nil {
		t.Fatal(err)
	}
	publishN(t, js, "s.b", 20)
	for want := uint64(1); want <= 40; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("ordered: got %d want %d", seq, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ordered: timeout at %d", want)
		}
	}
	cc.Stop()

	oc2, err := st.OrderedConsumer(ctx(t), jsclient.OrderedConsumerConfig{FilterSubjects: []string{"s.b"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := oc2.Fetch(100, jsclient.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if m.Subject() != "s.b" {
			t.Fatalf("filtered ordered got %s", m.Subject())
		}
		n++
	}
	if n != 20 {
		t.Fatalf("ordered fetch got %d", n)
	}
}

func TestDeliverPolicies(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	for i, subj := range []string{"s.a", "s.b", "s.a", "s.c", "s.b"} {
		js.Publish(ctx(t), subj, fmt.Appendf(nil, "%d", i+1))
	}
	m3, _ := st.GetMsg(ctx(t), 3)
	first := func(cfg jsclient.ConsumerConfig) []uint64 {
		t.Helper()
		cfg.AckPolicy = jsclient.AckNonePolicy
		c := mustConsumer(t, st, cfg)
		var seqs []uint64
		for _, m := range fetch(t, c, 10, jsclient.FetchMaxWait(200*time.Millisecond)) {
			md, _ := m.Metadata()
			seqs = append(seqs, md.Sequence.Stream)
		}
		return seqs
	}
	cases := []struct {
		cfg  jsclient.ConsumerConfig
		want string
	}{
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverAllPolicy}, "[1 2 3 4 5]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverLastPolicy}, "[5]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverLastPolicy, FilterSubject: "s.a"}, "[3]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverNewPolicy}, "[]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverByStartSequencePolicy, OptStartSeq: 4}, "[4 5]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverByStartTimePolicy, OptStartTime: &m3.Time}, "[3 4 5]"},
		{jsclient.ConsumerConfig{DeliverPolicy: jsclient.DeliverLastPerSubjectPolicy, FilterSubject: "s.*"}, "[3 4 5]"},
		{jsclient.ConsumerConfig{FilterSubjects: []string{"s.a", "s.c"}}, "[1 3 4]"},
		{jsclient.ConsumerConfig{FilterSubject: "s.b"}, "[2 5]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(first(tc.cfg)); got != tc.want {
			t.Errorf("%+v: got %s want %s", tc.cfg, got, tc.want)
		}
	}
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "N", DeliverPolicy: jsclient.DeliverNewPolicy, AckPolicy: jsclient.AckExplicitPolicy,
		Metadata: map[string]string{"k": "v"}})
	if ci := consumerInfo(t, c); ci.Delivered.Stream != 5 || ci.AckFloor.Stream != 5 || ci.NumPending != 0 || ci.Config.Metadata["k"] != "v" {
		t.Fatalf("deliver new info %+v", ci)
	}
}

func TestPause(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 2)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	resp, err := js.PauseConsumer(ctx(t), "S", "D", time.Now().Add(400*time.Millisecond))
	if err != nil || !resp.Paused {
		t.Fatalf("pause: %v %+v", err, resp)
	}
	if ci := consumerInfo(t, c); !ci.Paused || ci.PauseRemaining <= 0 {
		t.Fatalf("info while paused %+v", ci)
	}
	start := time.Now()
	m, err := c.Next(jsclient.FetchMaxWait(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	m.Ack()
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("delivered while paused (%v)", d)
	}
	if _, err := js.PauseConsumer(ctx(t), "S", "D", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if resp, err := js.ResumeConsumer(ctx(t), "S", "D"); err != nil || resp.Paused {
		t.Fatalf("resume: %v %+v", err, resp)
	}
	if _, err := c.Next(jsclient.FetchMaxWait(time.Second)); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}

func TestEphemeralInactiveCleanup(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	c := mustConsumer(t, st, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy, InactiveThreshold: 200 * time.Millisecond})
	name := consumerInfo(t, c).Name
	testutil.WaitFor(t, 3*time.Second, func() error {
		if _, err := st.Consumer(ctx(t), name); err == nil {
			return fmt.Errorf("consumer %s still there", name)
		}
		return nil
	})
}

// TestInactiveWaitsForPendingAcks: a pull consumer past its inactive
// threshold with no request out, but with a message whose ack wait has
// not run out, stays (its client may still be working on it, as
// nats-server allows); once that ack deadline plus the threshold passes
// it goes.
func TestInactiveWaitsForPendingAcks(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	if _, err := js.Publish(ctx(t), "s.1", nil); err != nil {
		t.Fatal(err)
	}
	c := mustConsumer(t, st, jsclient.ConsumerConfig{
		AckPolicy: jsclient.AckExplicitPolicy, AckWait: 1500 * time.Millisecond, InactiveThreshold: 200 * time.Millisecond,
	})
	name := consumerInfo(t, c).Name
	if _, err := c.Next(jsclient.FetchMaxWait(time.Second)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(700 * time.Millisecond) // past the threshold, inside the ack wait
	if _, err := st.Consumer(ctx(t), name); err != nil {
		t.Fatalf("consumer removed %v after a delivery still within its ack wait: %v", time.Since(start), err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		if _, err := st.Consumer(ctx(t), name); err == nil {
			return fmt.Errorf("consumer %s still there", name)
		}
		return nil
	})
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Fatalf("removed after %v, before the ack wait ran out", d)
	}
}

// TestPushFirstHeartbeatAfterInterval checks that a new push consumer with
// nothing to deliver waits a whole idle_heartbeat before its first
// heartbeat instead of sending one at once.
func TestPushFirstHeartbeatAfterInterval(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "E", Subjects: []string{"e.>"}})
	raw, err := nc.SubscribeSync("hb.e")
	if err != nil {
		t.Fatal(err)
	}
	const hb = 700 * time.Millisecond
	start := time.Now()
	_, err = js.CreateOrUpdateConsumer(ctx(t), "E", jsclient.ConsumerConfig{DeliverSubject: "hb.e",
		AckPolicy: jsclient.AckNonePolicy, IdleHeartbeat: hb, DeliverPolicy: jsclient.DeliverLastPerSubjectPolicy, FilterSubject: "e.>"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := raw.NextMsg(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, m, "100", "Idle Heartbeat")
	if waited := time.Since(start); waited < hb/2 {
		t.Fatalf("first heartbeat after %v, want about %v", waited, hb)
	}
}

// TestPushSubscribeAfterCreate checks that a push consumer created before
// anyone listens on its deliver subject, as nats.py creates them, delivers
// soon after the subscription comes rather than at the next slow poll.
func TestPushSubscribeAfterCreate(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "L", Subjects: []string{"l"}})
	if _, err := js.Publish(ctx(t), "l", []byte("x")); err != nil {
		t.Fatal(err)
	}
	fastest := time.Hour
	for i := range 3 {
		deliver := fmt.Sprintf("late.%d", i)
		_, err := js.CreateOrUpdateConsumer(ctx(t), "L", jsclient.ConsumerConfig{DeliverSubject: deliver,
			AckPolicy: jsclient.AckNonePolicy})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sub, err := nc.SubscribeSync(deliver)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.NextMsg(3 * time.Second); err != nil {
			t.Fatal(err)
		}
		fastest = min(fastest, time.Since(start))
	}
	if fastest > 50*time.Millisecond {
		t.Fatalf("first message %v after the subscription, want a few ms", fastest)
	}
}

// TestPushWakesOnSubscribe: a push consumer that has waited long for a
// subscriber (its own interest checks backed off to seconds) delivers as
// soon as one subscribes: the subscription wakes it.
func TestPushWakesOnSubscribe(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	if _, err := js.Publish(ctx(t), "s.1", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "P", DeliverSubject: "deliver.p", AckPolicy: jsclient.AckNonePolicy})
	time.Sleep(1100 * time.Millisecond) // let the interest checks back off
	sub, err := nc.SubscribeSync("deliver.p")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hello" {
		t.Fatalf("delivery after subscribing: %v", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("first delivery %v after the subscription", d)
	}
}

// TestPushDeliverSubjectInUse checks that a push durable's deliver
// subject changes only when no one listens on the old one: nats-server
// answers "consumer name already in use" (10013) otherwise, so that of
// clients racing to bind one durable only the first wins (nats.c's
// JetStreamSubscribe starts ten).
func TestPushDeliverSubjectInUse(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "B", DeliverSubject: "first"})
	sub, _ := nc.SubscribeSync("first")
	nc.Flush()
	_, err := js.CreateOrUpdateConsumer(ctx(t), "S", jsclient.ConsumerConfig{Durable: "B", DeliverSubject: "second"})
	var apiErr *jsclient.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 10013 {
		t.Fatalf("moving a bound consumer: %v", err)
	}
	sub.Unsubscribe()
	nc.Flush()
	c, err := js.CreateOrUpdateConsumer(ctx(t), "S", jsclient.ConsumerConfig{Durable: "B", DeliverSubject: "second"})
	if err != nil || c.CachedInfo().Config.DeliverSubject != "second" {
		t.Fatalf("moving an unbound consumer: %v", err)
	}
}
