package monitor

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreMetrics are the store's group-commit histograms: how many messages
// each committed batch carried, and how long its sync took. The store
// (through petrel.NewServer) calls ObserveCommit once per batch; nil is a
// valid *StoreMetrics that records nothing.
type StoreMetrics struct {
	batch prometheus.Histogram
	sync  prometheus.Histogram
}

func newStoreMetrics() *StoreMetrics {
	return &StoreMetrics{
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "store_commit_batch_messages",
			Help:    "Messages per group-commit batch written by the store.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 13), // 1 .. 4096
		}),
		sync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "store_sync_seconds",
			Help:    "Time to sync one group-commit batch to disk.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16), // 50µs .. 1.6s
		}),
	}
}

// ObserveCommit records one committed batch of msgs messages whose sync
// took d (0 when the batch was not synced).
func (sm *StoreMetrics) ObserveCommit(msgs int, d time.Duration) {
	if sm == nil {
		return
	}
	sm.batch.Observe(float64(msgs))
	if d > 0 {
		sm.sync.Observe(d.Seconds())
	}
}

// StoreMetrics returns the histograms the store reports its group commits
// to; they are served on /metrics.
func (m *Monitor) StoreMetrics() *StoreMetrics { return m.store }
