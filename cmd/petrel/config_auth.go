package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/conf"
	"github.com/petrelmq/petrel/server"
)

// authorization maps authorization { user, password, token, timeout,
// users }.
func (l *loader) authorization() map[string]handler {
	o := l.rc.opts
	return map[string]handler{
		"user":     set(&o.Username, text),
		"username": set(&o.Username, text),
		"password": set(&o.Password, text),
		"pass":     set(&o.Password, text),
		"token":    set(&o.Authorization, text),
		"timeout":  set(&o.AuthTimeout, conf.Duration),
		"users":    l.usersList("authorization.users", ""),
	}
}

// usersList returns a handler for users = [ {user, password, permissions} ]
// adding each user, in the given account, to the loader's users.
func (l *loader) usersList(path, account string) handler {
	return func(v any) error {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected an array of users, got %s", describe(v))
		}
		for i, e := range list {
			if err := l.user(fmt.Sprintf("%s[%d]", path, i), account, e); err != nil {
				return err
			}
		}
		return nil
	}
}

func (l *loader) user(path, account string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return &keyError{path, fmt.Errorf("expected a user {user: ..., password: ...}, got %s", describe(v))}
	}
	u := &server.User{Account: account}
	if err := l.walk(path, m, l.userKeys(path, u)); err != nil {
		return err
	}
	if u.Username == "" && u.Nkey == "" {
		return &keyError{path, errors.New("a user needs a name (user: NAME) or an nkey (nkey: U...)")}
	}
	l.users = append(l.users, u)
	return nil
}

func (l *loader) userKeys(path string, u *server.User) map[string]handler {
	perms := l.block(path+".permissions", permissionKeys(u))
	return map[string]handler{
		"user":        set(&u.Username, text),
		"username":    set(&u.Username, text),
		"password":    set(&u.Password, text),
		"pass":        set(&u.Password, text),
		"account":     set(&u.Account, conf.String),
		"permissions": perms,
		// nats-server reads a user's permissions under these names too.
		"permission":    perms,
		"authorization": perms,
		"nkey":          set(&u.Nkey, text),
	}
}

// permissionKeys maps permissions { publish, subscribe } (or pub, sub).
func permissionKeys(u *server.User) func() map[string]handler {
	return func() map[string]handler {
		u.Permissions = &server.Permissions{}
		pub := subjectPermission(&u.Permissions.Publish)
		sub := subjectPermission(&u.Permissions.Subscribe)
		resp := responsePermission(&u.Permissions.Response)
		return map[string]handler{"publish": pub, "pub": pub, "subscribe": sub, "sub": sub,
			"allow_responses": resp, "allow_response": resp}
	}
}

// subjectPermission reads "subject", [subjects] (both: allowed) or
// { allow: ..., deny: ... }. Any other key in that block is an error: a
// mistyped permission must not go unnoticed.
func subjectPermission(p **server.SubjectPermission) handler {
	return func(v any) error {
		sp := &server.SubjectPermission{}
		*p = sp
		m, ok := v.(map[string]any)
		if !ok {
			var err error
			sp.Allow, err = stringList(v)
			return err
		}
		for k, x := range m {
			list, err := stringList(x)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			switch strings.ToLower(k) {
			case "allow":
				sp.Allow = list
			case "deny":
				sp.Deny = list
			default:
				return fmt.Errorf("unknown key %q (want allow or deny)", k)
			}
		}
		return nil
	}
}

// accounts maps accounts { NAME { users = [...], jetstream: enabled } }.
// Their users join Options.Users with Account set.
func (l *loader) accounts(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("expected a block of accounts, got %s", describe(v))
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := "accounts." + name
		am, ok := m[name].(map[string]any)
		if !ok {
			return &keyError{path, fmt.Errorf("expected an account block { users = [...] }, got %s", describe(m[name]))}
		}
		ac := &server.AccountConfig{Name: name}
		keys := map[string]handler{
			"users":     l.usersList(path+".users", name),
			"jetstream": l.accountJetStream(path+".jetstream", ac),
			"exports":   l.exportsList(path+".exports", ac),
			"imports":   l.importsList(path+".imports", ac),
		}
		if err := l.walk(path, am, keys); err != nil {
			return err
		}
		l.rc.opts.Accounts = append(l.rc.opts.Accounts, ac)
	}
	return nil
}

