package jetstream

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/petrelmq/petrel/server"
)

// Service is JetStream as a server.Service: petrel.NewServer adds it when
// Options.JetStream is set. Start opens the store directory, recovers every
// stream and subscribes the API in each JetStream-enabled account.
type Service struct {
	srv    *server.Server
	log    server.Logger
	dir    string
	stores *stores
	limits serverLimits
	usage  usageCache
	stats  serviceStats // for monitoring (stats.go)

	mu struct {
		sync.Mutex
		accounts map[string]*account
		refusing []*server.Conn // API of the accounts without JetStream (refuse.go)
		shutdown bool
	}
}

// New returns a JetStream service, to register with server.AddService.
func New() *Service {
	s := &Service{}
	s.mu.accounts = make(map[string]*account)
	return s
}

// Start implements server.Service.
func (s *Service) Start(srv *server.Server) error {
	s.srv = srv
	s.log = srv.Logger()
	opts := srv.Options()
	s.dir = opts.StoreDir
	if s.dir == "" {
		s.dir = filepath.Join(os.TempDir(), server.DefaultStoreDirName)
	}
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return fmt.Errorf("jetstream: store dir: %w", err)
	}
	s.limits = newServerLimits(opts, s.dir)
	st, err := openStores(s.dir, opts.SyncInterval, s.log)
	if err != nil {
		return fmt.Errorf("jetstream: open store dir %s: %w", s.dir, err)
	}
	s.stores = st
	for _, acc := range s.enabledAccounts() {
		if err := s.enableAccount(acc); err != nil {
			s.Shutdown()
			return err
		}
	}
	if err := s.refuseAccounts(); err != nil {
		s.Shutdown()
		return err
	}
	s.log.Noticef("JetStream started, store dir %s, max memory %s, max storage %s",
		s.dir, budget(s.limits.maxMemory), budget(s.limits.maxStore))
	s.stats.started.Store(true)
	return nil
}

// enabledAccounts lists the accounts that get JetStream: the global account
// and every configured account with JetStream on.
func (s *Service) enabledAccounts() []*server.Account {
	accs := []*server.Account{s.srv.GlobalAccount()}
	for _, ac := range s.srv.Options().Accounts {
		if !ac.JetStream || ac.Name == server.GlobalAccountName {
			continue
		}
		if a := s.srv.LookupAccount(ac.Name); a != nil {
			accs = append(accs, a)
		}
	}
	return accs
}

func (s *Service) enableAccount(acc *server.Account) error {
	a, err := newAccount(s, acc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.mu.accounts[acc.Name] = a
	s.mu.Unlock()
	if err := a.recover(); err != nil {
		return fmt.Errorf("jetstream: recover account %s: %w", acc.Name, err)
	}
	return a.subscribeAPI()
}

// Shutdown implements server.Service: it stops the API, lets every stream
// finish the batches it has taken (their acks are sent once durable), and
// closes the stores.
func (s *Service) Shutdown() {
	s.mu.Lock()
	if s.mu.shutdown {
		s.mu.Unlock()
		return
	}
	s.mu.shutdown = true
	accs := make([]*account, 0, len(s.mu.accounts))
	for _, a := range s.mu.accounts {
		accs = append(accs, a)
	}
	refusing := s.mu.refusing
	s.mu.Unlock()
	for _, c := range refusing {
		c.Close()
	}
	var errs []error
	for _, a := range accs {
		errs = append(errs, a.close())
	}
	if s.stores != nil {
		errs = append(errs, s.stores.close())
	}
	if err := errors.Join(errs...); err != nil {
		s.log.Errorf("JetStream shutdown: %v", err)
	}
}
