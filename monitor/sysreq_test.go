package monitor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

// sysResponse is a $SYS.REQ.SERVER reply with its data decoded as T.
type sysResponse[T any] struct {
	Server monitor.ServerInfo      `json:"server"`
	Data   T                       `json:"data"`
	Error  *monitor.ServerAPIError `json:"error"`
}

// runWithSystemUser starts a server (no HTTP port) whose system account is
// "SYSTEM", with a user "sys" in it and a user "app" in the global account.
func runWithSystemUser(t *testing.T) *server.Server {
	t.Helper()
	return testutil.RunServer(t, &server.Options{
		ServerName:    "sysreq",
		SystemAccount: "SYSTEM",
		Accounts:      []*server.AccountConfig{{Name: "SYSTEM"}},
		Users: []*server.User{
			{Username: "sys", Password: "pw", Account: "SYSTEM"},
			{Username: "app", Password: "pw"},
		},
	})
}

func sysRequest[T any](t *testing.T, nc *nats.Conn, subj string, body string) sysResponse[T] {
	t.Helper()
	msg, err := nc.Request(subj, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request %s: %v", subj, err)
	}
	var r sysResponse[T]
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		t.Fatalf("%s: %v in %s", subj, err, msg.Data)
	}
	if r.Error != nil {
		t.Fatalf("%s: error %+v", subj, r.Error)
	}
	return r
}

func TestSysRequestsVarzAndConnz(t *testing.T) {
	s := runWithSystemUser(t)
	if monitor.Lookup(s) != nil {
		t.Fatal("an HTTP monitor is registered without HTTPPort")
	}
	if sys := s.SystemAccount(); sys == nil || sys.Name != "SYSTEM" {
		t.Fatalf("system account %v, want SYSTEM", sys)
	}
	sys := testutil.Connect(t, s, nats.UserInfo("sys", "pw"), nats.Name("admin"))
	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"), nats.Name("app"))
	if _, err := app.SubscribeSync("work"); err != nil {
		t.Fatal(err)
	}
	app.Flush()

	v := sysRequest[monitor.Varz](t, sys, "$SYS.REQ.SERVER.PING.VARZ", "")
	if v.Server.ID != s.ID() || v.Data.ID != s.ID() || v.Server.Name != "sysreq" {
		t.Errorf("server %+v, varz id %q; want id %s", v.Server, v.Data.ID, s.ID())
	}
	if v.Data.Connections != 2 || v.Data.SystemAccount != "SYSTEM" || v.Server.Seq == 0 || v.Server.Time.IsZero() {
		t.Errorf("varz connections %d system_account %q seq %d time %v", v.Data.Connections, v.Data.SystemAccount, v.Server.Seq, v.Server.Time)
	}

	subj := "$SYS.REQ.SERVER." + s.ID() + ".CONNZ"
	testutil.WaitFor(t, 5*time.Second, func() error {
		c := sysRequest[monitor.Connz](t, sys, subj, `{"subscriptions":true}`)
		if c.Server.ID != s.ID() || c.Data.ID != s.ID() {
			return fmt.Errorf("server %s, connz id %s; want %s", c.Server.ID, c.Data.ID, s.ID())
		}
		if c.Data.NumConns != 2 || c.Data.Total != 2 {
			return fmt.Errorf("num_connections %d total %d, want 2", c.Data.NumConns, c.Data.Total)
		}
		ci := connByName(&c.Data, "app")
		if ci == nil || ci.NumSubs != 1 || len(ci.Subs) != 1 || ci.Subs[0] != "work" || ci.Account != server.GlobalAccountName {
			return fmt.Errorf("app connection %+v", ci)
		}
		return nil
	})

	id := sysRequest[monitor.IDZ](t, sys, "$SYS.REQ.SERVER."+s.ID()+".IDZ", "")
	if id.Data.ID != s.ID() || id.Data.Name != "sysreq" {
		t.Errorf("idz %+v", id.Data)
	}
	h := sysRequest[monitor.HealthStatus](t, sys, "$SYS.REQ.SERVER.PING.HEALTHZ", "")
	if h.Data.Status != "ok" {
		t.Errorf("healthz %+v", h.Data)
	}
	az := sysRequest[monitor.Accountz](t, sys, "$SYS.REQ.SERVER.PING.ACCOUNTZ", `{"account":"SYSTEM"}`)
	if az.Data.Account == nil || !az.Data.Account.IsSystem || az.Data.Account.ClientCnt != 1 {
		t.Errorf("accountz %+v", az.Data.Account)
	}

	msg, err := sys.Request("$SYS.REQ.SERVER.PING", nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ping monitor.ServerStatsMsg
	if err := json.Unmarshal(msg.Data, &ping); err != nil {
		t.Fatal(err)
	}
	if ping.Server == nil || ping.Server.ID != s.ID() || ping.Stats == nil || ping.Stats.Connections != 2 {
		t.Errorf("ping %s", msg.Data)
	}
}

func TestSysRequestsNotInGlobalAccount(t *testing.T) {
	s := runWithSystemUser(t)
	app := testutil.Connect(t, s, nats.UserInfo("app", "pw"))
	for _, subj := range []string{"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.VARZ", "$SYS.REQ.SERVER." + s.ID() + ".CONNZ"} {
		if _, err := app.Request(subj, nil, 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
			t.Errorf("%s from the global account: %v, want no responders", subj, err)
		}
	}
}

func TestSysRequestsDefaultSystemAccount(t *testing.T) {
	s := testutil.RunServer(t, &server.Options{
		Users: []*server.User{{Username: "sys", Password: "pw", Account: server.SystemAccountName}},
	})
	sys := testutil.Connect(t, s, nats.UserInfo("sys", "pw"))
	sz := sysRequest[monitor.Subsz](t, sys, "$SYS.REQ.SERVER."+s.ID()+".SUBSZ", `{"subscriptions":true,"account":"$SYS"}`)
	if sz.Data.ID != s.ID() || sz.Data.NumSubs == 0 || sz.Data.Total == 0 {
		t.Errorf("subsz of $SYS: %+v", sz.Data)
	}
}
