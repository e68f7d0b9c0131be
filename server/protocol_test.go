package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
	"golang.org/x/crypto/bcrypt"
)

func TestRawVerboseAndPing(t *testing.T) {
	s := testutil.RunServer(t, nil)
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {\"verbose\":true}\r\n")
	rc.Expect("+OK")
	rc.Send("SUB foo 1\r\n")
	rc.Expect("+OK")
	rc.Send("PUB foo 5\r\nhello\r\n")
	rc.Expect("+OK")
	rc.Expect("MSG foo 1 5")
	rc.Expect("hello")
	rc.Send("UNSUB 1\r\nPING\r\n")
	rc.Expect("+OK")
	rc.Expect("PONG")
}

func TestRawSplitAndPipelined(t *testing.T) {
	s := testutil.RunServer(t, nil)
	rc := testutil.DialRaw(t, s)
	stream := "CONNECT {\"headers\":true}\r\nSUB a.b 7\r\nsub a.* q 8\r\nPUB a.b reply.x 3\r\nabc\r\nHPUB a.b 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n"
	for i := 0; i < len(stream); i++ { // one byte per write
		rc.Send(stream[i : i+1])
	}
	got := map[string]bool{}
	for i := 0; i < 13; i++ { // two MSG, two HMSG (4 lines each with headers), PONG
		got[rc.ReadLine()] = true
	}
	for _, want := range []string{"MSG a.b 7 reply.x 3", "MSG a.b 8 reply.x 3", "abc", "HMSG a.b 7 12 14", "HMSG a.b 8 12 14", "NATS/1.0", "", "PONG"} {
		if !got[want] {
			t.Errorf("missing line %q in %v", want, got)
		}
	}
}

func TestRawErrors(t *testing.T) {
	cases := []struct {
		name   string
		opts   *server.Options
		send   string
		expect string
		closed bool
	}{
		{"unknown op", nil, "FOO bar\r\n", "-ERR 'Unknown Protocol Operation'", true},
		{"max payload", &server.Options{MaxPayload: 16}, "PUB foo 17\r\n", "-ERR 'Maximum Payload Violation'", true},
		{"max control line", &server.Options{MaxControlLine: 32}, "SUB " + strings.Repeat("a", 64) + " 1\r\n", "-ERR 'Maximum Control Line Exceeded'", true},
		{"bad size", nil, "PUB foo abc\r\n", "-ERR 'Parser Error'", true},
		{"missing crlf after payload", nil, "PUB foo 2\r\nabc\r\n", "-ERR 'Parser Error'", true},
		{"invalid sub subject", nil, "SUB foo..bar 1\r\nPING\r\n", "-ERR 'Invalid Subject'", false},
		{"wildcard not last", nil, "SUB foo.>.bar 1\r\nPING\r\n", "-ERR 'Invalid Subject'", false},
		{"bad connect json", nil, "CONNECT {nope\r\n", "-ERR 'Parser Error'", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testutil.RunServer(t, tc.opts)
			rc := testutil.DialRaw(t, s)
			rc.Send(tc.send)
			rc.Expect(tc.expect)
			if tc.closed {
				rc.ExpectClosed()
			} else {
				rc.Expect("PONG")
			}
		})
	}
}

func TestPedanticInvalidPublishSubject(t *testing.T) {
	s := testutil.RunServer(t, nil)
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {\"pedantic\":true}\r\nPUB foo.* 1\r\nx\r\nPING\r\n")
	rc.Expect("-ERR 'Invalid Publish Subject'")
	rc.Expect("PONG")

	// Without pedantic the same publish neither errors nor crashes.
	rc2 := testutil.DialRaw(t, s)
	rc2.Send("CONNECT {}\r\nPUB foo.* 1\r\nx\r\nPUB foo..bar 0\r\n\r\nPING\r\n")
	rc2.Expect("PONG")
}

func TestStaleConnection(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{PingInterval: 20 * time.Millisecond, MaxPingsOut: 2})
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\n")
	rc.Expect("PING")
	rc.Expect("PING")
	rc.Expect("-ERR 'Stale Connection'")
	rc.ExpectClosed()
	testutil.WaitFor(t, 2*time.Second, func() error {
		closed := s.ClosedConnections()
		if len(closed) != 1 || closed[0].Reason != server.StaleConnection.String() {
			return fmt.Errorf("closed connections: %+v", closed)
		}
		return nil
	})
}

