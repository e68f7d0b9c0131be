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

// NewServer builds a server with every service its options enable.
func NewServer(o *server.Options) (*server.Server, error) {
	s, err := server.New(o)
	if err != nil {
		return nil, err
	}
	if s.Options().JetStream {
		s.AddService(jetstream.New())
	}
	if s.Options().HTTPPort != 0 {
		// JetStream, once wired, is handed over as monitor.Options.JetStream.
		s.AddService(monitor.New(monitor.Options{}))
	}
	return s, nil
}
