package jetstream

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Monitoring. The Service reports what it holds as read-only snapshots,
// for the monitor to serve as /jsz, /healthz and /metrics (this package
// knows nothing of HTTP): Stats, Healthz, APIRequestsByType, and an
// observer of the store's group commits (SetCommitObserver). A snapshot
// copies a few fields under each lock it takes and asks the store for its
// state; nothing here runs on the message path, and the only cost the
// message path carries is one atomic add per API request and, with an
// observer, one clock reading per committed batch.

// errNotRunning is the health of a service not started, or shut down.
var errNotRunning = errors.New("JetStream is not running")

// serviceStats is what the service keeps for monitoring.
type serviceStats struct {
	started  atomic.Bool                     // Start completed
	onCommit func(msgs int, d time.Duration) // set before Start; nil: none

	mu       sync.Mutex
	apiTypes map[string]*apiTypeCounter
}

// apiTypeCounter counts the requests to one kind of API endpoint, over
// every account.
type apiTypeCounter struct {
	total  atomic.Uint64
	errors atomic.Uint64
}

// apiType returns the counter of the endpoint subscribed on subject.
func (ss *serviceStats) apiType(subject string) *apiTypeCounter {
	name := apiTypeName(subject)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.apiTypes == nil {
		ss.apiTypes = make(map[string]*apiTypeCounter)
	}
	c := ss.apiTypes[name]
	if c == nil {
		c = new(apiTypeCounter)
		ss.apiTypes[name] = c
	}
	return c
}

// apiTypeName names an endpoint by its subscription subject without the
// API prefix and the wildcard tokens: "$JS.API.CONSUMER.INFO.*.*" is
// "CONSUMER.INFO".
func apiTypeName(subject string) string {
	name := strings.TrimPrefix(subject, apiPrefix)
	for strings.HasSuffix(name, ".*") || strings.HasSuffix(name, ".>") {
		name = name[:len(name)-2]
	}
	return name
}

// APITypeStats counts the requests to one kind of API endpoint.
type APITypeStats struct {
	Type   string // "STREAM.CREATE", "CONSUMER.INFO"...
	Total  uint64
	Errors uint64
}

// APIRequestsByType counts the API requests of every account by endpoint,
// sorted by type. Endpoints are listed once an account has subscribed
// them, so with no request yet they show zeros.
func (s *Service) APIRequestsByType() []APITypeStats {
	s.stats.mu.Lock()
	out := make([]APITypeStats, 0, len(s.stats.apiTypes))
	for name, c := range s.stats.apiTypes {
		out = append(out, APITypeStats{Type: name, Total: c.total.Load(), Errors: c.errors.Load()})
	}
	s.stats.mu.Unlock()
	slices.SortFunc(out, func(x, y APITypeStats) int { return strings.Compare(x.Type, y.Type) })
	return out
}

// SetCommitObserver makes every file stream report each batch its ingest
// committed to the store: how many messages it carried and how long it
// took from the write until it was durable (0 when batches are not synced,
// with Options.SyncInterval). Memory streams have no commit to report.
// Call before the server starts; f runs on the streams' ack goroutines and
// must be quick.
func (s *Service) SetCommitObserver(f func(msgs int, sync time.Duration)) {
	s.stats.onCommit = f
}

// observeCommit reports a batch that became durable to the commit
// observer.
func (in *ingest) observeCommit(b *batch) {
	f := in.st.acc.svc.stats.onCommit
	if f == nil || len(b.entries) == 0 || b.res.err != nil || in.st.config().Storage != StorageFile {
		return
	}
	var d time.Duration
	if in.st.acc.svc.srv.Options().SyncInterval == 0 {
		d = time.Since(b.appended)
	}
	n := 0
	for i := range b.entries {
		if b.entries[i].Err == nil {
			n++
		}
	}
	f(n, d)
}

// Running reports whether the service has started and is not shut down.
func (s *Service) Running() bool {
	if !s.stats.started.Load() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.mu.shutdown
}

