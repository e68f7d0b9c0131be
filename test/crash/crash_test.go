//go:build unix

// Package crash runs the petrel binary as a separate process and kills it
// with SIGKILL in the middle of JetStream traffic, then restarts it on the
// same store directory and checks that nothing acknowledged was lost.
package crash

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// buildPetrel builds ./cmd/petrel into a temporary directory.
func buildPetrel(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "petrel")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/petrelmq/petrel/cmd/petrel").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running petrel process.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startPetrel runs bin with JetStream on dir and waits until it takes
// connections.
func startPetrel(t *testing.T, bin, dir string) *server {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", dir)
	cmd.Stderr = os.Stderr
	if !testing.Verbose() {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: fmt.Sprintf("nats://127.0.0.1:%d", port), done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	testutil.WaitFor(t, 10*time.Second, func() error {
		select {
		case <-s.done:
			t.Fatalf("petrel exited early: %v", cmd.ProcessState)
		default:
		}
		nc, err := nats.Connect(s.url)
		if err != nil {
			return err
		}
		defer nc.Close()
		_, err = jsContext(t, nc).AccountInfo(context.Background())
		return err
	})
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func jsContext(t *testing.T, nc *nats.Conn) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// connectJS connects to srv without reconnecting (the test kills it) and
// returns the connection, closed when the test ends, and its JetStream.
func connectJS(t *testing.T, srv *server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(srv.url, nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, jsContext(t, nc)
}

func timeout(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// acked records, per message number, the sequence its PubAck gave.
type acked struct {
	mu   sync.Mutex
	seqs map[int]uint64
}

func (a *acked) add(n int, seq uint64) {
	a.mu.Lock()
	a.seqs[n] = seq
	a.mu.Unlock()
}

func (a *acked) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seqs)
}

func (a *acked) snapshot() map[int]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[int]uint64, len(a.seqs))
	for k, v := range a.seqs {
		out[k] = v
	}
	return out
}

// publish sends numbered messages with PublishAsync until stop is closed
// or the connection fails, recording every ack.
func publish(js jetstream.JetStream, acks *acked, stop <-chan struct{}) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		f, err := js.PublishAsync("crash.data", []byte(strconv.Itoa(n)), jetstream.WithMsgID(msgID(n)))
		if err != nil {
			if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
				return
			}
			continue
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			select {
			case ack := <-f.Ok():
				acks.add(n, ack.Sequence)
			case <-f.Err():
			case <-stop:
			}
		}(n)
	}
}

func msgID(n int) string { return "msg-" + strconv.Itoa(n) }

// TestCrashKeepsAcknowledgedMessages kills petrel with SIGKILL while async
// publishes are in flight and checks after a restart that every
// acknowledged message is stored, at its acknowledged sequence, in publish
// order, none twice, and that the de-duplication window still knows them.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	bin := buildPetrel(t)
	dir := t.TempDir()
	srv := startPetrel(t, bin, dir)

	nc, js := connectJS(t, srv)
	if _, err := js.CreateStream(timeout(t), jetstream.StreamConfig{Name: "CRASH", Subjects: []string{"crash.>"}}); err != nil {
		t.Fatal(err)
	}
	acks := &acked{seqs: make(map[int]uint64)}
	stop := make(chan struct{})
	published := make(chan struct{})
	go func() { publish(js, acks, stop); close(published) }()
	testutil.WaitFor(t, 15*time.Second, func() error {
		if n := acks.len(); n < 5000 {
			return fmt.Errorf("%d acks so far", n)
		}
		return nil
	})
	srv.kill() // mid-stream: the publisher is still sending
	nc.Close()
	close(stop)
	<-published
	got := acks.snapshot()

	srv = startPetrel(t, bin, dir)
	_, js2 := connectJS(t, srv)
	checkStream(t, js2, got)
	checkDedup(t, js2, got)
}

// checkStream reads the whole stream: message numbers strictly increase
// with sequence, and every acknowledged one is at its acked sequence.
func checkStream(t *testing.T, js jetstream.JetStream, acks map[int]uint64) {
	t.Helper()
	st, err := js.Stream(timeout(t), "CRASH")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	state := st.CachedInfo().State
	bySeq := make(map[uint64]int, state.Msgs)
	last := -1
	for seq := state.FirstSeq; seq <= state.LastSeq && state.Msgs > 0; seq++ {
		m, err := st.GetMsg(timeout(t), seq)
		if err != nil {
			t.Fatalf("message %d of %d..%d: %v", seq, state.FirstSeq, state.LastSeq, err)
		}
		n, err := strconv.Atoi(string(m.Data))
		if err != nil || n <= last {
			t.Fatalf("sequence %d holds message %q after message %d: out of order or twice", seq, m.Data, last)
		}
		last = n
		bySeq[seq] = n
	}
	for n, seq := range acks {
		if bySeq[seq] != n {
			t.Fatalf("acknowledged message %d (seq %d) lost: sequence %d holds %d", n, seq, seq, bySeq[seq])
		}
	}
	t.Logf("%d acknowledged, %d stored (sequences %d..%d)", len(acks), state.Msgs, state.FirstSeq, state.LastSeq)
}

// checkDedup re-sends a few acknowledged messages: each is a duplicate of
// its stored sequence.
func checkDedup(t *testing.T, js jetstream.JetStream, acks map[int]uint64) {
	t.Helper()
	checked := 0
	for n, seq := range acks {
		if checked == 20 {
			break
		}
		checked++
		ack, err := js.Publish(timeout(t), "crash.data", []byte(strconv.Itoa(n)), jetstream.WithMsgID(msgID(n)))
		if err != nil || !ack.Duplicate || ack.Sequence != seq {
			t.Fatalf("re-sent acknowledged message %d: %+v, %v; want duplicate of %d", n, ack, err, seq)
		}
	}
}
