package monitor_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body, h := get(t, url+"/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", code, h.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return families
}

// value finds the sample of family name whose labels include want
// (label=value pairs), and returns its counter, gauge or histogram count.
func value(families map[string]*dto.MetricFamily, name string, want ...string) (float64, error) {
	f, ok := families[name]
	if !ok {
		return 0, fmt.Errorf("no metric %s", name)
	}
	for _, m := range f.GetMetric() {
		if hasLabels(m, want) {
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), nil
			case m.Gauge != nil:
				return m.Gauge.GetValue(), nil
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), nil
			}
		}
	}
	return 0, fmt.Errorf("no %s sample with labels %v", name, want)
}

func hasLabels(m *dto.Metric, want []string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for _, kv := range want {
		k, v, _ := strings.Cut(kv, "=")
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestMetricsCountTraffic(t *testing.T) {
	s, url := runMonitored(t, &server.Options{ServerName: "metrics"})
	const n, size = 30, 50
	base := float64(s.Stats().Subscriptions) // the system request services' own
	traffic(t, s, "metered", n, size)
	want := map[string]float64{
		"petrel_in_msgs_total":         n,
		"petrel_out_msgs_total":        n,
		"petrel_in_bytes_total":        n * size,
		"petrel_out_bytes_total":       n * size,
		"petrel_connections":           2,
		"petrel_connections_total":     2,
		"petrel_subscriptions":         base + 1,
		"petrel_slow_consumers_total":  0,
		"petrel_account_connections":   2, // with account=$G below
		"petrel_account_subscriptions": 1 + sysImportSubs,
	}
	var families map[string]*dto.MetricFamily
	testutil.WaitFor(t, 5*time.Second, func() error {
		families = scrape(t, url)
		for name, w := range want {
			var labels []string
			if strings.HasPrefix(name, "petrel_account_") {
				labels = []string{"account=" + server.GlobalAccountName}
			}
			got, err := value(families, name, labels...)
			if err != nil {
				return err
			}
			if got != w {
				return fmt.Errorf("%s = %v, want %v", name, got, w)
			}
		}
		return nil
	})
	info := []string{"version=" + server.Version, "feature_level=" + server.FeatureLevel, "server_id=" + s.ID(), "server_name=metrics"}
	if v, err := value(families, "petrel_server_info", info...); err != nil || v != 1 {
		t.Errorf("server_info: %v %v", v, err)
	}
	if v, err := value(families, "petrel_uptime_seconds"); err != nil || v <= 0 {
		t.Errorf("uptime: %v %v", v, err)
	}
	if _, err := value(families, "petrel_http_requests_total", "path=/metrics"); err != nil {
		t.Error(err)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "petrel_store_sync_seconds"} {
		if _, ok := families[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	for name := range families {
		if strings.HasPrefix(name, "petrel_stream_") || strings.HasPrefix(name, "petrel_jetstream_") {
			t.Errorf("%s reported with JetStream off", name)
		}
	}
}

func TestMetricsJetStreamAndStore(t *testing.T) {
	engine := &fakeJetStream{}
	s, url := runWithEngine(t, engine)
	monitor.Lookup(s).StoreMetrics().ObserveCommit(8, 2*time.Millisecond)
	monitor.Lookup(s).StoreMetrics().ObserveCommit(3, 0) // unsynced: no sync sample
	families := scrape(t, url)
	stream := []string{"account=$G", "stream=ORDERS"}
	consumer := append(stream, "consumer=ship")
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"petrel_jetstream_streams", nil, 1},
		{"petrel_jetstream_messages", nil, 7},
		{"petrel_jetstream_storage_bytes", nil, 700},
		{"petrel_jetstream_api_requests_total", nil, 12},
		{"petrel_jetstream_api_errors_total", nil, 2},
		{"petrel_jetstream_api_type_requests_total", []string{"type=STREAM.INFO"}, 10},
		{"petrel_jetstream_api_type_errors_total", []string{"type=STREAM.CREATE"}, 1},
		{"petrel_stream_messages", stream, 7},
		{"petrel_stream_bytes", stream, 700},
		{"petrel_stream_first_seq", stream, 3},
		{"petrel_stream_last_seq", stream, 9},
		{"petrel_stream_consumers", stream, 1},
		{"petrel_consumer_pending", consumer, 4},
		{"petrel_consumer_ack_pending", consumer, 2},
		{"petrel_consumer_redelivered", consumer, 1},
		{"petrel_consumer_waiting", consumer, 3},
		{"petrel_store_commit_batch_messages", nil, 2},
		{"petrel_store_sync_seconds", nil, 1},
	}
	for _, c := range checks {
		if got, err := value(families, c.name, c.labels...); err != nil || got != c.want {
			t.Errorf("%s%v = %v (%v), want %v", c.name, c.labels, got, err, c.want)
		}
	}
	if sum := families["petrel_store_commit_batch_messages"].GetMetric()[0].GetHistogram().GetSampleSum(); sum != 11 {
		t.Errorf("batch sizes sum to %v, want 11", sum)
	}
}