// Healthz returns nil when JetStream serves requests; with assets, also
// when every stream and consumer runs (each one was recovered when the
// service started, or it would not have started). The error names what
// is not healthy.
func (s *Service) Healthz(assets bool) error {
	if !s.Running() {
		return errNotRunning
	}
	if !assets {
		return nil
	}
	for _, st := range s.allStreams() {
		if err := st.health(); err != nil {
			return err
		}
	}
	return nil
}

// health returns nil when the stream and its consumers run.
func (st *stream) health() error {
	st.mu.Lock()
	stopped := st.mu.stopped
	st.mu.Unlock()
	if stopped || !st.opened.Load() {
		return fmt.Errorf("JetStream stream '%s > %s' is not running", st.acc.acc.Name, st.name)
	}
	for _, c := range st.cons.all() {
		if c.isClosed() {
			return fmt.Errorf("JetStream consumer '%s > %s > %s' is not running", st.acc.acc.Name, st.name, c.name)
		}
	}
	return nil
}

// StatsOptions choose the detail of Stats.
type StatsOptions struct {
	Account   string // details of this account only; "" for every account
	Streams   bool   // each stream's state (AccountStats.Details)
	Consumers bool   // each stream's consumers; implies Streams
	Config    bool   // stream and consumer configurations
}

// Stats is a snapshot of JetStream: its configuration, the usage summed
// over every account, and each account's.
type Stats struct {
	Config      StatsConfig
	Total       Usage
	NumAccounts int            // JetStream accounts
	Accounts    []AccountStats // sorted by name; only StatsOptions.Account when set
}

// StatsConfig is the configuration in effect.
type StatsConfig struct {
	MaxMemory    int64 // memory budget in bytes; -1 unlimited
	MaxStore     int64 // storage budget in bytes; -1 unlimited
	StoreDir     string
	SyncInterval time.Duration // 0: every batch is synced before its acks
}

// Usage is the resources and API requests of an account, or of all.
type Usage struct {
	Memory          uint64 // bytes in memory streams
	Storage         uint64 // bytes in file streams
	ReservedMemory  uint64 // max_bytes reserved by memory streams
	ReservedStorage uint64 // max_bytes reserved by file streams
	Streams         int
	Consumers       int
	Messages        uint64
	Bytes           uint64
	API             APIStats
}

// APIStats count API requests.
type APIStats struct {
	Total  uint64
	Errors uint64
}

// add sums u into t.
func (t *Usage) add(u *Usage) {
	t.Memory += u.Memory
	t.Storage += u.Storage
	t.ReservedMemory += u.ReservedMemory
	t.ReservedStorage += u.ReservedStorage
	t.Streams += u.Streams
	t.Consumers += u.Consumers
	t.Messages += u.Messages
	t.Bytes += u.Bytes
	t.API.Total += u.API.Total
	t.API.Errors += u.API.Errors
}

// AccountStats is one account's usage and, as asked, its streams.
type AccountStats struct {
	Name string
	Usage
	Details []StreamStats // with StatsOptions.Streams, sorted by name
}

// StreamStats is one stream's state.
type StreamStats struct {
	Name      string
	Created   time.Time
	Config    *StreamConfig // with StatsOptions.Config; shared, do not modify
	State     StreamState
	Consumers []ConsumerStats // with StatsOptions.Consumers, sorted by name
}

// ConsumerStats is one consumer's state, as in its ConsumerInfo.
type ConsumerStats struct {
	Stream         string
	Name           string
	Created        time.Time
	Config         *ConsumerConfig // with StatsOptions.Config; shared, do not modify
	Delivered      SequenceInfo
	AckFloor       SequenceInfo
	NumAckPending  int
	NumRedelivered int
	NumWaiting     int
	NumPending     uint64
	PushBound      bool
}

// Stats takes a snapshot of the service; a service not running reports
// its configuration only.
func (s *Service) Stats(opts StatsOptions) *Stats {
	opts.Streams = opts.Streams || opts.Consumers
	out := &Stats{Config: s.statsConfig()}
	if !s.Running() {
		return out
	}
	for _, a := range s.accountList() {
		detail := opts.Account == "" || opts.Account == a.acc.Name
		as := a.stats(opts, detail)
		out.Total.add(&as.Usage)
		out.NumAccounts++
		if detail {
			out.Accounts = append(out.Accounts, as)
		}
	}
	return out
}

