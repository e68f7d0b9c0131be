package jetstream_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func TestRestartRecoversStreams(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startJS(t, dir)
	mustCreate(t, js, jsclient.StreamConfig{Name: "FILE", Subjects: []string{"file.>"}, MaxMsgsPerSubject: 10, Description: "kept"})
	mustCreate(t, js, jsclient.StreamConfig{Name: "MEM", Subjects: []string{"mem.>"}, Storage: jsclient.MemoryStorage})
	for i := 0; i < 20; i++ {
		if _, err := js.PublishAsync(fmt.Sprintf("file.%d", i%4), []byte(fmt.Sprint(i)), jsclient.WithMsgID(fmt.Sprintf("id-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	if _, err := js.Publish(ctx(t), "mem.x", nil); err != nil {
		t.Fatal(err)
	}
	st, _ := js.Stream(ctx(t), "FILE")
	if err := st.DeleteMsg(ctx(t), 5); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	s.Shutdown()

	_, _, js = startJS(t, dir)
	st, err := js.Stream(ctx(t), "FILE")
	if err != nil {
		t.Fatalf("file stream after restart: %v", err)
	}
	info := st.CachedInfo()
	if info.Config.Description != "kept" || info.Config.MaxMsgsPerSubject != 10 {
		t.Fatalf("config after restart: %+v", info.Config)
	}
	if info.State.Msgs != 19 || info.State.LastSeq != 20 || info.State.NumDeleted != 1 {
		t.Fatalf("state after restart: %+v", info.State)
	}
	m, err := st.GetMsg(ctx(t), 20)
	if err != nil || m.Subject != "file.3" || string(m.Data) != "19" {
		t.Fatalf("message 20 after restart: %+v %v", m, err)
	}
	// The de-duplication window came back from the messages' headers.
	ack, err := js.Publish(ctx(t), "file.0", nil, jsclient.WithMsgID("id-7"))
	if err != nil || !ack.Duplicate || ack.Sequence != 8 {
		t.Fatalf("duplicate after restart: %+v %v", ack, err)
	}
	// So did the last message id.
	if _, err := js.Publish(ctx(t), "file.0", nil, jsclient.WithExpectLastMsgID("id-19")); err != nil {
		t.Fatalf("expected last msg id after restart: %v", err)
	}
	mem, err := js.Stream(ctx(t), "MEM")
	if err != nil {
		t.Fatalf("memory stream after restart: %v", err)
	}
	if n := mem.CachedInfo().State.Msgs; n != 0 {
		t.Fatalf("memory stream kept %d messages across a restart", n)
	}
	if ack, err := js.Publish(ctx(t), "mem.x", nil); err != nil || ack.Stream != "MEM" {
		t.Fatalf("publish to the recovered memory stream: %+v %v", ack, err)
	}
}

func TestRestartAfterDelete(t *testing.T) {
	dir := t.TempDir()
	s, _, js := startJS(t, dir)
	mustCreate(t, js, jsclient.StreamConfig{Name: "GONE", Subjects: []string{"gone"}})
	if _, err := js.Publish(ctx(t), "gone", nil); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx(t), "GONE"); err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	_, _, js = startJS(t, dir)
	if names := collectNames(t, js); len(names) != 0 {
		t.Fatalf("streams after restart: %v", names)
	}
	// A new stream of the same name starts empty.
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "GONE", Subjects: []string{"gone"}})
	if st.CachedInfo().State.LastSeq != 0 {
		t.Fatalf("recreated stream: %+v", st.CachedInfo().State)
	}
}

