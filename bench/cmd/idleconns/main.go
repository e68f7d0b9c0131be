// Command idleconns measures how much resident memory a NATS server spends on
// idle client connections. It reads the server's VmRSS from
// /proc/<pid>/status, opens -n TCP connections to the server (each sends
// CONNECT {"verbose":false} and PING and waits for PONG), waits -settle, reads
// VmRSS again and prints the difference per connection. Connections are only
// ever made to a loopback address.
//
// Output ends with one machine-readable line:
//
//	RESULT bytes_per_conn=N conns=N rss_before_kib=N rss_after_kib=N
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4222", "server address (loopback only)")
	n := flag.Int("n", 10000, "number of idle connections to open")
	pid := flag.Int("pid", 0, "server process id whose VmRSS is read (required)")
	workers := flag.Int("workers", 32, "connections opened concurrently")
	settle := flag.Duration("settle", 2*time.Second, "wait after the last connection before reading RSS")
	hold := flag.Duration("hold", 0, "keep the connections open this much longer after measuring")
	timeout := flag.Duration("timeout", 120*time.Second, "give up after this long")
	flag.Parse()

	if err := run(*addr, *n, *pid, *workers, *settle, *hold, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "idleconns:", err)
		os.Exit(1)
	}
}

func run(addr string, n, pid, workers int, settle, hold, timeout time.Duration) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad -addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing non-loopback address %q (use 127.0.0.1)", addr)
	}
	if pid <= 0 {
		return errors.New("-pid is required")
	}
	if n <= 0 || workers <= 0 {
		return errors.New("-n and -workers must be positive")
	}
	deadline := time.Now().Add(timeout)

	before, err := vmRSS(pid)
	if err != nil {
		return err
	}

	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c == nil {
				continue
			}
			if tc, ok := c.(*net.TCPConn); ok {
				// Reset instead of FIN: no TIME_WAIT, so repeated runs do not
				// exhaust the ephemeral port range.
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
		}
	}()

	start := time.Now()
	var (
		next     atomic.Int64
		firstErr error
		errOnce  sync.Once
		failed   atomic.Bool
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c, err := open(addr, deadline)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("connection %d: %w", i, err) })
					failed.Store(true)
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	openDur := time.Since(start)

	time.Sleep(settle)
	after, err := vmRSS(pid)
	if err != nil {
		return err
	}
	alive, err := stillOpen(conns)
	if err != nil {
		return err
	}
	if alive != n {
		return fmt.Errorf("only %d of %d connections still open after settle", alive, n)
	}

	perConn := float64(after-before) * 1024 / float64(n)
	fmt.Printf("opened %d idle connections to %s in %v; server pid %d VmRSS %d KiB -> %d KiB (+%d KiB); %.0f bytes per connection\n",
		n, addr, openDur.Round(time.Millisecond), pid, before, after, after-before, perConn)
	fmt.Printf("RESULT bytes_per_conn=%.0f conns=%d rss_before_kib=%d rss_after_kib=%d\n", perConn, n, before, after)
	if hold > 0 {
		time.Sleep(hold)
	}
	return nil
}

// open dials addr, reads the server's INFO, sends CONNECT and PING and waits
// for PONG. The connection is then left idle.
func open(addr string, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = c.Close()
		}
	}()
	rd := time.Now().Add(10 * time.Second)
	if rd.After(deadline) {
		rd = deadline
	}
	if err := c.SetDeadline(rd); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(c, 512)
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("reading INFO: %w", err)
	}
	if !strings.HasPrefix(line, "INFO") {
		return nil, fmt.Errorf("expected INFO, got %q", trunc(line))
	}
	if _, err := c.Write([]byte("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n")); err != nil {
		return nil, fmt.Errorf("writing CONNECT: %w", err)
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("waiting for PONG: %w", err)
		}
		switch {
		case line == "PONG":
			if err := c.SetDeadline(time.Time{}); err != nil {
				return nil, err
			}
			ok = true
			return c, nil
		case line == "PING":
			if _, err := c.Write([]byte("PONG\r\n")); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "-ERR"):
			return nil, fmt.Errorf("server: %s", trunc(line))
		case strings.HasPrefix(line, "INFO"), line == "+OK":
			// ignore
		default:
			return nil, fmt.Errorf("unexpected %q", trunc(line))
		}
	}
}

func readLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		frag, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		sb.Write(frag)
		if sb.Len() > 64<<10 {
			return "", errors.New("line too long")
		}
		if !isPrefix {
			return sb.String(), nil
		}
	}
}

// stillOpen counts connections the server has not closed: a non-blocking read
// must time out rather than return EOF or a reset. Anything the server sent
// (a PING, say) is fine.
func stillOpen(conns []net.Conn) (int, error) {
	buf := make([]byte, 256)
	alive := 0
	for _, c := range conns {
		if err := c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return 0, err
		}
		_, err := c.Read(buf)
		var ne net.Error
		if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
			alive++
		}
	}
	return alive, nil
}

func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("reading server status: %w", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func trunc(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
