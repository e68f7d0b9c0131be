package server

import (
	"cmp"
	"sync"

	"github.com/petrelmq/petrel/internal/sublist"
)

// Account is an isolated subject namespace: every connection belongs to
// one, and a message reaches only subscriptions of its publisher's account.
// Without configuration there is the global account ($G) and the system
// account (Options.SystemAccount, $SYS by default).
type Account struct {
	Name  string
	sl    *sublist.Sublist[*subscription]
	watch interestWatch // watch.go

	mu struct {
		sync.Mutex
		clients int
	}
}

func newAccount(name string) *Account {
	return &Account{Name: name, sl: sublist.New[*subscription]()}
}

// NumConnections is the number of client connections bound to the account.
func (a *Account) NumConnections() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.clients
}

// Sublist exposes the account's subscriptions for monitoring; read only.
func (a *Account) Sublist() *sublist.Sublist[*subscription] { return a.sl }

func (a *Account) addClient(delta int) {
	a.mu.Lock()
	a.mu.clients += delta
	a.mu.Unlock()
}

// accountRegistry holds the server's accounts by name.
type accountRegistry struct {
	global *Account
	system *Account

	mu struct {
		sync.RWMutex
		byName map[string]*Account
	}
}

func newAccountRegistry(o *Options) *accountRegistry {
	r := &accountRegistry{global: newAccount(GlobalAccountName)}
	r.mu.byName = map[string]*Account{GlobalAccountName: r.global}
	if !o.NoSystemAccount {
		name := cmp.Or(o.SystemAccount, SystemAccountName)
		r.system = newAccount(name)
		r.mu.byName[name] = r.system
	}
	for _, ac := range o.Accounts {
		r.register(ac.Name)
	}
	return r
}

// register returns the named account, creating it when new.
func (r *accountRegistry) register(name string) *Account {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.mu.byName[name]; ok {
		return a
	}
	a := newAccount(name)
	r.mu.byName[name] = a
	return a
}

func (r *accountRegistry) lookup(name string) *Account {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.mu.byName[name]
}

func (r *accountRegistry) all() []*Account {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Account, 0, len(r.mu.byName))
	for _, a := range r.mu.byName {
		out = append(out, a)
	}
	return out
}

// GlobalAccount is the account of clients that name none.
func (s *Server) GlobalAccount() *Account { return s.accounts.global }

// SystemAccount is the system account (Options.SystemAccount, default
// $SYS), nil when disabled.
func (s *Server) SystemAccount() *Account { return s.accounts.system }

// LookupAccount finds an account by name.
func (s *Server) LookupAccount(name string) *Account { return s.accounts.lookup(name) }

// Accounts lists every account.
func (s *Server) Accounts() []*Account { return s.accounts.all() }
