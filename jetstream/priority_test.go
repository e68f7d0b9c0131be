package jetstream_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func TestPriorityGroupConfig(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	for _, tc := range []struct {
		name string
		cfg  jsclient.ConsumerConfig
		code jsclient.ErrorCode
	}{
		{"push", jsclient.ConsumerConfig{DeliverSubject: "d", PriorityPolicy: jsclient.PriorityPolicyOverflow, PriorityGroups: []string{"A"}}, 10178},
		{"no group", jsclient.ConsumerConfig{PriorityPolicy: jsclient.PriorityPolicyPinned}, 10159},
		{"empty group", jsclient.ConsumerConfig{PriorityPolicy: jsclient.PriorityPolicyOverflow, PriorityGroups: []string{""}}, 10161},
		{"bad group", jsclient.ConsumerConfig{PriorityPolicy: jsclient.PriorityPolicyOverflow, PriorityGroups: []string{"a.b"}}, 10162},
		{"long group", jsclient.ConsumerConfig{PriorityPolicy: jsclient.PriorityPolicyOverflow, PriorityGroups: []string{"abcdefghijklmnopq"}}, 10162},
		{"groups without policy", jsclient.ConsumerConfig{PriorityGroups: []string{"A"}}, 10196},
		{"ttl without policy", jsclient.ConsumerConfig{PinnedTTL: time.Second}, 10197},
	} {
		tc.cfg.Durable = "C"
		_, err := st.CreateConsumer(ctx(t), tc.cfg)
		if err == nil {
			t.Fatalf("%s: created", tc.name)
		}
		expectAPICode(t, err, tc.code)
	}

	// A pinned consumer gets the default priority_timeout; an update may
	// change it.
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "P", AckPolicy: jsclient.AckExplicitPolicy,
		PriorityPolicy: jsclient.PriorityPolicyPinned, PriorityGroups: []string{"A=/_-9"}})
	ci := consumerInfo(t, c)
	if ci.Config.PriorityPolicy != jsclient.PriorityPolicyPinned || ci.Config.PinnedTTL != 2*time.Minute ||
		len(ci.PriorityGroups) != 1 || ci.PriorityGroups[0].Group != "A=/_-9" || ci.PriorityGroups[0].PinnedClientID != "" {
		t.Fatalf("info %+v %+v", ci.Config, ci.PriorityGroups)
	}
	cfg := ci.Config
	cfg.PinnedTTL = time.Minute
	if _, err := st.UpdateConsumer(ctx(t), cfg); err != nil {
		t.Fatalf("update priority_timeout: %v", err)
	}
	if _, err := st.CreateOrUpdateConsumer(ctx(t), cfg); err != nil {
		t.Fatalf("create again: %v", err)
	}
	// "none" is the absent policy.
	_, nc, _ := startJS(t, "")
	resp, raw := request(t, nc, "$JS.API.STREAM.CREATE.N", `{"name":"N","subjects":["n"]}`)
	if resp.Error != nil {
		t.Fatal(string(raw))
	}
	resp, raw = request(t, nc, "$JS.API.CONSUMER.CREATE.N.X",
		`{"stream_name":"N","config":{"durable_name":"X","ack_policy":"explicit","priority_policy":"none"}}`)
	if resp.Error != nil {
		t.Fatal(string(raw))
	}
	expectAPIError(t, nc, "$JS.API.CONSUMER.CREATE.N.Y",
		`{"stream_name":"N","config":{"durable_name":"Y","priority_policy":"sometimes","priority_groups":["A"]}}`, 400, 10025)
}

// prioritySetup makes stream S with n messages and consumer D with the
// priority policy on group A.
func prioritySetup(t *testing.T, n int, policy jsclient.PriorityPolicy, ttl time.Duration) (*nats.Conn, jsclient.JetStream, jsclient.Stream, jsclient.Consumer) {
	t.Helper()
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", n)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy,
		PriorityPolicy: policy, PriorityGroups: []string{"A"}, PinnedTTL: ttl})
	return nc, js, st, c
}

