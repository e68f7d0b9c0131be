package monitor_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

func TestConnzCountsPerConnection(t *testing.T) {
	s, url := runMonitored(t, nil)
	const n, size = 40, 64
	traffic(t, s, "events", n, size)
	testutil.WaitFor(t, 5*time.Second, func() error {
		var c monitor.Connz
		if err := fetchJSON(t, url+"/connz", &c); err != nil {
			return err
		}
		pub, sub := connByName(&c, "pub"), connByName(&c, "sub")
		if pub == nil || sub == nil {
			return fmt.Errorf("connections %+v", c.Conns)
		}
		if got := [4]int64{pub.InMsgs, pub.InBytes, pub.OutMsgs, pub.OutBytes}; got != [4]int64{n, n * size, 0, 0} {
			return fmt.Errorf("publisher in/out msgs/bytes %v", got)
		}
		if got := [4]int64{sub.InMsgs, sub.InBytes, sub.OutMsgs, sub.OutBytes}; got != [4]int64{0, 0, n, n * size} {
			return fmt.Errorf("subscriber in/out msgs/bytes %v", got)
		}
		return nil
	})
	c := getJSON[monitor.Connz](t, url+"/connz")
	if c.ID != s.ID() || c.NumConns != 2 || c.Total != 2 || c.Offset != 0 || c.Limit != 1024 {
		t.Fatalf("connz header %+v", c)
	}
	sub := connByName(&c, "sub")
	if sub.Kind != "Client" || sub.Type != "nats" || sub.IP != "127.0.0.1" || sub.Port == 0 ||
		sub.Lang != "go" || sub.Version != nats.Version || sub.Account != server.GlobalAccountName ||
		sub.NumSubs != 1 || sub.Stop != nil || sub.Reason != "" || sub.Uptime == "" || sub.Idle == "" {
		t.Fatalf("subscriber entry %+v", sub)
	}
	if _, err := time.ParseDuration(sub.RTT); sub.RTT != "" && err != nil {
		t.Fatalf("rtt %q: %v", sub.RTT, err)
	}
}

func TestConnzClosedConnections(t *testing.T) {
	s, url := runMonitored(t, nil)
	keep := testutil.Connect(t, s, nats.Name("keep"))
	keep.Flush()
	for i := range 3 {
		nc := testutil.Connect(t, s, nats.Name(fmt.Sprintf("gone-%d", i)))
		nc.Flush()
		nc.Close()
	}
	var closed monitor.Connz
	testutil.WaitFor(t, 5*time.Second, func() error {
		if err := fetchJSON(t, url+"/connz?state=closed", &closed); err != nil {
			return err
		}
		if closed.Total != 3 {
			return fmt.Errorf("%d closed connections", closed.Total)
		}
		return nil
	})
	for _, ci := range closed.Conns {
		if ci.Reason != "Client Closed" || ci.Stop == nil || ci.Stop.Before(ci.Start) || !strings.HasPrefix(ci.Name, "gone-") {
			t.Errorf("closed entry %+v", ci)
		}
	}
	v := getJSON[monitor.Varz](t, url+"/varz")
	if v.TotalConnections != 4 || v.Connections != 1 {
		t.Fatalf("total_connections %d connections %d, want 4 and 1", v.TotalConnections, v.Connections)
	}
	if all := getJSON[monitor.Connz](t, url+"/connz?state=all"); all.Total != 4 {
		t.Fatalf("state=all lists %d", all.Total)
	}
	cid := closed.Conns[1].Cid
	one := getJSON[monitor.Connz](t, fmt.Sprintf("%s/connz?state=closed&cid=%d", url, cid))
	if one.Total != 1 || one.Conns[0].Cid != cid {
		t.Fatalf("cid=%d gave %+v", cid, one.Conns)
	}
	byStop := getJSON[monitor.Connz](t, url+"/connz?state=closed&sort=stop")
	if byStop.Total != 3 || byStop.Conns[0].Stop.Before(*byStop.Conns[2].Stop) {
		t.Fatalf("sort=stop not latest first: %+v", byStop.Conns)
	}
	if byReason := getJSON[monitor.Connz](t, url+"/connz?state=closed&sort=reason"); byReason.Total != 3 {
		t.Fatalf("sort=reason: %+v", byReason)
	}
}

