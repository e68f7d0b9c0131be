// Package petrel assembles a complete petrel server from its parts: the
// core (package server) and the services that ride on it, JetStream and
// monitoring, each switched on by server.Options. Programs that embed
// petrel and the petrel binary both start here:
//
//	s, err := petrel.NewServer(&server.Options{JetStream: true, StoreDir: dir})
//	if err != nil { ... }
//	if err := s.Start(); err != nil { ... }
//	defer s.Shutdown()
package petrel

import (
	"github.com/petrelmq/petrel/jetstream"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// NewServer builds a server with every service its options enable. With
// both JetStream and HTTPPort, the monitor reads the JetStream engine
// (/jsz, /healthz, /metrics) and the engine reports its group commits to
// the monitor's store histograms. The $SYS.REQ.SERVER request services
// run in the system account whether or not HTTPPort is set.
func NewServer(o *server.Options) (*server.Server, error) {
	s, err := server.New(o)
	if err != nil {
		return nil, err
	}
	var js *jetstream.Service
	if s.Options().JetStream {
		js = jetstream.New()
		s.AddService(js)
	}
	m := monitor.New(monitor.Options{JetStream: monitor.JetStreamEngine(js)})
	if s.Options().HTTPPort != 0 {
		if js != nil {
			js.SetCommitObserver(m.StoreMetrics().ObserveCommit)
		}
		s.AddService(m)
	}
	// The system account request services ($SYS.REQ.SERVER...) run always:
	// they answer in-process and open no listener.
	s.AddService(monitor.NewSysRequests(m))
	return s, nil
}
