package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestProfilerServesPprof(t *testing.T) {
	ln, err := startProfiler("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Fatalf("status %d, body %.200q", resp.StatusCode, body)
	}
}

func TestProfilerPortInUse(t *testing.T) {
	ln, err := startProfiler("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := startProfiler("127.0.0.1", ln.Addr().(*net.TCPAddr).Port); err == nil {
		t.Fatal("second profiler on the same port: no error")
	}
}
