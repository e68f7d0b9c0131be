package jetstream

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/server"
)

// account is JetStream in one account: its API subscriptions, its streams
// and its API counters.
type account struct {
	svc     *Service
	acc     *server.Account
	catalog *catalog
	// conn carries the API endpoints, acks and republished messages;
	// direct carries direct gets, so that slow API calls do not hold them.
	conn   *server.Conn
	direct *server.Conn

	apiTotal  atomic.Uint64
	apiErrors atomic.Uint64

	mu struct {
		sync.RWMutex
		streams map[string]*stream
		apiSubs []*server.InprocSub
		closed  bool
	}
}

func newAccount(svc *Service, acc *server.Account) (*account, error) {
	cat, err := newCatalog(svc.dir, acc.Name)
	if err != nil {
		return nil, err
	}
	a := &account{svc: svc, acc: acc, catalog: cat}
	a.conn = svc.srv.NewConn(acc)
	a.direct = svc.srv.NewConn(acc)
	a.mu.streams = make(map[string]*stream)
	return a, nil
}

// recover opens every stream of the catalog.
func (a *account) recover() error {
	recs, err := a.catalog.load()
	if err != nil {
		return err
	}
	known := make(map[string]bool)
	for _, rec := range recs {
		known[rec.Config.Name] = true
		st, err := openStream(a, rec, true)
		if err != nil {
			return err
		}
		a.mu.Lock()
		a.mu.streams[rec.Config.Name] = st
		a.mu.Unlock()
		if err := st.recoverConsumers(); err != nil {
			return err
		}
		state := st.store.State()
		a.svc.log.Noticef("JetStream restored stream %s > %s: %d messages, %d bytes, sequences %d..%d",
			a.acc.Name, rec.Config.Name, state.Msgs, state.Bytes, state.FirstSeq, state.LastSeq)
	}
	orphans, err := a.svc.stores.orphans(a.acc.Name, known)
	if err != nil {
		return err
	}
	for _, name := range orphans {
		a.svc.log.Warnf("JetStream account %s: stored data of stream %q has no configuration; kept, not served", a.acc.Name, name)
	}
	return nil
}

// subscribeAPI subscribes every API endpoint, and again under the
// JetStream domain's prefix when the server has one.
func (a *account) subscribeAPI() error {
	domainPrefix := ""
	if d := a.svc.srv.Options().JetStreamDomain; d != "" {
		domainPrefix = "$JS." + d + ".API."
	}
	for _, r := range apiRoutes {
		if err := a.subscribeRoute(r.subject, a.handler(r)); err != nil {
			return err
		}
		if domainPrefix == "" {
			continue
		}
		h := a.handler(r)
		err := a.subscribeRoute(domainPrefix+strings.TrimPrefix(r.subject, apiPrefix), func(m *server.Msg) {
			canonical := *m
			canonical.Subject = apiPrefix + strings.TrimPrefix(m.Subject, domainPrefix)
			h(&canonical)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *account) subscribeRoute(subj string, h server.MsgHandler) error {
	sub, err := a.conn.Subscribe(subj, h)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.mu.apiSubs = append(a.mu.apiSubs, sub)
	a.mu.Unlock()
	return nil
}

// close stops the API and every stream.
func (a *account) close() error {
	a.mu.Lock()
	if a.mu.closed {
		a.mu.Unlock()
		return nil
	}
	a.mu.closed = true
	subs := a.mu.apiSubs
	streams := make([]*stream, 0, len(a.mu.streams))
	for _, st := range a.mu.streams {
		streams = append(streams, st)
	}
	a.mu.Unlock()
	for _, sub := range subs {
		sub.Unsubscribe()
	}
	var errs []error
	for _, st := range streams {
		errs = append(errs, st.stop())
	}
	a.direct.Close()
	a.conn.Close()
	return errors.Join(errs...)
}

// lookup returns the named stream or nil.
func (a *account) lookup(name string) *stream {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.mu.streams[name]
}

// streams returns every stream sorted by name.
func (a *account) streams() []*stream {
	a.mu.RLock()
	out := make([]*stream, 0, len(a.mu.streams))
	for _, st := range a.mu.streams {
		out = append(out, st)
	}
	a.mu.RUnlock()
	slices.SortFunc(out, func(x, y *stream) int {
		switch {
		case x.name < y.name:
			return -1
		case x.name > y.name:
			return 1
		}
		return 0
	})
	return out
}

// overlaps reports whether subjects would capture a subject that another
// stream than self already captures.
func (a *account) overlaps(self string, subjects []string) bool {
	for _, st := range a.streams() {
		if st.name == self {
			continue
		}
		for _, theirs := range st.config().Subjects {
			for _, ours := range subjects {
				if subject.Overlap(theirs, ours) {
					return true
				}
			}
		}
	}
	return false
}

// usage sums the bytes held by memory and file streams.
func (a *account) usage() (memory, file uint64) {
	for _, st := range a.streams() {
		b := st.store.State().Bytes
		if st.config().Storage == StorageMemory {
			memory += b
		} else {
			file += b
		}
	}
	return memory, file
}