func TestPongKeepsConnectionAlive(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{PingInterval: 20 * time.Millisecond, MaxPingsOut: 1})
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\n")
	for i := 0; i < 5; i++ {
		rc.Expect("PING")
		rc.Send("PONG\r\n")
	}
}

func TestAuthentication(t *testing.T) {
	t.Run("user password", func(t *testing.T) {
		s := testutil.RunServer(t, &server.Options{Username: "alice", Password: "secret"})
		if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("alice", "wrong")); err == nil {
			t.Fatal("wrong password accepted")
		}
		testutil.Connect(t, s, nats.UserInfo("alice", "secret"))
	})
	t.Run("token", func(t *testing.T) {
		s := testutil.RunServer(t, &server.Options{Authorization: "tok"})
		if _, err := nats.Connect(s.ClientURL()); err == nil {
			t.Fatal("missing token accepted")
		}
		testutil.Connect(t, s, nats.Token("tok"))
	})
	t.Run("bcrypt password", func(t *testing.T) {
		hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		s := testutil.RunServer(t, &server.Options{Username: "u", Password: string(hash)})
		if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("u", "nope")); err == nil {
			t.Fatal("wrong password accepted against a bcrypt hash")
		}
		testutil.Connect(t, s, nats.UserInfo("u", "pw"))
	})
	t.Run("raw violation", func(t *testing.T) {
		s := testutil.RunServer(t, &server.Options{Username: "a", Password: "b"})
		rc := testutil.DialRaw(t, s)
		rc.Send("SUB foo 1\r\n")
		rc.Expect("-ERR 'Authorization Violation'")
		rc.ExpectClosed()
	})
	t.Run("nkey", func(t *testing.T) {
		user, _ := nkeys.CreateUser()
		pub, _ := user.PublicKey()
		other, _ := nkeys.CreateUser()
		s := testutil.RunServer(t, &server.Options{Users: []*server.User{
			{Nkey: pub, Account: "N"},
			{Username: "pw", Password: "secret"},
		}})
		sign := func(kp nkeys.KeyPair) func([]byte) ([]byte, error) { return kp.Sign }
		if _, err := nats.Connect(s.ClientURL(), nats.Nkey(pub, sign(other))); err == nil {
			t.Fatal("a signature by another key was accepted")
		}
		nc := testutil.Connect(t, s, nats.Nkey(pub, sign(user)))
		if nc.ConnectedServerId() == "" {
			t.Fatal("not connected")
		}
		testutil.Connect(t, s, nats.UserInfo("pw", "secret"))
		found := false
		for _, ci := range s.Connections(false) {
			found = found || ci.Account == "N"
		}
		if !found {
			t.Fatal("the nkey user is not in its account")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s := testutil.RunServer(t, &server.Options{Authorization: "t", AuthTimeout: 30 * time.Millisecond})
		rc := testutil.DialRaw(t, s)
		rc.Expect("-ERR 'Authentication Timeout'")
		rc.ExpectClosed()
	})
}

func TestUsersAccountsAndPermissions(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Users: []*server.User{
		{Username: "a1", Password: "p", Account: "A"},
		{Username: "a2", Password: "p", Account: "A", Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{"ok.>"}},
			Subscribe: &server.SubjectPermission{Deny: []string{"secret.>"}},
		}},
		{Username: "b", Password: "p", Account: "B"},
	}})
	a1 := testutil.Connect(t, s, nats.UserInfo("a1", "p"))
	b := testutil.Connect(t, s, nats.UserInfo("b", "p"))
	subA, _ := a1.SubscribeSync(">")
	subB, _ := b.SubscribeSync(">")
	a1.Flush()
	b.Flush()

	errs := make(chan error, 4)
	a2 := testutil.Connect(t, s, nats.UserInfo("a2", "p"), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	a2.Publish("ok.1", []byte("allowed"))
	a2.Publish("not.ok", []byte("denied"))
	a2.Subscribe("secret.x", func(*nats.Msg) {})
	a2.Flush()

	m, err := subA.NextMsg(2 * time.Second)
	if err != nil || m.Subject != "ok.1" {
		t.Fatalf("account A got %v %v", m, err)
	}
	if m, err := subA.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("denied publish delivered: %s", m.Subject)
	}
	if m, err := subB.NextMsg(100 * time.Millisecond); err == nil {
		t.Fatalf("account B saw account A's message %s", m.Subject)
	}
	var texts []string
	testutil.WaitFor(t, 2*time.Second, func() error {
		for len(errs) > 0 {
			texts = append(texts, (<-errs).Error())
		}
		if len(texts) < 2 {
			return fmt.Errorf("permission errors so far: %v", texts)
		}
		return nil
	})
	joined := strings.Join(texts, "|")
	if !strings.Contains(joined, `Publish to "not.ok"`) || !strings.Contains(joined, `Subscription to "secret.x"`) {
		t.Fatalf("errors: %v", texts)
	}
	if !a2.IsConnected() {
		t.Fatal("a permissions violation must not close the connection")
	}
}