func TestPriorityRequestStatuses(t *testing.T) {
	nc, _, st, c := prioritySetup(t, 3, jsclient.PriorityPolicyPinned, 0)
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1}`), "400", "Bad Request - Priority Group missing")
	expectStatus(t, pullRaw(t, nc, "D", `1`), "400", "Bad Request - Priority Group missing")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"B"}`), "400", "Bad Request - Invalid Priority Group")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"A","min_pending":1}`), "400", "Bad Request - Not a Overflow Priority consumer")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"A","priority":10}`), "400", "Bad Request - Priority must be between 0 and 9")

	// nats.go: a fetch without the group is a bad request; Consume refuses
	// a wrong group itself.
	batch, err := c.Fetch(1, jsclient.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
		t.Fatal("a message without a group")
	}
	if !errors.Is(batch.Error(), jsclient.ErrBadRequest) {
		t.Fatalf("fetch without group: %v", batch.Error())
	}
	if _, err := c.Consume(func(jsclient.Msg) {}, jsclient.PullPriorityGroup("B")); err == nil {
		t.Fatal("consume with a wrong group")
	}

	// A consumer without groups refuses the priority fields.
	mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "PLAIN", AckPolicy: jsclient.AckExplicitPolicy})
	expectStatus(t, pullRaw(t, nc, "PLAIN", `{"batch":1,"id":"x"}`), "400", "Bad Request - Not a Pinned Client Priority consumer")
	if m := pullRaw(t, nc, "PLAIN", `{"batch":1,"group":"whatever"}`); string(m.Data) != "msg-0" {
		t.Fatalf("plain consumer with a group: %v %q", m.Header, m.Data)
	}
}

