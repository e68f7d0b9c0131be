//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/petrelmq/petrel/internal/testutil"
)

// TestBinaryOperatorConfig runs the binary with an operator-mode config in
// the form nats-server and its clients' test suites use (operator JWT
// inline, resolver MEMORY, resolver_preload) and connects with a creds
// file; a second config reads the operator from a file and the accounts
// from a resolver directory.
func TestBinaryOperatorConfig(t *testing.T) {
	op, _ := nkeys.CreateOperator()
	opPub, _ := op.PublicKey()
	opJWT, err := jwt.NewOperatorClaims(opPub).Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := nkeys.CreateAccount()
	accPub, _ := acc.PublicKey()
	ac := jwt.NewAccountClaims(accPub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	accJWT, err := ac.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	user, _ := nkeys.CreateUser()
	userPub, _ := user.PublicKey()
	userJWT, err := jwt.NewUserClaims(userPub).Encode(acc)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	credsFile := filepath.Join(dir, "user.creds")
	write(t, credsFile, string(creds))

	inline := fmt.Sprintf("operator: %s\nresolver = MEMORY\nresolver_preload = {\n  # the account\n  %s : %q\n}\n", opJWT, accPub, accJWT)
	jwtDir := filepath.Join(dir, "jwt")
	os.Mkdir(jwtDir, 0o700)
	write(t, filepath.Join(jwtDir, accPub+".jwt"), accJWT)
	write(t, filepath.Join(dir, "op.jwt"), opJWT)
	fromFiles := fmt.Sprintf("operator: %q\nresolver: { type: full, dir: %q }\n", filepath.Join(dir, "op.jwt"), jwtDir)

	for name, text := range map[string]string{"inline": inline, "files": fromFiles} {
		t.Run(name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "op.conf")
			write(t, conf, text)
			p, url := startPetrelURL(t, "-c", conf, "-a", "127.0.0.1", "-js", "-sd", t.TempDir())
			nc, err := nats.Connect(url, nats.UserCredentials(credsFile))
			if err != nil {
				t.Fatalf("connect with creds: %v\n%s", err, p.stderr)
			}
			defer nc.Close()
			if _, err := nc.Request("$JS.API.INFO", nil, 2*time.Second); err != nil {
				t.Fatalf("JetStream for the JWT account: %v", err)
			}
			if nc2, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
				nc2.Close()
				t.Fatalf("connected without credentials\n%s", p.stderr)
			}
		})
	}
}

// startPetrelURL starts petrel on a port it picks itself and returns its
// client URL, read from its ports file: no other process can have taken
// the port in between.
func startPetrelURL(t *testing.T, args ...string) (*process, string) {
	t.Helper()
	dir := t.TempDir()
	p := startPetrel(t, append(args, "-p", "-1", "--ports_file_dir", dir)...)
	var ports struct{ Nats []string }
	path := filepath.Join(dir, fmt.Sprintf("petrel_%d.ports", p.cmd.Process.Pid))
	testutil.WaitFor(t, 10*time.Second, func() error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &ports); err != nil {
			return err
		}
		if len(ports.Nats) == 0 {
			return errors.New("no client URL in the ports file")
		}
		return nil
	})
	return p, ports.Nats[0]
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
