//go:build unix

package crash

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// consumerAckWait is the ack wait of the crash tests' consumer: short, so
// the unacked window comes back quickly after the restart.
const consumerAckWait = 500 * time.Millisecond

// backlog is how many messages are stored before the consumer starts: the
// crash comes while it is still working through them, acks in flight.
const backlog = 3000

// TestCrashKeepsConsumerState kills petrel with SIGKILL while a durable
// pull consumer fetches and double-acks (AckSync) messages of a file
// stream, leaving every fourth one unacked, and while more messages are
// published. After a restart on the same directory:
//
//   - the consumer's info agrees with what the client saw: the ack floor
//     is below every unacked message, num_ack_pending and num_pending
//     count what is left;
//   - no message whose AckSync returned nil is delivered again;
//   - every unacked message is delivered again, and every published
//     message not acked is delivered: nothing is lost;
//   - on interest and work-queue streams, the acked messages are gone and
//     stay gone, the unacked ones are still stored, and once everything is
//     acked the stream is empty.
func TestCrashKeepsConsumerState(t *testing.T) {
	bin := buildPetrel(t)
	for _, ret := range []jetstream.RetentionPolicy{jetstream.LimitsPolicy, jetstream.InterestPolicy, jetstream.WorkQueuePolicy} {
		t.Run(ret.String(), func(t *testing.T) { consumerCrash(t, bin, ret) })
	}
}

// seen records what the client learned about each stream sequence.
type seen struct {
	mu        sync.Mutex
	published map[uint64]bool // the stream acknowledged the publish
	delivered map[uint64]bool
	acked     map[uint64]bool // AckSync returned nil
	unknown   map[uint64]bool // AckSync failed: the ack may or may not be stored
	unacked   map[uint64]bool // deliberately never acked before the crash
	errs      []string        // contract violations seen before the crash
}

func newSeen() *seen {
	return &seen{published: map[uint64]bool{}, delivered: map[uint64]bool{}, acked: map[uint64]bool{},
		unknown: map[uint64]bool{}, unacked: map[uint64]bool{}}
}

func (s *seen) mark(set map[uint64]bool, seq uint64) {
	s.mu.Lock()
	set[seq] = true
	s.mu.Unlock()
}

func (s *seen) count(set map[uint64]bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(set)
}

// leaveUnacked says which sequences the client never acks before the
// crash.
func leaveUnacked(seq uint64) bool { return seq%4 == 0 }

func consumerCrash(t *testing.T, bin string, ret jetstream.RetentionPolicy) {
	dir := t.TempDir()
	srv := startPetrel(t, bin, dir)
	nc, js := connectJS(t, srv)
	st, err := js.CreateStream(timeout(t), jetstream.StreamConfig{Name: "CONS", Subjects: []string{"cons.>"}, Retention: ret})
	if err != nil {
		t.Fatal(err)
	}
	// The consumer comes first: an interest stream keeps nothing nobody wants.
	cons, err := st.CreateOrUpdateConsumer(timeout(t), jetstream.ConsumerConfig{
		Durable: "D", AckPolicy: jetstream.AckExplicitPolicy, AckWait: consumerAckWait, MaxAckPending: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newSeen()
	publishBatch(t, js, s, backlog)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); publishUntil(js, s, stop) }()
	go func() { defer wg.Done(); consumeUntil(cons, s, stop) }()
	testutil.WaitFor(t, 10*time.Second, func() error {
		a, u, p := s.count(s.acked), s.count(s.unacked), s.count(s.published)
		if a < 500 || u < 150 || p < backlog+30 {
			return fmt.Errorf("%d acked, %d left unacked, %d published so far", a, u, p)
		}
		return nil
	})
	srv.kill() // mid-stream: publishes, fetches and acks are in flight
	nc.Close()
	close(stop)
	wg.Wait()
	if len(s.errs) > 0 {
		t.Fatalf("before the crash: %v", s.errs)
	}

	srv = startPetrel(t, bin, dir)
	_, js2 := connectJS(t, srv)
	st2, err := js2.Stream(timeout(t), "CONS")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	cons2, err := st2.Consumer(timeout(t), "D")
	if err != nil {
		t.Fatalf("consumer after restart: %v", err)
	}
	info, err := cons2.Info(timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	checkConsumerInfo(t, info, st2.CachedInfo().State, s)
	if ret != jetstream.LimitsPolicy {
		checkRemoved(t, st2, s)
	}
	redelivered := drain(t, cons2, s)
	checkRedelivery(t, s, redelivered)
	if ret != jetstream.LimitsPolicy {
		testutil.WaitFor(t, 5*time.Second, func() error {
			si, err := st2.Info(timeout(t))
			if err != nil {
				return err
			}
			if si.State.Msgs != 0 {
				return fmt.Errorf("%d messages left after every one was acked", si.State.Msgs)
			}
			return nil
		})
	}
	t.Logf("%d published, %d delivered, %d acked, %d unknown, %d unacked before the crash; %d delivered after; info %+v %+v pending %d ack pending %d",
		len(s.published), len(s.delivered), len(s.acked), len(s.unknown), len(s.unacked), len(redelivered),
		info.Delivered, info.AckFloor, info.NumPending, info.NumAckPending)
}

// publishBatch publishes n messages and waits for their acks.
func publishBatch(t *testing.T, js jetstream.JetStream, s *seen, n int) {
	t.Helper()
	futures := make([]jetstream.PubAckFuture, 0, n)
	for i := 0; i < n; i++ {
		f, err := js.PublishAsync("cons.a", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			s.mark(s.published, ack.Sequence)
		case err := <-f.Err():
			t.Fatal(err)
		case <-timeout(t).Done():
			t.Fatal("publish not acknowledged")
		}
	}
}

// publishUntil publishes one message at a time until stop is closed or
// the server is gone.
func publishUntil(js jetstream.JetStream, s *seen, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ack, err := js.Publish(ctx, "cons.b", []byte("y"))
		cancel()
		if errors.Is(err, nats.ErrConnectionClosed) {
			return
		}
		if err == nil {
			s.mark(s.published, ack.Sequence)
		}
	}
}

