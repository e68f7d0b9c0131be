package server

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
)

// authenticator decides who a connecting client is: a single user, a
// token, or one of several users (each bound to an account and
// permissions). With none configured, everyone is allowed in the global
// account.
type authenticator struct {
	username, password string
	token              string
	users              map[string]*User // by name
	nkeys              map[string]*User // by public nkey
	noAuthUser         string
	tlsMap             bool
	accounts           *accountRegistry
	trust              *trust // operator mode; nil otherwise
}

func newAuthenticator(o *Options, accounts *accountRegistry) (*authenticator, error) {
	a := &authenticator{
		username:   o.Username,
		password:   o.Password,
		token:      o.Authorization,
		noAuthUser: o.NoAuthUser,
		tlsMap:     o.TLSMap,
		accounts:   accounts,
	}
	var err error
	if a.trust, err = newTrust(o); err != nil {
		return nil, err
	}
	for _, u := range o.Users {
		if err := a.addUser(u); err != nil {
			return nil, err
		}
	}
	if a.noAuthUser != "" && a.users[a.noAuthUser] == nil {
		return nil, fmt.Errorf("no_auth_user %q is not a configured user", a.noAuthUser)
	}
	return a, nil
}

// registerAccounts creates the accounts a's users and account JWTs name.
// It is separate from newAuthenticator so that a Reload that fails after
// building an authenticator leaves the accounts as they were.
func (a *authenticator) registerAccounts() {
	if a.trust != nil {
		for pub := range a.trust.accounts {
			a.accounts.register(pub)
		}
	}
	for _, u := range a.users {
		if u.Account != "" {
			a.accounts.register(u.Account)
		}
	}
	for _, u := range a.nkeys {
		if u.Account != "" {
			a.accounts.register(u.Account)
		}
	}
}

func (a *authenticator) addUser(u *User) error {
	switch {
	case u.Nkey != "":
		if !nkeys.IsValidPublicUserKey(u.Nkey) {
			return fmt.Errorf("authorization: %q is not a public user nkey", u.Nkey)
		}
		if _, dup := a.nkeys[u.Nkey]; dup {
			return fmt.Errorf("authorization: duplicate nkey %q", u.Nkey)
		}
		if a.nkeys == nil {
			a.nkeys = make(map[string]*User)
		}
		a.nkeys[u.Nkey] = u
	case u.Username != "":
		if _, dup := a.users[u.Username]; dup {
			return fmt.Errorf("authorization: duplicate user %q", u.Username)
		}
		if a.users == nil {
			a.users = make(map[string]*User)
		}
		a.users[u.Username] = u
	default:
		return errors.New("authorization: a user has neither a name nor an nkey")
	}
	return nil
}

func (a *authenticator) required() bool {
	return a.username != "" || a.token != "" || len(a.users) > 0 || len(a.nkeys) > 0 || a.trust != nil
}

