package monitor

import (
	"net/http"
	"time"

	"github.com/petrelmq/petrel/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsNamespace prefixes every petrel metric.
const metricsNamespace = "petrel"

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(metricsNamespace+"_"+name, help, labels, nil)
}

// Server metrics, read from the server's counters on each scrape.
var (
	descInfo          = newDesc("server_info", "Server identity; always 1.", "version", "feature_level", "server_id", "server_name")
	descConns         = newDesc("connections", "Open client connections.")
	descConnsTotal    = newDesc("connections_total", "Client connections accepted since start.")
	descSubs          = newDesc("subscriptions", "Subscriptions in all accounts.")
	descInMsgs        = newDesc("in_msgs_total", "Messages received from clients.")
	descOutMsgs       = newDesc("out_msgs_total", "Messages delivered to clients.")
	descInBytes       = newDesc("in_bytes_total", "Payload bytes received from clients.")
	descOutBytes      = newDesc("out_bytes_total", "Payload bytes delivered to clients.")
	descSlow          = newDesc("slow_consumers_total", "Clients cut off as slow consumers.")
	descUptime        = newDesc("uptime_seconds", "Seconds since the server started.")
	descAccountConns  = newDesc("account_connections", "Open client connections of an account.", "account")
	descAccountSubs   = newDesc("account_subscriptions", "Subscriptions of an account.", "account")
	descHTTPRequests  = newDesc("http_requests_total", "Monitoring HTTP requests, by endpoint path.", "path")
	serverMetricDescs = []*prometheus.Desc{
		descInfo, descConns, descConnsTotal, descSubs, descInMsgs, descOutMsgs, descInBytes,
		descOutBytes, descSlow, descUptime, descAccountConns, descAccountSubs, descHTTPRequests,
	}
)

// collector reports the server's state on each scrape; it reads the same
// snapshots /varz does and never touches the message path.
type collector struct{ m *Monitor }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range serverMetricDescs {
		ch <- d
	}
	for _, d := range jetStreamMetricDescs {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.collectServer(ch)
	c.collectAccounts(ch)
	for path, n := range c.m.requestCounts() {
		ch <- counter(descHTTPRequests, float64(n), path)
	}
	c.collectJetStream(ch)
}

func (c collector) collectServer(ch chan<- prometheus.Metric) {
	s := c.m.srv
	st := s.Stats()
	ch <- gauge(descInfo, 1, server.Version, server.FeatureLevel, s.ID(), s.Name())
	ch <- gauge(descConns, float64(st.Connections))
	ch <- counter(descConnsTotal, float64(st.TotalConnections))
	ch <- gauge(descSubs, float64(st.Subscriptions))
	ch <- counter(descInMsgs, float64(st.InMsgs))
	ch <- counter(descOutMsgs, float64(st.OutMsgs))
	ch <- counter(descInBytes, float64(st.InBytes))
	ch <- counter(descOutBytes, float64(st.OutBytes))
	ch <- counter(descSlow, float64(st.SlowConsumers))
	ch <- gauge(descUptime, time.Since(s.StartTime()).Seconds())
}

func (c collector) collectAccounts(ch chan<- prometheus.Metric) {
	for _, a := range c.m.srv.Accounts() {
		ch <- gauge(descAccountConns, float64(a.NumConnections()), a.Name)
		ch <- gauge(descAccountSubs, float64(a.Sublist().Count()), a.Name)
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

// registerMetrics fills the registry: petrel's collector, the store
// histograms, the Go runtime and process collectors, and Options.Collectors.
func (m *Monitor) registerMetrics() error {
	cs := []prometheus.Collector{
		collector{m},
		m.store.batch, m.store.sync,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range append(cs, m.opts.Collectors...) {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	m.metrics = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return nil
}

func (m *Monitor) handleMetrics(w http.ResponseWriter, r *http.Request) {
	m.metrics.ServeHTTP(w, r)
}
