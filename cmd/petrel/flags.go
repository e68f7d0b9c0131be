package main

import (
	"flag"
	"fmt"
	"io"
)

// cliFlags holds the command line as given. Each option may have several
// names (-p, --port); all of them write to the same field, and set records
// the canonical name (the first one registered) of every option the
// command line gave explicitly, so that those override the config file.
type cliFlags struct {
	fs    *flag.FlagSet
	canon map[string]string // any registered name -> canonical name
	set   map[string]bool   // canonical names given on the command line

	// Server.
	host, name, config, pidFile, clientAdvertise, signal string
	portsFileDir                                         string
	port, httpPort, httpsPort, profPort                  int
	testConfig                                           bool

	// bare: petrel was started with no arguments at all.
	bare bool

	// JetStream.
	jetstream, noJetstream bool
	storeDir               string

	// Authorization.
	user, pass, token, noAuthUser string

	// Logging.
	logFile, remoteSyslog                          string
	logtime, syslog, debug, trace, debugTrace, dvv bool
	verboseTrace                                   bool

	// TLS.
	tls, tlsVerify             bool
	tlsCert, tlsKey, tlsCACert string

	// Cluster.
	clusterListen, routes, clusterName string

	help, version bool
}

// parseFlags parses args (without the program name). Flag errors are
// returned, not printed; the usage text is printed only for --help.
func parseFlags(args []string) (*cliFlags, error) {
	f := &cliFlags{
		fs:    flag.NewFlagSet("petrel", flag.ContinueOnError),
		canon: map[string]string{},
		set:   map[string]bool{},
	}
	f.fs.SetOutput(io.Discard)
	f.fs.Usage = func() {}
	f.register()
	if err := f.fs.Parse(args); err != nil {
		return nil, err
	}
	f.fs.Visit(func(fl *flag.Flag) { f.set[f.canon[fl.Name]] = true })
	f.bare = len(args) == 0
	if rest := f.fs.Args(); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected argument %q: petrel takes only flags", rest[0])
	}
	return f, nil
}

// given reports whether the command line set the option with this
// canonical name.
func (f *cliFlags) given(name string) bool { return f.set[name] }

func (f *cliFlags) register() {
	f.registerServer()
	f.registerLogging()
	f.registerSecurity()
	f.boolVar(&f.help, false, "help", "h")
	f.boolVar(&f.version, false, "version", "v")
}

func (f *cliFlags) registerServer() {
	f.stringVar(&f.host, "", "addr", "a", "net")
	f.intVar(&f.port, 0, "port", "p")
	f.stringVar(&f.name, "", "server_name", "n", "name")
	f.stringVar(&f.config, "", "config", "c")
	f.stringVar(&f.pidFile, "", "pid", "P")
	f.stringVar(&f.portsFileDir, "", "ports_file_dir")
	f.intVar(&f.httpPort, 0, "http_port", "m")
	f.intVar(&f.httpsPort, 0, "https_port", "ms")
	f.intVar(&f.profPort, 0, "profile")
	f.stringVar(&f.clientAdvertise, "", "client_advertise")
	f.stringVar(&f.signal, "", "signal", "sl")
	f.boolVar(&f.testConfig, false, "t")
	f.boolVar(&f.jetstream, false, "jetstream", "js")
	f.boolVar(&f.noJetstream, false, "no_jetstream")
	f.stringVar(&f.storeDir, "", "store_dir", "sd")
	f.stringVar(&f.clusterListen, "", "cluster", "cluster_listen")
	f.stringVar(&f.routes, "", "routes")
	f.stringVar(&f.clusterName, "", "cluster_name")
}

func (f *cliFlags) registerLogging() {
	f.stringVar(&f.logFile, "", "log", "l")
	f.boolVar(&f.logtime, true, "logtime", "T")
	f.boolVar(&f.syslog, false, "syslog", "s")
	f.stringVar(&f.remoteSyslog, "", "remote_syslog", "r")
	f.boolVar(&f.debug, false, "debug", "D")
	f.boolVar(&f.trace, false, "trace", "V")
	f.boolVar(&f.verboseTrace, false, "VV")
	f.boolVar(&f.debugTrace, false, "DV")
	f.boolVar(&f.dvv, false, "DVV")
}

func (f *cliFlags) registerSecurity() {
	f.stringVar(&f.user, "", "user")
	f.stringVar(&f.pass, "", "pass")
	f.stringVar(&f.token, "", "auth")
	f.stringVar(&f.noAuthUser, "", "no_auth_user")
	f.boolVar(&f.tls, false, "tls")
	f.stringVar(&f.tlsCert, "", "tlscert")
	f.stringVar(&f.tlsKey, "", "tlskey")
	f.boolVar(&f.tlsVerify, false, "tlsverify")
	f.stringVar(&f.tlsCACert, "", "tlscacert")
}

