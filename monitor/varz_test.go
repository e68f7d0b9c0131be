package monitor_test

import (
	"fmt"
	"net"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/testutil"
	"github.com/petrelmq/petrel/monitor"
	"github.com/petrelmq/petrel/server"
)

func TestVarzIdentityAndConfig(t *testing.T) {
	s, url := runMonitored(t, &server.Options{ServerName: "varz-test", MaxPayload: 2048, PingInterval: 90 * time.Second})
	v := getJSON[map[string]any](t, url+"/varz")
	want := map[string]any{
		"server_id":         s.ID(),
		"server_name":       "varz-test",
		"version":           server.FeatureLevel,
		"petrel_version":    server.Version,
		"proto":             1.0,
		"go":                runtime.Version(),
		"host":              "127.0.0.1",
		"max_payload":       2048.0,
		"max_control_line":  float64(server.DefaultMaxControlLine),
		"max_pending":       float64(server.DefaultMaxPending),
		"max_connections":   float64(server.DefaultMaxConn),
		"ping_interval":     float64(90 * time.Second), // nanoseconds, as nats
		"ping_max":          float64(server.DefaultMaxPingsOut),
		"write_deadline":    float64(server.DefaultWriteDeadline),
		"auth_timeout":      server.DefaultAuthTimeout.Seconds(),
		"tls_timeout":       2.0,
		"routes":            0.0,
		"remotes":           0.0,
		"leafnodes":         0.0,
		"system_account":    server.SystemAccountName,
		"connections":       0.0,
		"total_connections": 0.0,
	}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %v (%T), want %v", k, v[k], v[k], w)
		}
	}
	var typed monitor.Varz
	if err := fetchJSON(t, url+"/varz", &typed); err != nil {
		t.Fatal(err)
	}
	if typed.Port != s.Addr().(*net.TCPAddr).Port {
		t.Errorf("port %d, server listens on %s", typed.Port, s.Addr())
	}
	if typed.HTTPPort == 0 || typed.HTTPPort == server.RandomPort {
		t.Errorf("http_port %d is not the bound port", typed.HTTPPort)
	}
	if !regexp.MustCompile(`^(\d+[ydhm])*\d+s$`).MatchString(typed.Uptime) {
		t.Errorf("uptime %q", typed.Uptime)
	}
	if !typed.Start.Equal(s.StartTime()) || typed.Now.Before(typed.Start) {
		t.Errorf("start %v now %v, server started %v", typed.Start, typed.Now, s.StartTime())
	}
	if typed.Mem <= 0 || typed.Cores <= 0 || typed.MaxProcs <= 0 {
		t.Errorf("mem %d cores %d gomaxprocs %d", typed.Mem, typed.Cores, typed.MaxProcs)
	}
	if typed.HTTPReqStats["/varz"] != 2 {
		t.Errorf("http_req_stats %v, want /varz: 2", typed.HTTPReqStats)
	}
	if js, ok := v["jetstream"].(map[string]any); !ok || len(js) != 0 {
		t.Errorf("jetstream %v, want {} with JetStream off", v["jetstream"])
	}
}

func TestVarzCountsTraffic(t *testing.T) {
	s, url := runMonitored(t, nil)
	const n, size = 25, 100
	base := int64(s.Stats().Subscriptions) // the system request services' own
	traffic(t, s, "orders", n, size)
	testutil.WaitFor(t, 5*time.Second, func() error {
		var v monitor.Varz
		if err := fetchJSON(t, url+"/varz", &v); err != nil {
			return err
		}
		got := [...]int64{v.InMsgs, v.OutMsgs, v.InBytes, v.OutBytes, int64(v.Connections), int64(v.TotalConnections), int64(v.Subscriptions)}
		want := [...]int64{n, n, n * size, n * size, 2, 2, base + 1}
		if got != want {
			return fmt.Errorf("in/out msgs, in/out bytes, conns, total conns, subs = %v, want %v", got, want)
		}
		return nil
	})
}
