//go:build unix

package main

import (
	"os"
	"syscall"

	"github.com/petrelmq/petrel/server"
)

// signalCommands are the --signal commands, as nats-server names them.
var signalCommands = map[string]os.Signal{
	"stop":   syscall.SIGKILL, // immediate, no cleanup
	"quit":   syscall.SIGINT,  // graceful shutdown
	"term":   syscall.SIGTERM, // graceful shutdown
	"reopen": syscall.SIGUSR1, // reopen the log file
	"reload": syscall.SIGHUP,  // reload the configuration
	"ldm":    syscall.SIGUSR2, // lame duck mode, then shutdown
}

const signalNames = "stop, quit, term, reopen, reload, ldm"

// handledSignals are those a running server acts on. SIGQUIT is left to
// the Go runtime: it exits with a dump of every goroutine's stack.
var handledSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP}

var signalNamesByValue = map[os.Signal]string{
	syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGUSR1: "SIGUSR1",
	syscall.SIGUSR2: "SIGUSR2", syscall.SIGHUP: "SIGHUP",
}

func onSignal(s *server.Server, sig os.Signal, reload func() error) {
	log := s.Logger()
	name := signalNamesByValue[sig]
	switch sig {
	case syscall.SIGINT, syscall.SIGTERM:
		log.Noticef("Received %s, shutting down", name)
		go s.Shutdown()
	case syscall.SIGUSR2:
		log.Noticef("Received %s, entering lame duck mode", name)
		go s.LameDuck()
	case syscall.SIGHUP:
		log.Noticef("Received %s, reloading the configuration", name)
		if err := reload(); err != nil {
			log.Errorf("Failed to reload server configuration: %v; the server keeps its running configuration", err)
			return
		}
		log.Noticef("Reloaded server configuration")
	case syscall.SIGUSR1:
		log.Noticef("Received %s: log file reopening is not supported yet; nothing to do", name)
	}
}