func TestMaxConnections(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{MaxConn: 1})
	testutil.Connect(t, s)
	_, err := nats.Connect(s.ClientURL(), nats.NoReconnect())
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "maximum connections exceeded") {
		t.Fatalf("second connection: %v", err)
	}
}

func TestMaxSubscriptions(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{MaxSubs: 2})
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n")
	rc.Expect("-ERR 'maximum subscriptions exceeded'")
	rc.Expect("PONG")
}

func TestSlowConsumerIsCutOff(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{MaxPayload: 1024, MaxPending: 4 << 20})
	slow := testutil.DialRaw(t, s) // never reads after this
	slow.Send("CONNECT {}\r\nSUB firehose 1\r\nPING\r\n")
	slow.Expect("PONG")

	fast := testutil.Connect(t, s)
	fastSub, _ := fast.SubscribeSync("firehose")
	fastSub.SetPendingLimits(-1, -1)
	fast.Flush()
	pub := testutil.Connect(t, s)
	payload := make([]byte, 1024)
	const batch, batches = 1000, 40 // 40 MB: more than the socket buffers absorb
	for b := 1; b <= batches; b++ {
		for i := 0; i < batch; i++ {
			pub.Publish("firehose", payload)
		}
		pub.Flush()
		// Pace the publisher by the fast subscriber, so only the slow one lags.
		testutil.WaitFor(t, 10*time.Second, func() error {
			if n, _, _ := fastSub.Pending(); n != b*batch {
				return fmt.Errorf("fast subscriber has %d of %d", n, b*batch)
			}
			return nil
		})
	}
	testutil.WaitFor(t, 10*time.Second, func() error {
		if got := s.Stats().SlowConsumers; got != 1 {
			return fmt.Errorf("slow consumers %d", got)
		}
		return nil
	})
	if !fast.IsConnected() || !pub.IsConnected() {
		t.Fatal("a slow consumer took others down with it")
	}
	testutil.WaitFor(t, 2*time.Second, func() error {
		for _, c := range s.ClosedConnections() {
			if c.Reason == server.SlowConsumerPendingBytes.String() {
				return nil
			}
		}
		return fmt.Errorf("no connection closed as a slow consumer: %+v", s.ClosedConnections())
	})
}

func TestLameDuckMode(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{LameDuckGracePeriod: time.Millisecond, LameDuckDuration: 50 * time.Millisecond})
	ldm := make(chan struct{}, 1)
	nc := testutil.Connect(t, s, nats.LameDuckModeHandler(func(*nats.Conn) { ldm <- struct{}{} }), nats.NoReconnect())
	nc.Flush()
	go s.LameDuck()
	select {
	case <-ldm:
	case <-time.After(5 * time.Second):
		t.Fatal("client was not told about lame duck mode")
	}
	s.WaitForShutdown()
	testutil.WaitFor(t, 2*time.Second, func() error {
		if !nc.IsClosed() {
			return fmt.Errorf("client still %v", nc.Status())
		}
		return nil
	})
}

func TestShutdownClosesClients(t *testing.T) {
	s := testutil.RunServer(t, nil)
	nc := testutil.Connect(t, s, nats.NoReconnect())
	s.Shutdown()
	testutil.WaitFor(t, 2*time.Second, func() error {
		if !nc.IsClosed() {
			return fmt.Errorf("client still %v", nc.Status())
		}
		return nil
	})
	if s.NumClients() != 0 {
		t.Fatalf("%d clients after shutdown", s.NumClients())
	}
}

