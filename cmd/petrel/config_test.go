package main

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/petrelmq/petrel/server"
)

// loadText loads a config text as petrel's -c would, before flags.
func loadText(t *testing.T, text string) (*runConfig, error) {
	t.Helper()
	rc := &runConfig{opts: &server.Options{Logtime: true}}
	return rc, loadConfig(writeConfig(t, text), rc)
}

func TestConfigKeys(t *testing.T) {
	cases := []struct {
		text string
		want func(o *server.Options)
	}{
		{"server_name: srv-a", func(o *server.Options) { o.ServerName = "srv-a" }},
		{"host: 127.0.0.1", func(o *server.Options) { o.Host = "127.0.0.1" }},
		{"net: 10.0.0.1", func(o *server.Options) { o.Host = "10.0.0.1" }},
		{"port: 4333", func(o *server.Options) { o.Port = 4333 }},
		{"port: -1", func(o *server.Options) { o.Port = server.RandomPort }},
		{`port: "4333"`, func(o *server.Options) { o.Port = 4333 }},
		{"listen: 127.0.0.1:4333", func(o *server.Options) { o.Host, o.Port = "127.0.0.1", 4333 }},
		{"listen: 4333", func(o *server.Options) { o.Port = 4333 }},
		{`listen: "[::1]:4333"`, func(o *server.Options) { o.Host, o.Port = "::1", 4333 }},
		{"client_advertise: nats.example.com:4222", func(o *server.Options) { o.ClientAdvertise = "nats.example.com:4222" }},
		{"http_port: 8222", func(o *server.Options) { o.HTTPPort = 8222 }},
		{"monitor_port: 8222", func(o *server.Options) { o.HTTPPort = 8222 }},
		{"http: 127.0.0.1:8222", func(o *server.Options) { o.HTTPHost, o.HTTPPort = "127.0.0.1", 8222 }},
		{"max_payload: 2MB", func(o *server.Options) { o.MaxPayload = 2 << 20 }},
		{"max_payload: 65536", func(o *server.Options) { o.MaxPayload = 65536 }},
		{"max_control_line: 8KB", func(o *server.Options) { o.MaxControlLine = 8 << 10 }},
		{"max_connections: 100", func(o *server.Options) { o.MaxConn = 100 }},
		{"max_subscriptions: 10", func(o *server.Options) { o.MaxSubs = 10 }},
		{"max_pending: 32MB", func(o *server.Options) { o.MaxPending = 32 << 20 }},
		{`write_deadline: "5s"`, func(o *server.Options) { o.WriteDeadline = 5 * time.Second }},
		{"write_deadline: 3", func(o *server.Options) { o.WriteDeadline = 3 * time.Second }},
		{`ping_interval: "30s"`, func(o *server.Options) { o.PingInterval = 30 * time.Second }},
		{"ping_max: 3", func(o *server.Options) { o.MaxPingsOut = 3 }},
		{"debug: true", func(o *server.Options) { o.Debug = true }},
		{"trace: on", func(o *server.Options) { o.Trace = true }},
		{"logtime: false", func(o *server.Options) { o.Logtime = false }},
		{"log_file: /var/log/petrel.log", func(o *server.Options) { o.LogFile = "/var/log/petrel.log" }},
		{`lame_duck_duration: "30s"`, func(o *server.Options) { o.LameDuckDuration = 30 * time.Second }},
		{`lame_duck_grace_period: "1s"`, func(o *server.Options) { o.LameDuckGracePeriod = time.Second }},
		{"no_header_support: true", func(o *server.Options) { o.NoHeaderSupport = true }},
		{"no_auth_user: guest", func(o *server.Options) { o.NoAuthUser = "guest" }},
		{"PORT: 4333", func(o *server.Options) { o.Port = 4333 }}, // keys ignore case
		{"authorization { user: alice, password: s3cr3t, timeout: 3 }", func(o *server.Options) {
			o.Username, o.Password, o.AuthTimeout = "alice", "s3cr3t", 3*time.Second
		}},
		{"authorization { token: tok }", func(o *server.Options) { o.Authorization = "tok" }},
		{"authorization { users: [ {nkey: UABC, permissions: {publish: x}} ] }", func(o *server.Options) {
			o.Users = []*server.User{{Nkey: "UABC", Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{"x"}}}}}
		}},
		{"authorization { users: [ {user: a, permission: {publish: q}}, {user: b, authorization: {subscribe: r}} ] }", func(o *server.Options) {
			o.Users = []*server.User{
				{Username: "a", Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{"q"}}}},
				{Username: "b", Permissions: &server.Permissions{Subscribe: &server.SubjectPermission{Allow: []string{"r"}}}},
			}
		}},
		{"authorization { user: alice, password: 123456 }", func(o *server.Options) { o.Username, o.Password = "alice", "123456" }},
		{"PASS = s3cr3t\nauthorization { user: alice, password: $PASS }", func(o *server.Options) { o.Username, o.Password = "alice", "s3cr3t" }},
		{`authorization {
			users = [
				{user: a, password: pa}
				{user: b, password: pb, account: ACC, permissions: {publish: "foo.>", subscribe: ["bar", "baz.*"]}}
				{user: c, password: pc, permissions: {pub: {allow: "x", deny: ["y", "z"]}, sub: {deny: "secret.>"}}}
			]
		}`, func(o *server.Options) {
			o.Users = []*server.User{
				{Username: "a", Password: "pa"},
				{Username: "b", Password: "pb", Account: "ACC", Permissions: &server.Permissions{
					Publish:   &server.SubjectPermission{Allow: []string{"foo.>"}},
					Subscribe: &server.SubjectPermission{Allow: []string{"bar", "baz.*"}},
				}},
				{Username: "c", Password: "pc", Permissions: &server.Permissions{
					Publish:   &server.SubjectPermission{Allow: []string{"x"}, Deny: []string{"y", "z"}},
					Subscribe: &server.SubjectPermission{Deny: []string{"secret.>"}},
				}},
			}
		}},
		{`accounts {
			A { users = [ {user: ua, password: pa} ], jetstream: enabled }
			B { users = [ {user: ub, password: pb} ] }
			C { jetstream { max_mem: 1GB, max_file: 2GB, max_streams: 10, max_consumers: 100,
				memory_max_stream_bytes: 2048, store_max_stream_bytes: 4KB, max_stream_bytes: true, max_ack_pending: 100 } }
		}`, func(o *server.Options) {
			o.Accounts = []*server.AccountConfig{{Name: "A", JetStream: true}, {Name: "B"}, {Name: "C", JetStream: true,
				JetStreamMaxMemory: 1 << 30, JetStreamMaxStore: 2 << 30, JetStreamMaxStreams: 10, JetStreamMaxConsumers: 100,
				JetStreamMemoryMaxStreamBytes: 2048, JetStreamStoreMaxStreamBytes: 4096, JetStreamMaxBytesRequired: true, JetStreamMaxAckPending: 100}}
			o.Users = []*server.User{{Username: "ua", Password: "pa", Account: "A"}, {Username: "ub", Password: "pb", Account: "B"}}
		}},
		{`system_account: SYS
		accounts { SYS { users = [ {user: admin, password: pa} ] } }`, func(o *server.Options) {
			o.SystemAccount = "SYS"
			o.Accounts = []*server.AccountConfig{{Name: "SYS"}}
			o.Users = []*server.User{{Username: "admin", Password: "pa", Account: "SYS"}}
		}},
		{"jetstream: enabled", func(o *server.Options) { o.JetStream = true }},
		{"jetstream: true", func(o *server.Options) { o.JetStream = true }},
		{"jetstream: disabled", func(o *server.Options) {}},
		{"jetstream: false", func(o *server.Options) {}},
		{"jetstream {}", func(o *server.Options) { o.JetStream = true }},
		{"jetstream { domain: hub }", func(o *server.Options) { o.JetStream, o.JetStreamDomain = true, "hub" }},
		{"jetstream { enabled: false, store_dir: /x }", func(o *server.Options) { o.StoreDir = "/x" }},
		{`jetstream {
			store_dir: /data/petrel
			max_memory_store: 1GB
			max_file_store: 10GB
			sync_interval: always
		}`, func(o *server.Options) {
			o.JetStream, o.StoreDir, o.JetStreamMaxMemory, o.JetStreamMaxStore = true, "/data/petrel", 1<<30, 10<<30
		}},
		{`jetstream { sync_interval: "1s" }`, func(o *server.Options) { o.JetStream, o.SyncInterval = true, time.Second }},
		{`cluster {
			name: east
			listen: 0.0.0.0:6222
			routes = [ nats://h1:6222, "nats://h2:6222" ]
		}`, func(o *server.Options) {
			o.Cluster = server.ClusterOptions{Name: "east", Host: "0.0.0.0", Port: 6222,
				Routes: []*url.URL{{Scheme: "nats", Host: "h1:6222"}, {Scheme: "nats", Host: "h2:6222"}}}
		}},
		{"cluster { host: 10.0.0.1, port: 6222 }", func(o *server.Options) { o.Cluster.Host, o.Cluster.Port = "10.0.0.1", 6222 }},
		{`tls { cert_file: c.pem, key_file: k.pem, ca_file: ca.pem, verify: true, timeout: "3s" }`, func(o *server.Options) {
			o.TLSCert, o.TLSKey, o.TLSCaCert, o.TLSVerify, o.TLSTimeout = "c.pem", "k.pem", "ca.pem", true, 3*time.Second
		}},
	}
	for _, c := range cases {
		rc, err := loadText(t, c.text)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		want := &server.Options{Logtime: true}
		c.want(want)
		if !reflect.DeepEqual(rc.opts, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.text, rc.opts, want)
		}
		if len(rc.warnings) > 0 {
			t.Errorf("%s: unexpected warnings %q", c.text, rc.warnings)
		}
	}
}

