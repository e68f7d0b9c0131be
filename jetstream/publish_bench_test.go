package jetstream_test

import (
	"context"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// BenchmarkSyncPublish is a lone publisher waiting for each PubAck: the
// latency of the ingest path. "memory" stores in a memory stream; "file"
// in a file stream of a server in sync_interval mode (no fsync per ack).
func BenchmarkSyncPublish(b *testing.B) {
	for _, storage := range []jsclient.StorageType{jsclient.MemoryStorage, jsclient.FileStorage} {
		b.Run(storage.String(), func(b *testing.B) {
			opts := &server.Options{JetStream: true, SyncInterval: 2 * time.Minute}
			s := testutil.RunServer(b, opts)
			js, err := jsclient.New(testutil.Connect(b, s))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := js.CreateStream(ctx, jsclient.StreamConfig{Name: "P", Subjects: []string{"p"}, Storage: storage}); err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, 128)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := js.Publish(ctx, "p", payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
