package jetstream_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

func TestServerLimitsReserveMaxBytes(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true, JetStreamMaxStore: 10_000, JetStreamMaxMemory: 5_000})
	nc := testutil.Connect(t, s)
	js, _ := jsclient.New(nc)
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}, MaxBytes: 8_000})
	_, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "B", Subjects: []string{"b"}, MaxBytes: 4_000})
	expectAPICode(t, err, 10047)
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "M", Subjects: []string{"m"}, MaxBytes: 6_000, Storage: jsclient.MemoryStorage})
	expectAPICode(t, err, 10028)
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Subjects: []string{"m"}, MaxBytes: 5_000, Storage: jsclient.MemoryStorage})
	// An update is checked without the stream's own old reservation.
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}, MaxBytes: 10_000}); err != nil {
		t.Fatalf("update within the budget: %v", err)
	}
	_, err = js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}, MaxBytes: 10_001})
	expectAPICode(t, err, 10047)
	// Every byte is reserved: even a stream without max_bytes does not fit.
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "C", Subjects: []string{"c"}})
	expectAPICode(t, err, 10047)

	info, err := js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.ReservedStore != 10_000 || info.ReservedMemory != 5_000 {
		t.Fatalf("reserved: storage %d memory %d", info.ReservedStore, info.ReservedMemory)
	}
}

func TestServerLimitRefusesPublish(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true, JetStreamMaxStore: 8_000})
	nc := testutil.Connect(t, s)
	js, _ := jsclient.New(nc)
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}})
	payload := make([]byte, 1000)
	var err error
	for i := 0; i < 30 && err == nil; i++ {
		_, err = js.Publish(ctx(t), "s", payload)
	}
	expectAPICode(t, err, 10023)
	st, _ := js.Stream(ctx(t), "S")
	info, _ := st.Info(ctx(t))
	// A message counts 30+1+1000 = 1031 bytes in the file formula.
	if info.State.Bytes > 8_000+3*1031 {
		t.Fatalf("stored %d bytes with a budget of 8000", info.State.Bytes)
	}
	// Purging makes room again.
	if err := st.Purge(ctx(t)); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		_, err := js.Publish(ctx(t), "s", payload)
		return err
	})
}

func TestAccountLimits(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		Accounts: []*server.AccountConfig{{
			Name: "ACC", JetStream: true,
			JetStreamMaxStreams: 2, JetStreamMaxStore: 3_000, JetStreamMaxMemory: 1_000, JetStreamMaxConsumers: 7,
		}},
		Users: []*server.User{{Username: "u", Password: "p", Account: "ACC"}},
	})
	nc := testutil.Connect(t, s, nats.UserInfo("u", "p"))
	js, _ := jsclient.New(nc)
	info, err := js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if l := info.Limits; l.MaxStreams != 2 || l.MaxStore != 3_000 || l.MaxMemory != 1_000 || l.MaxConsumers != 7 {
		t.Fatalf("limits: %+v", l)
	}
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "BIG", Subjects: []string{"big"}, MaxBytes: 3_001})
	expectAPICode(t, err, 10047)
	mustCreate(t, js, jsclient.StreamConfig{Name: "ONE", Subjects: []string{"one"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "TWO", Subjects: []string{"two"}, Storage: jsclient.MemoryStorage})
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "THREE", Subjects: []string{"three"}})
	expectAPICode(t, err, 10027)

	payload := make([]byte, 500)
	err = nil
	for i := 0; i < 30 && err == nil; i++ {
		_, err = js.Publish(ctx(t), "two", payload)
	}
	expectAPICode(t, err, 10002)
	err = nil
	for i := 0; i < 30 && err == nil; i++ {
		_, err = js.Publish(ctx(t), "one", payload)
	}
	expectAPICode(t, err, 10002)
	info, _ = js.AccountInfo(ctx(t))
	if info.Memory > 1_000+3*520 || info.Store > 3_000+3*520 {
		t.Fatalf("usage over the limits: %+v", info)
	}
}
