package jetstream

import (
	"crypto/rand"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/server"
)

// Subjects a consumer serves, besides the API.
const (
	ackPrefix  = "$JS.ACK."
	fcPrefix   = "$JS.FC."
	nextPrefix = apiPrefix + "CONSUMER.MSG.NEXT."
)

// consumer is one consumer of a stream: its configuration, its delivery
// state and the goroutine that delivers. Each consumer has its own
// in-process connection carrying its acks, pull requests and flow control
// replies, so a slow consumer never holds another's.
type consumer struct {
	st      *stream
	name    string
	ackBase string // see ackBase
	created time.Time
	conn    *server.Conn
	out     *server.Batch // the delivery goroutine's sends on conn
	persist *persister    // nil when the state is not stored (ephemeral, memory)

	cfg  atomic.Pointer[ConsumerConfig]
	wake chan struct{}
	quit chan struct{}
	done chan struct{}

	mu struct {
		sync.Mutex
		consumerState
		// ahead holds messages loaded ahead of consumerState.next.
		ahead   readAheads
		subs    []*server.InprocSub
		waiting []*pullRequest
		push    pushState
		replay  replayState
		rate    rateState
		prio    priorityState // pins of priority groups (priority.go)
		// lastActive is when a client last showed interest (pull request,
		// ack, delivery); it drives inactive_threshold.
		lastActive time.Time
		// lastDelivery and lastAck are when a message was last delivered
		// and last acknowledged: consumer info's delivered.last_active and
		// ack_floor.last_active. Not stored; zero after a restart.
		lastDelivery, lastAck time.Time
		// nextScan is when a pending ack next falls due.
		nextScan time.Time
		// waiters are ack replies to answer once the state is stored.
		waiters []string
		dirty   bool
		closed  bool
	}
}

// seqPair is a consumer and a stream sequence.
type seqPair struct {
	Consumer uint64 `json:"consumer_seq"`
	Stream   uint64 `json:"stream_seq"`
}

// consumerState is what a consumer has delivered and what is acked.
type consumerState struct {
	delivered seqPair
	ackFloor  seqPair
	// next is the next stream sequence to consider for a first delivery.
	next uint64
	// pending are the delivered, unacknowledged messages by stream seq;
	// order lists their stream sequences ascending (acked ones are
	// dropped lazily from its head).
	pending map[uint64]*pendingMsg
	order   []uint64
	// redeliver lists the stream sequences due again, in order.
	redeliver []uint64
	// lps lists the sequences deliver last_per_subject starts with.
	lps []uint64
	// numPending counts the messages not yet delivered (first delivery).
	numPending uint64
}

// pendingMsg is a delivered message waiting for its ack.
type pendingMsg struct {
	dseq     uint64 // consumer sequence of its first delivery
	ts       int64  // last delivery, Unix ns
	count    uint64 // deliveries so far
	deadline int64  // when it is due again, Unix ns
	queued   bool   // on the redeliver list
}

// newConsumer builds a consumer; start runs it.
func newConsumer(st *stream, cfg *ConsumerConfig, created time.Time) *consumer {
	c := &consumer{
		st:      st,
		name:    cfg.Name,
		ackBase: ackBase(st.name, cfg.Name),
		created: created,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	c.cfg.Store(cfg)
	c.mu.pending = make(map[uint64]*pendingMsg)
	c.mu.lastActive = time.Now()
	return c
}

// config returns the current configuration; do not modify it.
func (c *consumer) config() *ConsumerConfig { return c.cfg.Load() }

// start subscribes the consumer's subjects and starts its goroutines.
func (c *consumer) start() error {
	c.conn = c.st.acc.svc.srv.NewConn(c.st.acc.acc)
	c.out = c.conn.NewBatch()
	base := c.st.name + "." + c.name
	subs := []struct {
		subj string
		h    server.MsgHandler
	}{
		{ackPrefix + base + ".>", c.onAck},
		{fcPrefix + base + ".>", c.onFlowControl},
		{nextPrefix + base, c.onNextRequest},
	}
	if c.config().AckPolicy == AckNone {
		// Nothing to ack: like nats-server, no one listens on the ack
		// subjects, so an ack sent as a request gets "no responders".
		subs = subs[1:]
	}
	for _, s := range subs {
		sub, err := c.conn.Subscribe(s.subj, s.h)
		if err != nil {
			c.conn.Close()
			return err
		}
		c.mu.subs = append(c.mu.subs, sub)
	}
	if c.persist != nil {
		go c.persist.run()
	}
	go c.run()
	return nil
}

// signal wakes the delivery goroutine.
func (c *consumer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// stop ends the consumer's goroutines; with deleted, waiting pull
// requests are told the consumer is gone. The stored state stays.
func (c *consumer) stop(deleted bool) {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	waiting := c.mu.waiting
	c.mu.waiting = nil
	c.unwatchLocked()
	c.mu.Unlock()
	close(c.quit)
	<-c.done
	if c.persist != nil {
		c.persist.stop()
	}
	if deleted {
		for _, r := range waiting {
			c.publish(outMsg{route: r.reply, hdr: statusHeader(409, "Consumer Deleted")})
		}
	}
	c.conn.Close()
}

// isClosed reports whether the consumer was stopped.
func (c *consumer) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.closed
}

// consumerSet is a stream's consumers by name.
type consumerSet struct {
	createMu sync.Mutex // serializes creates and updates

	mu struct {
		sync.RWMutex
		byName map[string]*consumer
	}
}

func (cs *consumerSet) get(name string) *consumer {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	return cs.mu.byName[name]
}

func (cs *consumerSet) put(c *consumer) {
	cs.mu.Lock()
	if cs.mu.byName == nil {
		cs.mu.byName = make(map[string]*consumer)
	}
	cs.mu.byName[c.name] = c
	cs.mu.Unlock()
}

// remove drops c if it is still the consumer of its name.
func (cs *consumerSet) remove(c *consumer) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.mu.byName[c.name] != c {
		return false
	}
	delete(cs.mu.byName, c.name)
	return true
}

func (cs *consumerSet) count() int {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	return len(cs.mu.byName)
}

// all returns the consumers sorted by name.
func (cs *consumerSet) all() []*consumer {
	cs.mu.RLock()
	out := make([]*consumer, 0, len(cs.mu.byName))
	for _, c := range cs.mu.byName {
		out = append(out, c)
	}
	cs.mu.RUnlock()
	slices.SortFunc(out, func(a, b *consumer) int { return strings.Compare(a.name, b.name) })
	return out
}

// takeAll empties the set and returns what it held.
func (cs *consumerSet) takeAll() []*consumer {
	out := cs.all()
	cs.mu.Lock()
	cs.mu.byName = nil
	cs.mu.Unlock()
	return out
}

// nameAlphabet spells generated consumer names.
const nameAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// generateName returns a random consumer name for an ephemeral consumer
// created without one.
func generateName() string {
	var b [8]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return string(b[:])
}
