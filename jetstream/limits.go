package jetstream

import (
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Resource limits. The server has a byte budget per storage type
// (Options.JetStreamMaxMemory, JetStreamMaxStore); an account may have its
// own budgets and stream and consumer counts (server.AccountConfig).
//
// A stream whose max_bytes is set reserves that much of its storage type:
// create and update refuse a stream whose reservation does not fit what
// the account and the server have left ("insufficient memory/storage
// resources available", 10028/10047); a stream without max_bytes needs
// one byte. A publish is refused when the bytes stored would pass the
// server's budget ("insufficient resources", 10023) or the account's
// ("resource limits exceeded for account", 10002).
//
// Unset, the memory budget is 3/4 of the machine's memory, and the storage
// budget 3/4 of what the store directory's filesystem has free at start
// plus what the store directory already holds (so a restart does not
// shrink it), as nats-server does: a disk that fills up then refuses
// publishes with an error before the store runs out of space. When the
// free space cannot be read it is 1 TiB.
const (
	defaultMaxStore = 1 << 40 // 1 TiB, when the disk cannot be measured
	// usageTTL bounds how stale the usage totals a publish is checked
	// against may be; a burst may overshoot a budget by what the streams
	// take in that time.
	usageTTL = 10 * time.Millisecond
)

// serverLimits are the server-wide byte budgets; -1 is unlimited.
type serverLimits struct {
	maxMemory int64
	maxStore  int64
}

func newServerLimits(o *server.Options, dir string) serverLimits {
	l := serverLimits{maxMemory: o.JetStreamMaxMemory, maxStore: o.JetStreamMaxStore}
	if l.maxMemory == 0 {
		l.maxMemory = defaultMaxMemory()
	}
	if l.maxStore == 0 {
		l.maxStore = defaultMaxStorage(dir)
	}
	l.maxMemory, l.maxStore = unlimitedIfNegative(l.maxMemory), unlimitedIfNegative(l.maxStore)
	return l
}

// defaultMaxMemory is 3/4 of the system's memory, or unlimited when it is
// unknown.
func defaultMaxMemory() int64 {
	if total := systemMemory(); total > 0 {
		return total / 4 * 3
	}
	return -1
}

// defaultMaxStorage is 3/4 of the space free on dir's filesystem plus what
// dir holds, or defaultMaxStore when the free space is unknown.
func defaultMaxStorage(dir string) int64 {
	free := diskFree(dir)
	if free <= 0 {
		return defaultMaxStore
	}
	return (free + dirUsage(dir)) / 4 * 3
}

// dirUsage is the size of the files below dir.
func dirUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

func unlimitedIfNegative(v int64) int64 {
	if v < 0 {
		return -1
	}
	return v
}

// forStorage is the budget of a storage type.
func (l serverLimits) forStorage(storage string) int64 {
	if storage == StorageMemory {
		return l.maxMemory
	}
	return l.maxStore
}

// limits are the account's limits as $JS.API.INFO reports them; -1 is
// unlimited.
func (a *account) limits() accountLimits {
	l := accountLimits{
		MaxMemory: -1, MaxStorage: -1, MaxStreams: -1, MaxConsumers: -1,
		MaxAckPending: -1, MemoryMaxStreamBytes: -1, StorageMaxStreamByte: -1,
	}
	for _, ac := range a.svc.srv.Options().Accounts {
		if ac.Name != a.acc.Name {
			continue
		}
		l.MaxMemory = positiveOr(ac.JetStreamMaxMemory, -1)
		l.MaxStorage = positiveOr(ac.JetStreamMaxStore, -1)
		l.MaxStreams = int(positiveOr(int64(ac.JetStreamMaxStreams), -1))
		l.MaxConsumers = int(positiveOr(int64(ac.JetStreamMaxConsumers), -1))
		l.MemoryMaxStreamBytes = positiveOr(ac.JetStreamMemoryMaxStreamBytes, -1)
		l.StorageMaxStreamByte = positiveOr(ac.JetStreamStoreMaxStreamBytes, -1)
		l.MaxBytesRequired = ac.JetStreamMaxBytesRequired
		l.MaxAckPending = int(positiveOr(int64(ac.JetStreamMaxAckPending), -1))
	}
	return l
}

// tiered reports whether the account's limits are a JWT's tier R1.
func (a *account) tiered() bool {
	for _, ac := range a.svc.srv.Options().Accounts {
		if ac.Name == a.acc.Name {
			return ac.JetStreamTiered
		}
	}
	return false
}

func positiveOr(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

func (l accountLimits) forStorage(storage string) int64 {
	if storage == StorageMemory {
		return l.MaxMemory
	}
	return l.MaxStorage
}

// applyMaxAckPending applies the account's max_ack_pending to a consumer
// config: a max_ack_pending the request left unset is lowered to it, one
// set above it is refused; -1 (no limit) stays allowed, as in nats-server.
func (l accountLimits) applyMaxAckPending(requested int, cfg *ConsumerConfig) *APIError {
	limit := l.MaxAckPending
	switch {
	case limit <= 0:
	case requested > limit:
		return newError(ErrConsumerMaxAckPendingExcess, limit)
	case requested == 0 && cfg.MaxAckPending > limit:
		cfg.MaxAckPending = limit
	}
	return nil
}

// checkStreamBytes checks a stream's max_bytes against the account's
// per-stream rules: required, and at most the cap of its storage type.
func (l accountLimits) checkStreamBytes(cfg *StreamConfig) *APIError {
	limit := l.StorageMaxStreamByte
	if cfg.Storage == StorageMemory {
		limit = l.MemoryMaxStreamBytes
	}
	switch {
	case l.MaxBytesRequired && cfg.MaxBytes <= 0:
		return newError(ErrStreamMaxBytesRequired)
	case limit > 0 && cfg.MaxBytes > limit:
		return newError(ErrStreamMaxStreamBytes)
	}
	return nil
}

// reservation is what a stream configuration reserves of its storage type.
func reservation(cfg *StreamConfig) int64 {
	if cfg.MaxBytes > 0 {
		return cfg.MaxBytes
	}
	return 0
}

// reserved sums the reservations of streams of storage, leaving out skip.
func reserved(streams []*stream, storage string, skip *stream) int64 {
	var n int64
	for _, st := range streams {
		if cfg := st.config(); st != skip && cfg.Storage == storage {
			n += reservation(cfg)
		}
	}
	return n
}

// allStreams is every stream of every account.
func (s *Service) allStreams() []*stream {
	s.mu.Lock()
	accs := make([]*account, 0, len(s.mu.accounts))
	for _, a := range s.mu.accounts {
		accs = append(accs, a)
	}
	s.mu.Unlock()
	var out []*stream
	for _, a := range accs {
		out = append(out, a.streams()...)
	}
	return out
}

// checkResources reports whether cfg fits the account's and the server's
// limits; existing is the stream an update replaces, nil on create.
func (a *account) checkResources(cfg *StreamConfig, existing *stream) *APIError {
	lim := a.limits()
	mine := a.streams()
	if existing == nil && lim.MaxStreams > 0 && len(mine) >= lim.MaxStreams {
		return newError(ErrMaximumStreamsLimit)
	}
	if cfg.MaxConsumers > 0 && lim.MaxConsumers > 0 && cfg.MaxConsumers > lim.MaxConsumers {
		return newError(ErrMaximumConsumersLimit)
	}
	if apiErr := lim.checkStreamBytes(cfg); apiErr != nil {
		return apiErr
	}
	need := max(reservation(cfg), 1)
	if max := lim.forStorage(cfg.Storage); max >= 0 && reserved(mine, cfg.Storage, existing)+need > max {
		return resourcesExceeded(cfg.Storage)
	}
	srv := a.svc.limits.forStorage(cfg.Storage)
	if srv >= 0 && reserved(a.svc.allStreams(), cfg.Storage, existing)+need > srv {
		return resourcesExceeded(cfg.Storage)
	}
	return nil
}

// maxConsumers is how many consumers the stream may have: its
// max_consumers, or the account's max_consumers when that is lower or the
// stream sets none. As in the reference server, the account's limit caps
// each stream, not the account's total.
func (st *stream) maxConsumers() int {
	limit := st.config().MaxConsumers
	if acc := st.acc.limits().MaxConsumers; acc > 0 && (limit <= 0 || acc < limit) {
		limit = acc
	}
	return limit
}

func resourcesExceeded(storage string) *APIError {
	if storage == StorageMemory {
		return newError(ErrMemoryResourcesExceeded)
	}
	return newError(ErrStorageResourcesExceeded)
}

// usage is a snapshot of the bytes stored per storage type, server-wide
// and per account, and per stream.
type usage struct {
	at       time.Time
	total    map[string]int64
	accounts map[string]map[string]int64
	streams  map[*stream]int64
}

// usageCache recomputes the usage snapshot at most every usageTTL.
type usageCache struct {
	mu   sync.Mutex
	snap *usage
}

func (c *usageCache) get(s *Service) *usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && time.Since(c.snap.at) < usageTTL {
		return c.snap
	}
	u := &usage{at: time.Now(), total: map[string]int64{}, accounts: map[string]map[string]int64{}, streams: map[*stream]int64{}}
	for _, st := range s.allStreams() {
		b := int64(st.store.State().Bytes)
		storage, acc := st.config().Storage, st.acc.acc.Name
		u.streams[st] = b
		u.total[storage] += b
		if u.accounts[acc] == nil {
			u.accounts[acc] = map[string]int64{}
		}
		u.accounts[acc][storage] += b
	}
	c.snap = u
	return u
}

// quota is what a stream may still store before a budget is passed; the
// ingest goroutine refreshes it for every pass over its queue and takes
// from it for every message. -1 is unlimited.
type quota struct {
	server  int64
	account int64
}

// quota computes the stream's quota from the usage snapshot, with the
// stream's own bytes counted exactly.
func (st *stream) quota() quota {
	storage := st.config().Storage
	q := quota{server: st.acc.svc.limits.forStorage(storage), account: st.acc.limits().forStorage(storage)}
	if q.server < 0 && q.account < 0 {
		return q
	}
	u := st.acc.svc.usage.get(st.acc.svc)
	own := int64(st.store.State().Bytes) - u.streams[st]
	if q.server >= 0 {
		q.server = max(q.server-u.total[storage]-own, 0)
	}
	if q.account >= 0 {
		q.account = max(q.account-u.accounts[st.acc.acc.Name][storage]-own, 0)
	}
	return q
}

// take reserves size bytes of the quota, or reports the budget it would
// pass. size is the message's Store.MsgSize, the unit of the State.Bytes
// the budgets are measured in.
func (q *quota) take(size int64) *APIError {
	switch {
	case q.server >= 0 && size > q.server:
		return newError(ErrInsufficientResources)
	case q.account >= 0 && size > q.account:
		return newError(ErrAccountResourcesExceeded)
	}
	if q.server >= 0 {
		q.server -= size
	}
	if q.account >= 0 {
		q.account -= size
	}
	return nil
}

// budget formats a byte budget for the log.
func budget(n int64) string {
	if n < 0 {
		return "unlimited"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " " + units[u]
}
