package jetstream

import (
	"slices"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
)

// Actions of a consumer create request.
const (
	actionCreateOrUpdate = ""
	actionCreate         = "create"
	actionUpdate         = "update"
)

// addConsumer creates the consumer cfg names (generating a name for an
// unnamed ephemeral), or updates it when it exists and action allows.
// cfg has not had its defaults applied yet.
func (st *stream) addConsumer(req ConsumerConfig, action string) (*consumer, *APIError) {
	st.cons.createMu.Lock()
	defer st.cons.createMu.Unlock()
	scfg := st.config()
	cfg := req.withDefaults(scfg)
	if err := cfg.validate(scfg); err != nil {
		return nil, err
	}
	cfg.setStaticMetadata()
	if err := st.acc.limits().applyMaxAckPending(req.MaxAckPending, &cfg); err != nil {
		return nil, err
	}
	if cfg.Name != "" {
		if c := st.cons.get(cfg.Name); c != nil {
			return st.updateConsumer(c, &cfg, action)
		}
	}
	if action == actionUpdate {
		return nil, newError(ErrConsumerDoesNotExist)
	}
	if limit := st.maxConsumers(); limit > 0 && st.cons.count() >= limit {
		return nil, newError(ErrMaximumConsumersLimit)
	}
	if err := st.checkWorkQueue(&cfg, ""); err != nil {
		return nil, err
	}
	if cfg.Name == "" {
		cfg.Name = generateName()
	}
	c, apiErr := st.openConsumer(&cfg, time.Now().UTC(), nil)
	if apiErr == nil {
		st.acc.adviseConsumer(advisoryConsumerCreated, actionCreated, st.name, c.name)
	}
	return c, apiErr
}

// updateConsumer applies cfg to an existing consumer.
func (st *stream) updateConsumer(c *consumer, cfg *ConsumerConfig, action string) (*consumer, *APIError) {
	old := c.config()
	if action == actionCreate {
		same := *cfg
		same.copyVersionMetadata(old)
		if !same.equal(old) {
			return nil, newError(ErrConsumerAlreadyExists)
		}
	}
	if st.config().Retention == RetentionWorkQueue && !st.partitionUnique(c.name, cfg.filters()) {
		return nil, newError(ErrConsumerWQNotUnique)
	}
	if err := cfg.checkUpdate(old); err != nil {
		return nil, err
	}
	// A push consumer moves to another deliver subject only when no one
	// listens on its own any more, as nats-server allows it: of clients
	// racing to bind one durable, the first wins.
	if !old.isPull() && cfg.DeliverSubject != old.DeliverSubject && st.acc.acc.HasInterest(old.DeliverSubject) {
		return nil, newError(ErrConsumerNameExist)
	}
	if cfg.equal(old) {
		return c, nil
	}
	if st.keepsConsumer(cfg) {
		if err := st.acc.consumerCatalog(st.name).put(&consumerRecord{Config: *cfg, Created: c.created}); err != nil {
			return nil, errorf(ErrConsumerCreate, "%v", err)
		}
	}
	c.mu.Lock()
	c.cfg.Store(cfg)
	c.dropReadAheadLocked()
	c.mu.Unlock()
	c.signal()
	return c, nil
}

// checkWorkQueue applies the work-queue rules to a new consumer: explicit
// acks, deliver all, and filters no other consumer shares.
func (st *stream) checkWorkQueue(cfg *ConsumerConfig, self string) *APIError {
	if st.config().Retention != RetentionWorkQueue {
		return nil
	}
	switch {
	case cfg.AckPolicy != AckExplicit:
		return newError(ErrConsumerWQRequiresExplicitAck)
	case cfg.DeliverPolicy != DeliverAll:
		return newError(ErrConsumerWQNotDeliverAll)
	case st.cons.count() == 0:
		return nil
	case len(cfg.filters()) == 0:
		return newError(ErrConsumerWQMultipleUnfiltered)
	case !st.partitionUnique(self, cfg.filters()):
		return newError(ErrConsumerWQNotUnique)
	}
	return nil
}

