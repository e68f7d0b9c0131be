package jetstream_test

import (
	"strings"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

func TestPersistModeAsync(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startJS(t, dir)
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}, PersistMode: jsclient.AsyncPersistMode})
	if st.CachedInfo().Config.PersistMode != jsclient.AsyncPersistMode {
		t.Fatalf("persist mode: %v", st.CachedInfo().Config.PersistMode)
	}
	for range 100 {
		if _, err := js.PublishAsync("a", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	if ack, err := js.Publish(ctx(t), "a", nil); err != nil || ack.Sequence != 101 {
		t.Fatalf("publish: %+v %v", ack, err)
	}
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.B", `{"name":"B","persist_mode":"sometimes"}`, 500, 10052)
	// A clean shutdown keeps everything.
	nc.Close()
	s.Shutdown()
	_, _, js = startJS(t, dir)
	st, err := js.Stream(ctx(t), "A")
	if err != nil || st.CachedInfo().State.Msgs != 101 {
		t.Fatalf("after restart: %v %+v", err, st.CachedInfo())
	}
}

// TestPersistModeDefaultAndUpdate: persist_mode "default" is the zero mode
// and is left out of the configuration, as nats-server does; an update
// cannot change the mode.
func TestPersistModeDefaultAndUpdate(t *testing.T) {
	_, nc, js := startJS(t, "")
	reply, err := nc.Request("$JS.API.STREAM.CREATE.D", []byte(`{"name":"D","persist_mode":"default"}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(reply.Data), "persist_mode") || !strings.Contains(string(reply.Data), `"did_create":true`) {
		t.Fatalf("create with the default mode: %s", reply.Data)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}, PersistMode: jsclient.AsyncPersistMode})
	expectAPIError(t, nc, "$JS.API.STREAM.UPDATE.A", `{"name":"A","subjects":["a"]}`, 500, 10052)
	expectAPIError(t, nc, "$JS.API.STREAM.UPDATE.D", `{"name":"D","persist_mode":"async"}`, 500, 10052)
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "D", Description: "same mode"}); err != nil {
		t.Fatalf("update keeping the mode: %v", err)
	}
}
