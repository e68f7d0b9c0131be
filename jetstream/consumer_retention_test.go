package jetstream_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// waitMsgs waits until the stream holds n messages.
func waitMsgs(t *testing.T, st jsclient.Stream, n uint64) {
	t.Helper()
	testutil.WaitFor(t, 3*time.Second, func() error {
		si, err := st.Info(ctx(t))
		if err != nil {
			return err
		}
		if si.State.Msgs != n {
			return fmt.Errorf("%d messages, want %d", si.State.Msgs, n)
		}
		return nil
	})
}

func TestWorkQueueRemovesOnAck(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "WQ", Subjects: []string{"wq.>"}, Retention: jsclient.WorkQueuePolicy})
	publishN(t, js, "wq.a", 5)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "W", AckPolicy: jsclient.AckExplicitPolicy})
	msgs := fetch(t, c, 3)
	for _, m := range msgs[:2] {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	msgs[2].Term()
	waitMsgs(t, st, 2)
}

func TestInterestRetention(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "I", Subjects: []string{"i.>"}, Retention: jsclient.InterestPolicy})
	// Nobody interested: nothing is kept.
	publishN(t, js, "i.a", 2)
	waitMsgs(t, st, 0)

	a := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "A", AckPolicy: jsclient.AckExplicitPolicy})
	b := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "B", AckPolicy: jsclient.AckExplicitPolicy, FilterSubject: "i.b"})
	publishN(t, js, "i.a", 2) // only A wants these
	publishN(t, js, "i.b", 2) // both want these
	publishN(t, js, "i.z", 0)
	waitMsgs(t, st, 4)
	for _, m := range fetch(t, a, 4) {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	waitMsgs(t, st, 2) // i.b still wanted by B
	bm := fetch(t, b, 2)
	if err := bm[0].DoubleAck(ctx(t)); err != nil {
		t.Fatal(err)
	}
	waitMsgs(t, st, 1)
	// Deleting B releases what only it still held.
	if err := st.DeleteConsumer(ctx(t), "B"); err != nil {
		t.Fatal(err)
	}
	waitMsgs(t, st, 0)
}

func TestDurableConsumerSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, _, js := startJS(t, dir)
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 10)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy,
		AckWait: 200 * time.Millisecond, Description: "kept"})
	msgs := fetch(t, c, 5)
	for _, m := range msgs[:3] {
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	// 4 and 5 stay unacknowledged.
	s.Shutdown()

	_, _, js2 := startJS(t, dir)
	c2, err := js2.Consumer(ctx(t), "S", "D")
	if err != nil {
		t.Fatalf("consumer after restart: %v", err)
	}
	ci := consumerInfo(t, c2)
	if ci.Config.Description != "kept" || ci.Delivered.Stream != 5 || ci.Delivered.Consumer != 5 ||
		ci.AckFloor.Stream != 3 || ci.NumAckPending != 2 || ci.NumPending != 5 {
		t.Fatalf("info after restart %+v", ci)
	}
	// 6..10 come first; 4 and 5 once their ack wait (counted from their
	// delivery before the restart) ends, as second deliveries.
	var seqs []uint64
	for _, m := range fetch(t, c2, 7) {
		md, _ := m.Metadata()
		seqs = append(seqs, md.Sequence.Stream)
		if want := uint64(1 + btoi(md.Sequence.Stream <= 5)); md.NumDelivered != want {
			t.Fatalf("seq %d delivered %d times, want %d", md.Sequence.Stream, md.NumDelivered, want)
		}
		if err := m.DoubleAck(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(seqs)
	if fmt.Sprint(seqs) != "[4 5 6 7 8 9 10]" {
		t.Fatalf("after restart delivered %v", seqs)
	}
	if ci := consumerInfo(t, c2); ci.AckFloor.Stream != 10 || ci.NumAckPending != 0 {
		t.Fatalf("final info %+v", ci)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
