// Configuration reload (Server.Reload; the binary's SIGHUP).
//
// Reloadable, applied at once and atomically (readers see the old options
// or the new, never a mix):
//   - authentication and authorization: Username/Password, Authorization
//     (token), Users (passwords, nkeys, accounts, permissions), NoAuthUser,
//     AuthTimeout, TrustedOperators and AccountJWTs. Every connected client
//     is authenticated again with the CONNECT it sent: one that no longer
//     passes, or that would land in another account, gets
//     "-ERR 'Authorization Violation'" and is closed; one that passes gets
//     its new permissions on the live connection, and each subscription
//     they forbid is removed with "-ERR 'Permissions Violation for
//     Subscription to ... (sid ...)'" (the connection stays).
//   - Debug and Trace, when the logger is petrel's own (internal/log).
//     A connection's protocol trace is decided when it is accepted.
//   - for connections accepted after the reload: TLS (TLSConfig, built by
//     the binary from its certificate, key and CA files; TLSVerify,
//     TLSTimeout, TLSHandshakeFirst), MaxPayload, MaxControlLine,
//     NoHeaderSupport, ClientAdvertise, and the INFO they are sent.
//   - read at each use, so for every connection: MaxConn, MaxSubs,
//     MaxPending, WriteDeadline, PingInterval (from each connection's next
//     ping), MaxPingsOut, LameDuckDuration and LameDuckGracePeriod.
//
// Not reloadable: a change is refused with an error naming the option,
// and nothing changes. ServerName, Host, Port, HTTPHost, HTTPPort,
// JetStream, StoreDir, JetStreamMaxMemory, JetStreamMaxStore,
// SyncInterval, JetStreamDomain, the JetStream settings of accounts
// (AccountConfig with JetStream, and account JWTs' JetStream limits),
// Cluster, SystemAccount, NoSystemAccount, LogFile, Logtime and NoLog.
//
// Ignored: Options.Logger (the running logger stays). Accounts that a
// reload no longer names are kept, empty; an account a reload adds has no
// JetStream (JetStream accounts are fixed at start), and a connection
// does not change accounts: it is closed and reconnects.

package server

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"reflect"
	"slices"
	"time"
)

// Reload replaces the server's options with newOpts. It validates them,
// refuses (with an error, changing nothing) a change to an option that
// cannot change while the server runs, and otherwise applies them and
// authenticates every connected client again. The file comment of
// reload.go lists what is reloadable.
func (s *Server) Reload(newOpts *Options) error {
	if newOpts == nil {
		return errors.New("reload: no options")
	}
	if err := newOpts.Validate(); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.options()
	o := newOpts.withDefaults()
	o.Logger = cur.Logger
	auth, err := newAuthenticator(o, s.accounts)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	addTrustAccounts(o, auth)
	if err := checkFixed(cur, o); err != nil {
		return err
	}
	s.apply(o, auth)
	s.reauthorizeAll(auth)
	return nil
}

// fixedOption is an option that cannot change while the server runs.
type fixedOption struct {
	name string
	same func(a, b *Options) bool
}

var fixedOptions = []fixedOption{
	{"server_name", func(a, b *Options) bool { return a.ServerName == b.ServerName }},
	{"host", func(a, b *Options) bool { return a.Host == b.Host }},
	{"port", func(a, b *Options) bool { return a.Port == b.Port }},
	{"http host", func(a, b *Options) bool { return a.HTTPHost == b.HTTPHost }},
	{"http_port", func(a, b *Options) bool { return a.HTTPPort == b.HTTPPort }},
	{"jetstream", func(a, b *Options) bool { return a.JetStream == b.JetStream }},
	{"store_dir", func(a, b *Options) bool { return a.StoreDir == b.StoreDir }},
	{"max_memory_store", func(a, b *Options) bool { return a.JetStreamMaxMemory == b.JetStreamMaxMemory }},
	{"max_file_store", func(a, b *Options) bool { return a.JetStreamMaxStore == b.JetStreamMaxStore }},
	{"sync_interval", func(a, b *Options) bool { return a.SyncInterval == b.SyncInterval }},
	{"jetstream domain", func(a, b *Options) bool { return a.JetStreamDomain == b.JetStreamDomain }},
	{"accounts' jetstream settings", func(a, b *Options) bool {
		return maps.EqualFunc(jetStreamAccounts(a), jetStreamAccounts(b), sameAccountConfig)
	}},
	{"accounts' exports and imports", sameLinks},
	{"cluster", func(a, b *Options) bool { return sameCluster(&a.Cluster, &b.Cluster) }},
	{"system_account", func(a, b *Options) bool { return a.SystemAccount == b.SystemAccount }},
	{"no_system_account", func(a, b *Options) bool { return a.NoSystemAccount == b.NoSystemAccount }},
	{"log_file", func(a, b *Options) bool { return a.LogFile == b.LogFile }},
	{"logtime", func(a, b *Options) bool { return a.Logtime == b.Logtime }},
	{"no_log", func(a, b *Options) bool { return a.NoLog == b.NoLog }},
}

