package monitor_test

import (
	"slices"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

func TestSubsz(t *testing.T) {
	s, url := runMonitored(t, nil)
	nc := testutil.Connect(t, s)
	for _, subj := range []string{"foo.bar", "foo.*", "foo.>", "baz", "other.bar"} {
		nc.SubscribeSync(subj)
	}
	nc.Flush()
	base := s.Stats().Subscriptions // includes any in-process subscriptions

	sz := getJSON[monitor.Subsz](t, url+"/subsz")
	if sz.ID != s.ID() || sz.NumSubs != uint64(base) || sz.NumInserts < 5 || sz.Subs != nil {
		t.Fatalf("subsz %+v", sz)
	}
	all := getJSON[monitor.Subsz](t, url+"/subsz?subs=1")
	if all.Total != base || len(all.Subs) != base {
		t.Fatalf("subs=1 total %d, %d listed, want %d", all.Total, len(all.Subs), base)
	}
	paged := getJSON[monitor.Subsz](t, url+"/subsz?subs=1&offset=1&limit=2")
	if paged.Total != base || len(paged.Subs) != 2 || paged.Subs[0] != all.Subs[1] || paged.Offset != 1 || paged.Limit != 2 {
		t.Fatalf("paged %+v", paged)
	}

	test := getJSON[monitor.Subsz](t, url+"/subsz?test=foo.bar")
	var subjects []string
	for _, d := range test.Subs {
		subjects = append(subjects, d.Subject)
		if d.Account != server.GlobalAccountName || d.Cid == 0 || d.Sid == "" {
			t.Errorf("detail %+v", d)
		}
	}
	slices.Sort(subjects)
	if want := []string{"foo.*", "foo.>", "foo.bar"}; !slices.Equal(subjects, want) || test.Total != 3 {
		t.Fatalf("test=foo.bar matched %v (total %d), want %v", subjects, test.Total, want)
	}
	if none := getJSON[monitor.Subsz](t, url+"/subsz?test=nobody.here"); len(none.Subs) != 0 || none.Total != 0 {
		t.Fatalf("test=nobody.here matched %+v", none.Subs)
	}
	if acc := getJSON[monitor.Subsz](t, url+"/subsz?acc=$G&subs=1"); acc.Total != 5+sysImportSubs {
		t.Fatalf("acc=$G lists %d subscriptions, want %d", acc.Total, 5+sysImportSubs)
	}
}

func TestSubszCacheFigures(t *testing.T) {
	s, url := runMonitored(t, nil)
	nc := testutil.Connect(t, s)
	nc.SubscribeSync("hits")
	nc.SubscribeSync("hits")
	nc.Flush()
	for range 4 {
		nc.Publish("hits", nil)
	}
	nc.Flush()
	sz := getJSON[monitor.Subsz](t, url+"/subsz")
	if sz.NumMatches < 4 || sz.CacheHitRate <= 0 || sz.MaxFanout != 2 || sz.NumCache == 0 {
		t.Fatalf("cache figures %+v", sz.SublistStats)
	}
}

func TestAccountzAndRoutez(t *testing.T) {
	s, url := runMonitored(t, &server.Options{Users: []*server.User{
		{Username: "a", Password: "p", Account: "A"},
		{Username: "b", Password: "p", Account: "B"},
	}})
	nc := testutil.Connect(t, s, nats.UserInfo("a", "p"))
	nc.SubscribeSync("x")
	nc.Flush()

	az := getJSON[monitor.Accountz](t, url+"/accountz")
	if az.SystemAccount != server.SystemAccountName || !slices.Equal(az.Accounts, []string{"$G", "$SYS", "A", "B"}) {
		t.Fatalf("accountz %+v", az)
	}
	a := getJSON[monitor.Accountz](t, url+"/accountz?acc=A").Account
	if a == nil || a.AccountName != "A" || a.ClientCnt != 1 || a.SubCnt != 1+sysImportSubs || a.IsSystem || a.Sublist == nil || a.Sublist.NumSubs != 1+sysImportSubs {
		t.Fatalf("account A %+v", a)
	}
	if sys := getJSON[monitor.Accountz](t, url+"/accountz?acc=$SYS").Account; !sys.IsSystem {
		t.Fatalf("$SYS %+v", sys)
	}
	if code, _, _ := get(t, url+"/accountz?acc=nope"); code != 400 {
		t.Fatalf("unknown account: status %d", code)
	}

	rz := getJSON[map[string]any](t, url+"/routez")
	if routes, ok := rz["routes"].([]any); !ok || len(routes) != 0 || rz["num_routes"] != 0.0 || rz["server_id"] != s.ID() {
		t.Fatalf("routez %v", rz)
	}
}
