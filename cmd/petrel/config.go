package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/petrelmq/petrel/internal/conf"
	"github.com/petrelmq/petrel/server"
)

// A config file in the nats-server format is parsed by internal/conf into
// nested maps; the walkers below map its keys onto server.Options. Keys
// are matched without regard to case, as nats-server does. A key petrel
// does not know is collected and logged as a warning; a key whose value
// has the wrong type is an error naming the key's path (cluster.port).
// Keys written in capitals only (PASS = "x") are taken for variables and
// not warned about.

// handler applies the value of one config key.
type handler func(v any) error

// keyError is an error about the value at a config key path.
type keyError struct {
	path string
	err  error
}

func (e *keyError) Error() string { return e.path + ": " + e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

// loader maps one config file onto a runConfig.
type loader struct {
	rc      *runConfig
	users   []*server.User
	unknown []string
}

// loadConfig reads the file at path into rc.
func loadConfig(path string, rc *runConfig) error {
	m, err := conf.ParseFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	l := &loader{rc: rc}
	if err := l.walk("", m, l.topLevel()); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if len(l.users) > 0 {
		rc.opts.Users = l.users
	}
	if len(l.unknown) > 0 {
		rc.warnf("config file %s: ignoring unknown keys: %s", path, strings.Join(l.unknown, ", "))
	}
	return nil
}

// walk applies each key of m with its handler from hs, in key order.
func (l *loader) walk(path string, m map[string]any, hs map[string]handler) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full := joinPath(path, k)
		h, ok := hs[strings.ToLower(k)]
		if !ok {
			if !isVariableName(k) {
				l.unknown = append(l.unknown, full)
			}
			continue
		}
		if err := h(m[k]); err != nil {
			var ke *keyError
			if errors.As(err, &ke) {
				return err
			}
			return &keyError{path: full, err: err}
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isVariableName reports whether k looks like a variable (PASS, HOST_1).
func isVariableName(k string) bool {
	hasUpper := false
	for _, r := range k {
		switch {
		case unicode.IsUpper(r):
			hasUpper = true
		case r == '_' || unicode.IsDigit(r):
		default:
			return false
		}
	}
	return hasUpper
}

func (l *loader) topLevel() map[string]handler {
	o := l.rc.opts
	hs := map[string]handler{
		"server_name":            set(&o.ServerName, conf.String),
		"host":                   set(&o.Host, conf.String),
		"net":                    set(&o.Host, conf.String),
		"port":                   set(&o.Port, toInt),
		"listen":                 l.hostPort(&o.Host, &o.Port),
		"client_advertise":       set(&o.ClientAdvertise, conf.String),
		"http_port":              set(&o.HTTPPort, toInt),
		"monitor_port":           set(&o.HTTPPort, toInt),
		"http":                   l.hostPort(&o.HTTPHost, &o.HTTPPort),
		"https_port":             set(&l.rc.httpsPort, toInt),
		"https":                  func(any) error { l.rc.httpsPort = -1; return nil },
		"prof_port":              set(&l.rc.profPort, toInt),
		"allow_non_tls":          set(&o.AllowNonTLS, conf.Bool),
		"max_payload":            set(&o.MaxPayload, sizeInt),
		"max_control_line":       set(&o.MaxControlLine, sizeInt),
		"max_connections":        set(&o.MaxConn, toInt),
		"max_conn":               set(&o.MaxConn, toInt),
		"max_subscriptions":      set(&o.MaxSubs, toInt),
		"max_subs":               set(&o.MaxSubs, toInt),
		"max_pending":            set(&o.MaxPending, conf.Size),
		"write_deadline":         set(&o.WriteDeadline, conf.Duration),
		"ping_interval":          set(&o.PingInterval, conf.Duration),
		"ping_max":               set(&o.MaxPingsOut, toInt),
		"debug":                  set(&o.Debug, conf.Bool),
		"trace":                  set(&o.Trace, conf.Bool),
		"logtime":                set(&o.Logtime, conf.Bool),
		"log_file":               set(&o.LogFile, conf.String),
		"logfile":                set(&o.LogFile, conf.String),
		"pid_file":               set(&l.rc.pidFile, conf.String),
		"ports_file_dir":         set(&l.rc.portsFileDir, conf.String),
		"lame_duck_duration":     set(&o.LameDuckDuration, conf.Duration),
		"lame_duck_grace_period": set(&o.LameDuckGracePeriod, conf.Duration),
		"no_header_support":      set(&o.NoHeaderSupport, conf.Bool),
		"no_auth_user":           set(&o.NoAuthUser, text),
		"authorization":          l.block("authorization", l.authorization),
		"accounts":               l.accounts,
		"system_account":         set(&o.SystemAccount, conf.String),
		"operator":               l.operators,
		"operators":              l.operators,
		"trusted_operators":      l.operators,
		"resolver":               l.resolver,
		"resolver_preload":       l.resolverPreload,
		"jetstream":              l.jetstream,
		"cluster":                l.block("cluster", l.cluster),
		"tls":                    l.block("tls", l.tlsBlock),
	}
	return hs
}

// set returns a handler storing the value, converted by conv, in *p.
func set[T any](p *T, conv func(any) (T, error)) handler {
	return func(v any) error {
		x, err := conv(v)
		if err != nil {
			return err
		}
		*p = x
		return nil
	}
}

// block returns a handler walking a map value with the handlers hs
// returns.
func (l *loader) block(path string, hs func() map[string]handler) handler {
	return func(v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected a block { ... }, got %s", describe(v))
		}
		return l.walk(path, m, hs())
	}
}

// hostPort returns a handler for "host:port" (or a bare port number).
func (l *loader) hostPort(host *string, port *int) handler {
	return func(v any) error {
		if p, err := toInt(v); err == nil {
			*port = p
			return nil
		}
		s, err := conf.String(v)
		if err != nil {
			return err
		}
		h, p, err := parseHostPort(s)
		if err != nil {
			return err
		}
		*host, *port = h, p
		return nil
	}
}

// toInt reads a whole number: an integer, a whole float, or a string
// holding digits.
func toInt(v any) (int, error) {
	switch v := v.(type) {
	case int64:
		if v >= math.MinInt && v <= math.MaxInt {
			return int(v), nil
		}
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt32 && v <= math.MaxInt32 {
			return int(v), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("expected an integer, got %s", describe(v))
}

// sizeInt reads a byte size (1MB, 4096) into an int.
func sizeInt(v any) (int, error) {
	n, err := conf.Size(v)
	if err != nil {
		return 0, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("size %d out of range", n)
	}
	return int(n), nil
}

// text reads a name or secret: a string, or a number written bare
// (password: 123456) taken as its digits.
func text(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	}
	return "", fmt.Errorf("expected a string, got %s", describe(v))
}

func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "a block"
	case []any:
		return "an array"
	case string:
		return strconv.Quote(v)
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}

// cluster maps cluster { name, listen, host, port, routes }.
func (l *loader) cluster() map[string]handler {
	c := &l.rc.opts.Cluster
	return map[string]handler{
		"name":   set(&c.Name, conf.String),
		"listen": l.hostPort(&c.Host, &c.Port),
		"host":   set(&c.Host, conf.String),
		"net":    set(&c.Host, conf.String),
		"port":   set(&c.Port, toInt),
		"routes": func(v any) error {
			list, err := stringList(v)
			if err != nil {
				return err
			}
			c.Routes, err = parseRoutes(list)
			return err
		},
	}
}

// tlsBlock maps tls { cert_file, key_file, ca_file, verify, timeout,
// handshake_first }.
func (l *loader) tlsBlock() map[string]handler {
	o := l.rc.opts
	l.rc.tls = true
	return map[string]handler{
		"cert_file": set(&o.TLSCert, conf.String),
		"key_file":  set(&o.TLSKey, conf.String),
		"ca_file":   set(&o.TLSCaCert, conf.String),
		"verify":    set(&o.TLSVerify, conf.Bool),
		"timeout":   set(&o.TLSTimeout, conf.Duration),
		"handshake_first": func(v any) error {
			b, err := conf.Bool(v)
			if err != nil {
				return fmt.Errorf("expected a boolean (a fallback delay or \"auto\" is not supported yet): %w", err)
			}
			o.TLSHandshakeFirst = b
			return nil
		},
		"verify_and_map": func(v any) error {
			b, err := conf.Bool(v)
			if b {
				o.TLSVerify, o.TLSMap = true, true
			}
			return err
		},
	}
}

// stringList reads a string or an array of strings.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		list := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element %d: expected a string, got %s", i, describe(e))
			}
			list = append(list, s)
		}
		return list, nil
	}
	return nil, fmt.Errorf("expected a string or an array of strings, got %s", describe(v))
}
