package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/server"
)

// runConfig is everything the binary needs to run one server: the
// server's options and what only the binary handles.
type runConfig struct {
	opts    *server.Options
	pidFile string
	// portsFileDir receives <program>_<pid>.ports once the server listens.
	portsFileDir string
	httpsPort    int  // asked for, not supported yet
	profPort     int  // pprof over HTTP (--profile, prof_port); 0: off
	tls          bool // TLS asked for (--tls, --tlsverify or a tls block)
	// jsByDefault: JetStream is on only by petrel's default, not because
	// -js or a config file asked for it.
	jsByDefault bool
	warnings    []string
}

func (rc *runConfig) warnf(format string, args ...any) {
	rc.warnings = append(rc.warnings, fmt.Sprintf(format, args...))
}

// buildOptions turns the command line, and the config file it names,
// into a runConfig: the file first, then every flag given explicitly on
// top of it, then the binary's defaults (JetStream, store directory), then
// TLS material is loaded.
func buildOptions(fl *cliFlags) (*runConfig, error) {
	rc := &runConfig{opts: &server.Options{Logtime: true}}
	if fl.config != "" {
		if err := loadConfig(fl.config, rc); err != nil {
			return nil, err
		}
	}
	if err := applyFlags(fl, rc); err != nil {
		return nil, err
	}
	if err := setJetStream(fl, rc); err != nil {
		return nil, err
	}
	if rc.httpsPort != 0 {
		return nil, errors.New("https monitoring (--https_port, https_port) is not supported yet; use --http_port")
	}
	if err := setTLS(rc); err != nil {
		return nil, err
	}
	return rc, nil
}

// simpleFlags copy a flag's value into the options when it was given.
var simpleFlags = map[string]func(f *cliFlags, rc *runConfig){
	"addr":             func(f *cliFlags, rc *runConfig) { rc.opts.Host = f.host },
	"port":             func(f *cliFlags, rc *runConfig) { rc.opts.Port = f.port },
	"server_name":      func(f *cliFlags, rc *runConfig) { rc.opts.ServerName = f.name },
	"pid":              func(f *cliFlags, rc *runConfig) { rc.pidFile = f.pidFile },
	"ports_file_dir":   func(f *cliFlags, rc *runConfig) { rc.portsFileDir = f.portsFileDir },
	"http_port":        func(f *cliFlags, rc *runConfig) { rc.opts.HTTPPort = f.httpPort },
	"https_port":       func(f *cliFlags, rc *runConfig) { rc.httpsPort = f.httpsPort },
	"profile":          func(f *cliFlags, rc *runConfig) { rc.profPort = f.profPort },
	"client_advertise": func(f *cliFlags, rc *runConfig) { rc.opts.ClientAdvertise = f.clientAdvertise },
	"store_dir":        func(f *cliFlags, rc *runConfig) { rc.opts.StoreDir = f.storeDir },
	"user":             func(f *cliFlags, rc *runConfig) { rc.opts.Username = f.user },
	"pass":             func(f *cliFlags, rc *runConfig) { rc.opts.Password = f.pass },
	"auth":             func(f *cliFlags, rc *runConfig) { rc.opts.Authorization = f.token },
	"no_auth_user":     func(f *cliFlags, rc *runConfig) { rc.opts.NoAuthUser = f.noAuthUser },
	"log":              func(f *cliFlags, rc *runConfig) { rc.opts.LogFile = f.logFile },
	"logtime":          func(f *cliFlags, rc *runConfig) { rc.opts.Logtime = f.logtime },
	"debug":            func(f *cliFlags, rc *runConfig) { rc.opts.Debug = f.debug },
	"trace":            func(f *cliFlags, rc *runConfig) { rc.opts.Trace = f.trace },
	"VV":               func(f *cliFlags, rc *runConfig) { rc.opts.Trace = f.verboseTrace },
	"DV":               func(f *cliFlags, rc *runConfig) { rc.opts.Debug, rc.opts.Trace = f.debugTrace, f.debugTrace },
	"DVV":              func(f *cliFlags, rc *runConfig) { rc.opts.Debug, rc.opts.Trace = f.dvv, f.dvv },
	"tls":              func(f *cliFlags, rc *runConfig) { rc.tls = rc.tls || f.tls },
	"tlscert":          func(f *cliFlags, rc *runConfig) { rc.opts.TLSCert = f.tlsCert },
	"tlskey":           func(f *cliFlags, rc *runConfig) { rc.opts.TLSKey = f.tlsKey },
	"tlscacert":        func(f *cliFlags, rc *runConfig) { rc.opts.TLSCaCert = f.tlsCACert },
	"tlsverify": func(f *cliFlags, rc *runConfig) {
		rc.opts.TLSVerify = f.tlsVerify
		rc.tls = rc.tls || f.tlsVerify
	},
	"cluster_name": func(f *cliFlags, rc *runConfig) { rc.opts.Cluster.Name = f.clusterName },
}

