package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/jetstream"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// jsFixture is a JetStream server with two streams and two consumers in a
// known state:
//
//	ORDERS (file, max_bytes 1 MiB, orders.a / orders.b): 20 messages
//	  ship: durable pull, fetched 10, acked 1..4, nacked 5 and got it again
//	  idle: durable pull filtered on orders.none, one pull request waiting
//	EVENTS (memory, max_bytes 64 KiB): 5 messages
type jsFixture struct {
	s      *server.Server
	url    string
	nc     *nats.Conn
	js     jsclient.JetStream
	orders *jsclient.StreamInfo
	events *jsclient.StreamInfo
	ship   *jsclient.ConsumerInfo
	apiReq uint64 // API requests made, up to and including the last info
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newJSFixture(t *testing.T) *jsFixture {
	t.Helper()
	f := &jsFixture{}
	f.s, f.url = runMonitored(t, &server.Options{JetStream: true})
	f.nc = testutil.Connect(t, f.s)
	var err error
	if f.js, err = jsclient.New(f.nc); err != nil {
		t.Fatal(err)
	}
	f.createStream(t, jsclient.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.*"}, MaxBytes: 1 << 20})
	f.createStream(t, jsclient.StreamConfig{Name: "EVENTS", Subjects: []string{"events"}, Storage: jsclient.MemoryStorage, MaxBytes: 64 << 10})
	for i := range 20 {
		f.publish(t, "orders."+string(rune('a'+i%2)), i)
	}
	for i := range 5 {
		f.publish(t, "events", i)
	}
	ship := f.createConsumer(t, jsclient.ConsumerConfig{Durable: "ship", AckPolicy: jsclient.AckExplicitPolicy})
	f.createConsumer(t, jsclient.ConsumerConfig{Durable: "idle", FilterSubject: "orders.none", AckPolicy: jsclient.AckExplicitPolicy})
	f.work(t, ship)
	f.waitingPull(t)
	f.infos(t)
	return f
}

func (f *jsFixture) createStream(t *testing.T, cfg jsclient.StreamConfig) {
	t.Helper()
	if _, err := f.js.CreateStream(ctxFor(t), cfg); err != nil {
		t.Fatalf("create stream %s: %v", cfg.Name, err)
	}
	f.apiReq++
}

func (f *jsFixture) createConsumer(t *testing.T, cfg jsclient.ConsumerConfig) jsclient.Consumer {
	t.Helper()
	c, err := f.js.CreateConsumer(ctxFor(t), "ORDERS", cfg)
	if err != nil {
		t.Fatalf("create consumer %s: %v", cfg.Durable, err)
	}
	f.apiReq++
	return c
}

func (f *jsFixture) publish(t *testing.T, subj string, i int) {
	t.Helper()
	if _, err := f.js.Publish(ctxFor(t), subj, []byte(fmt.Sprintf("message %02d", i))); err != nil {
		t.Fatal(err)
	}
}

// work fetches 10 messages from ship, acks the first 4, nacks the 5th and
// fetches it again: 6 wait for their ack, one of them redelivered.
func (f *jsFixture) work(t *testing.T, c jsclient.Consumer) {
	t.Helper()
	msgs := fetch(t, c, 10)
	for _, m := range msgs[:4] {
		if err := m.DoubleAck(ctxFor(t)); err != nil {
			t.Fatal(err)
		}
	}
	// A -NAK sent as a request is answered once the consumer holds it.
	if _, err := f.nc.Request(msgs[4].Reply(), []byte("-NAK"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	again := fetch(t, c, 1)
	if md, _ := again[0].Metadata(); md == nil || md.Sequence.Stream != 5 || md.NumDelivered != 2 {
		t.Fatalf("redelivery %+v", md)
	}
}

func fetch(t *testing.T, c jsclient.Consumer, n int) []jsclient.Msg {
	t.Helper()
	batch, err := c.Fetch(n, jsclient.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []jsclient.Msg
	for m := range batch.Messages() {
		out = append(out, m)
	}
	if len(out) != n {
		t.Fatalf("fetched %d, want %d: %v", len(out), n, batch.Error())
	}
	return out
}

// waitingPull leaves a pull request waiting on idle, which has nothing to
// deliver.
func (f *jsFixture) waitingPull(t *testing.T) {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := f.nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	req := `{"batch":1,"expires":60000000000}`
	if err := f.nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT.ORDERS.idle", inbox, []byte(req)); err != nil {
		t.Fatal(err)
	}
	f.nc.Flush()
}

// infos reads the stream and consumer infos the monitor must agree with;
// ship's info is read once idle's pull request is counted.
func (f *jsFixture) infos(t *testing.T) {
	t.Helper()
	testutil.WaitFor(t, 5*time.Second, func() error {
		ci, err := f.js.Consumer(ctxFor(t), "ORDERS", "idle")
		f.apiReq++
		if err != nil {
			return err
		}
		if ci.CachedInfo().NumWaiting != 1 {
			return fmt.Errorf("idle has %d waiting requests", ci.CachedInfo().NumWaiting)
		}
		return nil
	})
	for _, name := range []string{"ORDERS", "EVENTS"} {
		st, err := f.js.Stream(ctxFor(t), name)
		if err != nil {
			t.Fatal(err)
		}
		f.apiReq++
		if name == "ORDERS" {
			f.orders = st.CachedInfo()
		} else {
			f.events = st.CachedInfo()
		}
	}
	c, err := f.js.Consumer(ctxFor(t), "ORDERS", "ship")
	if err != nil {
		t.Fatal(err)
	}
	f.apiReq++
	f.ship = c.CachedInfo()
}

func TestJszReportsJetStream(t *testing.T) {
	f := newJSFixture(t)
	jsz := getJSON[monitor.JSZ](t, f.url+"/jsz")
	if jsz.Disabled || jsz.Streams != 2 || jsz.Consumers != 2 || jsz.Messages != 25 ||
		jsz.Bytes != f.orders.State.Bytes+f.events.State.Bytes || jsz.AccountDetails != nil || jsz.Total != 1 {
		t.Fatalf("jsz %+v", jsz)
	}
	want := monitor.JetStreamStats{
		Memory: f.events.State.Bytes, Store: f.orders.State.Bytes,
		ReservedMemory: 64 << 10, ReservedStore: 1 << 20, Accounts: 1,
		API: monitor.JetStreamAPIStats{Level: jetstream.APILevel, Total: f.apiReq},
	}
	if jsz.JetStreamStats != want {
		t.Fatalf("jsz stats %+v, want %+v", jsz.JetStreamStats, want)
	}
	if jsz.Config.StoreDir != f.s.Options().StoreDir || !jsz.Config.SyncAlways || jsz.Config.MaxStore <= 0 {
		t.Fatalf("jsz config %+v", jsz.Config)
	}

	detail := getJSON[monitor.JSZ](t, f.url+"/jsz?accounts=1&streams=1&consumers=1")
	acc := onlyAccount(t, &detail)
	if acc.Memory != want.Memory || acc.Store != want.Store || acc.ReservedStore != 1<<20 || acc.API.Total != f.apiReq {
		t.Fatalf("account stats %+v", acc.JetStreamStats)
	}
	if len(acc.Streams) != 2 || acc.Streams[0].Name != "EVENTS" || acc.Streams[1].Name != "ORDERS" {
		t.Fatalf("streams %+v", acc.Streams)
	}
	checkStreamDetail(t, &acc.Streams[0], f.events, 0)
	checkStreamDetail(t, &acc.Streams[1], f.orders, 2)
	idle, ship := acc.Streams[1].Consumers[0], acc.Streams[1].Consumers[1]
	checkShip(t, ship, f.ship)
	if idle.Name != "idle" || idle.NumWaiting != 1 || idle.NumPending != 0 || idle.NumAckPending != 0 {
		t.Fatalf("idle %+v", idle)
	}
}

func onlyAccount(t *testing.T, jsz *monitor.JSZ) *monitor.AccountDetail {
	t.Helper()
	if len(jsz.AccountDetails) != 1 || jsz.Total != 1 {
		t.Fatalf("account details %+v (total %d)", jsz.AccountDetails, jsz.Total)
	}
	acc := jsz.AccountDetails[0]
	if acc.Name != server.GlobalAccountName || acc.ID != server.GlobalAccountName {
		t.Fatalf("account %q %q", acc.Name, acc.ID)
	}
	return acc
}

func checkStreamDetail(t *testing.T, sd *monitor.StreamDetail, info *jsclient.StreamInfo, consumers int) {
	t.Helper()
	got, w := sd.State, info.State
	if got.Msgs != w.Msgs || got.Bytes != w.Bytes || got.FirstSeq != 1 || got.LastSeq != w.LastSeq ||
		!got.FirstTime.Equal(w.FirstTime) || !got.LastTime.Equal(w.LastTime) ||
		uint64(got.NumSubjects) != w.NumSubjects || got.NumDeleted != 0 || got.Consumers != consumers {
		t.Fatalf("stream %s state %+v, want %+v", sd.Name, got, w)
	}
	if !sd.Created.Equal(info.Created) || sd.Config != nil || len(sd.Consumers) != consumers {
		t.Fatalf("stream %s: created %v (want %v), config %v, %d consumers", sd.Name, sd.Created, info.Created, sd.Config, len(sd.Consumers))
	}
}

// checkShip compares ship's detail with the numbers the fixture made and
// with its consumer info.
func checkShip(t *testing.T, cd *monitor.ConsumerDetail, ci *jsclient.ConsumerInfo) {
	t.Helper()
	if cd.Name != "ship" || cd.Stream != "ORDERS" || cd.Config != nil || !cd.Created.Equal(ci.Created) {
		t.Fatalf("ship %+v", cd)
	}
	if cd.NumAckPending != 6 || cd.NumRedelivered != 1 || cd.NumPending != 10 || cd.NumWaiting != 0 ||
		cd.AckFloor.Stream != 4 || cd.AckFloor.Consumer != 4 {
		t.Fatalf("ship %+v", cd)
	}
	if cd.NumAckPending != ci.NumAckPending || cd.NumRedelivered != ci.NumRedelivered || cd.NumPending != ci.NumPending ||
		cd.Delivered.Consumer != ci.Delivered.Consumer || cd.Delivered.Stream != ci.Delivered.Stream ||
		cd.AckFloor.Consumer != ci.AckFloor.Consumer || cd.AckFloor.Stream != ci.AckFloor.Stream {
		t.Fatalf("ship %+v, info %+v", cd, ci)
	}
}

func TestJszOptions(t *testing.T) {
	f := newJSFixture(t)
	var raw struct {
		Accounts []struct {
			Streams []struct {
				Name      string          `json:"name"`
				Config    json.RawMessage `json:"config"`
				Consumers []struct {
					Name   string          `json:"name"`
					Config json.RawMessage `json:"config"`
				} `json:"consumer_detail"`
			} `json:"stream_detail"`
		} `json:"account_details"`
	}
	if err := fetchJSON(t, f.url+"/jsz?consumers=1&config=1", &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Accounts) != 1 || len(raw.Accounts[0].Streams) != 2 || len(raw.Accounts[0].Streams[1].Consumers) != 2 {
		t.Fatalf("consumers=1 implies streams and accounts: %+v", raw)
	}
	orders := raw.Accounts[0].Streams[1]
	var scfg jsclient.StreamConfig
	var ccfg jsclient.ConsumerConfig
	if json.Unmarshal(orders.Config, &scfg) != nil || scfg.Name != "ORDERS" || scfg.MaxBytes != 1<<20 {
		t.Fatalf("stream config %s", orders.Config)
	}
	if json.Unmarshal(orders.Consumers[1].Config, &ccfg) != nil || ccfg.Durable != "ship" || ccfg.AckPolicy != jsclient.AckExplicitPolicy {
		t.Fatalf("consumer config %s", orders.Consumers[1].Config)
	}

	streams := getJSON[monitor.JSZ](t, f.url+"/jsz?streams=1")
	if acc := onlyAccount(t, &streams); len(acc.Streams) != 2 || acc.Streams[1].Consumers != nil || acc.Streams[1].State.Consumers != 2 {
		t.Fatalf("streams=1: %+v", acc.Streams)
	}
	accounts := getJSON[monitor.JSZ](t, f.url+"/jsz?accounts=1")
	if acc := onlyAccount(t, &accounts); acc.Streams != nil {
		t.Fatalf("accounts=1 lists streams: %+v", acc.Streams)
	}
	byName := getJSON[monitor.JSZ](t, f.url+"/jsz?acc=$G&streams=1")
	if acc := onlyAccount(t, &byName); len(acc.Streams) != 2 {
		t.Fatalf("acc=$G: %+v", acc)
	}
	for _, q := range []string{"acc=nobody&streams=1", "accounts=1&offset=1", "accounts=1&offset=5&limit=1"} {
		jsz := getJSON[monitor.JSZ](t, f.url+"/jsz?"+q)
		if len(jsz.AccountDetails) != 0 || jsz.Streams != 2 {
			t.Fatalf("%s: %+v", q, jsz)
		}
	}
	if code, body, _ := get(t, f.url+"/jsz?offset=-1"); code != 400 {
		t.Fatalf("offset=-1: %d %s", code, body)
	}
}

func TestMetricsJetStreamFromEngine(t *testing.T) {
	f := newJSFixture(t)
	families := scrape(t, f.url)
	orders := []string{"account=$G", "stream=ORDERS"}
	events := []string{"account=$G", "stream=EVENTS"}
	ship := append(orders[:2:2], "consumer=ship")
	idle := append(orders[:2:2], "consumer=idle")
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"petrel_jetstream_streams", nil, 2},
		{"petrel_jetstream_consumers", nil, 2},
		{"petrel_jetstream_messages", nil, 25},
		{"petrel_jetstream_bytes", nil, float64(f.orders.State.Bytes + f.events.State.Bytes)},
		{"petrel_jetstream_memory_bytes", nil, float64(f.events.State.Bytes)},
		{"petrel_jetstream_storage_bytes", nil, float64(f.orders.State.Bytes)},
		{"petrel_jetstream_api_requests_total", nil, float64(f.apiReq)},
		{"petrel_jetstream_api_errors_total", nil, 0},
		{"petrel_jetstream_api_type_requests_total", []string{"type=STREAM.CREATE"}, 2},
		{"petrel_jetstream_api_type_requests_total", []string{"type=CONSUMER.CREATE"}, 2},
		{"petrel_jetstream_api_type_requests_total", []string{"type=STREAM.INFO"}, 2},
		{"petrel_jetstream_api_type_errors_total", []string{"type=STREAM.INFO"}, 0},
		{"petrel_stream_messages", orders, 20},
		{"petrel_stream_bytes", orders, float64(f.orders.State.Bytes)},
		{"petrel_stream_first_seq", orders, 1},
		{"petrel_stream_last_seq", orders, 20},
		{"petrel_stream_consumers", orders, 2},
		{"petrel_stream_messages", events, 5},
		{"petrel_stream_last_seq", events, 5},
		{"petrel_stream_consumers", events, 0},
		{"petrel_consumer_pending", ship, 10},
		{"petrel_consumer_ack_pending", ship, 6},
		{"petrel_consumer_redelivered", ship, 1},
		{"petrel_consumer_waiting", ship, 0},
		{"petrel_consumer_pending", idle, 0},
		{"petrel_consumer_waiting", idle, 1},
	}
	for _, c := range checks {
		if got, err := value(families, c.name, c.labels...); err != nil || got != c.want {
			t.Errorf("%s%v = %v (%v), want %v", c.name, c.labels, got, err, c.want)
		}
	}
	checkCommitHistograms(t, families)

	// An API error is counted by type.
	if _, err := f.js.Stream(ctxFor(t), "MISSING"); err == nil {
		t.Fatal("info of a missing stream")
	}
	families = scrape(t, f.url)
	if got, err := value(families, "petrel_jetstream_api_type_errors_total", "type=STREAM.INFO"); err != nil || got != 1 {
		t.Errorf("STREAM.INFO errors = %v (%v), want 1", got, err)
	}
	if got, err := value(families, "petrel_jetstream_api_errors_total"); err != nil || got != 1 {
		t.Errorf("api errors = %v (%v), want 1", got, err)
	}
}

// checkCommitHistograms: the 20 messages of the file stream ORDERS went
// through group commits, each synced (the memory stream has none).
func checkCommitHistograms(t *testing.T, families map[string]*dto.MetricFamily) {
	t.Helper()
	batch := families["petrel_store_commit_batch_messages"].GetMetric()[0].GetHistogram()
	sync := families["petrel_store_sync_seconds"].GetMetric()[0].GetHistogram()
	if batch.GetSampleSum() != 20 || batch.GetSampleCount() == 0 || sync.GetSampleCount() != batch.GetSampleCount() {
		t.Errorf("commits: %v messages in %d batches, %d syncs; want 20 messages, every batch synced",
			batch.GetSampleSum(), batch.GetSampleCount(), sync.GetSampleCount())
	}
}

func TestVarzAndHealthzWithJetStream(t *testing.T) {
	f := newJSFixture(t)
	v := getJSON[monitor.Varz](t, f.url+"/varz")
	js := v.JetStream
	if js.Config == nil || js.Config.StoreDir != f.s.Options().StoreDir || js.Stats == nil {
		t.Fatalf("varz jetstream %+v", js)
	}
	if js.Stats.Store != f.orders.State.Bytes || js.Stats.Memory != f.events.State.Bytes ||
		js.Stats.ReservedStore != 1<<20 || js.Stats.ReservedMemory != 64<<10 || js.Stats.Accounts != 1 ||
		js.Stats.API.Total != f.apiReq {
		t.Fatalf("varz jetstream stats %+v", js.Stats)
	}
	expectHealth(t, f.url, "", 200, "")
	expectHealth(t, f.url, "js-enabled-only=true", 200, "")
}

// TestHealthzFollowsJetStreamEngine runs the engine after the monitor and
// stops it first: /healthz is 503 before it runs and after it stops.
func TestHealthzFollowsJetStreamEngine(t *testing.T) {
	js := jetstream.New()
	s, url := runWithMonitor(t, monitor.Options{JetStream: monitor.JetStreamEngine(js)})
	expectHealth(t, url, "", 503, "JetStream not enabled")
	expectHealth(t, url, "js-enabled-only=true", 503, "JetStream not enabled")
	expectHealth(t, url, "js-server-only=true", 200, "")
	if jsz := getJSON[monitor.JSZ](t, url+"/jsz?accounts=1"); jsz.Disabled || jsz.Streams != 0 || jsz.AccountDetails != nil {
		t.Fatalf("jsz before the engine runs: %+v", jsz)
	}

	if err := js.Start(s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Shutdown)
	expectHealth(t, url, "", 200, "")
	expectHealth(t, url, "js-enabled-only=true", 200, "")
	if jsz := getJSON[monitor.JSZ](t, url+"/jsz?accounts=1"); jsz.Accounts != 1 || len(jsz.AccountDetails) != 1 {
		t.Fatalf("jsz with the engine: %+v", jsz)
	}

	js.Shutdown()
	expectHealth(t, url, "", 503, "JetStream not enabled")
	expectHealth(t, url, "js-enabled-only=true", 503, "JetStream not enabled")
	if jsz := getJSON[monitor.JSZ](t, url+"/jsz?accounts=1"); jsz.Disabled || jsz.Accounts != 0 || jsz.AccountDetails != nil {
		t.Fatalf("jsz after the engine stopped: %+v", jsz)
	}
}
