package monitor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// runWithAccounts starts a server with a system account and two others:
// APP (user "app", publish permissions) and OTHER (user "other").
func runWithAccounts(t *testing.T) *server.Server {
	t.Helper()
	return testutil.RunServer(t, &server.Options{
		SystemAccount: "SYS",
		Accounts:      []*server.AccountConfig{{Name: "SYS"}, {Name: "APP"}, {Name: "OTHER"}},
		Users: []*server.User{
			{Username: "sys", Password: "pw", Account: "SYS"},
			{Username: "app", Password: "pw", Account: "APP", Permissions: &server.Permissions{
				Publish: &server.SubjectPermission{Allow: []string{"orders.>", "$SYS.REQ.>", "_INBOX.>"}, Deny: []string{"orders.secret"}},
			}},
			{Username: "other", Password: "pw", Account: "OTHER"},
		},
	})
}

// Every account answers $SYS.REQ.USER.INFO about the requesting user, as
// nats-server's system imports do: nats account info shows User, Account
// and the permissions from it.
func TestUserInfoInEveryAccount(t *testing.T) {
	s := runWithAccounts(t)
	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"))
	ui := sysRequest[monitor.UserInfo](t, app, "$SYS.REQ.USER.INFO", "")
	if ui.Server.ID != s.ID() || ui.Data.UserID != "app" || ui.Data.Account != "APP" || ui.Data.AccountName != "APP" || ui.Data.Expires != 0 {
		t.Fatalf("user info of app: %+v (server %+v)", ui.Data, ui.Server)
	}
	if p := ui.Data.Permissions; p == nil || p.Publish == nil || len(p.Publish.Allow) != 3 ||
		len(p.Publish.Deny) != 1 || p.Publish.Deny[0] != "orders.secret" || p.Subscribe != nil {
		t.Fatalf("permissions of app: %+v", p)
	}
	sys := testutil.Connect(t, s, nats.UserInfo("sys", "pw"))
	ui = sysRequest[monitor.UserInfo](t, sys, "$SYS.REQ.USER.INFO", "")
	if ui.Data.UserID != "sys" || ui.Data.Account != "SYS" || ui.Data.Permissions != nil {
		t.Fatalf("user info of sys: %+v", ui.Data)
	}
	// nats.go learns from the INFO sent after its first PING which
	// account it is in and whether that is the system account.
	if !sys.IsSystemAccount() || app.IsSystemAccount() {
		t.Fatalf("IsSystemAccount: sys %v, app %v", sys.IsSystemAccount(), app.IsSystemAccount())
	}
}

// An account's CONNZ (nats account report connections) lists only its
// own connections, on both subjects nats-server imports it as.
func TestAccountConnzConfined(t *testing.T) {
	s := runWithAccounts(t)
	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"), nats.Name("app-1"))
	testutil.Connect(t, s, nats.UserInfo("app", "pw"), nats.Name("app-2"))
	testutil.Connect(t, s, nats.UserInfo("other", "pw"), nats.Name("other"))
	testutil.Connect(t, s, nats.UserInfo("sys", "pw"), nats.Name("sys"))
	for _, subj := range []string{"$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.SERVER.PING.CONNZ"} {
		// Asking for another account does not widen the answer.
		c := sysRequest[monitor.Connz](t, app, subj, `{"acc":"OTHER"}`)
		if c.Data.NumConns != 2 || c.Data.Total != 2 {
			t.Fatalf("%s from APP: %d of %d connections, want 2", subj, c.Data.NumConns, c.Data.Total)
		}
		for _, ci := range c.Data.Conns {
			if ci.Account != "APP" {
				t.Fatalf("%s from APP lists %s of account %s", subj, ci.Name, ci.Account)
			}
		}
	}
}

// STATZ reports an account's connections and traffic: in the account,
// its own; in the system account, every account that has connections.
func TestAccountStatz(t *testing.T) {
	s := runWithAccounts(t)
	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"))
	other := testutil.Connect(t, s, nats.UserInfo("other", "pw"))
	sub, err := other.SubscribeSync("x")
	if err != nil {
		t.Fatal(err)
	}
	other.Flush()
	for range 3 {
		app.Publish("orders.new", []byte("12345"))
	}
	app.Flush()
	// A closed connection's traffic still counts.
	gone := testutil.Connect(t, s, nats.UserInfo("other", "pw"))
	gone.Publish("x", []byte("bye"))
	gone.Flush()
	gone.Close()
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	st := sysRequest[monitor.AccountStatz](t, app, "$SYS.REQ.ACCOUNT.PING.STATZ", "")
	if len(st.Data.Accounts) != 1 {
		t.Fatalf("statz from APP: %+v", st.Data)
	}
	a := st.Data.Accounts[0]
	if a.Account != "APP" || a.Conns != 1 || a.TotalConns != 1 || a.Received.Msgs < 3 || a.Received.Bytes < 15 {
		t.Fatalf("APP stat: %+v", a)
	}

	sys := testutil.Connect(t, s, nats.UserInfo("sys", "pw"))
	testutil.WaitFor(t, 5*time.Second, func() error {
		st = sysRequest[monitor.AccountStatz](t, sys, "$SYS.REQ.ACCOUNT.PING.STATZ", "")
		byName := map[string]*monitor.AccountStat{}
		for _, a := range st.Data.Accounts {
			byName[a.Account] = a
		}
		o := byName["OTHER"]
		if len(byName) != 3 || byName["APP"] == nil || byName["SYS"] == nil || o == nil {
			return errors.New("want APP, OTHER and SYS")
		}
		if o.Conns != 1 || o.TotalConns != 2 || o.Received.Msgs != 1 || o.Sent.Msgs != 1 || o.NumSubs == 0 {
			return errors.New("OTHER stat wrong")
		}
		return nil
	})
}
