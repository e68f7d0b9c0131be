// Package e2e holds end-to-end tests of petrel as its users see it: the
// Key/Value and Object Store layers of nats.go, the nats CLI and nats.js,
// each talking to a real server.
//
// Tests that pin a petrel bug still open are skipped unless PETREL_PENDING
// is set; FINDINGS.md describes each one.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
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

// --- Key/Value and Object Store ---

// wantEntries reads len(want) entries from w and compares them with want,
// written "key=value@rev", "key DEL@rev" or "key PURGE@rev".
func wantEntries(t *testing.T, w jetstream.KeyWatcher, want ...string) {
	t.Helper()
	for _, exp := range want {
		e := next(t, w.Updates(), "watch entry "+exp)
		if e == nil {
			t.Fatalf("got the nil marker, want %s", exp)
		}
		if got := describe(e); got != exp {
			t.Fatalf("watch entry %s, want %s", got, exp)
		}
	}
}

func describe(e jetstream.KeyValueEntry) string {
	switch e.Operation() {
	case jetstream.KeyValueDelete:
		return fmt.Sprintf("%s DEL@%d", e.Key(), e.Revision())
	case jetstream.KeyValuePurge:
		return fmt.Sprintf("%s PURGE@%d", e.Key(), e.Revision())
	}
	return fmt.Sprintf("%s=%s@%d", e.Key(), e.Value(), e.Revision())
}

// apiErrCode is the JetStream err_code inside err, or 0.
func apiErrCode(err error) jetstream.ErrorCode {
	var ae *jetstream.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode
	}
	return 0
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	check(t, err, "rand")
	return b
}

// digest is an object's digest as nats.go writes it.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "SHA-256=" + base64.URLEncoding.EncodeToString(sum[:])
}

func objectNames(list []*jetstream.ObjectInfo) []string {
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	return names
}

// --- the nats CLI ---

// cli runs one nats CLI binary against one petrel process, with a HOME of
// its own so no user context leaks in.
type cli struct {
	bin    string
	server *proc
	env    []string
}

func newCLI(t *testing.T) *cli {
	bin := natsCLI(t)
	p := startPetrel(t)
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "NO_COLOR=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	return &cli{bin: bin, server: p, env: env}
}

func (c *cli) command(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"--server", c.server.URL}, args...)...)
	cmd.Env = c.env
	return cmd
}

// run runs nats with args and returns what it printed; a non-zero exit
// fails the test.
func (c *cli) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.exec(args...)
	if err != nil {
		t.Fatalf("nats %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// fail runs nats with args and returns what it printed; a zero exit fails
// the test.
func (c *cli) fail(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.exec(args...)
	if err == nil {
		t.Fatalf("nats %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// runInput is run with input on the tool's standard input.
func (c *cli) runInput(t *testing.T, input string, args ...string) string {
	t.Helper()
	out, err := c.execInput(input, args...)
	if err != nil {
		t.Fatalf("nats %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (c *cli) exec(args ...string) (string, error) { return c.execInput("", args...) }

func (c *cli) execInput(input string, args ...string) (string, error) {
	cmd := c.command(args...)
	if input != "" {
		cmd.Stdin = strings.NewReader(input)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		return out.String(), os.ErrDeadlineExceeded
	}
}

// runInTerminal runs nats under script(1), for commands that insist on a
// terminal.
func (c *cli) runInTerminal(t *testing.T, args ...string) string {
	t.Helper()
	cmd := c.command(args...)
	quoted := make([]string, len(cmd.Args))
	for i, a := range cmd.Args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := exec.Command("script", "-qec", strings.Join(quoted, " "), "/dev/null")
	script.Env = c.env
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("nats %s (in a terminal): %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// background is a nats command left running, such as sub or kv watch.
type background struct {
	cmd  *exec.Cmd
	out  *testutil.SyncBuffer
	done chan error
}

// start runs nats with args in the background; it is killed when the test
// ends if it has not exited by then.
func (c *cli) start(t *testing.T, args ...string) *background {
	t.Helper()
	cmd := c.command(args...)
	b := &background{cmd: cmd, out: new(testutil.SyncBuffer), done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = b.out, b.out
	check(t, cmd.Start(), "start nats "+strings.Join(args, " "))
	go func() { b.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-b.done
	})
	return b
}

func (b *background) output() string { return b.out.String() }

// waitFor waits up to 10s until the command has printed s.
func (b *background) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(b.output(), s) {
		select {
		case err := <-b.done:
			b.done <- err
			if !strings.Contains(b.output(), s) {
				t.Fatalf("nats %s exited (%v) without printing %q:\n%s", strings.Join(b.cmd.Args[1:], " "), err, s, b.output())
			}
		case <-deadline:
			t.Fatalf("nats %s did not print %q within 10s:\n%s", strings.Join(b.cmd.Args[1:], " "), s, b.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wait waits up to 10s for the command to exit successfully and returns
// what it printed.
func (b *background) wait(t *testing.T) string {
	t.Helper()
	if err := b.exit(t); err != nil {
		t.Fatalf("nats %s: %v\n%s", strings.Join(b.cmd.Args[1:], " "), err, b.output())
	}
	return b.output()
}

// exited waits up to 10s for the command to exit, successfully or not,
// and returns what it printed.
func (b *background) exited(t *testing.T) string {
	t.Helper()
	b.exit(t)
	return b.output()
}

func (b *background) exit(t *testing.T) error {
	t.Helper()
	select {
	case err := <-b.done:
		b.done <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("nats %s did not exit within 10s:\n%s", strings.Join(b.cmd.Args[1:], " "), b.output())
	}
	return nil
}
