package monitor

import (
	"errors"
	"net/http"
)

// HealthStatus is the /healthz document.
type HealthStatus struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// HealthzOptions narrow the health check.
type HealthzOptions struct {
	// JSEnabledOnly checks that JetStream, when configured, runs, but not
	// its streams and consumers ("js-enabled-only"; "js-enabled" is the
	// deprecated spelling).
	JSEnabledOnly bool
	// JSServerOnly checks only the server itself, not JetStream ("js-server-only").
	JSServerOnly bool
}

// Health errors.
var (
	errShuttingDown  = errors.New("server is shutting down")
	errNotReady      = errors.New("server not ready for connections")
	errJSNotEnabled  = errors.New("JetStream not enabled")
	statusOK         = HealthStatus{Status: "ok"}
	statusNotHealthy = "unavailable"
)

func (m *Monitor) handleHealthz(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	enabledOnly, deprecated := q.bool("js-enabled-only"), q.bool("js-enabled")
	opts := HealthzOptions{
		JSEnabledOnly: enabledOnly || deprecated,
		JSServerOnly:  q.bool("js-server-only"),
	}
	if q.err != nil {
		badRequest(w, "%v", q.err)
		return
	}
	if err := m.Healthz(opts); err != nil {
		writeJSON(w, r, http.StatusServiceUnavailable, HealthStatus{Status: statusNotHealthy, Error: err.Error()})
		return
	}
	writeJSON(w, r, http.StatusOK, statusOK)
}

// Healthz returns nil when the server is healthy, else why not: it is
// starting or shutting down (lame duck included), or JetStream is
// configured but Options.JetStream reports no engine, or the engine
// reports itself not healthy. Without an Options.JetStream hook only the
// server is checked.
func (m *Monitor) Healthz(opts HealthzOptions) error {
	switch {
	case m.closing.Load() || m.srv.ShuttingDown():
		return errShuttingDown
	case !m.srv.Ready():
		return errNotReady
	case opts.JSServerOnly || !m.srv.Options().JetStream:
		return nil
	}
	if m.opts.JetStream == nil {
		// Nothing to ask: the engine started with the server (a failure
		// would have stopped Start), so a ready server has it running.
		return nil
	}
	js := m.jetStream()
	if js == nil {
		return errJSNotEnabled
	}
	return js.Healthz(!opts.JSEnabledOnly)
}
