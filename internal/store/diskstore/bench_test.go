package diskstore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// BenchmarkAppend appends 128-byte messages on the real filesystem in sync-
// always mode, in batches of 1 and 100. "serial" waits for each batch
// before the next; "pipelined" keeps up to 8 batches syncing behind the
// one being written, as a stream's ingest loop does.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100} {
		for _, depth := range []int{1, 8} {
			name := fmt.Sprintf("batch=%d/serial", batch)
			if depth > 1 {
				name = fmt.Sprintf("batch=%d/pipelined", batch)
			}
			b.Run(name, func(b *testing.B) { benchAppend(b, batch, depth) })
		}
	}
}

func benchAppend(b *testing.B, batch, depth int) {
	db := mustOpen(b, b.TempDir(), &Options{Logger: quiet{b}})
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	es := make([]store.Entry, batch)
	data := make([]byte, 128)
	inflight := make(chan store.Commit, depth)
	wait := func() {
		if err := (<-inflight).Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(128 * batch))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range es {
			es[j] = store.Entry{Subject: "bench.orders", Data: data}
		}
		c, err := s.Append(es, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(inflight) == depth {
			wait()
		}
		inflight <- c
	}
	for len(inflight) > 0 {
		wait()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkLoadLastBySubject is the KV Get: the newest message of one of
// 10,000 keys, each with a history of 3.
func BenchmarkLoadLastBySubject(b *testing.B) {
	db := mustOpen(b, b.TempDir(), &Options{Logger: quiet{b}})
	defer db.Close()
	s, err := db.OpenStream(store.Config{Name: "kv", MaxMsgsPerSubject: 3})
	if err != nil {
		b.Fatal(err)
	}
	const keys = 10000
	subjects := make([]string, keys)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("$KV.bucket.key%d", i)
	}
	for round := range 4 {
		es := make([]store.Entry, keys)
		for i, subj := range subjects {
			es[i] = store.Entry{Subject: subj, Data: fmt.Appendf(nil, "value-%d-%d", i, round)}
		}
		appendWait(b, s, es...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.LoadLastMsg(subjects[rng.IntN(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}
