//go:build !unix

package main

import (
	"os"

	"github.com/petrelmq/petrel/server"
)

// signalCommands are the --signal commands this platform can deliver.
var signalCommands = map[string]os.Signal{
	"stop": os.Kill,
	"quit": os.Kill,
	"term": os.Kill,
}

const signalNames = "stop, quit, term"

var handledSignals = []os.Signal{os.Interrupt}

func onSignal(s *server.Server, sig os.Signal, _ func() error) {
	s.Logger().Noticef("Received %v, shutting down", sig)
	go s.Shutdown()
}
