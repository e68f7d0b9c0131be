package server_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// reload applies the running options of s with edit made to a copy.
func reload(t *testing.T, s *server.Server, edit func(o *server.Options)) {
	t.Helper()
	o := *s.Options()
	edit(&o)
	if err := s.Reload(&o); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// onceConn is a connection that does not reconnect, so one the server
// closes stays closed.
type onceConn struct {
	*nats.Conn
	closed chan struct{}
	errs   chan error // what the server told it asynchronously
}

func connectOnce(t *testing.T, s *server.Server, opts ...nats.Option) *onceConn {
	t.Helper()
	c := &onceConn{closed: make(chan struct{}), errs: make(chan error, 100)}
	opts = append(opts, nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(c.closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}))
	c.Conn = testutil.Connect(t, s, opts...)
	return c
}

// waitAuthClosed fails unless the server closes c for an authorization
// violation.
func (c *onceConn) waitAuthClosed(t *testing.T, what string) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still connected", what)
	}
	for {
		select {
		case err := <-c.errs:
			if errors.Is(err, nats.ErrAuthorization) {
				return
			}
		default:
			t.Fatalf("%s: closed without an authorization violation (last error %v)", what, c.LastError())
		}
	}
}

func expectRefused(t *testing.T, s *server.Server, what string, opts ...nats.Option) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append(opts, nats.NoReconnect())...)
	if err == nil {
		nc.Close()
		t.Fatalf("%s: connected, want refused", what)
	}
}

func users(us ...*server.User) []*server.User { return us }

func TestReloadPasswordChange(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Users: users(
		&server.User{Username: "alice", Password: "old"},
		&server.User{Username: "bob", Password: "same"},
	)})
	alice := connectOnce(t, s, nats.UserInfo("alice", "old"))
	bob := connectOnce(t, s, nats.UserInfo("bob", "same"))
	raw := testutil.DialRaw(t, s)
	raw.Send(`CONNECT {"user":"alice","pass":"old"}` + "\r\nPING\r\n")
	raw.Expect("PONG")

	reload(t, s, func(o *server.Options) {
		o.Users = users(&server.User{Username: "alice", Password: "new"}, &server.User{Username: "bob", Password: "same"})
	})
	raw.Expect("-ERR 'Authorization Violation'")
	raw.ExpectClosed()
	alice.waitAuthClosed(t, "alice with the old password")
	if err := bob.Flush(); err != nil || !bob.IsConnected() {
		t.Fatalf("bob, unchanged, lost his connection: %v", err)
	}
	expectRefused(t, s, "the old password", nats.UserInfo("alice", "old"))
	testutil.Connect(t, s, nats.UserInfo("alice", "new"))
}

func TestReloadRemovedUserIsClosedOthersKeepSubscriptions(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Users: users(
		&server.User{Username: "alice", Password: "a"},
		&server.User{Username: "bob", Password: "b"},
		&server.User{Username: "carol", Password: "c", Account: "C"},
	)})
	alice := connectOnce(t, s, nats.UserInfo("alice", "a"))
	bob := connectOnce(t, s, nats.UserInfo("bob", "b"))
	carol := connectOnce(t, s, nats.UserInfo("carol", "c"))
	sub, _ := alice.SubscribeSync("news.>")
	alice.Flush()

	reload(t, s, func(o *server.Options) {
		o.Users = users(
			&server.User{Username: "alice", Password: "a"},
			&server.User{Username: "carol", Password: "c", Account: "D"}, // moved
		)
	})
	bob.waitAuthClosed(t, "bob, removed")
	carol.waitAuthClosed(t, "carol, moved to another account")
	expectRefused(t, s, "bob after removal", nats.UserInfo("bob", "b"))

	pub := testutil.Connect(t, s, nats.UserInfo("alice", "a"))
	pub.Publish("news.today", []byte("still here"))
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil || string(m.Data) != "still here" {
		t.Fatalf("alice's subscription after reload: %v %v", m, err)
	}
	if !alice.IsConnected() || alice.Stats().Reconnects != 0 {
		t.Fatal("alice, unchanged, was disconnected")
	}
}

func TestReloadNarrowsPermissionsOnLiveConnection(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Users: users(&server.User{Username: "u", Password: "p"})})
	base := s.GlobalAccount().Sublist().Count() // the system requests' own
	rc := testutil.DialRaw(t, s)
	rc.Send(`CONNECT {"user":"u","pass":"p"}` + "\r\nSUB orders.> 1\r\nSUB audit 2\r\nSUB audit workers 3\r\nPING\r\n")
	rc.Expect("PONG")

	reload(t, s, func(o *server.Options) {
		o.Users = users(&server.User{Username: "u", Password: "p", Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{"orders.>"}},
			Subscribe: &server.SubjectPermission{Allow: []string{"orders.>"}},
		}})
	})
	got := map[string]bool{rc.ReadLine(): true, rc.ReadLine(): true}
	for _, want := range []string{
		`-ERR 'Permissions Violation for Subscription to "audit" (sid "2")'`,
		`-ERR 'Permissions Violation for Subscription to "audit" using queue "workers" (sid "3")'`,
	} {
		if !got[want] {
			t.Fatalf("got %v, want %s", got, want)
		}
	}
	rc.Send("PUB audit 1\r\nx\r\n")
	rc.Expect(`-ERR 'Permissions Violation for Publish to "audit"'`)

	other := testutil.Connect(t, s, nats.UserInfo("u", "p"))
	other.Publish("audit", []byte("gone")) // denied, and nobody listens anyway
	other.Flush()
	rc.Send("PUB orders.1 2\r\nok\r\nPING\r\n")
	rc.Expect("MSG orders.1 1 2")
	rc.Expect("ok")
	rc.Expect("PONG")
	if n := s.GlobalAccount().Sublist().Count() - base; n != 1 {
		t.Fatalf("%d subscriptions left, want orders.> only", n)
	}
}

