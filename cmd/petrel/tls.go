package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/petrelmq/petrel/server"
)

// setTLS builds Options.TLSConfig when a certificate is configured. TLS
// asked for (--tls, --tlsverify, a tls block) without a certificate and
// key is an error rather than a silently plain server.
func setTLS(rc *runConfig) error {
	o := rc.opts
	if o.TLSCert == "" && o.TLSKey == "" {
		if rc.tls {
			return errors.New("tls needs a certificate and a key (--tlscert and --tlskey, or cert_file and key_file)")
		}
		return nil
	}
	cfg, err := buildTLSConfig(o)
	if err != nil {
		return err
	}
	o.TLSConfig = cfg
	return nil
}

// buildTLSConfig loads the server certificate and, when given, the CA
// that client certificates must chain to. With TLSVerify every client
// must present a certificate that verifies.
func buildTLSConfig(o *server.Options) (*tls.Config, error) {
	if o.TLSCert == "" || o.TLSKey == "" {
		return nil, errors.New("tls needs both a certificate and a key")
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("tls: loading certificate %s and key %s: %w", o.TLSCert, o.TLSKey, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}
	if o.TLSCaCert != "" {
		pool, err := loadCertPool(o.TLSCaCert)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	if o.TLSVerify {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

func loadCertPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tls: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}