func TestPriorityOverflow(t *testing.T) {
	nc, _, _, c := prioritySetup(t, 10, jsclient.PriorityPolicyOverflow, 0)
	group := jsclient.FetchPriorityGroup("A")

	// 10 pending: a request asking for 11 waits out its expiry; one asking
	// for 8 is served while 8 or more are pending: 3 messages of its 5.
	if msgs := fetch(t, c, 5, group, jsclient.FetchMinPending(11), jsclient.FetchMaxWait(300*time.Millisecond)); len(msgs) != 0 {
		t.Fatalf("min_pending 11 with 10 pending got %d", len(msgs))
	}
	msgs := fetch(t, c, 5, group, jsclient.FetchMinPending(8), jsclient.FetchMaxWait(500*time.Millisecond))
	if len(msgs) != 3 {
		t.Fatalf("min_pending 8 with 10 pending got %d, want 3", len(msgs))
	}
	// 7 pending, 3 awaiting acks: either threshold suffices.
	if got := fetch(t, c, 1, group, jsclient.FetchMinPending(8), jsclient.FetchMinAckPending(4), jsclient.FetchMaxWait(300*time.Millisecond)); len(got) != 0 {
		t.Fatalf("neither threshold met, got %d", len(got))
	}
	if got := fetch(t, c, 1, group, jsclient.FetchMinPending(8), jsclient.FetchMinAckPending(3)); len(got) != 1 {
		t.Fatalf("min_ack_pending 3 with 3 awaiting acks got %d", len(got))
	}
	// A no-wait request that may not be served now gets 404 at once.
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"no_wait":true,"group":"A","min_pending":100}`), "404", "No Messages")

	// Consume with a threshold: served while the backlog is large, then
	// idle; a plain consumer of the group takes the rest.
	var mu sync.Mutex
	overflow := 0
	cc, err := c.Consume(func(m jsclient.Msg) {
		mu.Lock()
		overflow++
		mu.Unlock()
		m.Ack()
	}, jsclient.PullPriorityGroup("A"), jsclient.PullMinPending(4), jsclient.PullMaxMessages(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()
	testutil.WaitFor(t, 5*time.Second, func() error {
		if ci := consumerInfo(t, c); ci.NumPending != 3 {
			return fmt.Errorf("num_pending %d", ci.NumPending)
		}
		return nil
	})
	if got := fetch(t, c, 3, group); len(got) != 3 {
		t.Fatalf("plain request got %d", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if overflow != 3 {
		t.Fatalf("overflow consumer got %d, want 3 (10 - 4 taken - 3 left)", overflow)
	}
}

func TestPriorityPinnedRaw(t *testing.T) {
	nc, _, st, c := prioritySetup(t, 10, jsclient.PriorityPolicyPinned, 2*time.Second)
	adv, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.*.S.D")
	if err != nil {
		t.Fatal(err)
	}
	// The first request is pinned; its delivery carries the pin.
	m := pullRaw(t, nc, "D", `{"batch":1,"group":"A","expires":2000000000}`)
	pin := m.Header.Get("Nats-Pin-Id")
	if string(m.Data) != "msg-0" || len(pin) != 22 {
		t.Fatalf("first delivery %v %q", m.Header, m.Data)
	}
	ci := consumerInfo(t, c)
	if len(ci.PriorityGroups) != 1 || ci.PriorityGroups[0].PinnedClientID != pin || ci.PriorityGroups[0].PinnedTS.IsZero() {
		t.Fatalf("priority groups %+v", ci.PriorityGroups)
	}
	expectAdvisory(t, adv, "PINNED", "consumer_group_pinned", `"pinned_id":"`+pin+`"`)

	// Another id is refused; a request without one waits as a standby;
	// the pinned id is served.
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"A","id":"other"}`), "423", "Nats-Pin-Id mismatch")
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"A","expires":300000000}`), "408", "Request Timeout")
	m = pullRaw(t, nc, "D", `{"batch":1,"group":"A","id":"`+pin+`","expires":2000000000}`)
	if string(m.Data) != "msg-1" || m.Header.Get("Nats-Pin-Id") != pin {
		t.Fatalf("pinned delivery %v %q", m.Header, m.Data)
	}

	// Unpin: the old id gets 423 Nats-Wrong-Pin-Id, a standby is pinned.
	if err := st.UnpinConsumer(ctx(t), "D", "A"); err != nil {
		t.Fatalf("unpin: %v", err)
	}
	expectAdvisory(t, adv, "UNPINNED", "consumer_group_unpinned", `"reason":"admin"`)
	if ci := consumerInfo(t, c); ci.PriorityGroups[0].PinnedClientID != "" {
		t.Fatalf("still pinned after unpin: %+v", ci.PriorityGroups)
	}
	expectStatus(t, pullRaw(t, nc, "D", `{"batch":1,"group":"A","id":"`+pin+`","expires":2000000000}`), "423", "Nats-Wrong-Pin-Id")
	m = pullRaw(t, nc, "D", `{"batch":1,"group":"A","expires":2000000000}`)
	pin2 := m.Header.Get("Nats-Pin-Id")
	if string(m.Data) != "msg-2" || pin2 == "" || pin2 == pin {
		t.Fatalf("after unpin %v %q", m.Header, m.Data)
	}
	expectAdvisory(t, adv, "PINNED", "consumer_group_pinned", pin2)

	// Without pulls carrying the pin for priority_timeout, it lapses.
	testutil.WaitFor(t, 10*time.Second, func() error {
		if id := consumerInfo(t, c).PriorityGroups[0].PinnedClientID; id != "" {
			return fmt.Errorf("still pinned to %s", id)
		}
		return nil
	})
	expectAdvisory(t, adv, "UNPINNED", "consumer_group_unpinned", `"reason":"timeout"`)

	// Unpin errors.
	if err := st.UnpinConsumer(ctx(t), "D", "B"); err == nil {
		t.Fatal("unpin of an unknown group")
	} else {
		expectAPICode(t, err, 10160)
	}
	if err := st.UnpinConsumer(ctx(t), "NOPE", "A"); !errors.Is(err, jsclient.ErrConsumerNotFound) {
		t.Fatalf("unpin of a missing consumer: %v", err)
	}
	expectAPIError(t, nc, "$JS.API.CONSUMER.UNPIN.S.D", `{}`, 400, 10025)
	expectAPIError(t, nc, "$JS.API.CONSUMER.UNPIN.S.D", `{"group":"a.b"}`, 400, 10162)
}

// expectAdvisory reads the next advisory and checks its kind and content.
func expectAdvisory(t *testing.T, sub *nats.Subscription, kind, typ, contains string) {
	t.Helper()
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("advisory %s: %v", kind, err)
	}
	var a struct {
		Type     string `json:"type"`
		Stream   string `json:"stream"`
		Consumer string `json:"consumer"`
		Group    string `json:"group"`
	}
	mustUnmarshal(t, m.Data, &a)
	if m.Subject != "$JS.EVENT.ADVISORY.CONSUMER."+kind+".S.D" || a.Type != "io.nats.jetstream.advisory.v1."+typ ||
		a.Stream != "S" || a.Consumer != "D" || a.Group != "A" || !strings.Contains(string(m.Data), contains) {
		t.Fatalf("advisory %s: %s", m.Subject, m.Data)
	}
}

// pinClient is one nats.go client consuming a pinned_client consumer.
type pinClient struct {
	mu   sync.Mutex
	n    int
	pins map[string]int // Nats-Pin-Id header -> deliveries
	cc   jsclient.ConsumeContext
}

func (p *pinClient) got() (int, map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins := make(map[string]int, len(p.pins))
	for k, v := range p.pins {
		pins[k] = v
	}
	return p.n, pins
}

// consumePinned starts a Consume of group A on its own connection.
func consumePinned(t *testing.T, url string) *pinClient {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jsclient.New(nc)
	c, err := js.Consumer(ctx(t), "S", "D")
	if err != nil {
		t.Fatal(err)
	}
	p := &pinClient{pins: map[string]int{}}
	p.cc, err = c.Consume(func(m jsclient.Msg) {
		p.mu.Lock()
		p.n++
		p.pins[m.Headers().Get("Nats-Pin-Id")]++
		p.mu.Unlock()
		m.Ack()
	}, jsclient.PullPriorityGroup("A"), jsclient.PullMaxMessages(10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.cc.Stop)
	return p
}

func waitWaiting(t *testing.T, c jsclient.Consumer, n int) {
	t.Helper()
	testutil.WaitFor(t, 5*time.Second, func() error {
		if ci := consumerInfo(t, c); ci.NumWaiting < n {
			return fmt.Errorf("num_waiting %d, want %d", ci.NumWaiting, n)
		}
		return nil
	})
}

func TestPriorityPinnedConsume(t *testing.T) {
	nc, js, st, c := prioritySetup(t, 0, jsclient.PriorityPolicyPinned, 0)
	first := consumePinned(t, nc.ConnectedUrl())
	waitWaiting(t, c, 1)
	second := consumePinned(t, nc.ConnectedUrl())
	waitWaiting(t, c, 2)

	// Everything goes to the first client, pinned, with the pin in every
	// delivery; the second stands by.
	publishN(t, js, "s.a", 30)
	testutil.WaitFor(t, 5*time.Second, func() error {
		if n, _ := first.got(); n != 30 {
			return fmt.Errorf("first client got %d", n)
		}
		return nil
	})
	pin := consumerInfo(t, c).PriorityGroups[0].PinnedClientID
	if n, pins := first.got(); pins[pin] != n || pin == "" {
		t.Fatalf("first client's pins %v, consumer pinned to %q", pins, pin)
	}
	if n, _ := second.got(); n != 0 {
		t.Fatalf("standby got %d", n)
	}

	// Unpinned, the first client's requests are refused and the second
	// client's standby request is pinned with the next delivery.
	if err := st.UnpinConsumer(ctx(t), "D", "A"); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		if ci := consumerInfo(t, c); ci.NumWaiting < 2 {
			return fmt.Errorf("num_waiting %d: the first client has not pulled again", ci.NumWaiting)
		}
		return nil
	})
	publishN(t, js, "s.a", 30)
	testutil.WaitFor(t, 5*time.Second, func() error {
		n1, _ := first.got()
		n2, _ := second.got()
		if n1+n2 != 60 {
			return fmt.Errorf("delivered %d+%d", n1, n2)
		}
		return nil
	})
	pin2 := consumerInfo(t, c).PriorityGroups[0].PinnedClientID
	n2, pins2 := second.got()
	if pin2 == "" || pin2 == pin || n2 != 30 || pins2[pin2] != 30 {
		t.Fatalf("after unpin: second got %d with pins %v, consumer pinned to %q (was %q)", n2, pins2, pin2, pin)
	}

	// The pinned client stops: its requests go and, priority_timeout
	// later, the pin; a new client is then pinned.
	cfg := consumerInfo(t, c).Config
	cfg.PinnedTTL = 500 * time.Millisecond
	if _, err := st.UpdateConsumer(ctx(t), cfg); err != nil {
		t.Fatal(err)
	}
	second.cc.Stop()
	testutil.WaitFor(t, 10*time.Second, func() error {
		if id := consumerInfo(t, c).PriorityGroups[0].PinnedClientID; id != "" {
			return fmt.Errorf("still pinned to %s", id)
		}
		return nil
	})
	publishN(t, js, "s.a", 10)
	testutil.WaitFor(t, 5*time.Second, func() error {
		if n, _ := first.got(); n != 40 {
			return fmt.Errorf("first client got %d of 40", n)
		}
		return nil
	})
}

func TestPriorityPrioritized(t *testing.T) {
	nc, js, _, c := prioritySetup(t, 0, jsclient.PriorityPolicyPrioritized, 0)
	// Three waiting requests: priority 5, then 1, then 1 again.
	var subs []*nats.Subscription
	for _, p := range []int{5, 1, 1} {
		inbox := nats.NewInbox()
		sub, err := nc.SubscribeSync(inbox)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"batch":1,"group":"A","priority":%d,"expires":5000000000}`, p)
		if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.S.D", inbox, []byte(body)); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
		waitWaiting(t, c, len(subs))
	}
	// The lowest priority goes first, in arrival order; priority 5 last.
	for i, want := range []int{1, 2, 0} {
		publishN(t, js, "s.a", 1)
		m, err := subs[want].NextMsg(3 * time.Second)
		if err != nil || m.Header.Get("Status") != "" {
			t.Fatalf("message %d to request %d: %v %v", i, want, err, m)
		}
	}
}
