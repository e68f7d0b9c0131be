package jetstream_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

func TestAccountInfoJetStreamOff(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{})
	nc := testutil.Connect(t, s)
	js, err := jsclient.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AccountInfo(ctx(t)); !errors.Is(err, jsclient.ErrJetStreamNotEnabled) {
		t.Fatalf("AccountInfo with JetStream off: %v, want ErrJetStreamNotEnabled", err)
	}
}

func TestAccountInfo(t *testing.T) {
	_, _, js := startJS(t, "")
	info, err := js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatalf("AccountInfo: %v", err)
	}
	if info.Streams != 0 || info.Memory != 0 || info.Store != 0 {
		t.Fatalf("fresh account: %+v", info)
	}
	if info.Limits.MaxMemory != -1 || info.Limits.MaxStore != -1 || info.Limits.MaxStreams != -1 {
		t.Fatalf("limits: %+v", info.Limits)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "F", Subjects: []string{"f.>"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Subjects: []string{"m.>"}, Storage: jsclient.MemoryStorage})
	if _, err := js.Publish(ctx(t), "f.1", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx(t), "m.1", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx(t), "NOPE"); !errors.Is(err, jsclient.ErrStreamNotFound) {
		t.Fatalf("lookup of a missing stream: %v", err)
	}
	info, err = js.AccountInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Streams != 2 {
		t.Fatalf("streams = %d, want 2", info.Streams)
	}
	// A file stream counts as nats-server's file store (30+subject+data
	// without a header), a memory stream as its memory store
	// (subject+data+16).
	if info.Store != 30+3+5 || info.Memory != 3+2+16 {
		t.Fatalf("usage: storage %d memory %d", info.Store, info.Memory)
	}
	// The requests before this one: an account info, two creates and one
	// failed stream info (the answering request is not counted yet).
	if info.API.Total != 4 || info.API.Errors != 1 {
		t.Fatalf("api stats: %+v, want total 4, errors 1", info.API)
	}
}

// TestAccountWithoutJetStream: on a server with JetStream, a user of an
// account without it gets "not enabled for account" from the API, which
// nats.go reports as ErrJetStreamNotEnabledForAccount.
func TestAccountWithoutJetStream(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		JetStream: true,
		Accounts:  []*server.AccountConfig{{Name: "JS", JetStream: true}, {Name: "PLAIN"}},
		Users: []*server.User{
			{Username: "js", Password: "p", Account: "JS"},
			{Username: "plain", Password: "p", Account: "PLAIN"},
		},
	})
	js, err := jsclient.New(testutil.Connect(t, s, nats.UserInfo("js", "p")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AccountInfo(ctx(t)); err != nil {
		t.Fatalf("account with JetStream: %v", err)
	}
	js, err = jsclient.New(testutil.Connect(t, s, nats.UserInfo("plain", "p")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AccountInfo(ctx(t)); !errors.Is(err, jsclient.ErrJetStreamNotEnabledForAccount) {
		t.Fatalf("account without JetStream: %v, want ErrJetStreamNotEnabledForAccount", err)
	}
	if _, err := js.CreateStream(ctx(t), jsclient.StreamConfig{Name: "S"}); !errors.Is(err, jsclient.ErrJetStreamNotEnabledForAccount) {
		t.Fatalf("stream create without JetStream: %v", err)
	}
}

// TestDomainAPI checks that a server with a JetStream domain serves the
// API under $JS.<domain>.API as well, and names the domain in account
// info.
func TestDomainAPI(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true, JetStreamDomain: "hub"})
	nc := testutil.Connect(t, s)
	js, err := jsclient.NewWithDomain(nc, "hub")
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"d"}})
	if _, err := js.Publish(ctx(t), "d", []byte("x")); err != nil {
		t.Fatal(err)
	}
	plain, _ := jsclient.New(nc)
	st, err := plain.Stream(ctx(t), "D")
	if err != nil || st.CachedInfo().State.Msgs != 1 {
		t.Fatalf("the stream through $JS.API: %v %v", st, err)
	}
	info, err := js.AccountInfo(ctx(t))
	if err != nil || info.Domain != "hub" {
		t.Fatalf("account info through the domain: %+v %v", info, err)
	}
	other, err := jsclient.NewWithDomain(nc, "other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AccountInfo(ctx(t)); err == nil {
		t.Fatal("another domain's API answered")
	}
}

// TestDomainPubAck checks that a server with a JetStream domain names it
// in every PubAck, the duplicate one too, as nats-server does (nats.c's
// JetStreamPublish reads pa->Domain).
func TestDomainPubAck(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{JetStream: true, JetStreamDomain: "ABC"})
	nc := testutil.Connect(t, s)
	js, err := jsclient.NewWithDomain(nc, "ABC")
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "D", Subjects: []string{"d"}})
	for _, dup := range []bool{false, true} {
		ack, err := js.Publish(ctx(t), "d", []byte("x"), jsclient.WithMsgID("m1"))
		if err != nil || ack.Domain != "ABC" || ack.Stream != "D" || ack.Sequence != 1 || ack.Duplicate != dup {
			t.Fatalf("ack (duplicate %v): %+v %v", dup, ack, err)
		}
	}
	msg, err := nc.Request("d", []byte("y"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"stream":"D","domain":"ABC","seq":2}`; string(msg.Data) != want {
		t.Fatalf("ack %s, want %s", msg.Data, want)
	}
}