func collectNames(t *testing.T, js jsclient.JetStream) []string {
	var names []string
	l := js.StreamNames(ctx(t))
	for n := range l.Name() {
		names = append(names, n)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestLongNamesStored checks that a stream and a durable consumer with
// names of the full 255 bytes are stored and come back after a restart
// (name.json would be longer than a file name may be; nats.c's
// JetStreamSubscribe creates such a stream).
func TestLongNamesStored(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("a", 255)
	other := strings.Repeat("a", 254) + "b"
	s, nc, js := startJS(t, dir)
	for i, name := range []string{long, other} {
		st := mustCreate(t, js, jsclient.StreamConfig{Name: name, Subjects: []string{fmt.Sprint("long.", i)}})
		mustConsumer(t, st, jsclient.ConsumerConfig{Durable: name, AckPolicy: jsclient.AckExplicitPolicy})
		mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "C"})
		if _, err := js.Publish(ctx(t), fmt.Sprint("long.", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := js.DeleteConsumer(ctx(t), other, other); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	s.Shutdown()

	_, _, js = startJS(t, dir)
	for _, name := range []string{long, other} {
		st, err := js.Stream(ctx(t), name)
		if err != nil || st.CachedInfo().State.Msgs != 1 {
			t.Fatalf("stream %.8s... after restart: %v", name, err)
		}
		_, err = st.Consumer(ctx(t), name)
		if gone := name == other; gone != (err != nil) {
			t.Fatalf("consumer %.8s... after restart: %v", name, err)
		}
	}
	if err := js.DeleteStream(ctx(t), long); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx(t), long); err == nil {
		t.Fatal("deleted stream back")
	}
}

// TestRestartKeepsEphemeralsOfFileStreams: as nats-server, an ephemeral
// consumer of a file stream comes back after a restart with its position
// (a client's watcher resumes on it) until its inactive threshold removes
// it; one of a memory stream does not.
func TestRestartKeepsEphemeralsOfFileStreams(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startJS(t, dir)
	file := mustCreate(t, js, jsclient.StreamConfig{Name: "FILE", Subjects: []string{"file.>"}})
	mem := mustCreate(t, js, jsclient.StreamConfig{Name: "MEM", Subjects: []string{"mem.>"}, Storage: jsclient.MemoryStorage})
	publishN(t, js, "file.a", 5)
	cfg := jsclient.ConsumerConfig{AckPolicy: jsclient.AckExplicitPolicy, InactiveThreshold: 1500 * time.Millisecond}
	fc, err := file.CreateConsumer(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fetch(t, fc, 2) {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	mc, err := mem.CreateConsumer(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	fname, mname := fc.CachedInfo().Name, mc.CachedInfo().Name
	nc.Close()
	s.Shutdown()

	_, _, js = startJS(t, dir)
	file, err = js.Stream(ctx(t), "FILE")
	if err != nil {
		t.Fatal(err)
	}
	fc, err = file.Consumer(ctx(t), fname)
	if err != nil {
		t.Fatalf("ephemeral of the file stream after restart: %v", err)
	}
	if info := fc.CachedInfo(); info.AckFloor.Stream != 2 || info.Config.Durable != "" {
		t.Fatalf("ephemeral after restart: ack floor %d, durable %q", info.AckFloor.Stream, info.Config.Durable)
	}
	resumed := fetch(t, fc, 3)
	wantStreamSeqs(t, "resumed", resumed, 3, 4, 5)
	for _, m := range resumed {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	mem, err = js.Stream(ctx(t), "MEM")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Consumer(ctx(t), mname); !errors.Is(err, jsclient.ErrConsumerNotFound) {
		t.Fatalf("ephemeral of the memory stream after restart: %v, want not found", err)
	}
	testutil.WaitFor(t, 10*time.Second, func() error {
		if _, err := file.Consumer(ctx(t), fname); !errors.Is(err, jsclient.ErrConsumerNotFound) {
			return fmt.Errorf("ephemeral still there past its inactive threshold (%v)", err)
		}
		// Its record goes just after it.
		if entries, err := os.ReadDir(filepath.Join(dir, "jetstream", "$G", "consumers", "FILE")); err != nil || len(entries) != 0 {
			return fmt.Errorf("consumer records left after the ephemeral went: %v, %v", entries, err)
		}
		return nil
	})
}
