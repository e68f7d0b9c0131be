package monitor_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
)

// The system account gets nats-server's client events: CONNECT and
// DISCONNECT per account, CLIENT.AUTH.ERR per failed authentication
// (nats events shows them).
func TestClientEvents(t *testing.T) {
	s := runWithAccounts(t)
	sys := testutil.Connect(t, s, nats.UserInfo("sys", "pw"))
	connects, err := sys.SubscribeSync("$SYS.ACCOUNT.*.CONNECT")
	if err != nil {
		t.Fatal(err)
	}
	disconnects, _ := sys.SubscribeSync("$SYS.ACCOUNT.*.DISCONNECT")
	authErrs, _ := sys.SubscribeSync("$SYS.SERVER.*.CLIENT.AUTH.ERR")
	sys.Flush()

	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"), nats.Name("worker"))
	app.Publish("orders.new", []byte("hello"))
	app.Flush()
	cid, _ := app.GetClientID()
	app.Close()

	m, err := connects.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("connect event: %v", err)
	}
	var ce monitor.ConnectEventMsg
	if err := json.Unmarshal(m.Data, &ce); err != nil {
		t.Fatal(err)
	}
	if m.Subject != "$SYS.ACCOUNT.APP.CONNECT" || ce.Type != "io.nats.server.advisory.v1.client_connect" || ce.ID == "" ||
		ce.Client.ID != cid || ce.Client.Account != "APP" || ce.Client.User != "app" || ce.Client.Name != "worker" ||
		ce.Server == nil || ce.Server.ID != s.ID() {
		t.Fatalf("connect event on %s: %s", m.Subject, m.Data)
	}

	m, err = disconnects.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("disconnect event: %v", err)
	}
	var de monitor.DisconnectEventMsg
	if err := json.Unmarshal(m.Data, &de); err != nil {
		t.Fatal(err)
	}
	if m.Subject != "$SYS.ACCOUNT.APP.DISCONNECT" || de.Type != "io.nats.server.advisory.v1.client_disconnect" ||
		de.Client.ID != cid || de.Client.Stop == nil || de.Sent.Msgs != 1 || de.Sent.Bytes != 5 || de.Reason != "Client Closed" {
		t.Fatalf("disconnect event on %s: %s", m.Subject, m.Data)
	}

	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("app", "wrong"), nats.MaxReconnects(0)); err == nil {
		t.Fatal("connected with a wrong password")
	}
	m, err = authErrs.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("auth error event: %v", err)
	}
	if err := json.Unmarshal(m.Data, &de); err != nil {
		t.Fatal(err)
	}
	if de.Reason != "Authentication Failure" || de.Client.User != "app" {
		t.Fatalf("auth error event: %s", m.Data)
	}
	if m, err := disconnects.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("a failed authentication sent a disconnect event: %s", m.Data)
	}
}
