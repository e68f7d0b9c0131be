package monitor

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/server"
)

// Endpoint paths, as nats-server names them.
const (
	RootPath     = "/"
	VarzPath     = "/varz"
	ConnzPath    = "/connz"
	SubszPath    = "/subsz"
	AccountzPath = "/accountz"
	RoutezPath   = "/routez"
	JszPath      = "/jsz"
	HealthzPath  = "/healthz"
	StackszPath  = "/stacksz"
	MetricsPath  = "/metrics"
)

type endpoint struct {
	path, about string
	handler     func(*Monitor, http.ResponseWriter, *http.Request)
}

// endpoints are the monitor's pages, in the order the index lists them.
func endpoints() []endpoint {
	return []endpoint{
		{RootPath, "this index", (*Monitor).handleRoot},
		{VarzPath, "server identity, configuration and counters", (*Monitor).handleVarz},
		{ConnzPath, "client connections, open and recently closed", (*Monitor).handleConnz},
		{SubszPath, "subscriptions and the subject routing cache", (*Monitor).handleSubsz},
		{AccountzPath, "accounts", (*Monitor).handleAccountz},
		{RoutezPath, "routes to cluster peers", (*Monitor).handleRoutez},
		{JszPath, "JetStream usage", (*Monitor).handleJsz},
		{HealthzPath, "health check for probes", (*Monitor).handleHealthz},
		{StackszPath, "goroutine stacks", (*Monitor).handleStacksz},
		{MetricsPath, "Prometheus metrics", (*Monitor).handleMetrics},
	}
}

// routes builds the handler serving every endpoint, each counted in
// /varz http_req_stats and petrel_http_requests_total.
func (m *Monitor) routes() http.Handler {
	mux := http.NewServeMux()
	for _, e := range endpoints() {
		pattern := e.path
		if pattern == RootPath {
			pattern = "/{$}" // the index only, not every unknown path
		}
		count, handle := m.reqs[e.path], e.handler
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			count.Add(1)
			handle(m, w, r)
		})
	}
	return mux
}

// requestCounts reads the per-path request counters.
func (m *Monitor) requestCounts() map[string]uint64 {
	out := make(map[string]uint64, len(m.reqs))
	for path, n := range m.reqs {
		out[path] = n.Load()
	}
	return out
}

// validCallback matches a JSONP callback name: a JavaScript identifier
// path, so a callback cannot inject script.
var validCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)

// writeJSON answers with v as indented JSON, or as JSONP when the request
// names a ?callback=.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	cb := r.URL.Query().Get("callback")
	if cb == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write(b)
		return
	}
	if !validCallback.MatchString(cb) {
		badRequest(w, "invalid callback name %q", cb)
		return
	}
	w.Header().Set("Content-Type", "application/javascript")
	w.WriteHeader(code)
	fmt.Fprintf(w, "%s(%s)", cb, b)
}

// badRequest answers 400 with a plain-text message.
func badRequest(w http.ResponseWriter, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, format, args...)
}

// query reads typed query parameters, keeping the first error.
type query struct {
	v   url.Values
	err error
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

// str is the parameter's value, "" when absent.
func (q *query) str(name string) string { return q.v.Get(name) }

// int parses a non-negative integer parameter; def when absent.
func (q *query) int(name string, def int) int {
	s := q.v.Get(name)
	if s == "" || q.err != nil {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		q.err = fmt.Errorf("invalid value %q for %q: want a non-negative integer", s, name)
		return def
	}
	return n
}

// uint64 parses an unsigned integer parameter; 0 when absent.
func (q *query) uint64(name string) uint64 {
	s := q.v.Get(name)
	if s == "" || q.err != nil {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		q.err = fmt.Errorf("invalid value %q for %q: want an unsigned integer", s, name)
	}
	return n
}

// bool parses a boolean parameter (1, true, 0, false...); false when absent.
func (q *query) bool(name string) bool {
	s := q.v.Get(name)
	if s == "" || q.err != nil {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.err = fmt.Errorf("invalid value %q for %q: want a boolean", s, name)
	}
	return b
}

// oneOf checks a parameter against its allowed values; def when absent.
func (q *query) oneOf(name, def string, allowed ...string) string {
	s := q.v.Get(name)
	if s == "" || q.err != nil {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.err = fmt.Errorf("invalid value %q for %q: want one of %s", s, name, strings.Join(allowed, ", "))
	return def
}

// page bounds a slice of n items to offset and limit.
func page(n, offset, limit int) (lo, hi int) {
	lo = min(offset, n)
	return lo, lo + min(limit, n-lo)
}

func (m *Monitor) handleRoot(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>petrel monitoring</title></head><body>\n")
	fmt.Fprintf(&b, "<h1>petrel %s</h1>\n<p>server %s</p>\n<ul>\n",
		html.EscapeString(server.Version), html.EscapeString(m.srv.Name()))
	for _, e := range endpoints()[1:] {
		fmt.Fprintf(&b, "<li><a href=\".%s\">%s</a> &mdash; %s</li>\n", e.path, e.path, html.EscapeString(e.about))
	}
	b.WriteString("</ul>\n</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(b.String()))
}

// handleStacksz writes every goroutine's stack as text.
func (m *Monitor) handleStacksz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	pprof.Lookup("goroutine").WriteTo(w, 2)
}
