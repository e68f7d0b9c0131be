package jetstream_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/jetstream"
	"github.com/petrelmq/petrel/server"
)

// commitCounter is a commit observer that sums what it is told.
type commitCounter struct{ batches, msgs, synced atomic.Int64 }

func (c *commitCounter) observe(msgs int, sync time.Duration) {
	c.batches.Add(1)
	c.msgs.Add(int64(msgs))
	if sync > 0 {
		c.synced.Add(1)
	}
}

// startService runs a server with svc as its JetStream service.
func startService(t *testing.T, svc *jetstream.Service) *server.Server {
	t.Helper()
	s, err := server.New(&server.Options{
		Host: "127.0.0.1", Port: server.RandomPort, JetStream: true, StoreDir: t.TempDir(), NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.AddService(svc)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func TestStatsReportStreamsConsumersAndCommits(t *testing.T) {
	var commits commitCounter
	svc := jetstream.New()
	svc.SetCommitObserver(commits.observe)
	if svc.Running() || svc.Healthz(false) == nil {
		t.Fatal("healthy before Start")
	}
	s := startService(t, svc)
	js, err := jsclient.New(testutil.Connect(t, s))
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "F", Subjects: []string{"f.*"}, MaxBytes: 1 << 20})
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Subjects: []string{"m"}, Storage: jsclient.MemoryStorage})
	for i := range 10 {
		if _, err := js.Publish(ctx(t), fmt.Sprintf("f.%d", i%3), []byte("payload")); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := js.Publish(ctx(t), "m", []byte("memory")); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := js.CreateConsumer(ctx(t), "F", jsclient.ConsumerConfig{Durable: "c", AckPolicy: jsclient.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	fetchAndAck(t, cons, 4, 2)

	st := svc.Stats(jetstream.StatsOptions{Consumers: true, Config: true})
	f, m := streamInfo(t, js, "F"), streamInfo(t, js, "M")
	want := jetstream.Usage{
		Memory: m.State.Bytes, Storage: f.State.Bytes, ReservedStorage: 1 << 20,
		Streams: 2, Consumers: 1, Messages: 13, Bytes: f.State.Bytes + m.State.Bytes,
		API: jetstream.APIStats{Total: 3}, // 2 stream creates, 1 consumer create
	}
	if st.Total != want || st.NumAccounts != 1 || st.Config.StoreDir != s.Options().StoreDir {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if len(st.Accounts) != 1 || len(st.Accounts[0].Details) != 2 {
		t.Fatalf("accounts %+v", st.Accounts)
	}
	checkStreamStats(t, &st.Accounts[0].Details[0], f)
	checkConsumerStats(t, st.Accounts[0].Details[0].Consumers)
	if batches := commits.batches.Load(); commits.msgs.Load() != 10 || batches == 0 || commits.synced.Load() != batches {
		t.Fatalf("commits: %d batches, %d synced, %d messages; want 10 messages of the file stream, all synced",
			batches, commits.synced.Load(), commits.msgs.Load())
	}
	checkAPIByType(t, svc)
	checkHealth(t, svc)
}

func fetchAndAck(t *testing.T, cons jsclient.Consumer, fetch, ack int) {
	t.Helper()
	batch, err := cons.FetchNoWait(fetch)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for msg := range batch.Messages() {
		if n < ack {
			if err := msg.DoubleAck(ctx(t)); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	if n != fetch {
		t.Fatalf("fetched %d, want %d (%v)", n, fetch, batch.Error())
	}
}

func streamInfo(t *testing.T, js jsclient.JetStream, name string) *jsclient.StreamInfo {
	t.Helper()
	st, err := js.Stream(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return st.CachedInfo()
}

func checkStreamStats(t *testing.T, ss *jetstream.StreamStats, info *jsclient.StreamInfo) {
	t.Helper()
	s, w := ss.State, info.State
	if ss.Name != "F" || ss.Config == nil || ss.Config.MaxBytes != 1<<20 || !ss.Created.Equal(info.Created) {
		t.Fatalf("stream %s config %+v created %v, want %v", ss.Name, ss.Config, ss.Created, info.Created)
	}
	if s.Msgs != 10 || s.Msgs != w.Msgs || s.Bytes != w.Bytes || s.FirstSeq != 1 || s.LastSeq != 10 ||
		!s.FirstTime.Equal(w.FirstTime) || !s.LastTime.Equal(w.LastTime) || s.NumSubjects != 3 || s.Consumers != 1 {
		t.Fatalf("stream state %+v, want %+v", s, w)
	}
}

func checkConsumerStats(t *testing.T, cs []jetstream.ConsumerStats) {
	t.Helper()
	if len(cs) != 1 {
		t.Fatalf("consumers %+v", cs)
	}
	c := cs[0]
	if c.Name != "c" || c.Stream != "F" || c.Config == nil || c.Config.Durable != "c" ||
		c.Delivered.Consumer != 4 || c.Delivered.Stream != 4 || c.AckFloor.Consumer != 2 || c.AckFloor.Stream != 2 ||
		c.NumAckPending != 2 || c.NumPending != 6 || c.NumRedelivered != 0 || c.NumWaiting != 0 {
		t.Fatalf("consumer %+v", c)
	}
}

func checkAPIByType(t *testing.T, svc *jetstream.Service) {
	t.Helper()
	got := map[string]jetstream.APITypeStats{}
	for _, ts := range svc.APIRequestsByType() {
		got[ts.Type] = ts
	}
	if c := got["STREAM.CREATE"]; c.Total != 2 || c.Errors != 0 {
		t.Errorf("STREAM.CREATE %+v", c)
	}
	if c := got["CONSUMER.CREATE"]; c.Total != 1 {
		t.Errorf("CONSUMER.CREATE %+v", c)
	}
	if c, ok := got["CONSUMER.PAUSE"]; !ok || c.Total != 0 {
		t.Errorf("CONSUMER.PAUSE %+v %v", c, ok)
	}
}

func checkHealth(t *testing.T, svc *jetstream.Service) {
	t.Helper()
	if err := svc.Healthz(true); err != nil {
		t.Fatalf("healthz: %v", err)
	}
	jetstream.StopConsumer(svc, server.GlobalAccountName, "F", "c")
	if err := svc.Healthz(true); err == nil || !strings.Contains(err.Error(), "'$G > F > c'") {
		t.Fatalf("healthz with a stopped consumer: %v", err)
	}
	if err := svc.Healthz(false); err != nil {
		t.Fatalf("healthz without assets: %v", err)
	}
	svc.Shutdown()
	if svc.Running() || svc.Healthz(false) == nil {
		t.Fatal("healthy after Shutdown")
	}
	if st := svc.Stats(jetstream.StatsOptions{}); st.NumAccounts != 0 || st.Total.Streams != 0 {
		t.Fatalf("stats after Shutdown %+v", st)
	}
}
