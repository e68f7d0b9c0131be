package jetstream_test

import (
	"testing"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// The account's max_consumers caps the consumers of each of its streams
// (as in the reference server), together with the stream's own
// max_consumers, whichever is lower.
func TestAccountMaxConsumers(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		Accounts:  []*server.AccountConfig{{Name: "ACC", JetStream: true, JetStreamMaxConsumers: 2}},
		Users:     []*server.User{{Username: "u", Password: "p", Account: "ACC"}},
	})
	nc := testutil.Connect(t, s, nats.UserInfo("u", "p"))
	js, _ := jsclient.New(nc)

	_, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "MANY", Subjects: []string{"many"}, MaxConsumers: 3})
	expectAPICode(t, err, 10026)

	one := mustCreate(t, js, jsclient.StreamConfig{Name: "ONE", Subjects: []string{"one"}})
	two := mustCreate(t, js, jsclient.StreamConfig{Name: "TWO", Subjects: []string{"two"}, MaxConsumers: 1})
	for _, name := range []string{"A", "B"} {
		mustConsumer(t, one, jsclient.ConsumerConfig{Durable: name})
	}
	_, err = one.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "C"})
	expectAPICode(t, err, 10026)
	// An ephemeral counts too; an existing consumer may still be updated.
	_, err = one.CreateConsumer(ctx(t), jsclient.ConsumerConfig{})
	expectAPICode(t, err, 10026)
	if _, err := one.UpdateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "A", Description: "updated"}); err != nil {
		t.Fatalf("update at the limit: %v", err)
	}

	// The stream's lower limit applies on the other stream.
	mustConsumer(t, two, jsclient.ConsumerConfig{Durable: "A"})
	_, err = two.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "B"})
	expectAPICode(t, err, 10026)

	// Deleting one makes room.
	if err := one.DeleteConsumer(ctx(t), "B"); err != nil {
		t.Fatal(err)
	}
	mustConsumer(t, one, jsclient.ConsumerConfig{Durable: "C"})
}

// TestAccountStreamBytesRules checks the account's per-stream rules:
// max_bytes required, and capped per storage type; $JS.API.INFO reports
// them.
func TestAccountStreamBytesRules(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		Accounts: []*server.AccountConfig{{Name: "ACC", JetStream: true, JetStreamMaxBytesRequired: true,
			JetStreamMemoryMaxStreamBytes: 2048, JetStreamStoreMaxStreamBytes: 4096}},
		Users: []*server.User{{Username: "u", Password: "p", Account: "ACC"}},
	})
	nc := testutil.Connect(t, s, nats.UserInfo("u", "p"))
	js, _ := jsclient.New(nc)

	_, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}})
	expectAPICode(t, err, 10113)
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}, MaxBytes: 4097})
	expectAPICode(t, err, 10122)
	_, err = js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "M", Subjects: []string{"m"}, MaxBytes: 4096,
		Storage: jsclient.MemoryStorage})
	expectAPICode(t, err, 10122)
	mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}, MaxBytes: 4096})
	_, err = js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}, MaxBytes: 8192})
	expectAPICode(t, err, 10122)

	info, err := js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if l := info.Limits; !l.MaxBytesRequired || l.MemoryMaxStreamBytes != 2048 || l.StoreMaxStreamBytes != 4096 {
		t.Fatalf("account limits %+v", l)
	}
}

// TestAccountMaxAckPending checks the account's max_ack_pending: an unset
// consumer max_ack_pending is lowered to it, a higher one is refused
// (10121), -1 stays unlimited.
func TestAccountMaxAckPending(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		Accounts:  []*server.AccountConfig{{Name: "ACC", JetStream: true, JetStreamMaxAckPending: 100}},
		Users:     []*server.User{{Username: "u", Password: "p", Account: "ACC"}},
	})
	nc := testutil.Connect(t, s, nats.UserInfo("u", "p"))
	js, _ := jsclient.New(nc)
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s"}})

	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "A", AckPolicy: jsclient.AckExplicitPolicy})
	if got := c.CachedInfo().Config.MaxAckPending; got != 100 {
		t.Errorf("default max_ack_pending %d, want the account's 100", got)
	}
	_, err := st.CreateConsumer(ctx(t), jsclient.ConsumerConfig{Durable: "B", AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: 101})
	expectAPICode(t, err, 10121)
	c = mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "C", AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: -1})
	if got := c.CachedInfo().Config.MaxAckPending; got != -1 {
		t.Errorf("max_ack_pending -1 became %d", got)
	}
	info, err := js.AccountInfo(ctx(t))
	if err != nil || info.Limits.MaxAckPending != 100 {
		t.Fatalf("account limits %+v %v", info, err)
	}
}
