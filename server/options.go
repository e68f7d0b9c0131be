package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for Options. A zero field in Options takes the default named
// beside it; Validate reports values that cannot work.
const (
	DefaultHost           = "0.0.0.0"
	DefaultPort           = 4222
	RandomPort            = -1 // Port value asking the OS for a free port
	DefaultMaxPayload     = 1 << 20
	DefaultMaxControlLine = 4096
	DefaultMaxConn        = 64 * 1024
	DefaultMaxPending     = 64 << 20
	DefaultWriteDeadline  = 10 * time.Second
	DefaultPingInterval   = 2 * time.Minute
	DefaultMaxPingsOut    = 2
	DefaultAuthTimeout    = 2 * time.Second
	DefaultLameDuck       = 2 * time.Minute
	DefaultLameDuckGrace  = 10 * time.Second
	DefaultStoreDirName   = "petrel-data"
	GlobalAccountName     = "$G"
	SystemAccountName     = "$SYS"
)

// Options configure a Server. Every field has a documented default that a
// zero value selects, so Options{} is a working single-node server on
// 0.0.0.0:4222 with no authentication and no JetStream.
type Options struct {
	// ServerName names the server in INFO and monitoring. Default: the server id.
	ServerName string
	// Host is the client listen address. Default "0.0.0.0".
	Host string
	// Port is the client port. Default 4222; RandomPort (-1) picks a free one.
	Port int
	// ClientAdvertise is the host:port told to clients in connect_urls. Default: none.
	ClientAdvertise string

	// MaxPayload bounds a message's size (headers + data). Default 1 MiB.
	MaxPayload int
	// MaxControlLine bounds a protocol line. Default 4096 bytes.
	MaxControlLine int
	// MaxConn bounds concurrent client connections. Default 65536.
	MaxConn int
	// MaxSubs bounds subscriptions per connection. Default 0: unlimited.
	MaxSubs int
	// MaxPending bounds bytes queued to one client before it is cut off as a
	// slow consumer. Default 64 MiB.
	MaxPending int64
	// WriteDeadline bounds one write to a client; past it the client is a
	// slow consumer. Default 10s.
	WriteDeadline time.Duration
	// PingInterval is how often the server pings an idle client. Default 2m.
	PingInterval time.Duration
	// MaxPingsOut is how many unanswered pings close a connection as stale. Default 2.
	MaxPingsOut int
	// NoHeaderSupport turns headers off in INFO. Default: headers on.
	NoHeaderSupport bool

	// Authentication. With none of these set, no authentication is required.
	Username      string        // single user name (with Password)
	Password      string        // plain text or a bcrypt hash ("$2a$...")
	Authorization string        // single token
	Users         []*User       // several users, each possibly in an account
	NoAuthUser    string        // user that a client without credentials becomes
	AuthTimeout   time.Duration // time to send CONNECT when auth is required. Default 2s.
	Accounts      []*AccountConfig
	// TrustedOperators are operator JWTs. With any, the server is in
	// operator mode (operator.go): a client presents a user JWT issued by
	// an account in AccountJWTs, and Username, Authorization and Users
	// must be empty. Default: none.
	TrustedOperators []string
	// AccountJWTs maps account public keys to their JWTs (the memory
	// resolver, resolver_preload in a configuration file).
	AccountJWTs map[string]string

	// TLS for client connections: TLSConfig is used as is when set; else
	// TLSCert/TLSKey (and TLSCaCert with TLSVerify) build one. Default: off.
	TLSConfig *tls.Config
	TLSCert   string
	TLSKey    string
	TLSCaCert string
	TLSVerify bool
	// TLSMap (verify_and_map): with users configured, a client is the
	// user its verified certificate names, as nats-server maps it: the
	// certificate's email addresses, else its DNS names, else its URIs,
	// then its subject (RFC 2253). No password is asked.
	TLSMap     bool
	TLSTimeout time.Duration // handshake bound. Default 2s.
	// AllowNonTLS (allow_non_tls): with TLS configured, clients may also
	// connect in the clear. INFO says tls_available instead of
	// tls_required, and a client that starts a TLS handshake after INFO
	// gets TLS.
	AllowNonTLS bool
	// TLSHandshakeFirst: a client starts the TLS handshake as soon as it
	// connects and gets INFO over TLS (nats.go's TLSHandshakeFirst,
	// nats.py's tls_handshake_first), instead of INFO first in the clear.
	TLSHandshakeFirst bool

	// Monitoring HTTP server. Default: off (HTTPPort 0).
	HTTPHost string // default: Host
	HTTPPort int    // RandomPort picks a free one

	// JetStream persistence. Default: off.
	JetStream          bool
	StoreDir           string        // default: petrel-data in the OS temp dir (the binary chooses its own)
	JetStreamMaxMemory int64         // bytes; default: 3/4 of system memory
	JetStreamMaxStore  int64         // bytes; default: 1 TiB
	SyncInterval       time.Duration // 0: fsync before every ack (durable, the default)
	// JetStreamDomain, when set, also serves the JetStream API at
	// $JS.<domain>.API.> (clients' domain option) and names the domain in
	// account info. One token, no wildcards. Default: none.
	JetStreamDomain string

	// Clustering (used by later work): routes to peers.
	Cluster ClusterOptions

	// LameDuckDuration spreads client closes in lame-duck mode. Default 2m.
	LameDuckDuration time.Duration
	// LameDuckGracePeriod waits before the first close. Default 10s.
	LameDuckGracePeriod time.Duration

	// Logging. Logger nil: a stderr logger built from these flags.
	Logger  Logger
	Debug   bool
	Trace   bool
	NoLog   bool // discard all log lines
	LogFile string
	Logtime bool // timestamps on log lines (the binary sets it)

	// NoSystemAccount leaves out the system account. Default: it exists.
	NoSystemAccount bool
	// SystemAccount names the system account, where the $SYS.REQ.SERVER
	// request services answer; it may be one declared in Accounts.
	// Default "$SYS".
	SystemAccount string
}