func TestConnzPagingAndSorting(t *testing.T) {
	s, url := runMonitored(t, nil)
	for i := 1; i <= 5; i++ { // client i publishes i messages of i bytes
		nc := testutil.Connect(t, s, nats.Name(fmt.Sprintf("c%d", i)))
		for range i {
			nc.Publish("nowhere", make([]byte, i))
		}
		nc.Flush()
	}
	// Counters are published after each read, so they may trail a PONG.
	testutil.WaitFor(t, 5*time.Second, func() error {
		if v := getJSON[monitor.Varz](t, url+"/varz"); v.InMsgs != 15 {
			return fmt.Errorf("in_msgs %d, want 15", v.InMsgs)
		}
		return nil
	})
	names := func(c monitor.Connz) []string {
		var out []string
		for _, ci := range c.Conns {
			out = append(out, ci.Name)
		}
		return out
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"c1", "c2", "c3", "c4", "c5"}},
		{"sort=cid&offset=1&limit=2", []string{"c2", "c3"}},
		{"sort=msgs_from", []string{"c5", "c4", "c3", "c2", "c1"}},
		{"sort=bytes_from&limit=2", []string{"c5", "c4"}},
		{"sort=msgs_from&offset=3", []string{"c2", "c1"}},
		{"sort=start", []string{"c1", "c2", "c3", "c4", "c5"}},
		{"offset=10", nil},
	}
	for _, tc := range cases {
		c := getJSON[monitor.Connz](t, url+"/connz?"+tc.query)
		if got := names(c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
		if c.Total != 5 || c.NumConns != len(tc.want) {
			t.Errorf("%s: total %d num_connections %d", tc.query, c.Total, c.NumConns)
		}
	}
	for _, key := range []string{"subs", "pending", "msgs_to", "bytes_to", "last", "idle", "uptime", "rtt"} {
		if c := getJSON[monitor.Connz](t, url+"/connz?sort="+key); c.NumConns != 5 {
			t.Errorf("sort=%s: %d connections", key, c.NumConns)
		}
	}
}

func TestConnzSubscriptions(t *testing.T) {
	s, url := runMonitored(t, nil)
	nc := testutil.Connect(t, s, nats.Name("subber"))
	nc.SubscribeSync("a.b")
	nc.QueueSubscribeSync("a.*", "workers")
	nc.Flush()
	nc.Publish("a.b", []byte("hi"))
	nc.Flush()

	var c monitor.Connz
	testutil.WaitFor(t, 5*time.Second, func() error {
		c = getJSON[monitor.Connz](t, url+"/connz?subs=detail")
		if d := c.Conns[0].SubsDetail; len(d) != 2 || d[0].Msgs+d[1].Msgs != 2 {
			return fmt.Errorf("detail %+v", d)
		}
		return nil
	})
	ci := c.Conns[0]
	if ci.Subs != nil || ci.NumSubs != 2 {
		t.Fatalf("subs=detail entry %+v", ci)
	}
	got := map[string]monitor.SubDetail{}
	for _, d := range ci.SubsDetail {
		got[d.Subject] = d
	}
	if d := got["a.*"]; d.Queue != "workers" || d.Cid != ci.Cid || d.Account != server.GlobalAccountName || d.Sid == "" || d.Msgs != 1 {
		t.Fatalf("queue subscription detail %+v", d)
	}
	if d := got["a.b"]; d.Queue != "" || d.Msgs != 1 {
		t.Fatalf("plain subscription detail %+v", d)
	}
	plain := getJSON[monitor.Connz](t, url+"/connz?subs=1").Conns[0]
	slices.Sort(plain.Subs)
	if !slices.Equal(plain.Subs, []string{"a.*", "a.b"}) || plain.SubsDetail != nil {
		t.Fatalf("subs=1 entry %+v", plain)
	}
	if none := getJSON[monitor.Connz](t, url+"/connz").Conns[0]; none.Subs != nil || none.SubsDetail != nil {
		t.Fatalf("subscriptions listed without subs=: %+v", none)
	}
}
