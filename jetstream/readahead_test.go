package jetstream_test

import (
	"fmt"
	"slices"
	"testing"

	jsclient "github.com/nats-io/nats.go/jetstream"
)

// The tests here load a consumer's read-ahead with a first fetch, change
// the stream under it, and check the next fetches: nothing removed is
// delivered, nothing is skipped, the order holds.

// streamSeqs returns the stream sequences of msgs.
func streamSeqs(t *testing.T, msgs []jsclient.Msg) []uint64 {
	t.Helper()
	out := make([]uint64, len(msgs))
	for i, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = md.Sequence.Stream
	}
	return out
}

func seqRange(lo, hi uint64) []uint64 {
	var out []uint64
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

func wantStreamSeqs(t *testing.T, what string, msgs []jsclient.Msg, want ...uint64) {
	t.Helper()
	if got := streamSeqs(t, msgs); !slices.Equal(got, want) {
		t.Fatalf("%s: delivered %v; want %v", what, got, want)
	}
}

var storages = []jsclient.StorageType{jsclient.FileStorage, jsclient.MemoryStorage}

func TestReadAheadSkipsDeleted(t *testing.T) {
	for _, storage := range storages {
		for _, filter := range []string{"", "s.a", "s.*"} {
			t.Run(fmt.Sprintf("%v/%q", storage, filter), func(t *testing.T) {
				_, _, js := startJS(t, "")
				st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: storage})
				publishN(t, js, "s.a", 20)
				c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy, FilterSubject: filter})
				wantStreamSeqs(t, "first fetch", fetch(t, c, 1), 1)
				if err := st.DeleteMsg(ctx(t), 5); err != nil {
					t.Fatal(err)
				}
				if err := st.SecureDeleteMsg(ctx(t), 6); err != nil {
					t.Fatal(err)
				}
				wantStreamSeqs(t, "after deletes", fetch(t, c, 10), 2, 3, 4, 7, 8, 9, 10, 11, 12, 13)
				if err := st.DeleteMsg(ctx(t), 14); err != nil {
					t.Fatal(err)
				}
				wantStreamSeqs(t, "the rest", fetch(t, c, 6), 15, 16, 17, 18, 19, 20)
			})
		}
	}
}

func TestReadAheadPurge(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	publishN(t, js, "s.a", 20)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	wantStreamSeqs(t, "first fetch", fetch(t, c, 1), 1)
	if err := st.Purge(ctx(t), jsclient.WithPurgeSequence(10)); err != nil {
		t.Fatal(err)
	}
	wantStreamSeqs(t, "after purge below 10", fetch(t, c, 3), 10, 11, 12)
	if err := st.Purge(ctx(t)); err != nil {
		t.Fatal(err)
	}
	publishN(t, js, "s.a", 2)
	wantStreamSeqs(t, "after purge all", fetch(t, c, 2), 21, 22)
}

// TestReadAheadLimits: the stream drops its oldest messages (max_msgs,
// discard old) while the consumer holds them.
func TestReadAheadLimits(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}, MaxMsgs: 10})
	publishN(t, js, "s.a", 10)
	c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
	wantStreamSeqs(t, "first fetch", fetch(t, c, 1), 1)
	publishN(t, js, "s.a", 5)
	wantStreamSeqs(t, "after the limit dropped 1-5", fetch(t, c, 10), seqRange(6, 15)...)
}

func TestReadAheadFilterUpdate(t *testing.T) {
	_, _, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}})
	for range 10 {
		publishN(t, js, "s.a", 1)
		publishN(t, js, "s.b", 1)
	}
	cfg := jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy, FilterSubject: "s.a"}
	c := mustConsumer(t, st, cfg)
	wantStreamSeqs(t, "s.a", fetch(t, c, 2), 1, 3)
	cfg.FilterSubject = "s.b"
	c, err := st.UpdateConsumer(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantStreamSeqs(t, "s.b", fetch(t, c, 3), 4, 6, 8)
}

// TestReadAheadWorkQueue: a work queue removes each message its consumer
// acks, just behind the consumer's read-ahead; every message arrives once,
// in order.
func TestReadAheadWorkQueue(t *testing.T) {
	for _, storage := range storages {
		t.Run(storage.String(), func(t *testing.T) {
			_, _, js := startJS(t, "")
			st := mustCreate(t, js, jsclient.StreamConfig{
				Name: "S", Subjects: []string{"s.>"}, Retention: jsclient.WorkQueuePolicy, Storage: storage,
			})
			publishN(t, js, "s.a", 300)
			c := mustConsumer(t, st, jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy})
			var got []jsclient.Msg
			for len(got) < 300 {
				msgs := fetch(t, c, min(7, 300-len(got)))
				if len(msgs) == 0 {
					t.Fatalf("no messages after %d", len(got))
				}
				for _, m := range msgs {
					if err := m.DoubleAck(ctx(t)); err != nil {
						t.Fatal(err)
					}
				}
				got = append(got, msgs...)
			}
			wantStreamSeqs(t, "work queue", got, seqRange(1, 300)...)
			if info, err := st.Info(ctx(t)); err != nil || info.State.Msgs != 0 {
				t.Fatalf("stream after acks: %+v, %v", info, err)
			}
		})
	}
}

// TestReadAheadFilters: a consumer with several filters keeps a buffer per
// filter; deliveries interleave in stream order, deletes under any buffer
// are honoured, messages published after a load still come, and a filter
// added by an update is read from the consumer's position.
func TestReadAheadFilters(t *testing.T) {
	for _, storage := range storages {
		t.Run(storage.String(), func(t *testing.T) {
			_, _, js := startJS(t, "")
			st := mustCreate(t, js, jsclient.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: storage})
			for range 10 {
				publishN(t, js, "s.a", 1) // odd sequences
				publishN(t, js, "s.b", 1) // even
				publishN(t, js, "s.c", 1)
			}
			// s.a at 1,4,7,...; s.b at 2,5,8,...; s.c at 3,6,9,...
			cfg := jsclient.ConsumerConfig{Durable: "D", AckPolicy: jsclient.AckExplicitPolicy, FilterSubjects: []string{"s.a", "s.b"}}
			c := mustConsumer(t, st, cfg)
			wantStreamSeqs(t, "first fetch", fetch(t, c, 3), 1, 2, 4)
			for _, seq := range []uint64{5, 7} {
				if err := st.DeleteMsg(ctx(t), seq); err != nil {
					t.Fatal(err)
				}
			}
			wantStreamSeqs(t, "after deletes", fetch(t, c, 4), 8, 10, 11, 13)
			cfg.FilterSubjects = []string{"s.a", "s.b", "s.c"}
			c, err := st.UpdateConsumer(ctx(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			wantStreamSeqs(t, "three filters", fetch(t, c, 4), 14, 15, 16, 17)
			publishN(t, js, "s.c", 1) // 31
			publishN(t, js, "s.b", 1) // 32
			wantStreamSeqs(t, "the rest", fetch(t, c, 15), seqRange(18, 32)...)
		})
	}
}