func TestReloadToken(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Authorization: "t1"})
	nc := connectOnce(t, s, nats.Token("t1"))
	reload(t, s, func(o *server.Options) { o.Authorization = "t2" })
	nc.waitAuthClosed(t, "the old token")
	expectRefused(t, s, "the old token", nats.Token("t1"))
	testutil.Connect(t, s, nats.Token("t2"))

	// Turning authentication off lets everyone in, the connected too.
	nc2 := connectOnce(t, s, nats.Token("t2"))
	reload(t, s, func(o *server.Options) { o.Authorization = "" })
	testutil.Connect(t, s)
	if err := nc2.Flush(); err != nil {
		t.Fatalf("a client with a token lost its connection when auth was turned off: %v", err)
	}
}

func TestReloadRefusesFixedOptionsAndChangesNothing(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{Username: "u", Password: "p", ServerName: "one"})
	nc := connectOnce(t, s, nats.UserInfo("u", "p"))
	for _, c := range []struct {
		want string
		edit func(o *server.Options)
	}{
		{"server_name", func(o *server.Options) { o.ServerName = "two" }},
		{"port", func(o *server.Options) { o.Port = 4333 }},
		{"host", func(o *server.Options) { o.Host = "0.0.0.0" }},
		{"jetstream", func(o *server.Options) { o.JetStream = !o.JetStream }},
		{"store_dir", func(o *server.Options) { o.StoreDir = t.TempDir() }},
		{"http_port", func(o *server.Options) { o.HTTPPort = 8222 }},
		{"cluster", func(o *server.Options) { o.Cluster.Name = "c" }},
		{"can not have a single user/pass and a token", func(o *server.Options) { o.Authorization = "t" }},
		{"no_auth_user", func(o *server.Options) { o.NoAuthUser = "nobody" }},
	} {
		o := *s.Options()
		o.Password = "changed" // would close nc, were it applied
		c.edit(&o)
		err := s.Reload(&o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s changed: got %v, want an error naming it", c.want, err)
		}
	}
	if o := s.Options(); o.Password != "p" || o.ServerName != "one" {
		t.Fatalf("a refused reload changed the options: %+v", o)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("a refused reload closed a client: %v", err)
	}
	testutil.Connect(t, s, nats.UserInfo("u", "p"))
	if err := s.Reload(nil); err == nil {
		t.Error("Reload(nil) succeeded")
	}
}

func TestReloadTLSCertificate(t *testing.T) {
	cert1, pool1 := selfSigned(t)
	cert2, pool2 := selfSigned(t)
	s := testutil.RunServer(t, &server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert1}}})
	old := testutil.Connect(t, s, nats.Secure(&tls.Config{RootCAs: pool1, ServerName: "127.0.0.1"}))

	reload(t, s, func(o *server.Options) { o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert2}} })
	testutil.Connect(t, s, nats.Secure(&tls.Config{RootCAs: pool2, ServerName: "127.0.0.1"}))
	expectRefused(t, s, "a client trusting only the old certificate",
		nats.Secure(&tls.Config{RootCAs: pool1, ServerName: "127.0.0.1"}))
	if err := old.Flush(); err != nil {
		t.Fatalf("the connection made with the old certificate broke: %v", err)
	}
}

// TestReloadWhilePublishing runs reloads that flip a user's permissions
// while the user publishes and subscribes: the race detector checks the
// swaps, and the connection must survive every reload.
func TestReloadWhilePublishing(t *testing.T) {
	wide := users(&server.User{Username: "u", Password: "p"})
	narrow := users(&server.User{Username: "u", Password: "p", Permissions: &server.Permissions{
		Publish: &server.SubjectPermission{Deny: []string{"blocked"}},
	}})
	s := testutil.RunServer(t, &server.Options{Users: wide})
	nc := connectOnce(t, s, nats.UserInfo("u", "p"))
	sub, _ := nc.SubscribeSync("work")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var published atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			published.Add(1)
			nc.Publish("work", []byte("x"))
			nc.Publish("blocked", []byte("x"))
			if i%50 == 0 {
				s, _ := nc.SubscribeSync(fmt.Sprintf("tmp.%d", i))
				s.Unsubscribe()
			}
		}
	}()
	for i := 0; i < 40 || published.Load() < 2000; i++ {
		reload(t, s, func(o *server.Options) { o.Users = [][]*server.User{wide, narrow}[i%2] })
	}
	close(stop)
	wg.Wait()
	select {
	case <-nc.closed:
		t.Fatalf("the connection was closed: %v", nc.LastError())
	default:
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(time.Second); err != nil && !errors.Is(err, nats.ErrSlowConsumer) {
		t.Fatalf("no message on the subscription: %v", err)
	}
}
