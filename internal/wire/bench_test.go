package wire

import (
	"bytes"
	"testing"
)

// nopHandler accepts everything and keeps nothing.
type nopHandler struct{ n int }

func (h *nopHandler) Connect([]byte) error                    { return nil }
func (h *nopHandler) Pub(_, _, p []byte) error                { h.n += len(p); return nil }
func (h *nopHandler) HPub(_, _ []byte, _ int, m []byte) error { h.n += len(m); return nil }
func (h *nopHandler) Sub(_, _, _ []byte) error                { return nil }
func (h *nopHandler) Unsub([]byte, int64) error               { return nil }
func (h *nopHandler) Ping() error                             { return nil }
func (h *nopHandler) Pong() error                             { return nil }
func (h *nopHandler) Info([]byte) error                       { return nil }
func (h *nopHandler) OK() error                               { return nil }
func (h *nopHandler) Err([]byte) error                        { return nil }

const benchBatch = 100

// pubBatch is benchBatch pipelined "PUB foo.bar 128" ops with 128B payloads.
func pubBatch() []byte {
	op := append([]byte("PUB foo.bar 128\r\n"), bytes.Repeat([]byte("x"), 128)...)
	op = append(op, "\r\n"...)
	return bytes.Repeat(op, benchBatch)
}

// BenchmarkParsePub128 parses pipelined PUBs; one op is one message.
func BenchmarkParsePub128(b *testing.B) {
	buf := pubBatch()
	benchParse(b, buf, len(buf))
}

// BenchmarkParsePub128Split is the same stream read 4KiB at a time, so some
// ops span reads and go through the scratch buffers.
func BenchmarkParsePub128Split(b *testing.B) {
	buf := pubBatch()
	benchParse(b, buf, 4096)
}

func benchParse(b *testing.B, buf []byte, chunk int) {
	p := NewParser(0, 0)
	h := &nopHandler{}
	b.SetBytes(int64(len(buf) / benchBatch))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		for rest := buf; len(rest) > 0; {
			n := min(chunk, len(rest))
			if err := p.Parse(rest[:n], h); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
}

func BenchmarkAppendMsg(b *testing.B) {
	dst := make([]byte, 0, 512)
	subj, sid, reply, payload := []byte("foo.bar"), []byte("42"), []byte("_INBOX.abc"), make([]byte, 128)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendMsg(dst[:0], subj, sid, reply, payload)
	}
}

func BenchmarkHeaderGet(b *testing.B) {
	hdr := []byte("NATS/1.0\r\nNats-Msg-Id: abc\r\nNats-Expected-Stream: s\r\nNats-TTL: 5s\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := HeaderGet(hdr, "Nats-TTL"); !ok {
			b.Fatal("missing")
		}
	}
}
