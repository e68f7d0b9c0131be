package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/petrelmq/petrel/server"
)

// testCerts are PEM files: a self-signed CA, and a server certificate and
// key it signed for 127.0.0.1 and localhost.
type testCerts struct {
	ca, cert, key string
	caPool        *x509.CertPool
}

func writeCerts(t *testing.T) testCerts {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "petrel test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey := newKey(t)
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	c := testCerts{
		ca:     writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER),
		cert:   writePEM(t, dir, "server.pem", "CERTIFICATE", srvDER),
		key:    writePEM(t, dir, "server-key.pem", "EC PRIVATE KEY", keyDER),
		caPool: x509.NewCertPool(),
	}
	c.caPool.AddCert(caCert)
	return c
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBuildTLSConfig(t *testing.T) {
	c := writeCerts(t)
	cfg, err := buildTLSConfig(&server.Options{TLSCert: c.cert, TLSKey: c.key})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Certificates) != 1 || cfg.ClientAuth != tls.NoClientCert || cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("without verify: %d certificates, client auth %v, min version %x", len(cfg.Certificates), cfg.ClientAuth, cfg.MinVersion)
	}
	handshake(t, cfg, c.caPool)

	cfg, err = buildTLSConfig(&server.Options{TLSCert: c.cert, TLSKey: c.key, TLSCaCert: c.ca, TLSVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
		t.Errorf("with verify: client auth %v, client CAs %v", cfg.ClientAuth, cfg.ClientCAs)
	}
}

// handshake completes a TLS handshake against cfg with a client trusting
// roots, proving the certificate and key work together.
func handshake(t *testing.T, cfg *tls.Config, roots *x509.CertPool) {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	errc := make(chan error, 1)
	go func() { errc <- tls.Server(a, cfg).Handshake() }()
	if err := tls.Client(b, &tls.Config{RootCAs: roots, ServerName: "localhost"}).Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
}

func TestBuildTLSConfigErrors(t *testing.T) {
	c := writeCerts(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	cases := []struct {
		opts server.Options
		want string
	}{
		{server.Options{TLSCert: missing, TLSKey: c.key}, "loading certificate " + missing},
		{server.Options{TLSCert: garbage, TLSKey: c.key}, "loading certificate " + garbage},
		{server.Options{TLSCert: c.key, TLSKey: c.cert}, "loading certificate"},
		{server.Options{TLSCert: c.cert, TLSKey: c.key, TLSCaCert: garbage}, "holds no PEM certificate"},
		{server.Options{TLSCert: c.cert, TLSKey: c.key, TLSCaCert: missing}, "CA file"},
		{server.Options{TLSCert: c.cert}, "needs both"},
	}
	for _, tc := range cases {
		_, err := buildTLSConfig(&tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.opts, err, tc.want)
		}
	}
}

func TestConfigTLSBlockBuildsConfig(t *testing.T) {
	dataHome(t)
	c := writeCerts(t)
	path := writeConfig(t, "tls {\n  cert_file: \""+c.cert+"\"\n  key_file: \""+c.key+"\"\n  ca_file: \""+c.ca+"\"\n  verify: true\n  timeout: 3\n  handshake_first: true\n}\n")
	o := mustBuild(t, "-c", path).opts
	if o.TLSConfig == nil || o.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert || o.TLSTimeout != 3*time.Second {
		t.Fatalf("tls block: config %v, timeout %v", o.TLSConfig, o.TLSTimeout)
	}
	if !o.TLSHandshakeFirst {
		t.Error("tls.handshake_first: true did not set TLSHandshakeFirst")
	}
	auto := writeConfig(t, "tls { cert_file: \""+c.cert+"\", key_file: \""+c.key+"\", handshake_first: auto }\n")
	fl, _ := parseFlags([]string{"-c", auto})
	if _, err := buildOptions(fl); err == nil || !strings.Contains(err.Error(), "handshake_first") {
		t.Errorf("handshake_first: auto: error %v, want one naming handshake_first", err)
	}
	bad := writeConfig(t, "tls { cert_file: /nonexistent/cert.pem, key_file: /nonexistent/key.pem }\n")
	fl, _ = parseFlags([]string{"-c", bad})
	if _, err := buildOptions(fl); err == nil || !strings.Contains(err.Error(), "/nonexistent/cert.pem") {
		t.Errorf("bad cert file: error %v", err)
	}
	nocert := writeConfig(t, "tls { verify: true }\n")
	fl, _ = parseFlags([]string{"-c", nocert})
	if _, err := buildOptions(fl); err == nil || !strings.Contains(err.Error(), "tls needs a certificate") {
		t.Errorf("tls block without certificate: error %v", err)
	}
}
