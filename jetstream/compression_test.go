package jetstream_test

import (
	"bytes"
	"fmt"
	"testing"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

// TestCompressedStream: an s2 file stream returns what was published,
// through get and a consumer, across an update to no compression and a
// restart; its byte count is that of the messages as published.
func TestCompressedStream(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startJS(t, dir)
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "Z", Subjects: []string{"z.>"}, Compression: jsclient.S2Compression})
	body := func(i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf(`{"order":%d,"status":"shipped"}`, i)), 40)
	}
	for i := 0; i < 50; i++ {
		if _, err := js.PublishAsync(fmt.Sprintf("z.%d", i%5), body(i)); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	cfg := st.CachedInfo().Config
	cfg.Compression = jsclient.NoCompression
	if _, err := js.UpdateStream(ctx(t), cfg); err != nil {
		t.Fatalf("update to no compression: %v", err)
	}
	for i := 50; i < 60; i++ {
		if _, err := js.Publish(ctx(t), fmt.Sprintf("z.%d", i%5), body(i)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(js jsclient.JetStream, when string) {
		t.Helper()
		st, err := js.Stream(ctx(t), "Z")
		if err != nil {
			t.Fatal(err)
		}
		var want uint64
		for i := 0; i < 60; i++ {
			m, err := st.GetMsg(ctx(t), uint64(i+1))
			if err != nil || !bytes.Equal(m.Data, body(i)) {
				t.Fatalf("%s: message %d: %v", when, i+1, err)
			}
			// The file formula on the uncompressed message: 30 +
			// subject + data (no header).
			want += uint64(30 + len(m.Subject) + len(body(i)))
		}
		if got := st.CachedInfo().State.Bytes; got != want {
			t.Errorf("%s: stream bytes %d, want %d", when, got, want)
		}
		c, err := st.OrderedConsumer(ctx(t), jsclient.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := c.FetchNoWait(60)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for m := range batch.Messages() {
			if !bytes.Equal(m.Data(), body(i)) {
				t.Fatalf("%s: consumer message %d differs", when, i+1)
			}
			i++
		}
		if i != 60 {
			t.Fatalf("%s: consumer got %d messages, want 60", when, i)
		}
	}
	check(js, "before restart")
	nc.Close()
	s.Shutdown()
	_, _, js = startJS(t, dir)
	check(js, "after restart")
}
