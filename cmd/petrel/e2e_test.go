//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// These tests build the petrel binary once and run it as users do.

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

func petrelBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "petrel-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "petrel")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// freePort returns a port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// process is a running petrel binary.
type process struct {
	cmd    *exec.Cmd
	stderr *testutil.SyncBuffer
	done   chan error
}

// startPetrel runs the binary with a default store directory of its own.
func startPetrel(t *testing.T, args ...string) *process {
	t.Helper()
	return startPetrelIn(t, t.TempDir(), args...)
}

// startPetrelIn runs the binary with XDG_DATA_HOME set to dataHome, the
// parent of its default store directory.
func startPetrelIn(t *testing.T, dataHome string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(petrelBinary(t), args...), stderr: &testutil.SyncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	p.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dataHome)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("petrel stderr:\n%s", p.stderr)
		}
	})
	return p
}

// waitListening polls until the port accepts a TCP connection.
func (p *process) waitListening(t *testing.T, port int) {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	testutil.WaitFor(t, 10*time.Second, func() error {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("petrel exited early: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// waitExit waits for the process to end and returns its exit code.
func (p *process) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("petrel did not exit within %v", within)
		return -1
	}
}

func TestBinaryServesAndStopsOnSIGTERM(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "petrel.pid")
	p := startPetrel(t, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-sd", filepath.Join(dir, "js"), "-P", pidFile)
	p.waitListening(t, port)

	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("greet")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("greet", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil || string(msg.Data) != "hello" {
		t.Fatalf("got %v, %v; want hello", msg, err)
	}

	if b, err := os.ReadFile(pidFile); err != nil || string(b) != strconv.Itoa(p.cmd.Process.Pid) {
		t.Errorf("pid file holds %q (%v), want %d", b, err, p.cmd.Process.Pid)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	if !strings.Contains(p.stderr.String(), "Received SIGTERM") {
		t.Errorf("log does not mention SIGTERM:\n%s", p.stderr)
	}
}

// TestBinarySignalCommand stops a server in lame duck mode with
// "petrel --signal ldm", finding it through the config file's pid_file,
// after a SIGHUP (reload) that must leave it running.
func TestBinarySignalCommand(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "petrel.pid")
	config := writeConfig(t, fmt.Sprintf(`
		listen: 127.0.0.1:%d
		pid_file: %q
		lame_duck_grace_period: "50ms"
		lame_duck_duration: "50ms"
	`, port, pidFile))
	p := startPetrel(t, "-c", config)
	p.waitListening(t, port)
	testutil.WaitFor(t, 5*time.Second, func() error { _, err := os.Stat(pidFile); return err })

	signal := func(args ...string) {
		t.Helper()
		out, err := exec.Command(petrelBinary(t), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("petrel %q: %v\n%s", args, err, out)
		}
	}
	signal("--signal", "reload", "-c", config)
	testutil.WaitFor(t, 5*time.Second, func() error {
		if !strings.Contains(p.stderr.String(), "Reloaded server configuration") {
			return errors.New("no reload message yet")
		}
		return nil
	})
	signal("-sl=ldm=" + pidFile)
	if code := p.waitExit(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after ldm, want 0", code)
	}
	if !strings.Contains(p.stderr.String(), "lame duck") {
		t.Errorf("log does not mention lame duck mode:\n%s", p.stderr)
	}
}

// TestBinaryJetStreamAsNatsServer starts servers as client test suites
// start a pool of nats-servers, with flags and one default store
// directory: without -js they run without JetStream (a client's account
// info says "not enabled"); with -js the first takes the directory and a
// second refuses to start.
func TestBinaryJetStreamAsNatsServer(t *testing.T) {
	dataHome := t.TempDir()
	for range 2 {
		port := freePort(t)
		startPetrelIn(t, dataHome, "-a", "127.0.0.1", "-p", strconv.Itoa(port)).waitListening(t, port)
		nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := js.AccountInfo(ctx); !errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
			t.Errorf("account info without -js: %v, want %v", err, jetstream.ErrJetStreamNotEnabled)
		}
		cancel()
		nc.Close()
	}
	withJS := freePort(t)
	startPetrelIn(t, dataHome, "-a", "127.0.0.1", "-p", strconv.Itoa(withJS), "-js").waitListening(t, withJS)
	second := startPetrelIn(t, dataHome, "-a", "127.0.0.1", "-p", strconv.Itoa(freePort(t)), "-js")
	if code := second.waitExit(t, 10*time.Second); code != 1 {
		t.Errorf("second -js on the same store: exit code %d, want 1", code)
	}
}

// TestBareStartSharedStoreDir: petrel started with no arguments turns
// JetStream on by itself, but when another server holds the default store
// directory it runs without JetStream and says why, rather than exiting.
// The bare server listens on nats' default port, 4222.
func TestBareStartSharedStoreDir(t *testing.T) {
	ln, err := net.Listen("tcp", "0.0.0.0:4222")
	if err != nil {
		t.Skipf("port 4222 is taken here (%v); a bare petrel listens there", err)
	}
	ln.Close()
	dataHome := t.TempDir()
	holder := freePort(t)
	startPetrelIn(t, dataHome, "-a", "127.0.0.1", "-p", strconv.Itoa(holder), "-js").waitListening(t, holder)
	bare := startPetrelIn(t, dataHome)
	testutil.WaitFor(t, 10*time.Second, func() error {
		out := bare.stderr.String()
		if i := strings.Index(out, "JetStream is off"); i < 0 || !strings.Contains(out[i:], "Server is ready") {
			return errors.New("bare server not ready without JetStream yet")
		}
		return nil
	})
}

func TestBinaryPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	p := startPetrel(t, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "--no_jetstream")
	if code := p.waitExit(t, 10*time.Second); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if out := p.stderr.String(); !strings.HasPrefix(out, "petrel: ") || !strings.Contains(out, "address already in use") {
		t.Errorf("stderr %q, want a petrel: line naming the port in use", out)
	}
}

func TestBinaryVersion(t *testing.T) {
	out, err := exec.Command(petrelBinary(t), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "nats-server: v"+server.FeatureLevel+" ") || !strings.Contains(string(out), "(petrel ") {
		t.Errorf("--version printed %q", out)
	}
}

// TestBinaryPortsFile starts the binary on random ports (-p -1, -m -1), as
// client test harnesses do, and finds them through --ports_file_dir.
func TestBinaryPortsFile(t *testing.T) {
	dir := t.TempDir()
	p := startPetrel(t, "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "--no_jetstream", "--ports_file_dir", dir)
	var ports struct{ Nats, Monitoring []string }
	path := filepath.Join(dir, fmt.Sprintf("petrel_%d.ports", p.cmd.Process.Pid))
	testutil.WaitFor(t, 10*time.Second, func() error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &ports)
	})
	if len(ports.Nats) != 1 || len(ports.Monitoring) != 1 {
		t.Fatalf("ports file: %+v", ports)
	}
	nc, err := nats.Connect(ports.Nats[0])
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	resp, err := http.Get(ports.Monitoring[0] + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz at %s: %v %v", ports.Monitoring[0], resp, err)
	}
	resp.Body.Close()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("ports file left behind: %v", err)
	}
}
