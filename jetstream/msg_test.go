package jetstream_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

func testGets(t *testing.T, direct bool) {
	_, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "G", Subjects: []string{"g.>"}, AllowDirect: direct})
	m := nats.NewMsg("g.a")
	m.Header.Set("X-Custom", "yes")
	m.Data = []byte("first")
	if _, err := js.PublishMsg(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ subj, data string }{{"g.b", "second"}, {"g.a", "third"}} {
		if _, err := js.Publish(ctx(t), p.subj, []byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := st.GetMsg(ctx(t), 1)
	if err != nil || raw.Subject != "g.a" || string(raw.Data) != "first" || raw.Header.Get("X-Custom") != "yes" || raw.Time.IsZero() {
		t.Fatalf("get 1: %+v %v", raw, err)
	}
	raw, err = st.GetLastMsgForSubject(ctx(t), "g.a")
	if err != nil || raw.Sequence != 3 || string(raw.Data) != "third" {
		t.Fatalf("last for g.a: %+v %v", raw, err)
	}
	raw, err = st.GetMsg(ctx(t), 2, jsclient.WithGetMsgSubject("g.a"))
	if err != nil || raw.Sequence != 3 {
		t.Fatalf("next g.a from 2: %+v %v", raw, err)
	}
	if _, err := st.GetMsg(ctx(t), 99); !errors.Is(err, jsclient.ErrMsgNotFound) {
		t.Fatalf("missing message: %v", err)
	}
	if _, err := st.GetLastMsgForSubject(ctx(t), "g.none"); !errors.Is(err, jsclient.ErrMsgNotFound) {
		t.Fatalf("missing subject: %v", err)
	}
	if err := st.DeleteMsg(ctx(t), 1); err != nil {
		t.Fatal(err)
	}
	if err := st.SecureDeleteMsg(ctx(t), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetMsg(ctx(t), 1); !errors.Is(err, jsclient.ErrMsgNotFound) {
		t.Fatalf("deleted message: %v", err)
	}
	expectAPICode(t, st.DeleteMsg(ctx(t), 1), 10043)
	_ = nc
}

func TestMsgGet(t *testing.T)    { testGets(t, false) }
func TestDirectGet(t *testing.T) { testGets(t, true) }

func TestDirectGetRaw(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "DG", Subjects: []string{"dg.>"}, AllowDirect: true})
	mustCreate(t, js, jsclient.StreamConfig{Name: "NODIRECT", Subjects: []string{"nd"}})
	if _, err := js.Publish(ctx(t), "dg.x", []byte("v")); err != nil {
		t.Fatal(err)
	}
	msg, err := nc.Request("$JS.API.DIRECT.GET.DG.dg.x", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Nats-Stream": "DG", "Nats-Subject": "dg.x", "Nats-Sequence": "1"} {
		if got := msg.Header.Get(k); got != v {
			t.Fatalf("%s = %q, want %q", k, got, v)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, msg.Header.Get("Nats-Time-Stamp")); err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	msg, err = nc.Request("$JS.API.DIRECT.GET.DG", []byte(`{"seq":7}`), 5*time.Second)
	if err != nil || msg.Header.Get("Status") != "404" {
		t.Fatalf("missing: %v %v", msg, err)
	}
	msg, err = nc.Request("$JS.API.DIRECT.GET.DG", []byte(`{bad`), 5*time.Second)
	if err != nil || msg.Header.Get("Status") != "408" {
		t.Fatalf("bad request: %v %v", msg, err)
	}
	// No direct get endpoint without allow_direct.
	if _, err := nc.Request("$JS.API.DIRECT.GET.NODIRECT", []byte(`{"seq":1}`), 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("direct get without allow_direct: %v", err)
	}
}
