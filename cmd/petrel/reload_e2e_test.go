//go:build unix

package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
)

// hangup sends SIGHUP to p and waits for the log line that ends the
// reload it starts: want, the n-th time it appears.
func (p *process) hangup(t *testing.T, want string, n int) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 10*time.Second, func() error {
		if got := strings.Count(p.stderr.String(), want); got < n {
			return fmt.Errorf("%q logged %d times, want %d", want, got, n)
		}
		return nil
	})
}

const reloadUsers = `
	host: 127.0.0.1
	authorization {
		users = [
			{user: alice, password: %s}
			{user: bob, password: b}
		]
	}
`

// TestBinaryReloadOnSIGHUP rewrites the config file of a running petrel
// and sends SIGHUP: a changed password closes the clients using the old
// one and admits the new, an unchanged user keeps its connection and
// subscription, and a change of server_name is refused with the running
// configuration kept.
func TestBinaryReloadOnSIGHUP(t *testing.T) {
	config := writeConfig(t, fmt.Sprintf(reloadUsers, "old"))
	p, url := startPetrelURL(t, "-c", config)
	aliceClosed := make(chan struct{})
	alice, err := nats.Connect(url, nats.UserInfo("alice", "old"), nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(aliceClosed) }))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	bob, err := nats.Connect(url, nats.UserInfo("bob", "b"), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	sub, _ := bob.SubscribeSync("chat")
	bob.Flush()

	write(t, config, fmt.Sprintf(reloadUsers, "new"))
	p.hangup(t, "Reloaded server configuration", 1)
	select {
	case <-aliceClosed:
	case <-time.After(5 * time.Second):
		t.Fatal("alice, with the old password, is still connected")
	}
	if nc, err := nats.Connect(url, nats.UserInfo("alice", "old"), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("the old password still works")
	}
	alice2, err := nats.Connect(url, nats.UserInfo("alice", "new"))
	if err != nil {
		t.Fatalf("the new password: %v", err)
	}
	defer alice2.Close()
	alice2.Publish("chat", []byte("hi bob"))
	if m, err := sub.NextMsg(5 * time.Second); err != nil || string(m.Data) != "hi bob" {
		t.Fatalf("bob's subscription after the reload: %v %v", m, err)
	}

	write(t, config, "server_name: renamed\n"+fmt.Sprintf(reloadUsers, "newer"))
	p.hangup(t, "Failed to reload server configuration", 1)
	if !strings.Contains(p.stderr.String(), "server_name can not be changed") {
		t.Errorf("the refusal does not name server_name:\n%s", p.stderr)
	}
	if err := alice2.Flush(); err != nil {
		t.Fatalf("a refused reload closed a client: %v", err)
	}
	nc, err := nats.Connect(url, nats.UserInfo("alice", "new"))
	if err != nil {
		t.Fatalf("a refused reload changed the password: %v", err)
	}
	nc.Close()
}

// TestBinaryReloadTLSCertificate points the tls block at a new
// certificate and key: after SIGHUP new connections get the new one.
func TestBinaryReloadTLSCertificate(t *testing.T) {
	c1, c2 := writeCerts(t), writeCerts(t)
	tlsConfig := func(c testCerts) string {
		return fmt.Sprintf("host: 127.0.0.1\ntls { cert_file: %q, key_file: %q }\n", c.cert, c.key)
	}
	config := writeConfig(t, tlsConfig(c1))
	p, url := startPetrelURL(t, "-c", config)
	trusting := func(pool *x509.CertPool) (*nats.Conn, error) {
		return nats.Connect(url, nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}), nats.NoReconnect())
	}
	old, err := trusting(c1.caPool)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	write(t, config, tlsConfig(c2))
	p.hangup(t, "Reloaded server configuration", 1)
	nc, err := trusting(c2.caPool)
	if err != nil {
		t.Fatalf("a client trusting the new certificate's CA: %v", err)
	}
	nc.Close()
	nc, err = trusting(c1.caPool)
	if err == nil {
		nc.Close()
		t.Fatal("the old certificate is still served to new connections")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) && !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client trusting only the old CA failed with %v, want a certificate error", err)
	}
	if err := old.Flush(); err != nil {
		t.Fatalf("the connection made before the reload broke: %v", err)
	}
}