// User is one client identity allowed to connect: a name and password,
// or an nkey (a public user key, "U..."), whose holder proves itself by
// signing the nonce the server sends in INFO.
type User struct {
	Username    string
	Password    string
	Nkey        string
	Account     string // account name; default the global account
	Permissions *Permissions
}

// Permissions bound what a user may publish and subscribe to.
type Permissions struct {
	Publish   *SubjectPermission
	Subscribe *SubjectPermission
	// Response lets the user answer requests delivered to it whatever
	// Publish says (responseperm.go); with it, a Publish without Allow
	// allows nothing else.
	Response *ResponsePermission
}

// SubjectPermission lists allowed and denied subject filters.
type SubjectPermission struct {
	Allow []string
	Deny  []string
}

// AccountConfig declares an account and its users.
type AccountConfig struct {
	Name      string
	JetStream bool
	// JetStream limits of the account; zero or negative is unlimited
	// (the server-wide JetStreamMaxMemory and JetStreamMaxStore still apply).
	JetStreamMaxMemory    int64
	JetStreamMaxStore     int64
	JetStreamMaxStreams   int
	JetStreamMaxConsumers int
	// Caps on one stream's max_bytes per storage type (zero: none), and
	// whether every stream must set max_bytes.
	JetStreamMemoryMaxStreamBytes int64
	JetStreamStoreMaxStreamBytes  int64
	JetStreamMaxBytesRequired     bool
	// JetStreamMaxAckPending caps consumers' max_ack_pending (zero: none).
	JetStreamMaxAckPending int
	// JetStreamTiered: the limits are those of the R1 tier of the
	// account's JWT (tiered_limits); account info reports them under
	// tiers, as nats-server does.
	JetStreamTiered bool
	// Exports offer subjects to other accounts, Imports take them in
	// (exports.go).
	Exports []Export
	Imports []Import
}

// ClusterOptions configure routes between servers.
type ClusterOptions struct {
	Name   string
	Host   string
	Port   int
	Routes []*url.URL
}

// Logger is what the server logs through; internal/log implements it.
type Logger interface {
	Noticef(format string, v ...any)
	Warnf(format string, v ...any)
	Errorf(format string, v ...any)
	Fatalf(format string, v ...any)
	Debugf(format string, v ...any)
	Tracef(format string, v ...any)
}

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() *Options {
	c := *o
	setDefault(&c.Host, DefaultHost)
	setDefault(&c.Port, DefaultPort)
	setDefault(&c.MaxPayload, DefaultMaxPayload)
	setDefault(&c.MaxControlLine, DefaultMaxControlLine)
	setDefault(&c.MaxConn, DefaultMaxConn)
	setDefault(&c.MaxPending, DefaultMaxPending)
	setDefault(&c.WriteDeadline, DefaultWriteDeadline)
	setDefault(&c.PingInterval, DefaultPingInterval)
	setDefault(&c.MaxPingsOut, DefaultMaxPingsOut)
	setDefault(&c.AuthTimeout, DefaultAuthTimeout)
	setDefault(&c.TLSTimeout, 2*time.Second)
	setDefault(&c.LameDuckDuration, DefaultLameDuck)
	setDefault(&c.LameDuckGracePeriod, DefaultLameDuckGrace)
	setDefault(&c.HTTPHost, c.Host)
	setDefault(&c.SystemAccount, SystemAccountName)
	setDefault(&c.StoreDir, filepath.Join(os.TempDir(), DefaultStoreDirName))
	return &c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// Validate reports the first option that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.Port < RandomPort || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d out of range", o.Port))
	}
	if o.MaxPayload < 0 {
		errs = append(errs, fmt.Errorf("max_payload %d is negative", o.MaxPayload))
	}
	if o.MaxPayload > 64<<20 {
		errs = append(errs, fmt.Errorf("max_payload %d is over the 64 MiB limit", o.MaxPayload))
	}
	if o.MaxPending > 0 && int64(o.MaxPayload) > o.MaxPending {
		errs = append(errs, fmt.Errorf("max_payload %d is larger than max_pending %d", o.MaxPayload, o.MaxPending))
	}
	if o.Username != "" && o.Authorization != "" {
		errs = append(errs, errors.New("can not have a single user/pass and a token"))
	}
	if len(o.Users) > 0 && (o.Username != "" || o.Authorization != "") {
		errs = append(errs, errors.New("can not have a single user/pass or token and a users array"))
	}
	if o.SystemAccount == GlobalAccountName {
		errs = append(errs, errors.New("the global account can not be the system account"))
	}
	if err := validateLinks(o.Accounts); err != nil {
		errs = append(errs, err)
	}
	if d := o.JetStreamDomain; d != "" && strings.ContainsAny(d, ".*> \t\r\n") {
		errs = append(errs, fmt.Errorf("jetstream domain %q must be a single subject token", d))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		errs = append(errs, errors.New("tls needs both a certificate and a key"))
	}
	return errors.Join(errs...)
}
