package server

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/jwt/v2"
)

// Operator mode (decentralized authentication, as nats-server's): the
// server trusts operators, each known by its JWT. An operator, or one of
// its signing keys, issues account JWTs; an account, or one of its signing
// keys, issues user JWTs. A client presents its user JWT in CONNECT and
// signs the INFO nonce with the user's private key (a bearer-token JWT
// needs no signature). Accounts come from a memory resolver:
// Options.AccountJWTs, the resolver_preload of a configuration file. An
// account is named by its public key.
//
// The user's permissions (or those of the scoped signing key that issued
// it) bound what it may publish and subscribe to; expiry, revocation by
// the account, bearer tokens the account disallows and the account's
// connection limit are enforced at connect. A connected user is cut off
// when its JWT, or its account's, expires.
type trust struct {
	operators []*jwt.OperatorClaims
	keys      map[string]bool               // operators and their signing keys
	accounts  map[string]*jwt.AccountClaims // by public key
}

// newTrust decodes the operators and the preloaded accounts of o, nil
// when o trusts no operator.
func newTrust(o *Options) (*trust, error) {
	if len(o.TrustedOperators) == 0 {
		if len(o.AccountJWTs) > 0 {
			return nil, errors.New("account JWTs (resolver_preload) need a trusted operator")
		}
		return nil, nil
	}
	if o.Username != "" || o.Authorization != "" || len(o.Users) > 0 {
		return nil, errors.New("operator mode excludes users, tokens and nkeys in the configuration")
	}
	t := &trust{keys: map[string]bool{}, accounts: map[string]*jwt.AccountClaims{}}
	for _, tok := range o.TrustedOperators {
		oc, err := jwt.DecodeOperatorClaims(tok)
		if err != nil {
			return nil, fmt.Errorf("operator JWT: %w", err)
		}
		t.operators = append(t.operators, oc)
		t.keys[oc.Subject] = true
		for _, k := range oc.SigningKeys {
			t.keys[k] = true
		}
	}
	for pub, tok := range o.AccountJWTs {
		ac, err := t.account(pub, tok)
		if err != nil {
			return nil, err
		}
		t.accounts[pub] = ac
	}
	return t, nil
}

// account decodes and checks the account JWT tok preloaded as pub.
func (t *trust) account(pub, tok string) (*jwt.AccountClaims, error) {
	ac, err := jwt.DecodeAccountClaims(tok)
	if err != nil {
		return nil, fmt.Errorf("account JWT %s: %w", pub, err)
	}
	switch {
	case ac.Subject != pub:
		return nil, fmt.Errorf("account JWT preloaded as %s is for %s", pub, ac.Subject)
	case !t.keys[ac.Issuer]:
		return nil, fmt.Errorf("account JWT %s is not issued by a trusted operator", pub)
	}
	return ac, nil
}