// partitionUnique reports whether no consumer but self has a filter
// overlapping filters.
func (st *stream) partitionUnique(self string, filters []string) bool {
	for _, c := range st.cons.all() {
		if c.name == self {
			continue
		}
		theirs := c.config().filters()
		if len(theirs) == 0 || len(filters) == 0 {
			return false
		}
		for _, a := range theirs {
			for _, b := range filters {
				if subject.Overlap(a, b) {
					return false
				}
			}
		}
	}
	return true
}

// keepsConsumer reports whether cfg's consumer outlives a restart: a
// durable, or an ephemeral of a file stream (nats-server keeps those too,
// so a client's watcher resumes; the inactive threshold still removes
// them).
func (st *stream) keepsConsumer(cfg *ConsumerConfig) bool {
	return cfg.isDurable() || (st.config().Storage == StorageFile && !cfg.MemoryStorage)
}

// openConsumer starts a consumer: a new one (saved stored nil) starts at
// its deliver policy; a recovered one resumes from its stored state.
func (st *stream) openConsumer(cfg *ConsumerConfig, created time.Time, saved *storedState) (*consumer, *APIError) {
	c := newConsumer(st, cfg, created)
	if saved != nil {
		c.restore(saved)
	} else {
		c.initPosition()
	}
	if st.keepsConsumer(cfg) {
		if saved == nil {
			rec := &consumerRecord{Config: *cfg, Created: created}
			if err := st.acc.consumerCatalog(st.name).put(rec); err != nil {
				return nil, errorf(ErrConsumerCreate, "%v", err)
			}
		}
		c.persist = newPersister(c)
	}
	if err := c.start(); err != nil {
		return nil, errorf(ErrConsumerCreate, "%v", err)
	}
	st.cons.put(c)
	return c, nil
}

// deleteConsumer stops c and removes its configuration and state.
func (st *stream) deleteConsumer(c *consumer) bool {
	if !st.cons.remove(c) {
		return false
	}
	c.stop(true)
	if cfg := c.config(); st.keepsConsumer(cfg) {
		c.dropState()
		if err := st.acc.consumerCatalog(st.name).remove(cfg); err != nil {
			st.acc.svc.log.Errorf("JetStream consumer %s > %s: remove config: %v", st.name, c.name, err)
		}
	}
	st.afterConsumerDeleted()
	st.acc.adviseConsumer(advisoryConsumerDeleted, actionDeleted, st.name, c.name)
	return true
}

// stopConsumers stops every consumer, keeping their stored state: the
// stream is shutting down.
func (st *stream) stopConsumers() {
	for _, c := range st.cons.takeAll() {
		c.stop(false)
	}
}

// deleteConsumers stops every consumer and removes them: the stream is
// being deleted.
func (st *stream) deleteConsumers() {
	for _, c := range st.cons.takeAll() {
		c.stop(true)
		st.acc.adviseConsumer(advisoryConsumerDeleted, actionDeleted, st.name, c.name)
	}
	if err := st.acc.consumerCatalog(st.name).removeAll(); err != nil {
		st.acc.svc.log.Errorf("JetStream stream %s: remove consumer configs: %v", st.name, err)
	}
}

// onStored runs once a batch of messages is durable: consumers whose
// filters match count them and wake up; interest streams drop what no
// consumer wants.
func (st *stream) onStored(entries []store.Entry) {
	consumers := st.cons.all()
	for _, c := range consumers {
		if c.countNew(entries) {
			c.signal()
		}
	}
	if st.config().Retention == RetentionInterest {
		st.dropUninterested(consumers, entries)
	}
}

// onPurge runs after a purge: consumers forget removed messages and
// recount what is pending.
func (st *stream) onPurge() {
	for _, c := range st.cons.all() {
		c.afterPurge()
		c.signal()
	}
}

// matchesAny reports whether subj passes one of filters (none passes all).
func matchesAny(filters []string, subj string) bool {
	if len(filters) == 0 {
		return true
	}
	return slices.ContainsFunc(filters, func(f string) bool { return subject.MatchUnchecked(f, subj) })
}
