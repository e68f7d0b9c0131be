package jetstream_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// BenchmarkWorkQueueConsume drains a file work-queue stream of b.N
// messages through a durable pull consumer with explicit acks, fetching
// 256 at a time: "ack" acks each message without waiting, "acksync" acks
// each batch's messages concurrently, each waiting for the server's reply.
// The clock stops once the stream is empty: each ack removed its message.
func BenchmarkWorkQueueConsume(b *testing.B) {
	for _, mode := range []string{"ack", "acksync"} {
		b.Run(mode, func(b *testing.B) { benchWorkQueue(b, mode == "acksync") })
	}
}

func benchWorkQueue(b *testing.B, waitReply bool) {
	s := testutil.RunServer(b, &server.Options{JetStream: true})
	nc := testutil.Connect(b, s)
	js, err := jsclient.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := js.CreateStream(bctx, jsclient.StreamConfig{Name: "WQ", Subjects: []string{"wq"}, Retention: jsclient.WorkQueuePolicy})
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 128)
	for i := 0; i < b.N; i++ {
		if _, err := js.PublishAsync("wq", payload); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-bctx.Done():
		b.Fatal("publishes not acknowledged")
	}
	c, err := st.CreateOrUpdateConsumer(bctx, jsclient.ConsumerConfig{Durable: "W", AckPolicy: jsclient.AckExplicitPolicy, MaxAckPending: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for got := 0; got < b.N; {
		batch, err := c.Fetch(min(256, b.N-got), jsclient.FetchMaxWait(5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		for m := range batch.Messages() {
			got++
			if !waitReply {
				if err := m.Ack(); err != nil {
					b.Fatal(err)
				}
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := m.DoubleAck(bctx); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	testutil.WaitFor(b, time.Minute, func() error {
		si, err := st.Info(bctx)
		if err != nil {
			return err
		}
		if si.State.Msgs != 0 {
			return fmt.Errorf("%d messages left", si.State.Msgs)
		}
		return nil
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