// jetStreamAccounts declares each account whose JWT enables JetStream, with
// its limits, so the JetStream service serves it like a configured one.
func (t *trust) jetStreamAccounts() []*AccountConfig {
	var out []*AccountConfig
	for pub, ac := range t.accounts {
		l := ac.Limits.JetStreamLimits
		if !ac.Limits.IsJSEnabled() {
			continue
		}
		// Petrel has only the R1 tier: a JWT with tiered limits gives
		// its R1 ones.
		r1, tiered := ac.Limits.JetStreamTieredLimits["R1"]
		if tiered {
			l = r1
		}
		out = append(out, &AccountConfig{
			Name: pub, JetStream: true, JetStreamTiered: tiered,
			JetStreamMaxMemory: l.MemoryStorage, JetStreamMaxStore: l.DiskStorage,
			JetStreamMaxStreams: int(l.Streams), JetStreamMaxConsumers: int(l.Consumer),
			JetStreamMemoryMaxStreamBytes: l.MemoryMaxStreamBytes, JetStreamStoreMaxStreamBytes: l.DiskMaxStreamBytes,
			JetStreamMaxBytesRequired: l.MaxBytesRequired, JetStreamMaxAckPending: int(l.MaxAckPending),
		})
	}
	slices.SortFunc(out, func(a, b *AccountConfig) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// userAuth is what a valid user JWT grants.
type userAuth struct {
	account string // public key of the account
	perms   *Permissions
	ident   identity
	maxConn int64 // the account's connection limit; < 0 unlimited
	// accountExpires is when the account JWT expires (zero: never).
	accountExpires time.Time
}

// authenticate checks the user JWT and nonce signature of a CONNECT.
func (t *trust) authenticate(nonce string, o *connectOpts, now time.Time) (*userAuth, error) {
	if o.JWT == "" {
		return nil, errors.New("no user JWT")
	}
	uc, err := jwt.DecodeUserClaims(o.JWT)
	if err != nil {
		return nil, fmt.Errorf("user JWT: %w", err)
	}
	if uc.Expires > 0 && now.Unix() >= uc.Expires {
		return nil, errors.New("user JWT expired")
	}
	if uc.NotBefore > 0 && now.Unix() < uc.NotBefore {
		return nil, errors.New("user JWT not yet valid")
	}
	accPub := uc.Issuer
	if uc.IssuerAccount != "" {
		accPub = uc.IssuerAccount
	}
	ac := t.accounts[accPub]
	if ac == nil {
		return nil, fmt.Errorf("account %s is unknown", accPub)
	}
	perms, err := t.grant(ac, uc)
	if err != nil {
		return nil, err
	}
	if err := checkHolder(uc, nonce, o.Sig); err != nil {
		return nil, err
	}
	ua := &userAuth{account: accPub, perms: perms, maxConn: ac.Limits.Conn}
	if ac.Expires > 0 {
		ua.accountExpires = time.Unix(ac.Expires, 0)
	}
	ua.ident = identity{user: uc.Subject, nameTag: uc.Name}
	if uc.Expires > 0 {
		ua.ident.expires = time.Unix(uc.Expires, 0)
	}
	return ua, nil
}

// grant checks that the account issued uc (itself or through a signing
// key) and has not revoked it, and returns uc's permissions: a scoped
// signing key's template replaces the user's own.
func (t *trust) grant(ac *jwt.AccountClaims, uc *jwt.UserClaims) (*Permissions, error) {
	if ac.Expires > 0 && time.Now().Unix() >= ac.Expires {
		return nil, errors.New("account JWT expired")
	}
	p := uc.UserPermissionLimits
	if uc.IssuerAccount != "" {
		if !ac.SigningKeys.Contains(uc.Issuer) {
			return nil, errors.New("user JWT issued by a key the account does not list")
		}
		if scope, ok := ac.SigningKeys.GetScope(uc.Issuer); ok && scope != nil {
			us, ok := scope.(*jwt.UserScope)
			if !ok {
				return nil, errors.New("unknown signing key scope")
			}
			p = us.Template
		}
	} else if uc.Issuer != ac.Subject {
		return nil, errors.New("user JWT not issued by its account")
	}
	if ac.IsClaimRevoked(uc) {
		return nil, errors.New("user JWT revoked")
	}
	if p.BearerToken && ac.Limits.DisallowBearer {
		return nil, errors.New("bearer user JWTs are disallowed by the account")
	}
	uc.BearerToken = p.BearerToken
	return jwtPermissions(p.Permissions), nil
}

// checkHolder verifies that the client holds the user's key: it signed the
// nonce, unless the JWT is a bearer token.
func checkHolder(uc *jwt.UserClaims, nonce, sig string) error {
	if uc.BearerToken {
		return nil
	}
	if !nonceSigned(uc.Subject, nonce, sig) {
		return errors.New("nonce not signed by the user's key")
	}
	return nil
}

// jwtPermissions converts JWT permissions, nil when they bound nothing.
func jwtPermissions(p jwt.Permissions) *Permissions {
	if p.Pub.Empty() && p.Sub.Empty() && p.Resp == nil {
		return nil
	}
	out := &Permissions{}
	if !p.Pub.Empty() {
		out.Publish = &SubjectPermission{Allow: p.Pub.Allow, Deny: p.Pub.Deny}
	}
	if !p.Sub.Empty() {
		out.Subscribe = &SubjectPermission{Allow: p.Sub.Allow, Deny: p.Sub.Deny}
	}
	if r := p.Resp; r != nil {
		out.Response = &ResponsePermission{MaxMsgs: r.MaxMsgs, Expires: r.Expires}
	}
	return out
}
