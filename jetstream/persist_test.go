package jetstream_test

import (
	"testing"

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
