package server_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/petrelmq/petrel/internal/testutil"
)

// BenchmarkPublishNoSubscribers measures the inbound path alone: parse,
// account lookup, match. One op is one 128-byte PUB.
func BenchmarkPublishNoSubscribers(b *testing.B) {
	s := testutil.RunServer(b, nil)
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("CONNECT {}\r\n"))
	payload := bytes.Repeat([]byte("x"), 128)
	var chunk bytes.Buffer
	const perChunk = 256
	for i := 0; i < perChunk; i++ {
		fmt.Fprintf(&chunk, "PUB bench.subject 128\r\n%s\r\n", payload)
	}
	b.SetBytes(int64(chunk.Len() / perChunk))
	b.ResetTimer()
	for i := 0; i < b.N; i += perChunk {
		conn.Write(chunk.Bytes())
	}
	conn.Write([]byte("PING\r\n"))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil || bytes.Contains(buf[:n], []byte("PONG")) {
			break
		}
	}
}

// BenchmarkPublishOneSubscriber adds delivery: every 128-byte PUB goes to
// one subscriber on another connection, which reads and discards.
func BenchmarkPublishOneSubscriber(b *testing.B) {
	s := testutil.RunServer(b, nil)
	sub, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	sub.Write([]byte("CONNECT {}\r\nSUB bench.subject 1\r\nPING\r\n"))
	buf := make([]byte, 64<<10)
	sub.Read(buf) // PONG (INFO first, possibly)
	want := int64(b.N) * int64(len("MSG bench.subject 1 128\r\n")+130)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var got int64
		for got < want {
			n, err := sub.Read(buf)
			if err != nil {
				return
			}
			got += int64(n)
		}
	}()
	pub, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	pub.Write([]byte("CONNECT {}\r\n"))
	payload := bytes.Repeat([]byte("x"), 128)
	var chunk bytes.Buffer
	for i := 0; i < b.N; i++ {
		fmt.Fprintf(&chunk, "PUB bench.subject 128\r\n%s\r\n", payload)
	}
	b.SetBytes(128)
	b.ResetTimer()
	pub.Write(chunk.Bytes())
	<-done
}
