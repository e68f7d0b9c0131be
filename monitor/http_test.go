package monitor_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestBadQueryParameters(t *testing.T) {
	_, url := runMonitored(t, nil)
	for _, q := range []string{
		"/connz?limit=abc",
		"/connz?limit=-1",
		"/connz?offset=x",
		"/connz?sort=bogus",
		"/connz?state=weird",
		"/connz?sort=stop", // stop and reason sort closed connections only
		"/connz?sort=reason&state=open",
		"/connz?cid=-3",
		"/connz?subs=maybe",
		"/connz?auth=sometimes",
		"/subsz?subs=lots",
		"/subsz?limit=1e3",
		"/subsz?test=foo.*", // a test subject is a publish subject
		"/subsz?test=foo..bar",
		"/subsz?acc=nobody",
		"/jsz?accounts=nah",
		"/jsz?offset=-5",
		"/healthz?js-enabled-only=perhaps",
		"/healthz?js-server-only=2",
		"/varz?callback=alert(1)",
	} {
		code, body, h := get(t, url+q)
		if code != http.StatusBadRequest || body == "" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q (%s), want 400 with a message", q, code, body, h.Get("Content-Type"))
		}
	}
}

func TestJSONPAndHeaders(t *testing.T) {
	_, url := runMonitored(t, nil)
	code, body, h := get(t, url+"/varz?callback=show.varz")
	if code != 200 || h.Get("Content-Type") != "application/javascript" || !strings.HasPrefix(body, "show.varz({") || !strings.HasSuffix(body, "})") {
		t.Fatalf("jsonp: %d %s %.40q", code, h.Get("Content-Type"), body)
	}
	for _, path := range []string{"/varz", "/connz", "/subsz", "/accountz", "/routez", "/jsz", "/healthz"} {
		code, _, h := get(t, url+path)
		if code != 200 || h.Get("Content-Type") != "application/json" || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d %v", path, code, h)
		}
	}
}

func TestIndexStackszAndUnknownPaths(t *testing.T) {
	_, url := runMonitored(t, nil)
	code, body, _ := get(t, url+"/")
	for _, path := range []string{"/varz", "/connz", "/subsz", "/accountz", "/routez", "/jsz", "/healthz", "/stacksz", "/metrics"} {
		if !strings.Contains(body, `href=".`+path+`"`) {
			t.Errorf("index lacks %s: %s", path, body)
		}
	}
	if code != 200 {
		t.Fatalf("index: %d", code)
	}
	code, body, h := get(t, url+"/stacksz")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || !strings.Contains(body, "goroutine ") {
		t.Fatalf("stacksz: %d %s %.80q", code, h.Get("Content-Type"), body)
	}
	if code, _, _ := get(t, url+"/nothing-here"); code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", code)
	}
}
