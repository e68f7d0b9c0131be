package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
)

// startProfiler serves Go's pprof handlers (/debug/pprof/...) on
// host:port, as nats-server's --profile and prof_port do. It returns the
// listener so the caller can close it; the server is only for operators
// looking at a running process, never started by default.
func startProfiler(host string, port int) (net.Listener, error) {
	if host == "" {
		host = "0.0.0.0"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("profiling port: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
	return ln, nil
}
