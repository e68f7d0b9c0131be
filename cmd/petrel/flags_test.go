package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/petrelmq/petrel/server"
)

// dataHome sets XDG_DATA_HOME to a fresh directory and returns the store
// directory petrel defaults to under it.
func dataHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	return filepath.Join(dir, "petrel")
}

func mustBuild(t *testing.T, args ...string) *runConfig {
	t.Helper()
	fl, err := parseFlags(args)
	if err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	rc, err := buildOptions(fl)
	if err != nil {
		t.Fatalf("buildOptions(%q): %v", args, err)
	}
	return rc
}

func TestFlagsDefault(t *testing.T) {
	store := dataHome(t)
	rc := mustBuild(t)
	want := &server.Options{Logtime: true, JetStream: true, StoreDir: store}
	if !reflect.DeepEqual(rc.opts, want) {
		t.Errorf("no flags: got %+v\nwant %+v", rc.opts, want)
	}
}

// TestFlagsForms checks every name of every option, in the forms
// -name VALUE, -name=VALUE, --name VALUE and --name=VALUE.
func TestFlagsForms(t *testing.T) {
	dataHome(t)
	cases := []struct {
		names []string
		value string
		want  func(o *server.Options, rc *runConfig)
	}{
		{[]string{"a", "addr", "net"}, "127.0.0.2", func(o *server.Options, _ *runConfig) { o.Host = "127.0.0.2" }},
		{[]string{"p", "port"}, "4333", func(o *server.Options, _ *runConfig) { o.Port = 4333 }},
		{[]string{"p"}, "-1", func(o *server.Options, _ *runConfig) { o.Port = server.RandomPort }},
		{[]string{"n", "name", "server_name"}, "srv-1", func(o *server.Options, _ *runConfig) { o.ServerName = "srv-1" }},
		{[]string{"m", "http_port"}, "8222", func(o *server.Options, _ *runConfig) { o.HTTPPort = 8222 }},
		{[]string{"profile"}, "6060", func(_ *server.Options, rc *runConfig) { rc.profPort = 6060 }},
		{[]string{"sd", "store_dir"}, "/data/js", func(o *server.Options, _ *runConfig) { o.StoreDir = "/data/js" }},
		{[]string{"user"}, "alice", func(o *server.Options, _ *runConfig) { o.Username = "alice" }},
		{[]string{"pass"}, "s3cr3t", func(o *server.Options, _ *runConfig) { o.Password = "s3cr3t" }},
		{[]string{"auth"}, "tok", func(o *server.Options, _ *runConfig) { o.Authorization = "tok" }},
		{[]string{"no_auth_user"}, "bob", func(o *server.Options, _ *runConfig) { o.NoAuthUser = "bob" }},
		{[]string{"l", "log"}, "/var/log/p.log", func(o *server.Options, _ *runConfig) { o.LogFile = "/var/log/p.log" }},
		{[]string{"P", "pid"}, "/run/p.pid", func(_ *server.Options, rc *runConfig) { rc.pidFile = "/run/p.pid" }},
		{[]string{"client_advertise"}, "nats.example.com:4222", func(o *server.Options, _ *runConfig) { o.ClientAdvertise = "nats.example.com:4222" }},
		{[]string{"cluster", "cluster_listen"}, "nats://0.0.0.0:6222", func(o *server.Options, _ *runConfig) { o.Cluster.Host, o.Cluster.Port = "0.0.0.0", 6222 }},
		{[]string{"cluster_name"}, "east", func(o *server.Options, _ *runConfig) { o.Cluster.Name = "east" }},
		{[]string{"routes"}, "nats://h1:6222, nats://h2:6222", func(o *server.Options, _ *runConfig) {
			o.Cluster.Routes = []*url.URL{{Scheme: "nats", Host: "h1:6222"}, {Scheme: "nats", Host: "h2:6222"}}
		}},
	}
	for _, c := range cases {
		for _, name := range c.names {
			for _, dash := range []string{"-", "--"} {
				for _, args := range [][]string{{dash + name, c.value}, {dash + name + "=" + c.value}} {
					want := &runConfig{opts: &server.Options{Logtime: true}}
					c.want(want.opts, want)
					rc := mustBuild(t, args...)
					if !reflect.DeepEqual(rc.opts, want.opts) || rc.pidFile != want.pidFile {
						t.Errorf("%q: got %+v (pid file %q)\nwant %+v (pid file %q)", args, rc.opts, rc.pidFile, want.opts, want.pidFile)
					}
				}
			}
		}
	}
}

