package jetstream

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/server"
)

// Bounds of a stream's ingest queue and of the batches waiting for their
// sync. A publish arriving at a full queue is refused with "too many
// requests" rather than blocking the publisher.
const (
	maxIngestBytes   = 64 << 20
	maxIngestMsgs    = 256 << 10
	maxBatchesInSync = 8
)

// inMsg is a published message copied into the ingest queue.
type inMsg struct {
	subject string
	reply   string
	hdr     []byte
	data    []byte
	src     *copyInfo // set on a message copied by a mirror or source
}

// ingest is a stream's publish pipeline: the queue the inline subscription
// fills, the goroutine that turns it into store appends, and the acker
// goroutine that answers once each append is durable.
type ingest struct {
	st   *stream
	wake chan struct{}
	acks chan *batch
	done chan struct{} // closed when the acker has sent its last ack
	// queued counts the batches handed to the acker and not yet answered.
	queued atomic.Int32

	// Used by the ingest goroutine only.
	dd        dedup
	lastMsgID string
	quota     quota        // see limits.go
	counters  counterCache // see counter.go
	atomic    atomicState  // see atomic.go

	// Used by whichever goroutine answers batches (see handOff).
	noSpace struct {
		warned  time.Time // last warning of refusals for a full disk
		refused int       // publishes refused since
	}

	mu struct {
		sync.Mutex
		queue    []inMsg
		bytes    int
		refused  []string // replies of publishes refused for a full queue
		stopping bool
	}
}

func newIngest(st *stream) *ingest {
	return &ingest{
		st:   st,
		wake: make(chan struct{}, 1),
		acks: make(chan *batch, maxBatchesInSync),
		done: make(chan struct{}),
	}
}

func (in *ingest) start() {
	go in.loop()
	go in.acker()
}

// enqueue is the stream's inline subscription handler: it runs on the
// publisher's goroutine and only copies the message into the queue.
func (in *ingest) enqueue(m *server.Msg) {
	size := len(m.Subject) + len(m.Reply) + len(m.Header) + len(m.Data)
	in.mu.Lock()
	if in.mu.stopping {
		in.mu.Unlock()
		return
	}
	if in.mu.bytes+size > maxIngestBytes || len(in.mu.queue) >= maxIngestMsgs {
		if m.Reply != "" {
			in.mu.refused = append(in.mu.refused, m.Reply)
		}
	} else {
		buf := make([]byte, len(m.Header)+len(m.Data))
		copy(buf, m.Header)
		copy(buf[len(m.Header):], m.Data)
		msg := inMsg{subject: m.Subject, reply: m.Reply, data: buf[len(m.Header):]}
		if len(m.Header) > 0 {
			msg.hdr = buf[:len(m.Header):len(m.Header)]
		}
		in.mu.queue = append(in.mu.queue, msg)
		in.mu.bytes += size
	}
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// push queues a message the server itself stores (a delete marker).
func (in *ingest) push(m inMsg) {
	in.mu.Lock()
	if in.mu.stopping {
		in.mu.Unlock()
		return
	}
	in.mu.queue = append(in.mu.queue, m)
	in.mu.bytes += len(m.subject) + len(m.hdr) + len(m.data)
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// queueEmpty reports whether no publish waits for the ingest goroutine.
func (in *ingest) queueEmpty() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.mu.queue) == 0
}

// stop refuses new messages, lets the goroutines finish what is queued and
// waits until the last ack is sent.
func (in *ingest) stop() {
	in.mu.Lock()
	in.mu.stopping = true
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
	<-in.done
}

// loop takes everything waiting, appends it as batches and hands each
// batch to the acker, until stopped.
func (in *ingest) loop() {
	defer close(in.acks)
	for range in.wake {
		in.mu.Lock()
		queue, refused, stopping := in.mu.queue, in.mu.refused, in.mu.stopping
		in.mu.queue, in.mu.refused, in.mu.bytes = nil, nil, 0
		in.mu.Unlock()
		if len(queue) > 0 || len(refused) > 0 {
			in.process(queue, refused)
		}
		if stopping {
			return
		}
	}
}

// process turns queued messages into batches. A message whose checks need
// the exact stream state (expected sequences, rollups) first flushes the
// batch in progress, so it is checked against everything before it.
func (in *ingest) process(queue []inMsg, refused []string) {
	b := newBatch()
	in.quota = in.st.quota()
	for _, reply := range refused {
		b.items = append(b.items, pubItem{reply: reply, entry: -1, err: newError(ErrStreamTooManyRequests)})
	}
	for i := range queue {
		b = in.admit(b, &queue[i])
	}
	in.flush(b)
}

