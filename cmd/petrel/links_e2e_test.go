//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestBinaryAccountLinks runs the binary with a config whose accounts
// share a stream and a service, as a nats-server config would.
func TestBinaryAccountLinks(t *testing.T) {
	port := freePort(t)
	conf := filepath.Join(t.TempDir(), "links.conf")
	os.WriteFile(conf, []byte(`accounts {
		A { users: [ {user: a, password: a} ]
		    exports: [ {stream: "news.>"}, {service: "time", response_type: singleton} ] }
		B { users: [ {user: b, password: b} ]
		    imports: [ {stream: {account: A, subject: "news.>"}, prefix: a}
		               {service: {account: A, subject: "time"}, to: "a.time"} ] }
	}`), 0o600)
	startPetrel(t, "-c", conf, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "--no_jetstream").waitListening(t, port)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	a, err := nats.Connect(url, nats.UserInfo("a", "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := nats.Connect(url, nats.UserInfo("b", "b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Subscribe("time", func(m *nats.Msg) { m.Respond([]byte("noon")) })
	a.Flush()
	sub, _ := b.SubscribeSync("a.news.>")
	b.Flush()
	a.Publish("news.today", []byte("hello"))
	if m, err := sub.NextMsg(3 * time.Second); err != nil || m.Subject != "a.news.today" || string(m.Data) != "hello" {
		t.Fatalf("stream import: %v, %v", m, err)
	}
	if m, err := b.Request("a.time", nil, 3*time.Second); err != nil || string(m.Data) != "noon" {
		t.Fatalf("service import: %v, %v", m, err)
	}
}

// TestBinaryImportNotExported: the binary refuses a config importing what
// is not exported to the importer, and says which import.
func TestBinaryImportNotExported(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(conf, []byte(`accounts {
		A { exports: [ {stream: "x", accounts: [C]} ] }
		B { imports: [ {stream: {account: A, subject: "x"}} ] }
		C {}
	}`), 0o600)
	p := startPetrel(t, "-c", conf, "-a", "127.0.0.1", "-p", strconv.Itoa(freePort(t)), "--no_jetstream")
	if code := p.waitExit(t, 10*time.Second); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if out := p.stderr.String(); !strings.Contains(out, `account B: stream import of "x" from account A: not exported to B`) {
		t.Errorf("stderr %q", out)
	}
}
