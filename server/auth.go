package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// authenticator decides who a connecting client is: a single user, a
// token, or one of several users (each bound to an account and
// permissions). With none configured, everyone is allowed in the global
// account.
type authenticator struct {
	username, password string
	token              string
	users              map[string]*User
	noAuthUser         string
	accounts           *accountRegistry
}

func newAuthenticator(o *Options, accounts *accountRegistry) (*authenticator, error) {
	a := &authenticator{
		username:   o.Username,
		password:   o.Password,
		token:      o.Authorization,
		noAuthUser: o.NoAuthUser,
		accounts:   accounts,
	}
	if len(o.Users) > 0 {
		a.users = make(map[string]*User, len(o.Users))
		for _, u := range o.Users {
			if u.Username == "" {
				return nil, errors.New("authorization: a user has no name")
			}
			if _, dup := a.users[u.Username]; dup {
				return nil, fmt.Errorf("authorization: duplicate user %q", u.Username)
			}
			a.users[u.Username] = u
			if u.Account != "" {
				accounts.register(u.Account)
			}
		}
	}
	if a.noAuthUser != "" && a.users[a.noAuthUser] == nil {
		return nil, fmt.Errorf("no_auth_user %q is not a configured user", a.noAuthUser)
	}
	return a, nil
}

func (a *authenticator) required() bool {
	return a.username != "" || a.token != "" || len(a.users) > 0
}

// nonce is sent in INFO for signature-based auth; none is used yet.
func (a *authenticator) nonce() string { return "" }

var errBadCredentials = errors.New("invalid credentials")

// check authenticates a CONNECT and returns the client's account and
// permissions.
func (a *authenticator) check(c *client, o *connectOpts) (*Account, *permissions, error) {
	global := a.accounts.global
	switch {
	case !a.required():
		return global, nil, nil
	case a.token != "":
		if !secretMatches(a.token, o.AuthToken) {
			return nil, nil, errBadCredentials
		}
		return global, nil, nil
	case a.username != "":
		if o.User != a.username || !secretMatches(a.password, o.Pass) {
			return nil, nil, errBadCredentials
		}
		return global, nil, nil
	}
	u := a.users[o.User]
	if o.User == "" && o.AuthToken == "" && a.noAuthUser != "" {
		u = a.users[a.noAuthUser]
	} else if u == nil || !secretMatches(u.Password, o.Pass) {
		return nil, nil, errBadCredentials
	}
	acc := global
	if u.Account != "" {
		acc = a.accounts.register(u.Account)
	}
	return acc, newPermissions(u.Permissions), nil
}

// secretMatches compares a presented secret with a configured one, which
// may be a bcrypt hash.
func secretMatches(configured, presented string) bool {
	if strings.HasPrefix(configured, "$2a$") || strings.HasPrefix(configured, "$2b$") || strings.HasPrefix(configured, "$2y$") {
		return bcrypt.CompareHashAndPassword([]byte(configured), []byte(presented)) == nil
	}
	return subtle.ConstantTimeCompare([]byte(configured), []byte(presented)) == 1
}