// statsConfig is the configuration in effect.
func (s *Service) statsConfig() StatsConfig {
	if !s.stats.started.Load() {
		return StatsConfig{}
	}
	return StatsConfig{
		MaxMemory:    s.limits.maxMemory,
		MaxStore:     s.limits.maxStore,
		StoreDir:     s.dir,
		SyncInterval: s.srv.Options().SyncInterval,
	}
}

// accountList is every JetStream account, sorted by name.
func (s *Service) accountList() []*account {
	s.mu.Lock()
	accs := make([]*account, 0, len(s.mu.accounts))
	for _, a := range s.mu.accounts {
		accs = append(accs, a)
	}
	s.mu.Unlock()
	slices.SortFunc(accs, func(x, y *account) int { return cmp.Compare(x.acc.Name, y.acc.Name) })
	return accs
}

// stats reports the account's usage and, with details, its streams as
// opts asks.
func (a *account) stats(opts StatsOptions, details bool) AccountStats {
	as := AccountStats{Name: a.acc.Name}
	as.API = APIStats{Total: a.apiTotal.Load(), Errors: a.apiErrors.Load()}
	for _, st := range a.streams() {
		ss := st.stats(opts.Consumers && details, opts.Config)
		as.count(st.config(), &ss.State)
		if opts.Streams && details {
			as.Details = append(as.Details, ss)
		}
	}
	return as
}

// count adds a stream of cfg in state to the usage.
func (u *Usage) count(cfg *StreamConfig, state *StreamState) {
	u.Streams++
	u.Consumers += state.Consumers
	u.Messages += state.Msgs
	u.Bytes += state.Bytes
	if cfg.Storage == StorageMemory {
		u.Memory += state.Bytes
		u.ReservedMemory += uint64(reservation(cfg))
	} else {
		u.Storage += state.Bytes
		u.ReservedStorage += uint64(reservation(cfg))
	}
}

// stats reports the stream's state and, with consumers, its consumers'.
func (st *stream) stats(consumers, config bool) StreamStats {
	ss := StreamStats{
		Name:    st.name,
		Created: st.created.UTC(),
		State:   st.state(),
	}
	if config {
		ss.Config = st.config()
	}
	if consumers {
		for _, c := range st.cons.all() {
			ss.Consumers = append(ss.Consumers, c.stats(config))
		}
	}
	return ss
}

// stats reports the consumer. It copies its state under the consumer's
// lock and counts num_pending from the store after letting go of it, so
// the count is exact, as in ConsumerInfo, without holding deliveries up.
func (c *consumer) stats(config bool) ConsumerStats {
	cfg := c.config()
	cs := ConsumerStats{Stream: c.st.name, Name: c.name, Created: c.created}
	if config {
		cs.Config = cfg
	}
	c.mu.Lock()
	cs.Delivered = SequenceInfo{Consumer: c.mu.delivered.Consumer, Stream: c.mu.delivered.Stream}
	cs.AckFloor = SequenceInfo{Consumer: c.mu.ackFloor.Consumer, Stream: c.mu.ackFloor.Stream}
	cs.NumAckPending = len(c.mu.pending)
	cs.NumWaiting = c.liveRequestsLocked(time.Now())
	for _, p := range c.mu.pending {
		if p.count > 1 {
			cs.NumRedelivered++
		}
	}
	next, lps := c.mu.next, len(c.mu.lps)
	c.mu.Unlock()
	cs.NumPending = c.countPending(next) + uint64(lps)
	if !cfg.isPull() {
		cs.PushBound = c.st.acc.acc.HasInterest(cfg.DeliverSubject)
	}
	return cs
}

// countPending counts the stored messages from next on that the
// consumer's filters pass.
func (c *consumer) countPending(next uint64) uint64 {
	var n uint64
	for _, f := range c.filterList() {
		if k, err := c.st.store.NumPending(next, f, false); err == nil {
			n += k
		}
	}
	return n
}
