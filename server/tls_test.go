package server_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/server"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "petrel test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	s := testutil.RunServer(t, &server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	nc := testutil.Connect(t, s, nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if !nc.TLSRequired() {
		t.Fatal("INFO did not require TLS")
	}
	sub, _ := nc.SubscribeSync("secure")
	nc.Publish("secure", []byte("over tls"))
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil || string(m.Data) != "over tls" {
		t.Fatalf("got %v %v", m, err)
	}

	// A client that skips the handshake is closed, not served in the clear.
	rc := testutil.DialRaw(t, s)
	rc.Send("CONNECT {}\r\nPING\r\n")
	rc.ExpectClosed()
}

// TestTLSHandshakeFirst checks TLSHandshakeFirst: the client's handshake
// comes before INFO, and a client that waits for INFO in the clear gets
// nothing.
func TestTLSHandshakeFirst(t *testing.T) {
	cert, pool := selfSigned(t)
	s := testutil.RunServer(t, &server.Options{TLSHandshakeFirst: true,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	nc := testutil.Connect(t, s, nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}), nats.TLSHandshakeFirst())
	sub, _ := nc.SubscribeSync("first")
	nc.Publish("first", []byte("tls first"))
	if m, err := sub.NextMsg(2 * time.Second); err != nil || string(m.Data) != "tls first" {
		t.Fatalf("got %v %v", m, err)
	}

	raw, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := raw.Read(make([]byte, 64)); n > 0 || err == nil {
		t.Fatalf("server sent %d bytes in the clear before the handshake", n)
	}
}

// clientCA returns a CA for client certificates and a pool that trusts it.
func clientCA(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "petrel test client CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// clientCert returns a client certificate signed by ca with the given
// subject and email addresses.
func clientCert(t *testing.T, ca tls.Certificate, subject pkix.Name, emails ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(time.Now().UnixNano()),
		Subject:        subject,
		EmailAddresses: emails,
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Leaf, &key.PublicKey, ca.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTLSVerifyAndMap checks verify_and_map: the client is the user its
// certificate names, by email address, else by subject, with that user's
// permissions and no password; a certificate naming no user is refused
// (nats.c's SSLVerify).
func TestTLSVerifyAndMap(t *testing.T) {
	cert, pool := selfSigned(t)
	ca, caPool := clientCA(t)
	s := testutil.RunServer(t, &server.Options{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: caPool, ClientAuth: tls.RequireAndVerifyClientCert},
		TLSVerify: true,
		TLSMap:    true,
		Users: []*server.User{
			{Username: "derek@nats.io", Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{"foo"}}}},
			{Username: "CN=alice,O=Petrel", Password: "unused"},
		},
	})
	connect := func(c tls.Certificate) (*nats.Conn, error) {
		return nats.Connect(s.ClientURL(), nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", Certificates: []tls.Certificate{c}}))
	}

	errs := make(chan error, 1)
	nc, err := nats.Connect(s.ClientURL(),
		nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", Certificates: []tls.Certificate{clientCert(t, ca, pkix.Name{CommonName: "localhost"}, "derek@nats.io")}}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatalf("by email: %v", err)
	}
	defer nc.Close()
	nc.Publish("bar", nil) // derek may publish only to foo
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("publish to bar: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("derek's permissions were not applied")
	}

	alice, err := connect(clientCert(t, ca, pkix.Name{CommonName: "alice", Organization: []string{"Petrel"}}))
	if err != nil {
		t.Fatalf("by subject: %v", err)
	}
	alice.Close()

	if nc, err := connect(clientCert(t, ca, pkix.Name{CommonName: "mallory"}, "mallory@nats.io")); err == nil {
		nc.Close()
		t.Fatal("a certificate naming no user was let in")
	}
}

// TestTLSAllowNonTLS checks allow_non_tls: INFO offers TLS without
// requiring it, a client that starts a handshake gets TLS and one that
// does not is served in the clear (nats.c's SSLAvailable).
func TestTLSAllowNonTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	s := testutil.RunServer(t, &server.Options{AllowNonTLS: true, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})

	secure := testutil.Connect(t, s, nats.Secure(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if _, err := secure.TLSConnectionState(); err != nil {
		t.Fatalf("secure client: %v", err)
	}
	plain := testutil.Connect(t, s)
	if _, err := plain.TLSConnectionState(); err == nil {
		t.Fatal("plain client got TLS")
	}
	sub, _ := secure.SubscribeSync("mixed")
	secure.Flush()
	plain.Publish("mixed", []byte("in the clear"))
	if m, err := sub.NextMsg(2 * time.Second); err != nil || string(m.Data) != "in the clear" {
		t.Fatalf("got %v %v", m, err)
	}

	raw, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	info, err := bufio.NewReader(raw).ReadString('\n')
	if err != nil || !strings.Contains(info, `"tls_available":true`) || strings.Contains(info, `"tls_required":true`) {
		t.Fatalf("INFO %q %v", info, err)
	}
}