// consumeUntil fetches batches and AckSyncs every message but those
// leaveUnacked names, concurrently, until stop is closed.
func consumeUntil(c jetstream.Consumer, s *seen, stop <-chan struct{}) {
	var acks sync.WaitGroup
	defer acks.Wait()
	for {
		select {
		case <-stop:
			return
		default:
		}
		batch, err := c.Fetch(50, jetstream.FetchMaxWait(300*time.Millisecond))
		if errors.Is(err, nats.ErrConnectionClosed) {
			return
		}
		if err != nil {
			continue
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				continue
			}
			seq := meta.Sequence.Stream
			s.mu.Lock()
			if s.acked[seq] {
				s.errs = append(s.errs, fmt.Sprintf("acked message %d delivered again", seq))
			}
			s.delivered[seq] = true
			s.mu.Unlock()
			if leaveUnacked(seq) {
				s.mark(s.unacked, seq)
				continue
			}
			acks.Add(1)
			go func() {
				defer acks.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := m.DoubleAck(ctx); err != nil {
					s.mark(s.unknown, seq)
					return
				}
				s.mark(s.acked, seq)
			}()
		}
	}
}

// checkConsumerInfo compares the recovered consumer info with what the
// client saw before the crash.
func checkConsumerInfo(t *testing.T, info *jetstream.ConsumerInfo, state jetstream.StreamState, s *seen) {
	t.Helper()
	floor, last := info.AckFloor.Stream, info.Delivered.Stream
	var ackedInWindow, unackedDelivered uint64
	for seq := range s.unacked {
		if seq <= floor {
			t.Errorf("unacked message %d at or below the ack floor %d", seq, floor)
		}
		if seq <= last {
			unackedDelivered++
		}
	}
	for seq := range s.acked {
		if seq > last {
			t.Errorf("acked message %d beyond the stored delivered sequence %d", seq, last)
		}
		if seq > floor {
			ackedInWindow++
		}
	}
	if info.NumAckPending < int(unackedDelivered) {
		t.Errorf("num_ack_pending %d, but %d unacked messages at or below delivered %d", info.NumAckPending, unackedDelivered, last)
	}
	if most := last - floor - ackedInWindow; uint64(info.NumAckPending) > most {
		t.Errorf("num_ack_pending %d, but only %d messages between the ack floor %d and delivered %d are not acked",
			info.NumAckPending, most, floor, last)
	}
	if want := state.LastSeq - last; info.NumPending != want {
		t.Errorf("num_pending %d, want %d (last sequence %d, delivered %d)", info.NumPending, want, state.LastSeq, last)
	}
}

// checkRemoved reads every acked and unacked message of an interest or
// work-queue stream: the acked are gone, the unacked stored.
func checkRemoved(t *testing.T, st jetstream.Stream, s *seen) {
	t.Helper()
	for seq := range s.acked {
		if _, err := st.GetMsg(timeout(t), seq); !errors.Is(err, jetstream.ErrMsgNotFound) {
			t.Errorf("acked message %d: %v, want it removed", seq, err)
		}
	}
	for seq := range s.unacked {
		if _, err := st.GetMsg(timeout(t), seq); err != nil {
			t.Errorf("unacked message %d: %v, want it stored", seq, err)
		}
	}
}

// drain fetches and acks until the consumer has nothing pending or
// waiting for an ack and every unacked message came back, and returns
// the sequences delivered.
func drain(t *testing.T, c jetstream.Consumer, s *seen) map[uint64]bool {
	t.Helper()
	got := make(map[uint64]bool)
	testutil.WaitFor(t, 10*time.Second, func() error {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				return err
			}
			got[meta.Sequence.Stream] = true
			if err := m.Ack(); err != nil {
				return err
			}
		}
		for seq := range s.unacked {
			if !got[seq] {
				return fmt.Errorf("unacked message %d not delivered again yet", seq)
			}
		}
		info, err := c.Info(timeout(t))
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("%d pending, %d waiting for an ack", info.NumPending, info.NumAckPending)
		}
		return nil
	})
	return got
}

// checkRedelivery: no acked message came back; every published message
// whose ack was not confirmed did.
func checkRedelivery(t *testing.T, s *seen, redelivered map[uint64]bool) {
	t.Helper()
	var again, lost []uint64
	for seq := range redelivered {
		if s.acked[seq] {
			again = append(again, seq)
		}
	}
	for seq := range s.published {
		if !s.acked[seq] && !s.unknown[seq] && !redelivered[seq] {
			lost = append(lost, seq)
		}
	}
	slices.Sort(again)
	slices.Sort(lost)
	if len(again) > 0 {
		t.Errorf("%d acked messages delivered again after the restart: %v", len(again), head(again))
	}
	if len(lost) > 0 {
		t.Errorf("%d published, unacked messages never delivered after the restart: %v", len(lost), head(lost))
	}
}

func head(s []uint64) []uint64 { return s[:min(len(s), 20)] }
