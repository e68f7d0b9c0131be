package server

import (
	"net"
	"sync"
)

// outChunkSize is the size of the chunks a client's outbound queue is made
// of. Messages are copied into the last chunk and spill into new ones, so
// a queue never reallocates and copies what it holds; the writer sends all
// chunks with one writev and returns them to a shared pool.
const outChunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, 0, outChunkSize)
	return &b
}}

// outbound is a client's queue of bytes to send, guarded by the client's
// mutex. It holds no memory while empty.
type outbound struct {
	chunks [][]byte
	size   int
}

// write appends p, filling the last chunk before taking new ones.
func (o *outbound) write(p []byte) {
	o.size += len(p)
	for len(p) > 0 {
		n := len(o.chunks)
		if n == 0 || len(o.chunks[n-1]) == cap(o.chunks[n-1]) {
			o.chunks = append(o.chunks, (*chunkPool.Get().(*[]byte))[:0])
			n++
		}
		last := o.chunks[n-1]
		k := min(len(p), cap(last)-len(last))
		o.chunks[n-1] = append(last, p[:k]...)
		p = p[k:]
	}
}

// take empties the queue and returns its chunks for writing.
func (o *outbound) take() [][]byte {
	c := o.chunks
	o.chunks, o.size = nil, 0
	return c
}

// prepend puts unwritten bytes back at the head of the queue.
func (o *outbound) prepend(rest [][]byte) {
	if len(rest) == 0 {
		return
	}
	var head outbound
	for _, b := range rest {
		head.write(b)
	}
	head.chunks = append(head.chunks, o.chunks...)
	head.size += o.size
	*o = head
}

// writeChunks sends chunks with one writev and recycles them. It returns
// the bytes written and, after a short write, a copy of what was not.
func writeChunks(nc net.Conn, chunks [][]byte) (int64, [][]byte, error) {
	bufs := net.Buffers(append([][]byte(nil), chunks...))
	n, err := bufs.WriteTo(nc)
	var rest [][]byte
	for _, b := range bufs {
		if len(b) > 0 {
			rest = append(rest, append([]byte(nil), b...))
		}
	}
	for _, c := range chunks {
		c = c[:0]
		chunkPool.Put(&c)
	}
	return n, rest, err
}