// flagOrder applies the flags that share a field in a fixed order, so
// that a combined flag (-DV) wins over a single one (-D=false).
var flagOrder = []string{"debug", "trace", "VV", "DV", "DVV"}

func applyFlags(fl *cliFlags, rc *runConfig) error {
	for name, apply := range simpleFlags {
		if fl.given(name) && !slices.Contains(flagOrder, name) {
			apply(fl, rc)
		}
	}
	for _, name := range flagOrder {
		if fl.given(name) {
			simpleFlags[name](fl, rc)
		}
	}
	if fl.syslog || fl.remoteSyslog != "" {
		rc.warnf("syslog is not supported yet; logging to %s", logDest(rc.opts))
	}
	return applyClusterFlags(fl, rc)
}

func applyClusterFlags(fl *cliFlags, rc *runConfig) error {
	if fl.given("cluster") {
		host, port, err := parseHostPort(fl.clusterListen)
		if err != nil {
			return fmt.Errorf("--cluster %q: %w", fl.clusterListen, err)
		}
		rc.opts.Cluster.Host, rc.opts.Cluster.Port = host, port
	}
	if fl.given("routes") {
		routes, err := parseRoutes(strings.Split(fl.routes, ","))
		if err != nil {
			return fmt.Errorf("--routes: %w", err)
		}
		rc.opts.Cluster.Routes = routes
	}
	return nil
}

func logDest(o *server.Options) string {
	if o.LogFile != "" {
		return o.LogFile
	}
	return "stderr"
}

// setJetStream applies the JetStream default. As nats-server, -js or a
// jetstream block in the config file turns JetStream on, and nothing else
// does (client test suites start servers without -js and expect it off),
// except that petrel started with no arguments at all runs with
// JetStream: the server anyone can start with no set-up. --no_jetstream
// turns it off. A server with JetStream gets the default store directory
// when none is set.
func setJetStream(fl *cliFlags, rc *runConfig) error {
	if fl.jetstream && fl.noJetstream {
		return errors.New("--jetstream and --no_jetstream contradict each other")
	}
	switch {
	case fl.noJetstream:
		rc.opts.JetStream = false
	case fl.jetstream:
		rc.opts.JetStream = true
	case fl.bare:
		rc.jsByDefault = true
		rc.opts.JetStream = true
	}
	if !rc.opts.JetStream && fl.set["store_dir"] && !fl.noJetstream {
		rc.warnf("JetStream is off: a store directory (-sd) does not turn it on; add -js")
	}
	if rc.opts.JetStream && rc.opts.StoreDir == "" {
		rc.opts.StoreDir = defaultStoreDir()
	}
	return nil
}

// defaultStoreDir is where JetStream keeps its data when no store
// directory is configured: $XDG_DATA_HOME/petrel, else
// ~/.local/share/petrel, else ./petrel-data. A persistent place, so that
// a restarted server finds its streams.
func defaultStoreDir() string {
	if dir := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "petrel")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "share", "petrel")
	}
	return server.DefaultStoreDirName
}

// parseHostPort reads a listen address given as nats://host:port,
// host:port or :port.
func parseHostPort(s string) (string, int, error) {
	hostport := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", 0, err
		}
		hostport = u.Host
	}
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("invalid port %q", p)
	}
	return host, port, nil
}

// parseRoutes parses route URLs (nats://host:port); blanks are skipped.
func parseRoutes(list []string) ([]*url.URL, error) {
	var routes []*url.URL
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		if u.Host == "" {
			return nil, fmt.Errorf("route %q: want a URL such as nats://host:6222", s)
		}
		routes = append(routes, u)
	}
	return routes, nil
}
