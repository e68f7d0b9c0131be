package jetstream_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

// publishN publishes n messages on subj ("<subj>" or "<subj>.<i>" when
// perSubject) and waits for their acks.
func publishN(t *testing.T, js jsclient.JetStream, subj string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := js.Publish(ctx(t), subj, fmt.Appendf(nil, "msg-%d", i)); err != nil {
			t.Fatalf("publish %s: %v", subj, err)
		}
	}
}

func mustConsumer(t *testing.T, st jsclient.Stream, cfg jsclient.ConsumerConfig) jsclient.Consumer {
	t.Helper()
	c, err := st.CreateOrUpdateConsumer(ctx(t), cfg)
	if err != nil {
		t.Fatalf("create consumer: %v", err)
	}
	return c
}

func consumerInfo(t *testing.T, c jsclient.Consumer) *jsclient.ConsumerInfo {
	t.Helper()
	ci, err := c.Info(ctx(t))
	if err != nil {
		t.Fatalf("consumer info: %v", err)
	}
	return ci
}

func TestConsumerCreateDefaults(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	cfg := consumerInfo(t, c).Config
	if cfg.Name != "D" || cfg.AckWait != 30*time.Second || cfg.MaxDeliver != -1 || cfg.MaxWaiting != 512 ||
		cfg.MaxAckPending != 1000 || cfg.ReplayPolicy != jsclient.ReplayInstantPolicy ||
		cfg.DeliverPolicy != jsclient.DeliverAllPolicy || cfg.InactiveThreshold != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	// Identical create is idempotent; a different one is refused.
	if _, err := st.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy}); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	_, err := st.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy, Description: "x"})
	if !errors.Is(err, jsclient.ErrConsumerExists) {
		t.Fatalf("create with another config: %v", err)
	}
	// Update changes what may change, refuses the rest.
	if _, err := st.UpdateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: 5}); err != nil {
		t.Fatalf("update: %v", err)
	}
	_, err = st.UpdateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckAllPolicy})
	expectAPICode(t, err, 10012)
	_, err = st.UpdateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "NOPE"})
	if !errors.Is(err, jsclient.ErrConsumerDoesNotExist) {
		t.Fatalf("update missing: %v", err)
	}

	// An ephemeral gets the 5s inactive threshold.
	e := mustConsumer(t, st, jsclient.ConsumerConfig{AckPolicy: jsclient.AckNonePolicy})
	ecfg := consumerInfo(t, e).Config
	if ecfg.InactiveThreshold != 5*time.Second || ecfg.MaxAckPending != 0 || ecfg.AckWait != 0 {
		t.Fatalf("ephemeral defaults: %+v", ecfg)
	}
	si, _ := st.Info(ctx(t))
	if si.State.Consumers != 2 {
		t.Fatalf("stream consumer count %d", si.State.Consumers)
	}
}

func TestConsumerNamesListDelete(t *testing.T) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	for _, n := range []string{"B", "A", "C"} {
		mustConsumer(t, st, jsclient.ConsumerConfig{Durable: n, AckPolicy: jsclient.AckExplicitPolicy})
	}
	var names []string
	for n := range st.ConsumerNames(ctx(t)).Name() {
		names = append(names, n)
	}
	if fmt.Sprint(names) != "[A B C]" {
		t.Fatalf("names %v", names)
	}
	var list struct {
		Total, Offset int
		Consumers     []jsclient.ConsumerInfo
	}
	_, raw := request(t, nc, "$JS.API.CONSUMER.LIST.S", `{"offset":1}`)
	mustUnmarshal(t, raw, &list)
	if list.Total != 3 || len(list.Consumers) != 2 || list.Consumers[0].Name != "B" {
		t.Fatalf("list page: %s", raw)
	}
	if err := st.DeleteConsumer(ctx(t), "B"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := st.DeleteConsumer(ctx(t), "B"); !errors.Is(err, jsclient.ErrConsumerNotFound) {
		t.Fatalf("delete again: %v", err)
	}
	if _, err := st.Consumer(ctx(t), "B"); !errors.Is(err, jsclient.ErrConsumerNotFound) {
		t.Fatalf("info deleted: %v", err)
	}
	ai, _ := js.AccountInfo(ctx(t))
	if ai.Consumers != 2 {
		t.Fatalf("account consumers %d", ai.Consumers)
	}
}

