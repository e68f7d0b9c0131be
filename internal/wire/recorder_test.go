package wire

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// call is one Handler invocation, with its slices copied.
type call struct {
	Op      string
	A, B, C string
	N       int64
}

func (c call) String() string {
	return fmt.Sprintf("%s(%q,%q,%q,%d)", c.Op, c.A, c.B, c.C, c.N)
}

var errStop = errors.New("handler says stop")

// recorder is a Handler that records every call. If failOp is set, the
// first call of that op returns errStop.
type recorder struct {
	calls  []call
	failOp string
	t      testing.TB
}

func (r *recorder) add(c call) error {
	r.calls = append(r.calls, c)
	if r.failOp != "" && c.Op == r.failOp {
		return errStop
	}
	return nil
}

func (r *recorder) Connect(arg []byte) error { return r.add(call{Op: "CONNECT", A: string(arg)}) }
func (r *recorder) Pub(subject, reply, payload []byte) error {
	return r.add(call{Op: "PUB", A: string(subject), B: string(reply), C: string(payload)})
}
func (r *recorder) HPub(subject, reply []byte, hdrLen int, msg []byte) error {
	if r.t != nil && (hdrLen < 0 || hdrLen > len(msg)) {
		r.t.Errorf("HPub hdrLen %d outside msg of %d bytes", hdrLen, len(msg))
	}
	return r.add(call{Op: "HPUB", A: string(subject), B: string(reply), C: string(msg), N: int64(hdrLen)})
}
func (r *recorder) Sub(subject, queue, sid []byte) error {
	return r.add(call{Op: "SUB", A: string(subject), B: string(queue), C: string(sid)})
}
func (r *recorder) Unsub(sid []byte, max int64) error {
	return r.add(call{Op: "UNSUB", A: string(sid), N: max})
}
func (r *recorder) Ping() error           { return r.add(call{Op: "PING"}) }
func (r *recorder) Pong() error           { return r.add(call{Op: "PONG"}) }
func (r *recorder) Info(arg []byte) error { return r.add(call{Op: "INFO", A: string(arg)}) }
func (r *recorder) OK() error             { return r.add(call{Op: "OK"}) }
func (r *recorder) Err(arg []byte) error  { return r.add(call{Op: "ERR", A: string(arg)}) }

// result is what parsing a stream produced.
type result struct {
	calls []call
	err   string // error text, "" for none
}

func errText(err error) string {
	var pe *ProtocolError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Text
	default:
		return err.Error()
	}
}

// parseOneShot parses in with a single Parse call.
func parseOneShot(t testing.TB, maxLine, maxPayload int, in []byte) result {
	r := &recorder{t: t}
	err := NewParser(maxLine, maxPayload).Parse(in, r)
	return result{r.calls, errText(err)}
}

// parseChunks feeds in to one Parser in chunks of the given sizes (the last
// chunk takes the rest). Each chunk is copied into a buffer that is
// scribbled over after Parse returns, so retaining the caller's buffer
// shows up as corrupted results.
func parseChunks(t testing.TB, maxLine, maxPayload int, in []byte, sizes []int) result {
	r := &recorder{t: t}
	p := NewParser(maxLine, maxPayload)
	scratch := make([]byte, len(in))
	var err error
	for i := 0; len(in) > 0 && err == nil; i++ {
		n := len(in)
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
		}
		chunk := scratch[:n]
		copy(chunk, in[:n])
		in = in[n:]
		err = p.Parse(chunk, r)
		for j := range chunk {
			chunk[j] = '#'
		}
	}
	return result{r.calls, errText(err)}
}

// randomSizes returns chunk sizes (1..max) covering n bytes.
func randomSizes(rng *rand.Rand, n, max int) []int {
	var sizes []int
	for n > 0 {
		s := 1 + rng.IntN(max)
		sizes = append(sizes, s)
		n -= s
	}
	return sizes
}

// ones returns n chunk sizes of 1: byte-at-a-time feeding.
func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func sameResult(a, b result) bool {
	if a.err != b.err || len(a.calls) != len(b.calls) {
		return false
	}
	for i := range a.calls {
		if a.calls[i] != b.calls[i] {
			return false
		}
	}
	return true
}
