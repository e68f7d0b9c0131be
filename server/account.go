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
	// links are the account's imports and exports (imports.go); nil for
	// most accounts. Made before the server accepts clients, then fixed.
	links *links

	mu struct {
		sync.Mutex
		clients int
		total   int64        // connections ever bound to the account
		closed  AccountStats // what its closed connections sent and received
	}
}

// AccountStats are an account's cumulative traffic: Received is what its
// clients published, Sent what was delivered to them.
type AccountStats struct {
	Conns         int   // open client connections
	TotalConns    int64 // client connections ever bound to it
	NumSubs       int   // subscriptions, in-process ones included
	ReceivedMsgs  int64
	ReceivedBytes int64
	SentMsgs      int64
	SentBytes     int64
}

// AccountStats reports a's traffic: its closed connections' plus its open
// ones'.
func (s *Server) AccountStats(a *Account) AccountStats {
	a.mu.Lock()
	st := a.mu.closed
	st.Conns, st.TotalConns = a.mu.clients, a.mu.total
	a.mu.Unlock()
	st.NumSubs = a.sl.Count()
	for _, ci := range s.Connections(false) {
		if ci.Account == a.Name {
			st.ReceivedMsgs += ci.InMsgs
			st.ReceivedBytes += ci.InBytes
			st.SentMsgs += ci.OutMsgs
			st.SentBytes += ci.OutBytes
		}
	}
	return st
}

// addClosed counts the traffic of a connection that closed.
func (a *Account) addClosed(ci *ConnInfo) {
	a.mu.Lock()
	a.mu.closed.ReceivedMsgs += ci.InMsgs
	a.mu.closed.ReceivedBytes += ci.InBytes
	a.mu.closed.SentMsgs += ci.OutMsgs
	a.mu.closed.SentBytes += ci.OutBytes
	a.mu.Unlock()
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
	if delta > 0 {
		a.mu.total += int64(delta)
	}
	a.mu.Unlock()
}

// accountRegistry holds the server's accounts by name.
type accountRegistry struct {
	global *Account
	system *Account

	mu struct {
		sync.RWMutex
		byName   map[string]*Account
		watchers map[*accountWatcher]struct{}
	}
}

// accountWatcher is a callback of WatchAccounts.
type accountWatcher struct{ f func(*Account) }

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
	r.linkAccounts(o)
	return r
}

// register returns the named account, creating it when new.
func (r *accountRegistry) register(name string) *Account {
	r.mu.Lock()
	if a, ok := r.mu.byName[name]; ok {
		r.mu.Unlock()
		return a
	}
	a := newAccount(name)
	r.mu.byName[name] = a
	watchers := make([]*accountWatcher, 0, len(r.mu.watchers))
	for w := range r.mu.watchers {
		watchers = append(watchers, w)
	}
	r.mu.Unlock()
	for _, w := range watchers {
		w.f(a)
	}
	return a
}

// WatchAccounts calls f for every account there is and, until the returned
// stop is called, for each account added later (by a reload, or the first
// client of an operator-mode account), on the goroutine that adds it. f
// must not block.
func (s *Server) WatchAccounts(f func(*Account)) (stop func()) {
	r := s.accounts
	w := &accountWatcher{f: f}
	r.mu.Lock()
	if r.mu.watchers == nil {
		r.mu.watchers = make(map[*accountWatcher]struct{})
	}
	r.mu.watchers[w] = struct{}{}
	existing := make([]*Account, 0, len(r.mu.byName))
	for _, a := range r.mu.byName {
		existing = append(existing, a)
	}
	r.mu.Unlock()
	for _, a := range existing {
		f(a)
	}
	return func() {
		r.mu.Lock()
		delete(r.mu.watchers, w)
		r.mu.Unlock()
	}
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
