package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/jwt/v2"
	"github.com/petrelmq/petrel/internal/conf"
)

// Operator mode keys of a nats-server configuration file:
//
//	operator: "eyJ..." | "path/to/op.jwt" | [ ... ]   (also trusted_operators)
//	resolver: MEMORY | { type: full|cache, dir: "path" }
//	resolver_preload: { ACCOUNT_PUBLIC_KEY: "eyJ..." }
//	system_account: ACCOUNT_PUBLIC_KEY
//
// A directory resolver is read once at start: every *.jwt file in it is an
// account JWT. Account JWTs pushed at run time ($SYS.REQ.CLAIMS.UPDATE)
// and URL resolvers are not supported.

// operators handles operator and trusted_operators.
func (l *loader) operators(v any) error {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	default:
		items = []any{x}
	}
	for _, it := range items {
		s, err := conf.String(it)
		if err != nil {
			return err
		}
		tok, err := readJWT(s)
		if err != nil {
			return err
		}
		l.rc.opts.TrustedOperators = append(l.rc.opts.TrustedOperators, tok)
	}
	return nil
}

// readJWT returns s if it is a JWT, else the JWT in the file named s (bare
// or in a decorated "-----BEGIN ... JWT-----" block).
func readJWT(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "eyJ") {
		return s, nil
	}
	data, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("operator JWT file: %w", err)
	}
	tok, err := jwt.ParseDecoratedJWT(data)
	if err != nil {
		return "", fmt.Errorf("operator JWT file %s: %w", s, err)
	}
	return tok, nil
}

// resolver handles resolver: MEMORY (accounts from resolver_preload) or a
// directory resolver block.
func (l *loader) resolver(v any) error {
	if s, err := conf.String(v); err == nil {
		if strings.EqualFold(s, "MEMORY") {
			return nil
		}
		return fmt.Errorf("resolver %q is not supported; use MEMORY with resolver_preload, or { type: full, dir: ... }", s)
	}
	var dir, kind string
	err := l.block("resolver", func() map[string]handler {
		return map[string]handler{
			"type":                   set(&kind, conf.String),
			"dir":                    set(&dir, conf.String),
			"allow_delete":           ignore,
			"interval":               ignore,
			"limit":                  ignore,
			"timeout":                ignore,
			"ttl":                    ignore,
			"hard_delete":            ignore,
			"delete_after":           ignore,
			"resolver_preload_size":  ignore,
			"allow_delete_from_list": ignore,
		}
	})(v)
	if err != nil {
		return err
	}
	if dir == "" {
		return errors.New("resolver: a dir is required")
	}
	l.rc.warnf("resolver %s: account JWTs are read from %s at start; updates pushed at run time are not supported", kind, dir)
	return l.readAccountDir(dir)
}

func ignore(any) error { return nil }

// readAccountDir adds every *.jwt file in dir as an account JWT.
func (l *loader) readAccountDir(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jwt"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("resolver: %w", err)
		}
		tok := strings.TrimSpace(string(data))
		ac, err := jwt.DecodeAccountClaims(tok)
		if err != nil {
			return fmt.Errorf("resolver: %s: %w", f, err)
		}
		l.addAccountJWT(ac.Subject, tok)
	}
	return nil
}

// resolverPreload handles resolver_preload { PUBKEY: JWT }.
func (l *loader) resolverPreload(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("expected a map of account keys to JWTs, got %s", describe(v))
	}
	for pub, val := range m {
		tok, err := conf.String(val)
		if err != nil {
			return &keyError{"resolver_preload." + pub, err}
		}
		l.addAccountJWT(pub, strings.TrimSpace(tok))
	}
	return nil
}

func (l *loader) addAccountJWT(pub, tok string) {
	o := l.rc.opts
	if o.AccountJWTs == nil {
		o.AccountJWTs = map[string]string{}
	}
	o.AccountJWTs[pub] = tok
}
