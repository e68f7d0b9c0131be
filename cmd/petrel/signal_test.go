//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestSignalCommandsMatchNATS(t *testing.T) {
	want := map[string]syscall.Signal{
		"stop": syscall.SIGKILL, "quit": syscall.SIGINT, "term": syscall.SIGTERM,
		"reopen": syscall.SIGUSR1, "reload": syscall.SIGHUP, "ldm": syscall.SIGUSR2,
	}
	if len(signalCommands) != len(want) {
		t.Errorf("%d commands, want %d", len(signalCommands), len(want))
	}
	for cmd, sig := range want {
		if signalCommands[cmd] != sig {
			t.Errorf("--signal %s sends %v, want %v", cmd, signalCommands[cmd], sig)
		}
	}
}

func TestResolvePID(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pid")
	os.WriteFile(good, []byte("1234\n"), 0o600)
	junk := filepath.Join(dir, "junk.pid")
	os.WriteFile(junk, []byte("abc"), 0o600)
	zero := filepath.Join(dir, "zero.pid")
	os.WriteFile(zero, []byte("0"), 0o600)
	cases := []struct {
		target string
		pid    int
		err    string
	}{
		{"42", 42, ""},
		{good, 1234, ""},
		{"", 0, "--signal needs a process"},
		{"-3", 0, "invalid process id -3"},
		{junk, 0, "does not hold a process id"},
		{zero, 0, "invalid process id 0"},
		{filepath.Join(dir, "missing.pid"), 0, "missing.pid"},
	}
	for _, c := range cases {
		pid, err := resolvePID(c.target)
		if c.err == "" && (err != nil || pid != c.pid) {
			t.Errorf("%q: got %d, %v; want %d", c.target, pid, err, c.pid)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%q: error %v, want one containing %q", c.target, err, c.err)
		}
	}
}

func TestSendSignal(t *testing.T) {
	if err := sendSignal("explode=1", ""); err == nil || !strings.Contains(err.Error(), `unknown signal "explode"`) {
		t.Errorf("unknown command: %v", err)
	}
	if err := sendSignal("term", ""); err == nil || !strings.Contains(err.Error(), "needs a process") {
		t.Errorf("no target: %v", err)
	}
	// A real process, found through the -P pid file, receives the signal.
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	pidFile := filepath.Join(t.TempDir(), "sleep.pid")
	os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
	if err := sendSignal("TERM", pidFile); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGTERM {
		t.Errorf("sleep ended with %v, want killed by SIGTERM", err)
	}
}