func TestFlagsBooleans(t *testing.T) {
	dataHome(t)
	type got struct{ debug, trace, logtime, js bool }
	cases := []struct {
		args []string
		want got
	}{
		{nil, got{false, false, true, true}},
		{[]string{"-D"}, got{true, false, true, false}},
		{[]string{"--debug"}, got{true, false, true, false}},
		{[]string{"-V"}, got{false, true, true, false}},
		{[]string{"--trace"}, got{false, true, true, false}},
		{[]string{"-VV"}, got{false, true, true, false}},
		{[]string{"-DV"}, got{true, true, true, false}},
		{[]string{"-DVV"}, got{true, true, true, false}},
		{[]string{"-D=false", "-DV"}, got{true, true, true, false}},
		{[]string{"-T=false"}, got{false, false, false, false}},
		{[]string{"--logtime=false"}, got{false, false, false, false}},
		{[]string{"-js"}, got{false, false, true, true}},
		{[]string{"--jetstream"}, got{false, false, true, true}},
		{[]string{"--no_jetstream"}, got{false, false, true, false}},
	}
	for _, c := range cases {
		o := mustBuild(t, c.args...).opts
		g := got{o.Debug, o.Trace, o.Logtime, o.JetStream}
		if g != c.want {
			t.Errorf("%q: got %+v, want %+v", c.args, g, c.want)
		}
	}
}

func TestFlagsNoJetStreamHasNoStoreDir(t *testing.T) {
	dataHome(t)
	if o := mustBuild(t, "--no_jetstream").opts; o.StoreDir != "" {
		t.Errorf("--no_jetstream: store dir %q, want none", o.StoreDir)
	}
}

func TestFlagsTLSAndVerify(t *testing.T) {
	dataHome(t)
	certs := writeCerts(t)
	o := mustBuild(t, "--tlsverify", "--tlscert", certs.cert, "--tlskey="+certs.key, "--tlscacert", certs.ca).opts
	if o.TLSConfig == nil || !o.TLSVerify || o.TLSCert != certs.cert || o.TLSKey != certs.key || o.TLSCaCert != certs.ca {
		t.Errorf("TLS flags: got verify %v cert %q key %q ca %q config %v", o.TLSVerify, o.TLSCert, o.TLSKey, o.TLSCaCert, o.TLSConfig != nil)
	}
}

func TestFlagsSyslogWarns(t *testing.T) {
	dataHome(t)
	for _, args := range [][]string{{"-s"}, {"--syslog"}, {"-r", "udp://127.0.0.1:514"}} {
		rc := mustBuild(t, args...)
		if len(rc.warnings) != 1 || !strings.Contains(rc.warnings[0], "syslog is not supported") {
			t.Errorf("%q: warnings %q", args, rc.warnings)
		}
	}
}