func (f *cliFlags) stringVar(p *string, def string, names ...string) {
	for _, n := range names {
		f.fs.StringVar(p, n, def, "")
		f.canon[n] = names[0]
	}
}

func (f *cliFlags) intVar(p *int, def int, names ...string) {
	for _, n := range names {
		f.fs.IntVar(p, n, def, "")
		f.canon[n] = names[0]
	}
}

func (f *cliFlags) boolVar(p *bool, def bool, names ...string) {
	for _, n := range names {
		f.fs.BoolVar(p, n, def, "")
		f.canon[n] = names[0]
	}
}

// flagNames lists every registered flag name (for tests of the usage text).
func (f *cliFlags) flagNames() []string {
	var names []string
	f.fs.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	return names
}

// usage is the --help text. Every flag registered above appears here.
const usage = `Usage: petrel [options]

petrel is a NATS-protocol message server. Its flags and configuration files
are those of nats-server. Every flag is accepted with one or two dashes and
its value either as the next argument or after '=': -sd DIR, --store_dir=DIR.

Server options:
  -a, --addr, --net HOST         Bind to HOST (default: 0.0.0.0)
  -p, --port PORT                Client port (default: 4222; -1 picks a free port)
  -n, --name, --server_name NAME Server name (default: the server id)
  -c, --config FILE              Configuration file (nats-server format)
  -t                             Test the configuration and exit
  -P, --pid FILE                 Write the process id to FILE (removed on exit)
      --ports_file_dir DIR       Write DIR/<program>_<pid>.ports with the client and
                                 monitoring URLs once listening (removed on exit)
  -m, --http_port PORT           HTTP monitoring port (default: off)
  -ms, --https_port PORT         HTTPS monitoring port: not supported yet (an error)
      --profile PORT             Serve Go's pprof profiles on PORT (default: off)
      --client_advertise HOST:PORT  Client address to advertise to other servers
  -sl, --signal SIGNAL[=PID]     Send SIGNAL to a running petrel and exit; PID is a
                                 process id or a pid file (default: the -P file,
                                 else pid_file in the -c config file).
                                 SIGNAL: stop (SIGKILL), quit (SIGINT), term (SIGTERM),
                                 reopen (SIGUSR1), reload (SIGHUP), ldm (SIGUSR2)

JetStream options:
  -js, --jetstream               Enable JetStream. Started with no arguments at all,
                                 petrel turns it on by itself (unless another server
                                 holds the default store directory); otherwise, as
                                 nats-server, only -js or a jetstream block in the
                                 -c file turns it on
      --no_jetstream             Turn JetStream off (petrel only)
  -sd, --store_dir DIR           Storage directory (default: $XDG_DATA_HOME/petrel,
                                 else ~/.local/share/petrel, else ./petrel-data)

Authorization options:
      --user USER                User required for connections
      --pass PASSWORD            Password required for connections
      --auth TOKEN               Token required for connections
      --no_auth_user USER        User that clients without credentials become

Logging options:
  -l, --log FILE                 Write the log to FILE (default: stderr)
  -T, --logtime                  Timestamp log lines (default: true; -T=false to omit)
  -s, --syslog                   Log to syslog: not supported yet (a warning)
  -r, --remote_syslog URL        Remote syslog: not supported yet (a warning)
  -D, --debug                    Debug output
  -V, --trace                    Trace the raw protocol
  -VV                            Verbose trace (same as -V for now)
  -DV                            Debug and trace
  -DVV                           Debug and verbose trace

TLS options:
      --tls                      Enable TLS, do not verify clients
      --tlscert FILE             Server certificate file
      --tlskey FILE              Private key for the server certificate
      --tlsverify                Enable TLS, verify client certificates
      --tlscacert FILE           Client certificate CA for verification

Cluster options (parsed; clustering is not active yet):
      --cluster, --cluster_listen URL  Cluster listen URL (nats://host:port)
      --routes URL[,URL...]      Routes to solicit and connect
      --cluster_name NAME        Cluster name

Common options:
  -h, --help                     Show this message
  -v, --version                  Show the version

Signals to a running server: SIGINT, SIGTERM stop it gracefully; SIGUSR2
enters lame duck mode; SIGHUP reloads the configuration file (with the
command-line flags on top): users, passwords, tokens, permissions, TLS
certificates, debug/trace and limits change without dropping clients,
while a change of listen address, server name, JetStream, store dir,
cluster or monitoring port is refused; SIGUSR1 (reopen log) is logged and
otherwise ignored for now.
`