func TestConsumerCreateErrors(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "WQ", Subjects: []string{"wq.>"}, Retention: jsclient.WorkQueuePolicy})
	cases := []struct {
		subj, body    string
		code, errCode int
	}{
		{"$JS.API.CONSUMER.CREATE.S.D", `{`, 400, 10025},
		{"$JS.API.CONSUMER.CREATE.NOPE.D", `{"stream_name":"NOPE","config":{"durable_name":"D"}}`, 404, 10059},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"X","config":{}}`, 400, 10056},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S"}`, 400, 10078},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"durable_name":"E"}}`, 400, 10017},
		{"$JS.API.CONSUMER.DURABLE.CREATE.S.D", `{"stream_name":"S","config":{}}`, 400, 10018},
		{"$JS.API.CONSUMER.CREATE.S", `{"stream_name":"S","config":{"durable_name":"D"}}`, 400, 10020},
		{"$JS.API.CONSUMER.CREATE.S.D.s.x", `{"stream_name":"S","config":{"filter_subject":"s.y"}}`, 400, 10131},
		{"$JS.API.CONSUMER.CREATE.S.D.s.x", `{"stream_name":"S","config":{"filter_subjects":["s.y"]}}`, 400, 10137},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"filter_subject":"s.a","filter_subjects":["s.b"]}}`, 400, 10136},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"filter_subjects":["s.>","s.a"]}}`, 400, 10138},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"filter_subjects":[""]}}`, 400, 10139},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"ack_policy":"bogus"}}`, 400, 10181},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_policy":"by_start_sequence"}}`, 400, 10094},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_policy":"last_per_subject"}}`, 400, 10094},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_subject":"x","max_waiting":3}}`, 400, 10080},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_subject":"x.*"}}`, 400, 10079},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_subject":"s.x"}}`, 400, 10081},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"idle_heartbeat":1000000000}}`, 400, 10088},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"deliver_subject":"x","flow_control":true}}`, 400, 10108},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"ack_policy":"explicit","max_deliver":2,"backoff":[1,2,3]}}`, 400, 10116},
		{"$JS.API.CONSUMER.CREATE.S.D", `{"stream_name":"S","config":{"rate_limit_bps":10}}`, 400, 10086},
		{"$JS.API.CONSUMER.CREATE.S.a/b", `{"stream_name":"S","config":{}}`, 400, 10127},
		{"$JS.API.CONSUMER.CREATE.WQ.D", `{"stream_name":"WQ","config":{"ack_policy":"none"}}`, 400, 10084},
		{"$JS.API.CONSUMER.CREATE.WQ.D", `{"stream_name":"WQ","config":{"ack_policy":"all"}}`, 400, 10098},
		{"$JS.API.CONSUMER.CREATE.WQ.D", `{"stream_name":"WQ","config":{"ack_policy":"explicit","deliver_policy":"new"}}`, 400, 10101},
		{"$JS.API.CONSUMER.INFO.S.NOPE", ``, 404, 10014},
		{"$JS.API.CONSUMER.INFO.NOPE.X", ``, 404, 10059},
		{"$JS.API.CONSUMER.DELETE.S.NOPE", ``, 404, 10014},
		{"$JS.API.CONSUMER.NAMES.NOPE", ``, 404, 10059},
	}
	for _, tc := range cases {
		expectAPIError(t, nc, tc.subj, tc.body, tc.code, tc.errCode)
	}

	// Work queue: a second unfiltered consumer, or an overlapping one.
	wq, _ := js.Stream(ctx(t), "WQ")
	mustConsumer(t, wq, jsclient.ConsumerConfig{Durable: "A", AckPolicy: jsclient.AckExplicitPolicy, FilterSubject: "wq.a.>"})
	expectAPIError(t, nc, "$JS.API.CONSUMER.CREATE.WQ.B", `{"stream_name":"WQ","config":{"ack_policy":"explicit"}}`, 400, 10099)
	expectAPIError(t, nc, "$JS.API.CONSUMER.CREATE.WQ.B", `{"stream_name":"WQ","config":{"ack_policy":"explicit","filter_subject":"wq.*.x"}}`, 400, 10100)
	mustConsumer(t, wq, jsclient.ConsumerConfig{Durable: "B", AckPolicy: jsclient.AckExplicitPolicy, FilterSubject: "wq.b.>"})
}

func TestConsumerLegacyEphemeralGetsName(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	var resp struct {
		rawResponse
		Name   string `json:"name"`
		Config struct {
			Name string `json:"name"`
		} `json:"config"`
	}
	_, raw := request(t, nc, "$JS.API.CONSUMER.CREATE.S", `{"stream_name":"S","config":{"ack_policy":"explicit"}}`)
	mustUnmarshal(t, raw, &resp)
	if resp.Error != nil || len(resp.Name) != 8 || resp.Config.Name != resp.Name {
		t.Fatalf("legacy ephemeral: %s", raw)
	}
	_ = nats.ErrTimeout
}

// Consumer info reports when a message was last delivered and last acked
// (delivered.last_active, ack_floor.last_active): nats consumer ls shows
// the first as Last Delivery and nats server check consumer
// --last-delivery-critical / --last-ack-critical read both. A
// single-server consumer reports no cluster, as nats-server's does.
func TestConsumerInfoLastActive(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 2)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	ci := consumerInfo(t, c)
	if ci.Delivered.Last != nil || ci.AckFloor.Last != nil {
		t.Fatalf("before any delivery: delivered %+v ack floor %+v", ci.Delivered, ci.AckFloor)
	}
	if ci.Cluster != nil {
		t.Fatalf("cluster = %+v, want none on a single server", ci.Cluster)
	}
	before := time.Now()
	batch, err := c.Fetch(1, jsclient.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	var msg jsclient.Msg
	for m := range batch.Messages() {
		msg = m
	}
	if msg == nil {
		t.Fatalf("fetch: no message (%v)", batch.Error())
	}
	ci = consumerInfo(t, c)
	if ci.Delivered.Last == nil || ci.Delivered.Last.Before(before.Add(-time.Second)) {
		t.Fatalf("after a delivery: delivered.last_active = %v", ci.Delivered.Last)
	}
	if ci.AckFloor.Last != nil {
		t.Fatalf("before any ack: ack_floor.last_active = %v", ci.AckFloor.Last)
	}
	if err := msg.DoubleAck(ctx(t)); err != nil {
		t.Fatalf("ack: %v", err)
	}
	ci = consumerInfo(t, c)
	if ci.AckFloor.Last == nil || ci.AckFloor.Last.Before(*ci.Delivered.Last) {
		t.Fatalf("after an ack: ack_floor.last_active = %v (delivered %v)", ci.AckFloor.Last, ci.Delivered.Last)
	}
}
