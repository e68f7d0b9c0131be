package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/petrelmq/petrel"
	"github.com/petrelmq/petrel/server"
)

// run is the whole program: it returns the exit status. Errors before the
// server runs go to stderr as one line "petrel: ..." and exit with 1.
func run(args []string, stdout, stderr io.Writer) int {
	fl, err := parseFlags(args)
	if err != nil {
		return fail(stderr, fmt.Errorf("%w\nRun 'petrel --help' for the flags", err))
	}
	switch {
	case fl.help:
		fmt.Fprint(stdout, usage)
		return 0
	case fl.version:
		// nats-server's own form first: client test harnesses (nats.c's
		// NATS_TEST_SERVER_VERSION="$(nats-server -v)", for one) read the
		// server version from the "v" after the first space, and a
		// "version " earlier in the line would be taken instead.
		fmt.Fprintf(stdout, "nats-server: v%s (petrel %s)\n", server.FeatureLevel, server.Version)
		return 0
	case fl.signal != "":
		return exitStatus(stderr, sendSignal(fl.signal, pidFileFor(fl)))
	}
	rc, err := buildOptions(fl)
	if err != nil {
		return fail(stderr, err)
	}
	if fl.testConfig {
		fmt.Fprintf(stdout, "petrel: configuration file %s test is successful\n", fl.config)
		return 0
	}
	return exitStatus(stderr, serve(fl, rc))
}

// pidFileFor is the pid file --signal uses without an explicit target:
// -P, else the config file's pid_file.
func pidFileFor(fl *cliFlags) string {
	if fl.pidFile != "" || fl.config == "" {
		return fl.pidFile
	}
	rc := &runConfig{opts: &server.Options{}}
	if loadConfig(fl.config, rc) != nil {
		return ""
	}
	return rc.pidFile
}

// serve starts the server and runs it until a signal stops it.
func serve(fl *cliFlags, rc *runConfig) error {
	s, err := startServer(rc)
	if err != nil {
		return err
	}
	if rc.profPort != 0 {
		ln, err := startProfiler(rc.opts.Host, rc.profPort)
		if err != nil {
			s.Shutdown()
			return err
		}
		defer ln.Close()
		s.Logger().Noticef("Profiling port: %d", ln.Addr().(*net.TCPAddr).Port)
	}
	if rc.pidFile != "" {
		if err := writePidFile(rc.pidFile); err != nil {
			s.Shutdown()
			return err
		}
		defer os.Remove(rc.pidFile)
	}
	if rc.portsFileDir != "" {
		path, err := writePortsFile(rc.portsFileDir, s)
		if err != nil {
			s.Shutdown()
			return err
		}
		defer os.Remove(path)
	}
	waitForSignals(s, func() error { return reload(s, fl) })
	return nil
}

// startServer builds and starts the server. When JetStream is on only by
// petrel's default and another server holds the store directory, it starts
// again without JetStream, as nats-server (JetStream only with -js) would:
// several servers started with the same flags, as client test suites do,
// then all run.
func startServer(rc *runConfig) (*server.Server, error) {
	s, err := newServer(rc)
	if err != nil {
		return nil, err
	}
	err = s.Start()
	if err == nil || !rc.jsByDefault || !errors.Is(err, syscall.EAGAIN) {
		return s, err
	}
	rc.opts.JetStream = false
	rc.warnf("JetStream is off: another server holds store directory %s; give -js and a store directory of its own (-sd) to run JetStream here", rc.opts.StoreDir)
	s, err = newServer(rc)
	if err != nil {
		return nil, err
	}
	return s, s.Start()
}

// newServer builds the server and logs the warnings gathered so far.
func newServer(rc *runConfig) (*server.Server, error) {
	s, err := petrel.NewServer(rc.opts)
	if err != nil {
		return nil, err
	}
	for _, w := range rc.warnings {
		s.Logger().Warnf("%s", w)
	}
	rc.warnings = nil
	return s, nil
}

// reload builds the options again as at start, the config file read anew
// with the command-line flags on top, and hands them to the server, which
// refuses them, keeping its configuration, when a non-reloadable option
// changed. JetStream that startServer turned off stays off. The pid file,
// ports file and profiling port stay as started.
func reload(s *server.Server, fl *cliFlags) error {
	rc, err := buildOptions(fl)
	if err != nil {
		return err
	}
	if rc.jsByDefault && !s.Options().JetStream {
		rc.opts.JetStream = false
	}
	for _, w := range rc.warnings {
		s.Logger().Warnf("%s", w)
	}
	return s.Reload(rc.opts)
}

func exitStatus(stderr io.Writer, err error) int {
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "petrel: %v\n", err)
	return 1
}