// jetstream maps jetstream: enabled|disabled|true|false or
// jetstream { store_dir, max_memory_store, max_file_store, sync_interval,
// domain }.
// A block turns JetStream on unless it says enabled: false.
func (l *loader) jetstream(v any) error {
	o := l.rc.opts
	m, ok := v.(map[string]any)
	if !ok {
		var err error
		o.JetStream, err = jetStreamEnabled(v)
		return err
	}
	o.JetStream = true
	return l.walk("jetstream", m, map[string]handler{
		"enabled":          set(&o.JetStream, conf.Bool),
		"store_dir":        set(&o.StoreDir, conf.String),
		"storedir":         set(&o.StoreDir, conf.String),
		"max_memory_store": set(&o.JetStreamMaxMemory, conf.Size),
		"max_mem_store":    set(&o.JetStreamMaxMemory, conf.Size),
		"max_mem":          set(&o.JetStreamMaxMemory, conf.Size),
		"max_file_store":   set(&o.JetStreamMaxStore, conf.Size),
		"max_file":         set(&o.JetStreamMaxStore, conf.Size),
		"sync_interval":    set(&o.SyncInterval, syncInterval),
		"domain":           set(&o.JetStreamDomain, conf.String),
	})
}

// accountJetStream maps an account's jetstream: enabled|disabled|true|false
// or jetstream { enabled, max_mem|max_memory, max_file|max_store|max_disk,
// max_streams, max_consumers, max_ack_pending, memory_max_stream_bytes,
// store_max_stream_bytes, max_bytes_required }: the account's JetStream
// limits.
func (l *loader) accountJetStream(path string, ac *server.AccountConfig) handler {
	return func(v any) error {
		var err error
		if ac.JetStream, err = jetStreamEnabled(v); err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		return l.walk(path, m, map[string]handler{
			"enabled":       func(any) error { return nil }, // read above
			"max_mem":       set(&ac.JetStreamMaxMemory, conf.Size),
			"max_memory":    set(&ac.JetStreamMaxMemory, conf.Size),
			"max_file":      set(&ac.JetStreamMaxStore, conf.Size),
			"max_store":     set(&ac.JetStreamMaxStore, conf.Size),
			"max_disk":      set(&ac.JetStreamMaxStore, conf.Size),
			"max_streams":   set(&ac.JetStreamMaxStreams, intValue),
			"max_consumers": set(&ac.JetStreamMaxConsumers, intValue),
			// Per-stream rules; nats-server's config spells them several ways.
			"memory_max_stream_bytes":  set(&ac.JetStreamMemoryMaxStreamBytes, conf.Size),
			"mem_max_stream_bytes":     set(&ac.JetStreamMemoryMaxStreamBytes, conf.Size),
			"store_max_stream_bytes":   set(&ac.JetStreamStoreMaxStreamBytes, conf.Size),
			"storage_max_stream_bytes": set(&ac.JetStreamStoreMaxStreamBytes, conf.Size),
			"disk_max_stream_bytes":    set(&ac.JetStreamStoreMaxStreamBytes, conf.Size),
			"max_bytes_required":       set(&ac.JetStreamMaxBytesRequired, conf.Bool),
			"max_stream_bytes":         set(&ac.JetStreamMaxBytesRequired, conf.Bool),
			"max_ack_pending":          set(&ac.JetStreamMaxAckPending, intValue),
		})
	}
}

// intValue reads an integer (size suffixes allowed).
func intValue(v any) (int, error) {
	n, err := conf.Size(v)
	return int(n), err
}

// jetStreamEnabled reads enabled/disabled, a boolean, or a block of
// limits (enabled).
func jetStreamEnabled(v any) (bool, error) {
	switch v := v.(type) {
	case map[string]any:
		if e, ok := v["enabled"]; ok {
			return conf.Bool(e)
		}
		return true, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "enabled", "enable":
			return true, nil
		case "disabled", "disable":
			return false, nil
		}
	}
	b, err := conf.Bool(v)
	if err != nil {
		return false, fmt.Errorf("expected enabled, disabled or a boolean, got %s", describe(v))
	}
	return b, nil
}

// syncInterval reads "always" (fsync before every acknowledgement: 0, the
// default) or a duration between periodic syncs.
func syncInterval(v any) (time.Duration, error) {
	if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), "always") {
		return 0, nil
	}
	d, err := conf.Duration(v)
	if err != nil {
		return 0, fmt.Errorf("expected \"always\" or a duration: %w", err)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative sync interval %v", d)
	}
	return d, nil
}

// responsePermission reads allow_responses: true|false or { max, expires }.
func responsePermission(p **server.ResponsePermission) handler {
	return func(v any) error {
		if b, err := conf.Bool(v); err == nil {
			*p = nil
			if b {
				*p = &server.ResponsePermission{}
			}
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected a boolean or { max, expires }, got %s", describe(v))
		}
		rp := &server.ResponsePermission{}
		for k, x := range m {
			var err error
			switch strings.ToLower(k) {
			case "max", "max_msgs", "max_messages", "max_responses":
				rp.MaxMsgs, err = intValue(x)
			case "expires", "expiration", "ttl":
				rp.Expires, err = conf.Duration(x)
			default:
				err = fmt.Errorf("unknown key %q (want max or expires)", k)
			}
			if err != nil {
				return err
			}
		}
		*p = rp
		return nil
	}
}