func TestFlagsErrors(t *testing.T) {
	dataHome(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, "flag provided but not defined: -x"},
		{[]string{"-p", "abc"}, `invalid value "abc" for flag -p`},
		{[]string{"-p"}, "flag needs an argument: -p"},
		{[]string{"--https_port", "8443"}, "https monitoring"},
		{[]string{"-ms=8443"}, "https monitoring"},
		{[]string{"-js", "--no_jetstream"}, "contradict"},
		{[]string{"--routes", "h1"}, "--routes"},
		{[]string{"--cluster", "nohost"}, "--cluster"},
		{[]string{"--tls"}, "tls needs a certificate and a key"},
		{[]string{"--tlsverify"}, "tls needs a certificate and a key"},
		{[]string{"--tlscert", "c.pem"}, "tls needs both"},
		{[]string{"-p", "4222", "extra"}, `unexpected argument "extra"`},
		{[]string{"-p", "70000"}, ""}, // range checked by server.New, not here
	}
	for _, c := range cases {
		fl, err := parseFlags(c.args)
		if err == nil {
			_, err = buildOptions(fl)
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// TestFlagsOverrideFile checks that flags given explicitly win over the
// config file, and that flags not given leave the file's values alone.
func TestFlagsOverrideFile(t *testing.T) {
	dataHome(t)
	path := writeConfig(t, `
		server_name: from-file
		port: 4000
		debug: true
		logtime: false
		pid_file: /run/file.pid
		authorization { user: alice, password: a }
	`)
	rc := mustBuild(t, "-c", path, "-p", "5000", "--debug=false", "--pid=/run/flag.pid", "--pass", "b")
	o := rc.opts
	if o.Port != 5000 || o.Debug || o.ServerName != "from-file" || o.Logtime || rc.pidFile != "/run/flag.pid" {
		t.Errorf("got port %d debug %v name %q logtime %v pid file %q", o.Port, o.Debug, o.ServerName, o.Logtime, rc.pidFile)
	}
	if o.Username != "alice" || o.Password != "b" {
		t.Errorf("got user %q password %q, want alice/b", o.Username, o.Password)
	}
	if o.JetStream || o.StoreDir != "" {
		t.Errorf("config file without jetstream: got JetStream %v store %q, want off", o.JetStream, o.StoreDir)
	}
	if o := mustBuild(t, "-c", path, "-js").opts; !o.JetStream || o.StoreDir == "" {
		t.Errorf("-c FILE -js: got JetStream %v store %q, want on with the default store", o.JetStream, o.StoreDir)
	}
}

func TestDefaultStoreDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if got := defaultStoreDir(); got != "/xdg/petrel" {
		t.Errorf("with XDG_DATA_HOME: %q", got)
	}
	for _, xdg := range []string{"", "relative/dir"} { // relative: ignored, as the XDG spec says
		t.Setenv("XDG_DATA_HOME", xdg)
		if got, want := defaultStoreDir(), filepath.Join(home, ".local", "share", "petrel"); got != want {
			t.Errorf("XDG_DATA_HOME=%q: %q, want %q", xdg, got, want)
		}
	}
	t.Setenv("HOME", "")
	if got := defaultStoreDir(); got != server.DefaultStoreDirName {
		t.Errorf("without a home: %q, want %q", got, server.DefaultStoreDirName)
	}
}

func TestUsageListsEveryFlag(t *testing.T) {
	fl, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	mentioned := map[string]bool{}
	for _, field := range strings.FieldsFunc(usage, func(r rune) bool { return strings.ContainsRune(" ,\n()=", r) }) {
		if name, ok := strings.CutPrefix(field, "-"); ok {
			mentioned[strings.TrimPrefix(name, "-")] = true
		}
	}
	for _, name := range fl.flagNames() {
		if !mentioned[name] {
			t.Errorf("flag -%s is not in the usage text", name)
		}
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Usage: petrel") {
			t.Errorf("%q: exit %d, output %q", args, code, out.String())
		}
	}
	want := "nats-server: v" + server.FeatureLevel + " (petrel " + server.Version + ")\n"
	for _, args := range [][]string{{"-v"}, {"--version"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 || out.String() != want {
			t.Errorf("%q: exit %d, output %q, want %q", args, code, out.String(), want)
		}
	}
}

func TestRunStartupErrors(t *testing.T) {
	dataHome(t)
	bad := writeConfig(t, "port: 4222\nauthorization {\n  user = \n}\n")
	badDomain := writeConfig(t, "port: -1\njetstream { domain: \"a.b\", store_dir: \""+t.TempDir()+"\" }\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "petrel: flag provided but not defined: -bogus"},
		{[]string{"-c", bad}, "petrel: config file: " + bad + ":"},
		{[]string{"-c", filepath.Join(t.TempDir(), "missing.conf")}, "missing.conf"},
		{[]string{"--user", "a", "--auth", "t", "-p", "-1"}, "can not have a single user/pass and a token"},
		{[]string{"-c", badDomain}, `jetstream domain "a.b" must be a single subject token`},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q, want 1 and %q", c.args, code, errOut.String(), c.want)
		}
	}
}

func TestRunTestConfig(t *testing.T) {
	dataHome(t)
	path := writeConfig(t, "port: 4222\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"-c", path, "-t"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "test is successful") {
		t.Errorf("-t: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "petrel.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFlagsJetStreamAsNatsServer: with any argument JetStream follows
// nats-server (only -js or a jetstream block turns it on; -sd alone
// does not, and says so); with none petrel turns it on itself.
func TestFlagsJetStreamAsNatsServer(t *testing.T) {
	store := dataHome(t)
	if o := mustBuild(t).opts; !o.JetStream || o.StoreDir != store {
		t.Errorf("no arguments: JetStream %v, store dir %q; want on in %q", o.JetStream, o.StoreDir, store)
	}
	if rc := mustBuild(t, "-p", "4333"); rc.opts.JetStream || rc.opts.StoreDir != "" || rc.jsByDefault {
		t.Errorf("-p 4333: JetStream %v, store dir %q; want off, none", rc.opts.JetStream, rc.opts.StoreDir)
	}
	rc := mustBuild(t, "-sd", "/data/js")
	if rc.opts.JetStream || len(rc.warnings) != 1 || !strings.Contains(rc.warnings[0], "add -js") {
		t.Errorf("-sd alone: JetStream %v, warnings %q; want off with a warning", rc.opts.JetStream, rc.warnings)
	}
	if rc := mustBuild(t, "-p", "4333", "-js"); !rc.opts.JetStream || rc.opts.StoreDir != store || rc.jsByDefault {
		t.Errorf("-p 4333 -js: JetStream %v, store dir %q; want on in %q", rc.opts.JetStream, rc.opts.StoreDir, store)
	}
	conf := filepath.Join(t.TempDir(), "js.conf")
	if err := os.WriteFile(conf, []byte("port: 4333\njetstream {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if o := mustBuild(t, "-c", conf).opts; !o.JetStream {
		t.Errorf("-c with a jetstream block: JetStream off")
	}
}
