package server

import (
	"errors"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/subject"
)

// Msg is a message as an in-process subscriber sees it.
type Msg struct {
	Subject string
	Reply   string
	Header  []byte // raw NATS headers ("NATS/1.0\r\n..."), nil when none
	Data    []byte

	from *client // the client that published it; nil when in-process
}

// Sender describes the client connection that published a message.
type Sender struct {
	CID     uint64
	Account string
	// User is the user name, nkey or user JWT subject the client
	// authenticated as ("[REDACTED]" for a token); "" without
	// authentication.
	User        string
	NameTag     string       // the user JWT's name
	Expires     time.Time    // the user JWT's expiry; zero when none
	Permissions *Permissions // nil when the user may do anything
}

// Sender reports the client that published m, or nil when an in-process
// connection did.
func (m *Msg) Sender() *Sender {
	c := m.from
	if c == nil {
		return nil
	}
	s := &Sender{CID: c.cid, Account: c.acc.Name, Permissions: c.perms.Load().public()}
	if id := c.ident.Load(); id != nil {
		s.User, s.NameTag, s.Expires = id.user, id.nameTag, id.expires
	}
	return s
}

// MsgHandler handles a message for an in-process subscription.
type MsgHandler func(m *Msg)

// ErrConnClosed is returned by a closed in-process Conn.
var ErrConnClosed = errors.New("petrel: in-process connection closed")

// maxInprocPending bounds what waits for a queued handler before new
// messages are dropped (and logged).
var maxInprocPending = 256 << 20

// Conn is an in-process connection to one account: how JetStream,
// monitoring and embedding programs publish and subscribe without a
// socket. It is safe for concurrent use.
type Conn struct {
	srv  *Server
	acc  *Account
	wake chan struct{}
	done chan struct{}

	mu struct {
		sync.Mutex
		closed  bool
		subs    map[*InprocSub]struct{}
		queue   []queuedMsg
		pending int
		dropped int64     // messages dropped since the Conn opened
		warned  time.Time // last drop warning; at most one per dropWarnEvery
		unwarn  int64     // drops since that warning
	}
}

// dropWarnEvery spaces the warnings about dropped messages: a subscriber
// that falls behind drops many, and one line per drop would flood the log.
const dropWarnEvery = 10 * time.Second

type queuedMsg struct {
	sub *InprocSub
	msg Msg
}

// InprocSub is a subscription of a Conn.
type InprocSub struct {
	conn    *Conn
	sub     *subscription
	handler MsgHandler
	inline  bool
	stream  string // the JetStream stream it stores messages into, for traces
}

// NewConn opens an in-process connection bound to acc (the global account
// when nil).
func (s *Server) NewConn(acc *Account) *Conn {
	if acc == nil {
		acc = s.accounts.global
	}
	c := &Conn{srv: s, acc: acc, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.mu.subs = make(map[*InprocSub]struct{})
	go c.dispatch()
	return c
}

// Account is the account the connection belongs to.
func (c *Conn) Account() *Account { return c.acc }

// Subscribe calls h, in order, on the connection's own goroutine for each
// message on filter.
func (c *Conn) Subscribe(filter string, h MsgHandler) (*InprocSub, error) {
	return c.subscribe(filter, "", h, false, "")
}

// QueueSubscribe is Subscribe as a member of a queue group.
func (c *Conn) QueueSubscribe(filter, queue string, h MsgHandler) (*InprocSub, error) {
	return c.subscribe(filter, queue, h, false, "")
}

// SubscribeInline calls h on the publisher's goroutine. h must not block
// and must copy what it keeps: the Msg's slices are valid only during the
// call. It suits a handler that only hands the message to its own queue.
func (c *Conn) SubscribeInline(filter string, h MsgHandler) (*InprocSub, error) {
	return c.subscribe(filter, "", h, true, "")
}

// SubscribeInlineStream is SubscribeInline for the subscription through
// which JetStream stream takes its messages: message traces report what it
// receives as stored in that stream.
func (c *Conn) SubscribeInlineStream(filter, stream string, h MsgHandler) (*InprocSub, error) {
	return c.subscribe(filter, "", h, true, stream)
}

func (c *Conn) subscribe(filter, queue string, h MsgHandler, inline bool, stream string) (*InprocSub, error) {
	if !subject.ValidFilter(filter) {
		return nil, errors.New("petrel: invalid subject " + filter)
	}
	is := &InprocSub{conn: c, handler: h, inline: inline, stream: stream}
	is.sub = &subscription{inproc: is, subject: filter, queue: queue}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return nil, ErrConnClosed
	}
	c.mu.subs[is] = struct{}{}
	c.mu.Unlock()
	if err := c.acc.insertSub(filter, queue, is.sub); err != nil {
		return nil, err
	}
	return is, nil
}

