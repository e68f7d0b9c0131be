package jetstream

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// Durable consumers, and ephemeral consumers of file streams (as in
// nats-server: a client's watcher finds its consumer again after a
// restart, until the inactive threshold removes it), are stored in two
// places:
//
//   - the configuration, rarely written, as one JSON file per consumer,
//     <store_dir>/jetstream/<account>/consumers/<stream>/<consumer>.json
//     (see recordFile for names too long for that),
//     written atomically like the stream catalog (an ephemeral's without
//     fsyncs: a power cut may lose it, and its client makes another);
//   - the delivery state (delivered, ack floor, pending acks with their
//     delivery counts), often written, in the stream's store.MetaStore
//     under "consumer/<name>": the same Pebble database as the messages
//     for file streams. Memory streams do not keep messages across a
//     restart, so their consumers' state is not stored either.

// consumerRecord is what a consumer's configuration file holds.
type consumerRecord struct {
	Config  ConsumerConfig `json:"config"`
	Created time.Time      `json:"created"`
}

// consumerCatalog is the directory of one stream's consumer configs.
type consumerCatalog struct{ dir string }

func (a *account) consumerCatalog(stream string) *consumerCatalog {
	return &consumerCatalog{dir: filepath.Join(a.svc.dir, "jetstream", url.PathEscape(a.acc.Name), "consumers", stream)}
}

