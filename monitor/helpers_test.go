package monitor_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// runMonitored starts a server with monitoring on a random port and
// returns it with the monitor's base URL.
// sysImportSubs counts the subscriptions every account other than the
// system account holds for the system requests it may make (USER.INFO,
// two CONNZ, STATZ: accreq.go), as nats-server's system imports do.
const sysImportSubs = 4

func runMonitored(t *testing.T, opts *server.Options) (*server.Server, string) {
	t.Helper()
	if opts == nil {
		opts = &server.Options{}
	}
	opts.HTTPPort = server.RandomPort
	s := testutil.RunServer(t, opts)
	m := monitor.Lookup(s)
	if m == nil {
		t.Fatal("no monitor registered with HTTPPort set")
	}
	return s, m.URL()
}

// httpClient bounds every request a test makes.
var httpClient = http.Client{Timeout: 10 * time.Second}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// getJSON fetches url, expects 200 with a JSON body and decodes it into a T.
func getJSON[T any](t *testing.T, url string) T {
	t.Helper()
	var v T
	if err := fetchJSON(t, url, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func fetchJSON(t *testing.T, url string, v any) error {
	t.Helper()
	code, body, h := get(t, url)
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", url, code, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("GET %s: content type %q", url, ct)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return fmt.Errorf("GET %s: %v in %s", url, err, body)
	}
	return nil
}

// traffic publishes n messages of size bytes from a client named "pub" to
// a subscriber named "sub" on subject, and waits until all arrived.
func traffic(t *testing.T, s *server.Server, subject string, n, size int) {
	t.Helper()
	sub := testutil.Connect(t, s, nats.Name("sub"))
	ss, err := sub.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	sub.Flush()
	pub := testutil.Connect(t, s, nats.Name("pub"))
	payload := []byte(strings.Repeat("x", size))
	for range n {
		if err := pub.Publish(subject, payload); err != nil {
			t.Fatal(err)
		}
	}
	pub.Flush()
	for i := range n {
		if _, err := ss.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

// connByName finds the connection named name in c.
func connByName(c *monitor.Connz, name string) *monitor.ConnInfo {
	for _, ci := range c.Conns {
		if ci.Name == name {
			return ci
		}
	}
	return nil
}
