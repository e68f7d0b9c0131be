// Package e2e holds end-to-end tests of petrel as its users see it: the
// Key/Value and Object Store layers of nats.go, the nats CLI and nats.js,
// each talking to a real server.
//
// Tests that pin a petrel bug still open are skipped unless PETREL_PENDING
// is set; FINDINGS.md describes each one.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// pending skips a test that pins a known, still open petrel bug unless
// PETREL_PENDING is set.
func pending(t *testing.T, finding string) {
	t.Helper()
	if os.Getenv("PETREL_PENDING") == "" {
		t.Skip("pending: " + finding)
	}
}

// missing skips a test whose tools are not installed, except in CI, where
// .ci/run installs them.
func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// startJS runs an in-process JetStream server and returns a JetStream
// context on a connection to it.
func startJS(t *testing.T) jetstream.JetStream {
	t.Helper()
	s := testutil.RunServer(t, &server.Options{JetStream: true})
	js, err := jetstream.New(testutil.Connect(t, s))
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return js
}

// ctx is a context for one client call: 10s, cancelled when the test ends.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// check fails the test now if err is not nil.
func check(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// next reads one value from ch, failing after 5s or when ch is closed.
func next[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing within 5s", what)
	}
	var zero T
	return zero
}

// --- programs: the petrel binary and the nats CLI, built once per run ---

var (
	buildOnce sync.Map // name -> *built
	repoRoot  = func() string {
		_, file, _, _ := runtime.Caller(0)
		return filepath.Dir(filepath.Dir(file))
	}()
)

type built struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// TestMain removes the programs built for this run when it ends.
func TestMain(m *testing.M) {
	code := m.Run()
	buildOnce.Range(func(_, v any) bool {
		if b := v.(*built); b.dir != "" {
			os.RemoveAll(b.dir)
		}
		return true
	})
	os.Exit(code)
}

// buildTool builds a program once per test binary run into a temp dir
// (Go's build cache makes later runs quick) and returns its path. dir is
// the module directory to build in, pkg the package.
func buildTool(t *testing.T, name, dir, pkg string) (string, error) {
	t.Helper()
	v, _ := buildOnce.LoadOrStore(name, &built{})
	b := v.(*built)
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "petrel-e2e-"+name)
		if b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, name)
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = dir
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		return "", fmt.Errorf("go build %s in %s: %v\n%s", pkg, dir, b.err, b.out)
	}
	return b.path, nil
}

// petrelBinary builds cmd/petrel; a failure fails the test.
func petrelBinary(t *testing.T) string {
	t.Helper()
	p, err := buildTool(t, "petrel", repoRoot, "./cmd/petrel")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// natsCLI builds natscli v0.5.0 as pinned in bench/go.mod. Without the
// module (no network, empty module cache) it skips, except in CI.
func natsCLI(t *testing.T) string {
	t.Helper()
	p, err := buildTool(t, "nats", filepath.Join(repoRoot, "bench"), "github.com/nats-io/natscli/nats")
	if err != nil {
		missing(t, fmt.Sprintf("cannot build the nats CLI (natscli v0.5.0 from bench/go.mod; offline?): %v", err))
	}
	return p
}

// proc is a petrel server running as its own process.
type proc struct {
	URL     string // client URL
	monitor string // monitoring base URL
	log     *testutil.SyncBuffer
}

// startPetrel runs the petrel binary with JetStream on a free loopback
// port and a temp store dir, waits until it greets a client with INFO, and
// stops it when the test ends.
func startPetrel(t *testing.T) *proc {
	t.Helper()
	bin := petrelBinary(t)
	port, mport := freePort(t), freePort(t)
	log := new(testutil.SyncBuffer)
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-m", fmt.Sprint(mport),
		"-js", "-sd", t.TempDir())
	cmd.Stdout, cmd.Stderr = log, log
	check(t, cmd.Start(), "start petrel")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	p := &proc{
		URL:     fmt.Sprintf("nats://127.0.0.1:%d", port),
		monitor: fmt.Sprintf("http://127.0.0.1:%d", mport),
		log:     log,
	}
	testutil.WaitFor(t, 15*time.Second, func() error {
		select {
		case err := <-exited:
			t.Fatalf("petrel exited at start: %v\n%s", err, log)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 4)
		if _, err := c.Read(buf); err != nil || string(buf) != "INFO" {
			return fmt.Errorf("no INFO greeting (%q, %v)", buf, err)
		}
		return nil
	})
	return p
}

// waitInterest waits until some client subscribes to subj, as /subsz
// tells, so that a publish from another process reaches it.
func (p *proc) waitInterest(t *testing.T, subj string) {
	t.Helper()
	testutil.WaitFor(t, 10*time.Second, func() error {
		resp, err := http.Get(p.monitor + "/subsz?test=" + url.QueryEscape(subj))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var sz struct {
			Total int `json:"total"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&sz); err != nil {
			return err
		}
		if sz.Total == 0 {
			return fmt.Errorf("no subscription matches %s", subj)
		}
		return nil
	})
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(t, err, "listen")
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mustContain fails unless out contains every one of want.
func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}