// put stores rec: a durable's durably (temporary file, fsync, rename,
// fsync of the directory), an ephemeral's without the fsyncs.
func (cc *consumerCatalog) put(rec *consumerRecord) error {
	if err := os.MkdirAll(cc.dir, 0o750); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if !rec.Config.isDurable() {
		return writeFileRenamed(cc.dir, recordFile(rec.Config.Name), data)
	}
	return writeFileAtomic(cc.dir, recordFile(rec.Config.Name), data)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// remove deletes the config of cfg's consumer; a durable's removal is
// made durable.
func (cc *consumerCatalog) remove(cfg *ConsumerConfig) error {
	err := os.Remove(filepath.Join(cc.dir, recordFile(cfg.Name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || !cfg.isDurable() {
		return err
	}
	return syncDir(cc.dir)
}

// removeAll deletes the directory.
func (cc *consumerCatalog) removeAll() error { return os.RemoveAll(cc.dir) }

// load reads every record; one that does not parse is an error naming
// its file.
func (cc *consumerCatalog) load() ([]*consumerRecord, error) {
	entries, err := os.ReadDir(cc.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var recs []*consumerRecord
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), catalogExt) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(cc.dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		rec := new(consumerRecord)
		if err := json.Unmarshal(data, rec); err != nil {
			return nil, fmt.Errorf("jetstream: corrupt consumer record %s: %w", path, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// storedState is the delivery state as stored.
type storedState struct {
	Delivered seqPair `json:"delivered"`
	AckFloor  seqPair `json:"ack_floor"`
	Next      uint64  `json:"next"`
	// Pending is [stream seq, consumer seq, last delivery ns, deliveries].
	Pending [][4]uint64 `json:"pending,omitempty"`
	LPS     []uint64    `json:"lps,omitempty"`
	// Release lists the acked stream sequences whose removal by the
	// retention policy follows this write and may not be durable yet;
	// recovery removes them again (retention.go).
	Release []uint64 `json:"release,omitempty"`
}

func stateKey(name string) string { return "consumer/" + name }

// appendJSON appends s as encoding/json would marshal it, without
// reflection: the persister writes it on every change.
func (s *storedState) appendJSON(b []byte) []byte {
	b = append(b, `{"delivered":`...)
	b = s.Delivered.appendJSON(b)
	b = append(b, `,"ack_floor":`...)
	b = s.AckFloor.appendJSON(b)
	b = append(b, `,"next":`...)
	b = strconv.AppendUint(b, s.Next, 10)
	if len(s.Pending) > 0 {
		b = append(b, `,"pending":[`...)
		for i, p := range s.Pending {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendUints(b, p[:])
		}
		b = append(b, ']')
	}
	if len(s.LPS) > 0 {
		b = appendUints(append(b, `,"lps":`...), s.LPS)
	}
	if len(s.Release) > 0 {
		b = appendUints(append(b, `,"release":`...), s.Release)
	}
	return append(b, '}')
}

func (p seqPair) appendJSON(b []byte) []byte {
	b = strconv.AppendUint(append(b, `{"consumer_seq":`...), p.Consumer, 10)
	b = strconv.AppendUint(append(b, `,"stream_seq":`...), p.Stream, 10)
	return append(b, '}')
}

// appendUints appends vs as a JSON array.
func appendUints(b []byte, vs []uint64) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, v, 10)
	}
	return append(b, ']')
}

// snapshotLocked captures the state to store.
func (c *consumer) snapshotLocked() *storedState {
	s := &storedState{Delivered: c.mu.delivered, AckFloor: c.mu.ackFloor, Next: c.mu.next, LPS: slices.Clone(c.mu.lps)}
	s.Pending = make([][4]uint64, 0, len(c.mu.pending))
	for seq, p := range c.mu.pending {
		s.Pending = append(s.Pending, [4]uint64{seq, p.dseq, uint64(p.ts), p.count})
	}
	return s
}

// restore installs a stored state; pending messages fall due their
// ack wait after their last delivery.
func (c *consumer) restore(s *storedState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropReadAheadLocked()
	c.mu.delivered, c.mu.ackFloor, c.mu.next, c.mu.lps = s.Delivered, s.AckFloor, max(s.Next, 1), s.LPS
	slices.SortFunc(s.Pending, func(a, b [4]uint64) int { return cmp.Compare(a[0], b[0]) })
	for _, e := range s.Pending {
		p := &pendingMsg{dseq: e[1], ts: int64(e[2]), count: max(e[3], 1)}
		p.deadline = p.ts + int64(c.ackWaitFor(p.count))
		c.mu.pending[e[0]] = p
		c.mu.order = append(c.mu.order, e[0])
		c.scheduleLocked(p.deadline)
	}
	c.advanceFloorLocked()
	c.recountLocked()
}

// persistPace is the least time between two state writes of a consumer
// that no ack waits on: the deliveries and plain acks meanwhile share the
// next write, instead of each fsync writing the whole pending list again.
// An ack that asks for a reply (AckSync) ends the wait at once.
const persistPace = 10 * time.Millisecond

// persister writes a durable consumer's state whenever it changed, one
// write covering every change since the last (group commit), and then
// answers the acks that asked to hear once they are stored.
type persister struct {
	c     *consumer
	meta  store.MetaStore
	wake  chan struct{} // the state changed
	hurry chan struct{} // an ack waits for its reply
	quit  chan struct{}
	done  chan struct{}
	// released are the stream sequences acked since the last state write
	// that the retention policy (interest, work queue) may remove once
	// that write is stored (retention.go). Guarded by c.mu.
	released []uint64
	buf      []byte // the encoded state, reused (PutMeta copies it)
}

// newPersister returns a persister for c, or nil when its stream keeps no
// state across restarts.
func newPersister(c *consumer) *persister {
	meta, ok := c.st.store.(store.MetaStore)
	if !ok || c.st.config().Storage == StorageMemory || c.config().MemoryStorage {
		return nil
	}
	return &persister{
		c: c, meta: meta,
		wake: make(chan struct{}, 1), hurry: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
}

func (p *persister) kick() { notify(p.wake) }

// hasten ends the pacing wait: an ack waits for its reply.
func (p *persister) hasten() { notify(p.hurry) }

// notify signals ch without blocking; ch has room for one signal.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (p *persister) run() {
	defer close(p.done)
	pace := time.NewTimer(time.Hour)
	pace.Stop()
	var last time.Time
	for {
		select {
		case <-p.quit:
			p.flush()
			return
		case <-p.wake:
		case <-p.hurry:
		}
		if !p.pace(pace, last) {
			p.flush()
			return
		}
		last = time.Now()
		p.flush()
	}
}

// pace waits out what is left of persistPace since the last write,
// unless an ack waits for its reply. It returns false if the persister
// is stopping.
func (p *persister) pace(t *time.Timer, last time.Time) bool {
	wait := persistPace - time.Since(last)
	if wait <= 0 || p.waited() {
		return true
	}
	t.Reset(wait)
	defer t.Stop()
	select {
	case <-p.quit:
		return false
	case <-p.hurry:
	case <-t.C:
	}
	return true
}

// waited reports whether an ack waits for the next write.
func (p *persister) waited() bool {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return len(p.c.mu.waiters) > 0
}

func (p *persister) stop() {
	close(p.quit)
	<-p.done
}

// flush stores the state if it changed, removes the messages its acks
// released (one store write for all of them), and then answers the
// waiting acks. retention.go explains the order.
func (p *persister) flush() {
	c := p.c
	c.mu.Lock()
	if !c.mu.dirty && len(c.mu.waiters) == 0 && len(p.released) == 0 {
		c.mu.Unlock()
		return
	}
	snap := c.snapshotLocked()
	snap.Release = p.released
	waiters := c.mu.waiters
	c.mu.waiters, c.mu.dirty, p.released = nil, false, nil
	c.mu.Unlock()
	p.buf = snap.appendJSON(p.buf[:0])
	if err := p.meta.PutMeta(stateKey(c.name), p.buf); err != nil {
		c.st.acc.svc.log.Errorf("JetStream consumer %s > %s: store state: %v", c.st.name, c.name, err)
		c.mu.Lock()
		c.mu.dirty = true
		p.released = append(snap.Release, p.released...)
		c.mu.Unlock()
		return // the waiting acks get no answer: they were not stored
	}
	if err := c.st.afterAcks(c, snap.Release); err != nil {
		// The acks are stored; keep the removals for the next write, whose
		// Release list carries them on.
		c.mu.Lock()
		c.mu.dirty = true
		p.released = append(snap.Release, p.released...)
		c.mu.Unlock()
	}
	for _, reply := range waiters {
		c.publish(outMsg{route: reply})
	}
}

// loadState reads the stored state of a durable consumer, nil if none.
func (st *stream) loadState(name string) *storedState {
	meta, ok := st.store.(store.MetaStore)
	if !ok {
		return nil
	}
	data, err := meta.GetMeta(stateKey(name))
	if err != nil {
		return nil
	}
	s := new(storedState)
	if err := json.Unmarshal(data, s); err != nil {
		st.acc.svc.log.Errorf("JetStream consumer %s > %s: corrupt state, starting over: %v", st.name, name, err)
		return nil
	}
	return s
}

// dropState removes the stored state of c.
func (c *consumer) dropState() {
	if meta, ok := c.st.store.(store.MetaStore); ok {
		if err := meta.DeleteMeta(stateKey(c.name)); err != nil {
			c.st.acc.svc.log.Errorf("JetStream consumer %s > %s: remove state: %v", c.st.name, c.name, err)
		}
	}
}

// recoverConsumers opens the stored consumers of the stream.
func (st *stream) recoverConsumers() error {
	recs, err := st.acc.consumerCatalog(st.name).load()
	if err != nil {
		return err
	}
	type release struct {
		c    *consumer
		seqs []uint64
	}
	var releases []release
	for _, rec := range recs {
		cfg := rec.Config
		saved := st.loadState(cfg.Name)
		if saved == nil {
			saved = &storedState{}
			c := newConsumer(st, &cfg, rec.Created)
			c.initPosition()
			c.mu.Lock()
			saved = c.snapshotLocked()
			c.mu.Unlock()
		}
		c, apiErr := st.openConsumer(&cfg, rec.Created, saved)
		if apiErr != nil {
			return fmt.Errorf("consumer %s: %v", cfg.Name, apiErr)
		}
		if len(saved.Release) > 0 {
			releases = append(releases, release{c, saved.Release})
		}
	}
	// Removals a crash may have cut short, once every consumer is back
	// (interest streams ask them all).
	for _, r := range releases {
		_ = st.afterAcks(r.c, r.seqs)
	}
	return nil
}