// acker waits for each batch's commit, in order, then acknowledges it.
func (in *ingest) acker() {
	defer close(in.done)
	for b := range in.acks {
		in.finish(b)
		in.queued.Add(-1)
	}
}

// finish waits for b's commit and answers its publishes.
func (in *ingest) finish(b *batch) {
	err := b.appendErr
	if err == nil && b.commit != nil && !in.asyncPersist() {
		err = b.commit.Wait()
	}
	b.res.err = err
	in.observeCommit(b)
	// The batch's effects (markers, schedules, sourcing progress) are
	// in place before any publisher hears its ack.
	in.afterBatch(b)
	// Consumers are woken before the acks go out (nats-server acks first,
	// but its consumers deliver at once from memory): a client that
	// reacts to its ack by leaving (unsubscribing, draining) should find
	// the message on its way to it, not still on the stream.
	if err == nil {
		in.st.onStored(b.entries)
	}
	in.acknowledge(b)
	in.syncAfterAck(b, err) // persist.go
}

// handOff passes b to the acker, or answers it on the calling (ingest)
// goroutine when there is nothing to wait for (a memory stream, interval
// mode, an append that failed), no earlier batch is still with the acker
// and no publish is waiting: a lone publisher then saves a goroutine
// hand-off per message, the acks still go out in order, and a busy stream
// keeps appending on one goroutine while the other answers.
func (in *ingest) handOff(b *batch) {
	settled := b.appendErr != nil || b.commit == nil || b.commit == store.Done
	if settled && in.queued.Load() == 0 && in.queueEmpty() {
		in.finish(b)
		return
	}
	in.queued.Add(1)
	in.acks <- b
}

// batch is the messages appended together, and what to answer each.
type batch struct {
	items     []pubItem
	entries   []store.Entry
	commit    store.Commit
	appendErr error
	res       *batchResult
	appended  time.Time // when Append returned, for the commit observer (stats.go)
}

// batchResult is a batch's durability outcome, set by the acker.
type batchResult struct{ err error }

func newBatch() *batch { return &batch{res: &batchResult{}} }

// pubItem is one publish of a batch.
type pubItem struct {
	reply  string
	entry  int       // index into batch.entries; -1 when nothing is stored
	err    *APIError // refused before the store
	dup    *dedupRec // a duplicate of this earlier message
	rec    *dedupRec // this message's own id record
	msgID  string
	rollup string
	src    *copyInfo
	extra  string // more PubAck members: a counter's val, a batch (counter.go, atomic.go)
}

// flush appends b's entries, updates the id window, applies rollups and
// passes b to the acker. It returns a fresh batch.
func (in *ingest) flush(b *batch) *batch {
	if len(b.items) == 0 {
		return b
	}
	if len(b.entries) > 0 {
		b.commit, b.appendErr = in.st.store.Append(b.entries, 0)
		b.appended = time.Now()
		in.settle(b)
	}
	in.handOff(b)
	return newBatch()
}

// settle records what the store did with each entry of b.
func (in *ingest) settle(b *batch) {
	for i := range b.items {
		it := &b.items[i]
		if it.entry < 0 {
			continue
		}
		e := &b.entries[it.entry]
		if err := in.entryError(b, e); err != nil {
			if it.rec != nil {
				it.rec.err = err
				in.dd.forget(it.rec)
			}
			continue
		}
		if it.rec != nil {
			it.rec.seq, it.rec.ts = e.Seq, e.Time
		}
		in.lastMsgID = it.msgID
		if it.rollup != "" {
			in.rollup(it.rollup, e)
		}
	}
}

// entryError is the API error for an entry the store did not take.
func (in *ingest) entryError(b *batch, e *store.Entry) *APIError {
	err := b.appendErr
	if err == nil {
		err = e.Err
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrMaxMsgs):
		return errorf(ErrStreamStoreFailed, "maximum messages exceeded")
	case errors.Is(err, store.ErrMaxBytes):
		return errorf(ErrStreamStoreFailed, "maximum bytes exceeded")
	case errors.Is(err, store.ErrMaxMsgsPerSubject):
		return errorf(ErrStreamStoreFailed, "maximum messages per subject exceeded")
	}
	return storeFailure(err)
}

// rollup removes what a stored rollup message replaces.
func (in *ingest) rollup(kind string, e *store.Entry) {
	opts := store.PurgeOpts{Seq: e.Seq}
	if kind == rollupSubject {
		opts.Subject = e.Subject
	}
	if _, err := in.st.store.Purge(opts); err != nil {
		in.st.acc.svc.log.Errorf("JetStream stream %s: rollup at %d: %v", in.st.name, e.Seq, err)
	}
}

// now is the clock of the ingest path, in Unix nanoseconds.
func now() int64 { return time.Now().UnixNano() }