// checkFixed names the first option that cannot be reloaded and differs
// between cur and next.
func checkFixed(cur, next *Options) error {
	for _, f := range fixedOptions {
		if !f.same(cur, next) {
			return fmt.Errorf("reload: %s can not be changed while the server runs; restart it instead", f.name)
		}
	}
	return nil
}

// jetStreamAccounts maps each account with JetStream to its settings.
func jetStreamAccounts(o *Options) map[string]AccountConfig {
	m := map[string]AccountConfig{}
	for _, ac := range o.Accounts {
		if ac.JetStream {
			c := *ac
			c.Exports, c.Imports = nil, nil // compared by sameLinks
			m[ac.Name] = c
		}
	}
	return m
}

func sameCluster(a, b *ClusterOptions) bool {
	str := func(c *ClusterOptions) []string {
		out := []string{c.Name, c.Host, fmt.Sprint(c.Port)}
		for _, u := range c.Routes {
			out = append(out, u.String())
		}
		return out
	}
	return slices.Equal(str(a), str(b))
}

// apply makes o and auth the server's options and authenticator. The
// INFO for new connections changes with them, under s.mu, so a client
// accepted meanwhile gets one consistent set (createClient).
func (s *Server) apply(o *Options, auth *authenticator) {
	auth.registerAccounts()
	for _, ac := range o.Accounts {
		s.accounts.register(ac.Name)
	}
	if l, ok := s.log.(interface{ SetLevels(debug, trace bool) }); ok {
		l.SetLevels(o.Debug, o.Trace)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Store(o)
	s.auth.Store(auth)
	if s.mu.listener != nil {
		s.mu.info = s.buildInfo(o, auth, s.mu.listener.Addr().(*net.TCPAddr))
	}
}

// reauthorizeAll authenticates every client again with auth. It runs
// after auth is in place: a CONNECT checked against the old rules either
// finished before the clients were listed here, or sees the new rules
// when it ends (client.Connect).
func (s *Server) reauthorizeAll(auth *authenticator) {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.mu.clients))
	for _, c := range s.mu.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	start := time.Now()
	closed := 0
	for _, c := range clients {
		if !s.reauthorize(c, auth) {
			closed++
		}
	}
	s.log.Debugf("Reload: %d clients authenticated again in %v, %d closed", len(clients), time.Since(start), closed)
}

// reauthorize checks a connected client against auth with the CONNECT it
// sent. A client that fails, or that auth would put in another account,
// is closed (it reports false); the others get auth's permissions.
func (s *Server) reauthorize(c *client, auth *authenticator) bool {
	if !c.connected.Load() {
		return true // its CONNECT, when it comes, meets the new rules
	}
	c.mu.Lock()
	opts, cur, closed := c.opts, c.acc, c.mu.closed
	c.mu.Unlock()
	if closed {
		return false
	}
	acc, perms, ident, err := auth.recheck(c, &opts)
	if err == nil && acc != cur {
		err = fmt.Errorf("now in account %q, not %q", acc.Name, cur.Name)
	}
	if err != nil {
		s.log.Noticef("Client %d (%s): closed by reload: authorization violation: %v", c.cid, c.host, err)
		c.sendErr(errAuthViolation)
		c.closeConnection(AuthenticationViolation)
		return false
	}
	c.ident.Store(ident)
	c.setPermissions(perms)
	return true
}

// reauthorizeLate authenticates c again against the latest rules, for a
// CONNECT that a reload overtook. It waits for a reload under way, so the
// rules it applies are not older than that reload's.
func (s *Server) reauthorizeLate(c *client) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.reauthorize(c, s.authn())
}

// setPermissions replaces the client's permissions and removes the
// subscriptions they forbid.
func (c *client) setPermissions(p *permissions) {
	c.perms.Store(p)
	var revoked []*subscription
	c.mu.Lock()
	for _, sub := range c.mu.subs {
		if !p.mayHold(sub) {
			revoked = append(revoked, sub)
		}
	}
	c.mu.Unlock()
	for _, sub := range revoked {
		c.revoke(sub)
	}
}

// revoke removes a subscription the client's permissions no longer allow
// and tells the client, as nats-server does on a reload.
func (c *client) revoke(sub *subscription) {
	if !c.drop(sub) {
		return
	}
	text := fmt.Sprintf("Permissions Violation for Subscription to %q (sid %q)", sub.subject, sub.sid)
	if sub.queue != "" {
		text = fmt.Sprintf("Permissions Violation for Subscription to %q using queue %q (sid %q)", sub.subject, sub.queue, sub.sid)
	}
	c.srv.log.Noticef("Client %d: removed subscription %q (sid %q): not authorized", c.cid, sub.subject, sub.sid)
	c.sendErr(text)
}

// sameAccountConfig compares two account configurations field by field.
func sameAccountConfig(a, b AccountConfig) bool { return reflect.DeepEqual(a, b) }