// A subscriber that reads, only more slowly than the publisher writes, is
// paced by brief publisher stalls instead of being cut off.
func TestSlowReaderIsPacedNotCut(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{MaxPayload: 1024, MaxPending: 1 << 20})
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\nSUB paced 1\r\nPING\r\n")
	rc.Expect("PONG")
	const n = 8000 // 8 MiB: eight times MaxPending
	frame := len("MSG paced 1 1024\r\n") + 1024 + 2
	done := make(chan int, 1)
	go func() {
		buf := make([]byte, 256<<10)
		got := 0
		for got < n*frame {
			k, err := rc.Read(buf)
			if err != nil {
				break
			}
			got += k
			time.Sleep(time.Millisecond) // the reader's pace: at most 256 KiB/ms, slower than the publisher
		}
		done <- got
	}()
	pub := testutil.Connect(t, s)
	payload := make([]byte, 1024)
	for i := 0; i < n; i++ {
		pub.Publish("paced", payload)
	}
	pub.Flush()
	select {
	case got := <-done:
		if got != n*frame {
			t.Fatalf("reader got %d of %d bytes; slow consumers: %d", got, n*frame, s.Stats().SlowConsumers)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reader did not finish")
	}
	if sc := s.Stats().SlowConsumers; sc != 0 {
		t.Fatalf("a reading subscriber was cut off (%d slow consumers)", sc)
	}
}

// Small deliveries are written by the publisher itself; when the reader's
// socket fills, the unwritten rest goes back to the head of the queue for
// the write loop. Nothing may be lost or reordered on the way.
func TestInlineWritesKeepOrderWhenSocketFills(t *testing.T) {
	s := testutil.RunServer(t, nil)
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\nSUB ordered 1\r\nPING\r\n")
	rc.Expect("PONG")
	pub := testutil.Connect(t, s)
	const n, size = 2000, 4000 // 8 MB, more than the socket buffers hold
	for i := 0; i < n; i++ {
		payload := make([]byte, size)
		copy(payload, fmt.Sprintf("%08d", i))
		pub.Publish("ordered", payload)
		if err := pub.Flush(); err != nil { // one message per read: the inline path
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		rc.Expect(fmt.Sprintf("MSG ordered 1 %d", size))
		line := rc.ReadLine()
		if want := fmt.Sprintf("%08d", i); len(line) != size || line[:8] != want {
			t.Fatalf("message %d: got %q..., want %s", i, line[:min(8, len(line))], want)
		}
	}
}

// TestQueuePermissions: a subscribe permission "subject queue" allows (or
// denies) queue subscriptions in that queue group only, as nats-server's.
func TestQueuePermissions(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Users: []*server.User{
		{Username: "a", Password: "p", Permissions: &server.Permissions{
			Subscribe: &server.SubjectPermission{Allow: []string{"q A", "w.* work.*"}},
		}},
		{Username: "d", Password: "p", Permissions: &server.Permissions{
			Subscribe: &server.SubjectPermission{Allow: []string{">"}, Deny: []string{"q bad"}},
		}},
	}})
	check := func(user string, subs map[[2]string]bool) {
		t.Helper()
		errs := make(chan error, 8)
		nc := testutil.Connect(t, s, nats.UserInfo(user, "p"),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		for sq, ok := range subs {
			if _, err := nc.QueueSubscribe(sq[0], sq[1], func(*nats.Msg) {}); err != nil {
				t.Fatal(err)
			}
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("Permissions Violation for Subscription to %q", sq[0])
			if sq[1] != "" {
				want += fmt.Sprintf(" using queue %q", sq[1])
			}
			select {
			case err := <-errs:
				if ok || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s: subscribe %q in queue %q: error %v (allowed %v)", user, sq[0], sq[1], err, ok)
				}
			case <-time.After(100 * time.Millisecond):
				if !ok {
					t.Fatalf("%s: subscribe %q in queue %q allowed", user, sq[0], sq[1])
				}
			}
		}
	}
	check("a", map[[2]string]bool{
		{"q", "A"}: true, {"q", "bad"}: false, {"q", ""}: false,
		{"w.1", "work.x"}: true, {"w.1", "play"}: false,
	})
	check("d", map[[2]string]bool{{"q", "A"}: true, {"q", ""}: true, {"q", "bad"}: false})
}
