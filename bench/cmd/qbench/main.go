// Command qbench measures queue-group delivery: one publisher sends -msgs
// messages to a subject that -members queue subscribers (each on its own
// connection, all in the same queue group) consume. It reports the total
// receive rate and verifies that every message was delivered exactly once.
//
// Output ends with one machine-readable line:
//
//	RESULT msgs_per_sec=N received=N duplicates=N missing=N per_member=a,b,c,d
//
// The exit status is non-zero if any message was lost or delivered twice, or
// if the run did not finish within -timeout.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/bits"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	server := flag.String("s", "nats://127.0.0.1:4222", "server URL (loopback only)")
	subject := flag.String("subject", "qbench", "subject to publish on")
	queue := flag.String("queue", "qbench", "queue group name")
	msgs := flag.Int("msgs", 1_000_000, "number of messages to publish")
	size := flag.Int("size", 128, "payload size in bytes (minimum 8)")
	members := flag.Int("members", 4, "number of queue group members")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()

	if err := run(*server, *subject, *queue, *msgs, *size, *members, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "qbench:", err)
		os.Exit(1)
	}
}

// member is one queue subscriber. Its callback runs on a single goroutine, so
// the fields are only touched by that goroutine until the run is over.
type member struct {
	seen  []uint64 // bitset of sequence numbers received by this member
	count int64
	dups  int64 // messages this member itself received more than once
}

func run(server, subject, queue string, msgs, size, members int, timeout time.Duration) error {
	if err := checkLoopback(server); err != nil {
		return err
	}
	if size < 8 {
		size = 8
	}
	if msgs <= 0 || members <= 0 {
		return fmt.Errorf("-msgs and -members must be positive")
	}
	deadline := time.Now().Add(timeout)

	var (
		total    atomic.Int64
		firstNs  atomic.Int64
		lastNs   atomic.Int64
		doneOnce sync.Once
		done     = make(chan struct{})
		bad      atomic.Int64 // malformed or out-of-range payloads
	)
	words := (msgs + 63) / 64
	ms := make([]*member, members)
	conns := make([]*nats.Conn, 0, members+1)
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()

	for i := range ms {
		m := &member{seen: make([]uint64, words)}
		ms[i] = m
		nc, err := nats.Connect(server, nats.Name(fmt.Sprintf("qbench-sub-%d", i)), nats.Timeout(5*time.Second))
		if err != nil {
			return fmt.Errorf("member %d connect: %w", i, err)
		}
		conns = append(conns, nc)
		sub, err := nc.QueueSubscribe(subject, queue, func(msg *nats.Msg) {
			now := time.Now().UnixNano()
			firstNs.CompareAndSwap(0, now)
			if len(msg.Data) < 8 {
				bad.Add(1)
				return
			}
			seq := binary.BigEndian.Uint64(msg.Data)
			if seq >= uint64(msgs) {
				bad.Add(1)
				return
			}
			w, b := seq/64, uint64(1)<<(seq%64)
			if m.seen[w]&b != 0 {
				m.dups++
			}
			m.seen[w] |= b
			m.count++
			lastNs.Store(now)
			if total.Add(1) >= int64(msgs) {
				doneOnce.Do(func() { close(done) })
			}
		})
		if err != nil {
			return fmt.Errorf("member %d subscribe: %w", i, err)
		}
		// Never drop on the client side: we want to see what the server sends.
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			return fmt.Errorf("member %d pending limits: %w", i, err)
		}
		// A flush is a PING/PONG round trip, so the server has registered the
		// subscription when it returns.
		if err := nc.FlushTimeout(5 * time.Second); err != nil {
			return fmt.Errorf("member %d flush: %w", i, err)
		}
	}

	pc, err := nats.Connect(server, nats.Name("qbench-pub"), nats.Timeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("publisher connect: %w", err)
	}
	conns = append(conns, pc)
	payload := make([]byte, size)
	for i := 8; i < size; i++ {
		payload[i] = byte('a' + i%26)
	}
	pubStart := time.Now()
	for seq := 0; seq < msgs; seq++ {
		binary.BigEndian.PutUint64(payload, uint64(seq))
		if err := pc.Publish(subject, payload); err != nil {
			return fmt.Errorf("publish %d: %w", seq, err)
		}
		if seq&0xffff == 0 && time.Now().After(deadline) {
			return fmt.Errorf("timeout while publishing (%d sent)", seq)
		}
	}
	if err := pc.FlushTimeout(time.Until(deadline)); err != nil {
		return fmt.Errorf("publisher flush: %w", err)
	}
	pubDur := time.Since(pubStart)

	timedOut := false
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
		timedOut = true
	}
	// Let any stray duplicates that are still in flight arrive, then stop the
	// callbacks before reading the members' state.
	time.Sleep(200 * time.Millisecond)
	for _, nc := range conns[:members] {
		_ = nc.Drain()
	}
	for _, nc := range conns[:members] {
		for nc.IsDraining() {
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Merge: a message is a duplicate if more than one delivery was seen.
	var dups int64
	per := make([]string, members)
	union := make([]uint64, words)
	var received int64
	for i, m := range ms {
		dups += m.dups
		received += m.count
		per[i] = strconv.FormatInt(m.count, 10)
		for w := range union {
			dups += int64(bits.OnesCount64(union[w] & m.seen[w]))
			union[w] |= m.seen[w]
		}
	}
	var unique int64
	for _, w := range union {
		unique += int64(bits.OnesCount64(w))
	}
	missing := int64(msgs) - unique

	elapsed := time.Duration(lastNs.Load() - firstNs.Load())
	rate := 0.0
	if elapsed > 0 {
		rate = float64(received) / elapsed.Seconds()
	}
	fmt.Printf("queue group: %d members, %d msgs of %d B; published in %v; received %d in %v (%.0f msgs/s); duplicates %d, missing %d, malformed %d\n",
		members, msgs, size, pubDur.Round(time.Millisecond), received, elapsed.Round(time.Millisecond), rate, dups, missing, bad.Load())
	fmt.Printf("RESULT msgs_per_sec=%.0f received=%d duplicates=%d missing=%d per_member=%s\n",
		rate, received, dups, missing, strings.Join(per, ","))

	switch {
	case timedOut:
		return fmt.Errorf("timed out after %v with %d of %d messages received", timeout, total.Load(), msgs)
	case dups > 0:
		return fmt.Errorf("%d messages were delivered more than once", dups)
	case missing > 0:
		return fmt.Errorf("%d messages were never delivered", missing)
	case bad.Load() > 0:
		return fmt.Errorf("%d malformed messages", bad.Load())
	}
	return nil
}

// checkLoopback refuses any server that is not on the loopback interface.
func checkLoopback(server string) error {
	for _, s := range strings.Split(server, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("bad server URL %q: %w", s, err)
		}
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("refusing non-loopback server %q", s)
		}
	}
	return nil
}