// Unsubscribe ends the subscription; it is safe to call twice.
func (is *InprocSub) Unsubscribe() {
	c := is.conn
	c.mu.Lock()
	_, ok := c.mu.subs[is]
	delete(c.mu.subs, is)
	c.mu.Unlock()
	if ok {
		c.acc.removeSub(is.sub)
	}
}

// Publish routes a message in the connection's account and reports how
// many subscriptions it reached. hdr may be nil.
func (c *Conn) Publish(subj, reply string, hdr, data []byte) (int, error) {
	return c.publish(subj, reply, hdr, data, nil)
}

func (c *Conn) publish(subj, reply string, hdr, data []byte, flush map[*client]struct{}) (int, error) {
	if c.isClosed() {
		return 0, ErrConnClosed
	}
	if !subject.ValidLiteral(subj) {
		return 0, errors.New("petrel: invalid publish subject " + subj)
	}
	msg := data
	if len(hdr) > 0 {
		msg = make([]byte, 0, len(hdr)+len(data))
		msg = append(append(msg, hdr...), data...)
	}
	d := &delivery{flush: flush, subj: []byte(subj), reply: []byte(reply), hdrLen: len(hdr), msg: msg}
	return c.srv.deliver(c.acc, subj, d), nil
}

// Batch publishes a burst of messages (such as the acknowledgements of one
// group commit) from an in-process connection and wakes each receiving
// client once, at Flush, so the burst leaves in few writes instead of one
// write per message. A Batch is for one goroutine.
type Batch struct {
	c     *Conn
	flush map[*client]struct{}
}

// NewBatch starts a batch on the connection.
func (c *Conn) NewBatch() *Batch {
	return &Batch{c: c, flush: make(map[*client]struct{})}
}

// Publish queues a message for its subscribers as Conn.Publish does; the
// clients among them are woken at Flush.
func (b *Batch) Publish(subj, reply string, hdr, data []byte) (int, error) {
	return b.c.publish(subj, reply, hdr, data, b.flush)
}

// Flush wakes every client the batch delivered to. The Batch can be used
// again afterwards.
func (b *Batch) Flush() { wakeAll(b.flush) }

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.closed
}

// Close removes every subscription and stops the dispatch goroutine.
func (c *Conn) Close() {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	subs := c.mu.subs
	c.mu.subs = nil
	c.mu.queue = nil
	c.mu.Unlock()
	for is := range subs {
		c.acc.removeSub(is.sub)
	}
	close(c.done)
}

// deliver runs on the publisher's goroutine: inline handlers run now,
// others get a copy queued for the dispatch goroutine.
func (is *InprocSub) deliver(from *client, subj, reply []byte, hdrLen int, msg []byte) {
	if is.inline {
		m := Msg{Subject: string(subj), Reply: string(reply), Data: msg[hdrLen:], from: from}
		if hdrLen > 0 {
			m.Header = msg[:hdrLen]
		}
		is.handler(&m)
		return
	}
	buf := append([]byte(nil), msg...)
	m := Msg{Subject: string(subj), Reply: string(reply), Data: buf[hdrLen:], from: from}
	if hdrLen > 0 {
		m.Header = buf[:hdrLen:hdrLen]
	}
	is.conn.enqueue(is, m)
}

func (c *Conn) enqueue(is *InprocSub, m Msg) {
	size := len(m.Subject) + len(m.Reply) + len(m.Header) + len(m.Data)
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	if c.mu.pending+size > maxInprocPending {
		c.dropLocked(is)
		return
	}
	c.mu.queue = append(c.mu.queue, queuedMsg{sub: is, msg: m})
	c.mu.pending += size
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// dropLocked counts a dropped message and warns, at most once per
// dropWarnEvery, with the number dropped since the last warning. It
// unlocks c.mu.
func (c *Conn) dropLocked(is *InprocSub) {
	c.mu.dropped++
	c.mu.unwarn++
	now := time.Now()
	if now.Sub(c.mu.warned) < dropWarnEvery {
		c.mu.Unlock()
		return
	}
	n := c.mu.unwarn
	c.mu.warned, c.mu.unwarn = now, 0
	c.mu.Unlock()
	c.srv.log.Warnf("In-process subscriber on %s is behind; dropped %d message(s)", is.sub.subject, n)
}

// dispatch runs queued handlers in arrival order.
func (c *Conn) dispatch() {
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		batch := c.mu.queue
		c.mu.queue = nil
		c.mu.pending = 0
		c.mu.Unlock()
		for i := range batch {
			if c.isSubscribed(batch[i].sub) {
				batch[i].sub.handler(&batch[i].msg)
			}
		}
	}
}

func (c *Conn) isSubscribed(is *InprocSub) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.mu.subs[is]
	return ok
}
