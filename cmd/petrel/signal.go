package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/server"
)

// waitForSignals runs until the server has shut down, acting on the
// signals the platform file lists (handledSignals, onSignal). reload
// reloads the configuration (SIGHUP).
func waitForSignals(s *server.Server, reload func() error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, handledSignals...)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	go func() {
		s.WaitForShutdown()
		close(done)
	}()
	for {
		select {
		case <-done:
			return
		case sig := <-sigs:
			onSignal(s, sig, reload)
		}
	}
}

// sendSignal implements --signal COMMAND[=PID|PIDFILE]: it sends the
// command's signal to the process named by PID, by the pid file after the
// '=', or by the -P pid file.
func sendSignal(arg, pidFile string) error {
	cmd, target, _ := strings.Cut(arg, "=")
	sig, ok := signalCommands[strings.ToLower(cmd)]
	if !ok {
		return fmt.Errorf("--signal: unknown signal %q (want one of %s)", cmd, signalNames)
	}
	if target == "" {
		target = pidFile
	}
	pid, err := resolvePID(target)
	if err != nil {
		return err
	}
	p, err := os.FindProcess(pid)
	if err == nil {
		err = p.Signal(sig)
	}
	if err != nil {
		return fmt.Errorf("--signal %s to process %d: %w", cmd, pid, err)
	}
	return nil
}

// resolvePID reads target as a process id or as the path of a pid file.
func resolvePID(target string) (int, error) {
	if target == "" {
		return 0, errors.New("--signal needs a process: --signal CMD=PID, --signal CMD=/path/to/pidfile, or -P PIDFILE")
	}
	if pid, err := strconv.Atoi(target); err == nil {
		return checkPID(pid, "")
	}
	b, err := os.ReadFile(target)
	if err != nil {
		return 0, fmt.Errorf("--signal: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("--signal: pid file %s does not hold a process id", target)
	}
	return checkPID(pid, target)
}

func checkPID(pid int, file string) (int, error) {
	if pid <= 0 {
		if file != "" {
			return 0, fmt.Errorf("--signal: pid file %s holds an invalid process id %d", file, pid)
		}
		return 0, fmt.Errorf("--signal: invalid process id %d", pid)
	}
	return pid, nil
}

// writePidFile writes the process id, as nats-server does (no newline).
func writePidFile(path string) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}