// nonce is the challenge an nkey or JWT user signs; it is sent in INFO
// only when such users may connect.
func (a *authenticator) nonce() string {
	if len(a.nkeys) == 0 && a.trust == nil {
		return ""
	}
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var errBadCredentials = errors.New("invalid credentials")

// check authenticates a CONNECT and returns the client's account and
// permissions.
func (a *authenticator) check(c *client, o *connectOpts) (*Account, *permissions, *identity, error) {
	return a.authenticate(c, o, true)
}

// recheck authenticates again the CONNECT of a connected client (after a
// reload). The account's connection limit is not applied: the client
// already holds its connection.
func (a *authenticator) recheck(c *client, o *connectOpts) (*Account, *permissions, *identity, error) {
	return a.authenticate(c, o, false)
}

// authenticate checks o against a's rules; limitConns applies an account
// JWT's connection limit.
func (a *authenticator) authenticate(c *client, o *connectOpts, limitConns bool) (*Account, *permissions, *identity, error) {
	global := a.accounts.global
	switch {
	case a.trust != nil:
		return a.checkJWT(c, o, limitConns)
	case !a.required():
		return global, nil, &identity{}, nil
	case a.token != "":
		if !secretMatches(a.token, o.AuthToken) {
			return nil, nil, nil, errBadCredentials
		}
		return global, nil, &identity{user: redacted}, nil
	case a.username != "":
		if o.User != a.username || !secretMatches(a.password, o.Pass) {
			return nil, nil, nil, errBadCredentials
		}
		return global, nil, &identity{user: a.username}, nil
	}
	u, err := a.identify(c, o)
	if err != nil {
		return nil, nil, nil, err
	}
	acc := global
	if u.Account != "" {
		acc = a.accounts.register(u.Account)
	}
	return acc, newPermissions(u.Permissions), &identity{user: cmp.Or(u.Username, u.Nkey)}, nil
}

// redacted stands for a secret (a token) where a user name would go.
const redacted = "[REDACTED]"

// identity is who an authenticated client is, as Msg.Sender reports it.
type identity struct {
	user    string    // user name, nkey or user JWT subject; "" without authentication
	nameTag string    // the user JWT's name
	expires time.Time // the user JWT's expiry; zero when none
}

// checkJWT authenticates a CONNECT in operator mode.
func (a *authenticator) checkJWT(c *client, o *connectOpts, limitConns bool) (*Account, *permissions, *identity, error) {
	ua, err := a.trust.authenticate(c.nonce, o, time.Now())
	if err != nil {
		c.srv.log.Debugf("Client %d: %v", c.cid, err)
		return nil, nil, nil, errBadCredentials
	}
	acc := a.accounts.register(ua.account)
	if limitConns && ua.maxConn >= 0 && int64(acc.NumConnections()) >= ua.maxConn {
		return nil, nil, nil, errAccountConns
	}
	if limitConns && !ua.ident.expires.IsZero() {
		// At connect (not at a reload's recheck, which keeps the timer
		// set then): close the connection when the user JWT expires.
		c.addTimer(time.Until(ua.ident.expires), c.authExpired)
	}
	if limitConns && !ua.accountExpires.IsZero() {
		c.addTimer(time.Until(ua.accountExpires), c.accountAuthExpired)
	}
	return acc, newPermissions(ua.perms), &ua.ident, nil
}

// errAccountConns: the account's JWT caps its connections and all are in use.
var errAccountConns = errors.New("maximum account active connections exceeded")

// secretMatches compares a presented secret with a configured one, which
// may be a bcrypt hash.
func secretMatches(configured, presented string) bool {
	if strings.HasPrefix(configured, "$2a$") || strings.HasPrefix(configured, "$2b$") || strings.HasPrefix(configured, "$2y$") {
		return bcrypt.CompareHashAndPassword([]byte(configured), []byte(presented)) == nil
	}
	return subtle.ConstantTimeCompare([]byte(configured), []byte(presented)) == 1
}

// identify finds the configured user a CONNECT proves to be.
func (a *authenticator) identify(c *client, o *connectOpts) (*User, error) {
	if a.tlsMap && o.NKey == "" && len(a.users) > 0 {
		if u := a.certUser(c); u != nil {
			return u, nil
		}
		return nil, errBadCredentials
	}
	if o.NKey != "" {
		u := a.nkeys[o.NKey]
		if u == nil || !nonceSigned(o.NKey, c.nonce, o.Sig) {
			return nil, errBadCredentials
		}
		return u, nil
	}
	if o.User == "" && o.AuthToken == "" && a.noAuthUser != "" {
		return a.users[a.noAuthUser], nil
	}
	u := a.users[o.User]
	if u == nil || !secretMatches(u.Password, o.Pass) {
		return nil, errBadCredentials
	}
	return u, nil
}

// nonceSigned verifies that sig (base64, URL or standard alphabet) is the
// nonce signed by the private key of public user key pub.
func nonceSigned(pub, nonce, sig string) bool {
	if nonce == "" {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		if raw, err = base64.StdEncoding.DecodeString(sig); err != nil {
			return false
		}
	}
	kp, err := nkeys.FromPublicKey(pub)
	if err != nil {
		return false
	}
	return kp.Verify([]byte(nonce), raw) == nil
}

// certUser is the user the client's verified TLS certificate names
// (verify_and_map), nil if none: as nats-server looks, the certificate's
// email addresses if it has any, else its DNS names, else its URIs; then
// its subject as an RFC 2253 string (Go's form, the most significant
// attribute first, and the reverse).
func (a *authenticator) certUser(c *client) *User {
	tc, ok := c.conn().(*tls.Conn)
	if !ok {
		return nil
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil
	}
	cert := certs[0]
	var names []string
	switch {
	case len(cert.EmailAddresses) > 0:
		names = cert.EmailAddresses
	case len(cert.DNSNames) > 0:
		names = cert.DNSNames
	case len(cert.URIs) > 0:
		for _, u := range cert.URIs {
			names = append(names, u.String())
		}
	}
	rdns := cert.Subject.ToRDNSequence()
	names = append(names, rdns.String())
	slices.Reverse(rdns)
	names = append(names, rdns.String())
	for _, n := range names {
		if u := a.users[n]; u != nil {
			return u
		}
	}
	return nil
}