func TestConfigPidFileAndHTTPS(t *testing.T) {
	rc, err := loadText(t, "pid_file: /run/petrel.pid\nhttps_port: 8443\nprof_port: 6060")
	if err != nil {
		t.Fatal(err)
	}
	if rc.pidFile != "/run/petrel.pid" || rc.httpsPort != 8443 || rc.profPort != 6060 {
		t.Errorf("pid file %q, https port %d, prof port %d", rc.pidFile, rc.httpsPort, rc.profPort)
	}
}

func TestConfigUnknownKeysWarn(t *testing.T) {
	rc, err := loadText(t, "port: 4222\nfoo: 1\nVAR_1 = x\ncluster { name: c, bar: 2 }\njetstream { strict: true }")
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.warnings) != 1 || !strings.HasSuffix(rc.warnings[0], "ignoring unknown keys: cluster.bar, foo, jetstream.strict") {
		t.Errorf("warnings %q", rc.warnings)
	}
}

func TestConfigInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "auth.conf"), []byte("users = [ {user: a, password: b} ]\n"), 0o600)
	main := filepath.Join(dir, "main.conf")
	os.WriteFile(main, []byte("port: 4333\nauthorization {\n  include auth.conf\n}\n"), 0o600)
	rc := &runConfig{opts: &server.Options{}}
	if err := loadConfig(main, rc); err != nil {
		t.Fatal(err)
	}
	if rc.opts.Port != 4333 || len(rc.opts.Users) != 1 || rc.opts.Users[0].Username != "a" {
		t.Errorf("include: port %d users %+v", rc.opts.Port, rc.opts.Users)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{`port: "abc"`, `port: expected an integer, got "abc"`},
		{"port: abc", `port: expected an integer, got "abc"`},
		{"port: [1]", "port: expected an integer, got an array"},
		{"max_payload: lots", "max_payload:"},
		{"max_pending: {}", "max_pending:"},
		{`write_deadline: "soon"`, "write_deadline:"},
		{"debug: maybe", "debug:"},
		{"server_name: {a: 1}", "server_name:"},
		{"listen: nohost", "listen:"},
		{"cluster: 5", "cluster: expected a block"},
		{"cluster { port: abc }", "cluster.port: expected an integer"},
		{"cluster { routes: [1] }", "cluster.routes: element 0"},
		{"cluster { routes: [h1] }", "cluster.routes: route"},
		{"authorization { users: {user: a} }", "authorization.users: expected an array"},
		{"authorization { users: [ {password: x} ] }", "authorization.users[0]: a user needs a name"},
		{"authorization { users: [ a ] }", "authorization.users[0]: expected a user"},
		{"authorization { users: [ {user: a, permissions: {publish: {allow: [1]}}} ] }", "authorization.users[0].permissions.publish: allow: element 0"},
		{"authorization { users: [ {user: a, permissions: {publish: {alow: x}}} ] }", `authorization.users[0].permissions.publish: unknown key "alow"`},
		{"accounts { A: 1 }", "accounts.A: expected an account block"},
		{"accounts: [1]", "accounts: expected a block"},
		{"accounts { A { users: [ {user: x} ], jetstream: sometimes } }", "accounts.A.jetstream: expected enabled, disabled or a boolean"},
		{"jetstream: sometimes", "jetstream: expected enabled"},
		{"jetstream { sync_interval: soon }", `jetstream.sync_interval: expected "always" or a duration`},
		{"jetstream { max_file_store: huge }", "jetstream.max_file_store:"},
		{"tls { verify: perhaps }", "tls.verify:"},
		{"port: 4222\nfoo {", "petrel.conf:2:"}, // syntax errors carry file:line:col
	}
	for _, c := range cases {
		_, err := loadText(t, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}
