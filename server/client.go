package server

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petrelmq/petrel/internal/wire"
)

// Read buffer sizes: a connection starts small so idle ones cost little,
// and grows while reads fill the buffer.
const (
	minReadBuf = 512
	maxReadBuf = 64 << 10
	flushAt    = 32 << 10 // signal a writer mid-read once this much is queued

	writeGroupChunks = 4                     // chunks per writev: 128 KiB
	maxStall         = 10 * time.Millisecond // longest pause of a publisher per read
	inlineMax        = 8 << 10               // largest queue a publisher writes itself
	inlineDeadline   = time.Millisecond      // how long an inline write may block
	activeWriter     = time.Second           // a writer idle longer than this is stuck: no stalls for it
)

// connectOpts is the CONNECT document a client sends.
type connectOpts struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         bool   `json:"echo"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	User         string `json:"user"`
	Pass         string `json:"pass"`
	AuthToken    string `json:"auth_token"`
	NKey         string `json:"nkey"`
	Sig          string `json:"sig"`
	JWT          string `json:"jwt"`
}

// client is one connection speaking the NATS client protocol. Its read
// loop parses and routes what the client publishes; its write loop sends
// what is queued for it, coalescing messages into large writes.
type client struct {
	srv   *Server
	cid   uint64
	nc    net.Conn
	host  string
	port  int
	start time.Time
	nonce string
	// Fixed at accept, from the options then in effect.
	tls      *tls.Config // nil for plain TCP
	tlsFirst bool        // the client handshakes TLS before the server's INFO
	tlsMixed bool        // TLS only if the client starts a handshake (AllowNonTLS)
	infoLine []byte      // the INFO line the client is sent

	// Owned by the read loop; others read them only after connected is set.
	parser    *wire.Parser
	trace     bool // log every inbound operation (Options.Trace)
	acc       *Account
	opts      connectOpts // kept to authenticate again after a reload
	connected atomic.Bool
	// connectInfoSent: the INFO after the first PING past CONNECT is sent.
	connectInfoSent bool
	flushSet        map[*client]struct{} // clients to signal after this read
	stallOn         chan struct{}        // a slow reader's stall channel to wait on

	inMsgs, inBytes atomic.Int64 // what the client published
	pass            passStats    // counted during one read, then published
	lastActivity    atomic.Int64 // unix nanos of the last read or delivery
	rtt             atomic.Int64 // nanoseconds, measured by the first PING
	pingSent        atomic.Int64

	// perms bound what the client may publish and subscribe to, nil when
	// nothing; a reload replaces them while the read loop uses them.
	perms atomic.Pointer[permissions]
	// ident is who authenticated; nil before CONNECT.
	ident atomic.Pointer[identity]

	flushCh chan struct{} // wakes the write loop; capacity 1

	mu struct {
		sync.Mutex
		out      outbound      // queued for the write loop
		scratch  []byte        // builds one control line at a time
		pending  int64         // bytes queued or being written
		writer   bool          // someone (write loop or an inline flush) holds the socket
		writing  int64         // unix nanos when the current write began; 0 when none
		stall    chan struct{} // closed when pending falls below stallAt
		pingsOut int
		outMsgs  int64 // messages delivered to the client
		outBytes int64
		closed   bool
		flush    bool // closed: write what is queued before closing
		reason   ClosedReason
		subs     map[string]*subscription // by sid
		replies  map[string]*replyGrant   // reply subjects it may answer (responseperm.go)
		timers   []*time.Timer
	}
}

// createClient serves a new connection with the options in effect now:
// a reload changes max_payload, TLS and the like for later connections.
func (s *Server) createClient(nc net.Conn) {
	c := &client{
		srv:     s,
		cid:     s.gcid.Add(1),
		nc:      nc,
		start:   time.Now(),
		acc:     s.accounts.global,
		flushCh: make(chan struct{}, 1),
	}
	c.opts.Echo = true
	c.mu.subs = make(map[string]*subscription)
	if addr, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.host, c.port = addr.IP.String(), addr.Port
	}
	c.lastActivity.Store(c.start.UnixNano())
	s.stats.totalConns.Add(1)

	s.mu.Lock()
	if s.mu.shutdown || s.mu.lameDuck {
		s.mu.Unlock()
		nc.Close()
		return
	}
	// Options, authenticator and INFO change together under s.mu (Reload).
	o, info := s.options(), s.mu.info
	c.parser = wire.NewParser(o.MaxControlLine, o.MaxPayload)
	c.trace, c.tls = o.Trace, o.TLSConfig
	c.tlsFirst = c.tls != nil && o.TLSHandshakeFirst
	c.tlsMixed = c.tls != nil && !c.tlsFirst && o.AllowNonTLS
	c.nonce = s.authn().nonce()
	if len(s.mu.clients) >= o.MaxConn {
		s.mu.Unlock()
		c.rejectMaxConns(info)
		return
	}
	s.mu.clients[c.cid] = c
	s.loops.Add(2)
	s.mu.Unlock()

	c.infoLine = wire.AppendInfo(nil, renderInfo(info, c))
	if !c.tlsFirst {
		c.enqueue(c.infoLine)
	}
	go c.writeLoop()
	go c.run()
}

// rejectMaxConns tells a client the server is full, then closes it. It
// reads what the client sends meanwhile (its CONNECT), so the close does
// not reset the connection before the client has read the error.
func (c *client) rejectMaxConns(info serverInfo) {
	c.srv.log.Warnf("Connection from %s refused: %s", c.nc.RemoteAddr(), errMaxConns)
	c.nc.SetDeadline(time.Now().Add(time.Second))
	b := wire.AppendInfo(nil, renderInfo(info, c))
	b = wire.AppendErr(b, errMaxConns)
	if _, err := c.nc.Write(b); err == nil {
		if tc, ok := c.nc.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		go func() {
			io.Copy(io.Discard, c.nc)
			c.nc.Close()
		}()
		return
	}
	c.nc.Close()
}

// run upgrades to TLS when configured, arms the timers, and reads.
func (c *client) run() {
	defer c.srv.loops.Done()
	defer c.teardown()
	if c.tlsMixed && !c.startsTLS() {
		c.tls = nil // a plain client, which allow_non_tls lets in
	}
	if c.tls != nil && !c.upgradeTLS() {
		return
	}
	if c.tlsFirst {
		c.enqueue(c.infoLine)
	}
	if c.srv.authn().required() {
		c.addTimer(c.srv.options().AuthTimeout, c.authTimeout)
	}
	c.addTimer(c.srv.options().PingInterval, c.pingTimer)
	c.readLoop()
}

// startsTLS sends INFO and reports whether the client's first byte opens
// a TLS handshake (a record of type 0x16), as nats-server tells with
// allow_non_tls. The byte is kept for whichever reads next.
func (c *client) startsTLS() bool {
	c.flushNow()
	var first [1]byte
	c.nc.SetReadDeadline(time.Now().Add(c.srv.options().TLSTimeout))
	n, _ := io.ReadFull(c.nc, first[:])
	c.nc.SetReadDeadline(time.Time{})
	if n == 0 {
		return false
	}
	c.mu.Lock()
	c.nc = &peekedConn{Conn: c.nc, peeked: first[:n]}
	c.mu.Unlock()
	return first[0] == 0x16
}

// peekedConn is a connection whose first bytes were read already.
type peekedConn struct {
	net.Conn
	peeked []byte
}

func (p *peekedConn) Read(b []byte) (int, error) {
	if len(p.peeked) > 0 {
		n := copy(b, p.peeked)
		p.peeked = p.peeked[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// upgradeTLS sends what is queued (INFO, unless the handshake comes
// first) in the clear, then runs the server side of the TLS handshake.
func (c *client) upgradeTLS() bool {
	c.flushNow()
	conn := tls.Server(c.nc, c.tls)
	conn.SetDeadline(time.Now().Add(c.srv.options().TLSTimeout))
	if err := conn.Handshake(); err != nil {
		c.srv.log.Debugf("TLS handshake with %s failed: %v", c.nc.RemoteAddr(), err)
		c.closeConnection(TLSHandshakeError)
		return false
	}
	conn.SetDeadline(time.Time{})
	c.mu.Lock()
	c.nc = conn
	c.mu.Unlock()
	return true
}

func (c *client) readLoop() {
	rb := readBuf{buf: make([]byte, minReadBuf)}
	c.flushSet = make(map[*client]struct{})
	for {
		n, err := c.conn().Read(rb.buf)
		if n > 0 {
			c.lastActivity.Store(time.Now().UnixNano())
			perr := c.parser.Parse(rb.buf[:n], c)
			c.publishStats()
			c.flushClients()
			c.waitStalled()
			if perr != nil {
				c.closeOnError(perr)
				return
			}
		}
		if err != nil {
			c.closeConnection(readErrorReason(err))
			return
		}
		rb.resize(n)
	}
}

// readBuf is a connection's read buffer. It doubles when a read fills it
// and halves after shrinkAfter reads in a row used less than a quarter of
// it, so a busy connection keeps a large buffer and an idle one a small one.
type readBuf struct {
	buf   []byte
	short int
}

const shrinkAfter = 16

func (rb *readBuf) resize(n int) {
	switch {
	case n == len(rb.buf) && len(rb.buf) < maxReadBuf:
		rb.buf = make([]byte, 2*len(rb.buf))
		rb.short = 0
	case n < len(rb.buf)/4 && len(rb.buf) > minReadBuf:
		rb.short++
		if rb.short >= shrinkAfter {
			rb.buf = make([]byte, len(rb.buf)/2)
			rb.short = 0
		}
	default:
		rb.short = 0
	}
}

func readErrorReason(err error) ClosedReason {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return ClientClosed
	}
	return ReadError
}

// conn is the current net.Conn (it changes once, on a TLS upgrade).
func (c *client) conn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nc
}

// closeOnError tells the client why, when the error has a text for it,
// and closes the connection.
func (c *client) closeOnError(err error) {
	var ce *closeError
	var pe *wire.ProtocolError
	switch {
	case errors.As(err, &ce):
		if ce.Text != "" {
			c.sendErr(ce.Text)
		}
		c.closeConnection(ce.Reason)
	case errors.As(err, &pe):
		c.sendErr(pe.Text)
		c.closeConnection(protocolErrorReason(pe))
	default:
		c.closeConnection(ProtocolViolation)
	}
}

func protocolErrorReason(pe *wire.ProtocolError) ClosedReason {
	switch pe.Text {
	case wire.ErrMaxPayload.Text:
		return MaxPayloadExceeded
	case wire.ErrMaxControlLine.Text:
		return MaxControlLineExceeded
	}
	return ParseError
}

// addTimer runs fn after d unless the connection closes first.
func (c *client) addTimer(d time.Duration, fn func()) {
	t := time.AfterFunc(d, fn)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		t.Stop()
		return
	}
	c.mu.timers = append(c.mu.timers, t)
}

func (c *client) authTimeout() {
	if c.connected.Load() {
		return
	}
	c.sendErr(errAuthTimeout)
	c.closeConnection(AuthenticationTimeout)
}

// authExpired closes a client whose user JWT expired, as nats-server does.
func (c *client) authExpired() {
	c.sendErr(errAuthExpired)
	c.closeConnection(AuthenticationExpired)
}

// accountAuthExpired closes a client whose account JWT expired, as
// nats-server does.
func (c *client) accountAuthExpired() {
	c.sendErr(errAccountAuthExpired)
	c.closeConnection(AuthenticationExpired)
}

// pingTimer pings a quiet client and closes one that left MaxPingsOut
// pings unanswered.
func (c *client) pingTimer() {
	interval := c.srv.options().PingInterval
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	quiet := time.Since(time.Unix(0, c.lastActivity.Load())) >= interval
	if !quiet {
		c.mu.pingsOut = 0
	} else {
		c.mu.scratch = nil // an idle connection keeps no scratch buffer
	}
	stale := quiet && c.mu.pingsOut >= c.srv.options().MaxPingsOut
	if quiet && !stale {
		c.mu.pingsOut++
	}
	c.mu.Unlock()
	switch {
	case stale:
		c.srv.log.Debugf("Client %d: stale connection", c.cid)
		c.sendErr(errStale)
		c.closeConnection(StaleConnection)
		return
	case quiet:
		c.pingSent.Store(time.Now().UnixNano())
		c.enqueue(wire.PingLine)
	}
	c.addTimer(interval, c.pingTimer)
}

// enqueue queues protocol bytes for the client and wakes its writer.
func (c *client) enqueue(b []byte) {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.out.write(b)
	c.mu.pending += int64(len(b))
	c.mu.Unlock()
	c.signal()
}

func (c *client) sendErr(text string) { c.enqueue(wire.AppendErr(nil, text)) }

func (c *client) sendOK() {
	if c.opts.Verbose {
		c.enqueue(wire.OKLine)
	}
}

// signal wakes the write loop without blocking.
func (c *client) signal() {
	select {
	case c.flushCh <- struct{}{}:
	default:
	}
}

// flushNow writes what is queued from the calling goroutine; used before
// a TLS upgrade, when the write loop must not race the handshake.
func (c *client) flushNow() {
	c.mu.Lock()
	size := c.mu.out.size
	chunks := c.mu.out.take()
	c.mu.pending -= int64(size)
	c.mu.Unlock()
	if size > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.options().WriteDeadline))
		writeChunks(c.nc, chunks) // before the TLS handshake; a failure shows there
	}
}

// passStats counts one read's traffic in plain fields, so the message
// path does no atomic operations for statistics; publishStats adds them to
// the shared counters once per read.
type passStats struct {
	inMsgs, inBytes, outMsgs, outBytes int64
}

func (c *client) publishStats() {
	p := &c.pass
	if p.inMsgs != 0 {
		c.inMsgs.Add(p.inMsgs)
		c.inBytes.Add(p.inBytes)
		c.srv.stats.inMsgs.Add(p.inMsgs)
		c.srv.stats.inBytes.Add(p.inBytes)
	}
	if p.outMsgs != 0 {
		c.srv.stats.outMsgs.Add(p.outMsgs)
		c.srv.stats.outBytes.Add(p.outBytes)
	}
	*p = passStats{}
}

// waitStalled pauses the read loop, up to maxStall, while a subscriber it
// delivered to has more than stallAt queued and is draining it.
func (c *client) waitStalled() {
	if c.stallOn == nil {
		return
	}
	t := time.NewTimer(maxStall)
	select {
	case <-c.stallOn:
	case <-t.C:
	}
	t.Stop()
	c.stallOn = nil
}

// flushClients wakes the writers of every client this read delivered to.
func (c *client) flushClients() { wakeAll(c.flushSet) }

// wakeAll gets what was queued for each client in set on its way, writing
// small queues at once from this goroutine, and empties set.
func wakeAll(set map[*client]struct{}) {
	for t := range set {
		if !t.flushInline() {
			t.signal()
		}
	}
	clear(set)
}

// writeLoop sends queued bytes, taking everything queued at once so that
// many messages go out in one write.
func (c *client) writeLoop() {
	defer c.srv.loops.Done()
	for range c.flushCh {
		if done := c.drain(); done {
			return
		}
	}
}

// drain writes until nothing is queued; it reports whether the connection
// is finished. Only the holder of mu.writer writes to the socket: while a
// publisher writes inline, drain leaves and is woken when it is done.
func (c *client) drain() bool {
	for {
		c.mu.Lock()
		closed, flush, nc := c.mu.closed, c.mu.flush, c.nc
		if closed && !flush {
			c.mu.Unlock()
			nc.Close()
			return true
		}
		if c.mu.writer {
			c.mu.Unlock()
			return false
		}
		size := c.mu.out.size
		if size == 0 {
			c.mu.Unlock()
			if closed {
				nc.Close()
			}
			return closed
		}
		chunks := c.mu.out.take()
		c.mu.writer = true
		c.mu.Unlock()
		deadline := c.srv.options().WriteDeadline
		if closed {
			deadline = min(deadline, time.Second)
		}
		err := c.writeGroups(nc, chunks, deadline)
		c.mu.Lock()
		c.mu.writer = false
		c.mu.Unlock()
		if err != nil {
			c.closeConnection(writeErrorReason(err))
			nc.Close()
			return true
		}
	}
}

// writeGroups writes chunks a group at a time, so that pending bytes and
// progress are updated as the client reads and stalled publishers resume.
func (c *client) writeGroups(nc net.Conn, chunks [][]byte, deadline time.Duration) error {
	for len(chunks) > 0 {
		group := chunks[:min(len(chunks), writeGroupChunks)]
		chunks = chunks[len(group):]
		c.startWrite()
		nc.SetWriteDeadline(time.Now().Add(deadline))
		n, _, err := writeChunks(nc, group)
		c.wrote(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// flushInline writes a small queue from the publisher's goroutine, which
// saves the hand-off to the write loop and with it a scheduling delay per
// request and reply. It reports whether it took the queue. A socket that
// does not take the bytes within inlineDeadline gets the rest from the
// write loop.
func (c *client) flushInline() bool {
	c.mu.Lock()
	if c.mu.closed || c.mu.writer || c.mu.out.size == 0 || c.mu.out.size > inlineMax {
		c.mu.Unlock()
		return false
	}
	nc := c.nc
	chunks := c.mu.out.take()
	c.mu.writer = true
	c.mu.writing = time.Now().UnixNano()
	c.mu.Unlock()

	nc.SetWriteDeadline(time.Now().Add(inlineDeadline))
	n, rest, err := writeChunks(nc, chunks)
	c.mu.Lock()
	c.mu.writer = false
	c.mu.out.prepend(rest)
	c.mu.Unlock()
	c.wrote(n)
	if err != nil && writeErrorReason(err) == WriteError {
		c.closeConnection(WriteError)
	}
	c.mu.Lock()
	wake := c.mu.out.size > 0 || c.mu.closed
	c.mu.Unlock()
	if wake {
		c.signal()
	}
	return true
}

func (c *client) startWrite() {
	c.mu.Lock()
	c.mu.writing = time.Now().UnixNano()
	c.mu.Unlock()
}

// wrote accounts for size bytes written and releases stalled publishers
// once the queue is below the stall mark.
func (c *client) wrote(size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.pending -= size
	c.mu.writing = 0
	if c.mu.stall != nil && c.mu.pending <= c.stallAt() {
		close(c.mu.stall)
		c.mu.stall = nil
	}
}

// stallAt is the queue size past which publishers to this client pause
// briefly (up to maxStall per read) so a consumer that reads, only more
// slowly, catches up instead of being cut off.
func (c *client) stallAt() int64 { return c.srv.options().MaxPending / 4 * 3 }

func writeErrorReason(err error) ClosedReason {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return SlowConsumerWriteDeadline
	}
	return WriteError
}

// closeConnection marks the connection closed for reason. Reasons that
// leave the peer something to read (an -ERR) let the writer flush first;
// the others close the socket at once. The read loop cleans up.
func (c *client) closeConnection(reason ClosedReason) {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	c.mu.closed = true
	c.mu.reason = reason
	c.mu.flush = flushesOnClose(reason)
	for _, t := range c.mu.timers {
		t.Stop()
	}
	c.mu.timers = nil
	nc := c.nc
	c.mu.Unlock()
	if reason == SlowConsumerPendingBytes || reason == SlowConsumerWriteDeadline {
		c.srv.stats.slowConsumers.Add(1)
		c.srv.log.Warnf("Client %d (%s): slow consumer, closing", c.cid, c.host)
	}
	if !flushesOnClose(reason) {
		nc.Close()
	}
	c.signal()
}

func flushesOnClose(r ClosedReason) bool {
	switch r {
	case SlowConsumerPendingBytes, SlowConsumerWriteDeadline, WriteError, ReadError, ClientClosed:
		return false
	}
	return true
}

// teardown runs once the read loop ends: it removes the client's
// subscriptions and records the closed connection.
func (c *client) teardown() {
	c.closeConnection(ClientClosed)
	c.mu.Lock()
	subs := c.mu.subs
	c.mu.subs = nil
	reason := c.mu.reason
	c.mu.Unlock()
	for _, sub := range subs {
		c.acc.removeSub(sub)
	}
	if c.connected.Load() {
		c.acc.addClient(-1)
	}
	s := c.srv
	snap := c.snapshot(reason, len(subs))
	s.mu.Lock()
	delete(s.mu.clients, c.cid)
	s.mu.Unlock()
	if c.connected.Load() {
		c.acc.addClosed(&snap)
		s.notifyClient(func() *ClientEvent { return c.clientEvent(ClientDisconnected, snap) })
	}
	s.closed.add(snap)
}

// connectDone binds the client to its user and account after CONNECT.
func (c *client) connectDone(opts connectOpts, acc *Account, perms *permissions, ident *identity) {
	c.mu.Lock()
	c.opts = opts
	c.acc = acc
	c.perms.Store(perms)
	c.ident.Store(ident)
	c.mu.Unlock()
	c.connected.Store(true)
	acc.addClient(1)
	c.srv.notifyClient(func() *ClientEvent { return c.clientEvent(ClientConnected, c.info(false)) })
}

// Connect handles CONNECT: options, authentication, account.
func (c *client) Connect(arg []byte) error {
	c.traceOp("CONNECT", arg)
	if c.connected.Load() {
		return nil // a second CONNECT changes nothing
	}
	opts := connectOpts{Echo: true}
	if err := json.Unmarshal(arg, &opts); err != nil {
		return &closeError{Text: "Parser Error", Reason: ParseError}
	}
	if opts.TLSRequired && c.tls == nil {
		return &closeError{Text: errSecureRequired, Reason: ProtocolViolation}
	}
	auth := c.srv.authn()
	acc, perms, ident, err := auth.check(c, &opts)
	if errors.Is(err, errAccountConns) {
		return &closeError{Text: err.Error(), Reason: MaxAccountConnectionsExceeded}
	}
	if err != nil {
		c.srv.log.Warnf("Client %d (%s): authorization violation: %v", c.cid, c.host, err)
		c.srv.notifyClient(func() *ClientEvent {
			ci := c.info(false)
			ci.Name, ci.Lang, ci.Version = opts.Name, opts.Lang, opts.Version
			return &ClientEvent{Kind: ClientAuthFailed, Conn: ci, User: opts.User, JWT: opts.JWT,
				Reason: AuthenticationViolation.String()}
		})
		return &closeError{Text: errAuthViolation, Reason: AuthenticationViolation}
	}
	c.connectDone(opts, acc, perms, ident)
	if c.srv.authn() != auth {
		// A reload swapped the rules while this CONNECT was checked, and
		// may have missed this client: apply the new ones.
		c.srv.reauthorizeLate(c)
	}
	c.sendOK()
	return nil
}

// requireConnect closes a client that sends anything before CONNECT on a
// server that requires authentication.
func (c *client) requireConnect() error {
	if c.connected.Load() || !c.srv.authn().required() {
		return nil
	}
	return &closeError{Text: errAuthViolation, Reason: AuthenticationViolation}
}

// Ping answers PING with PONG. After the first PING that follows CONNECT,
// a client that takes asynchronous INFO (protocol 1) is also sent one
// saying which account it is bound to and whether that is the system
// account, as nats-server does (nats.go's Conn.IsSystemAccount reads it).
func (c *client) Ping() error {
	c.traceOp("PING", nil)
	if err := c.requireConnect(); err != nil {
		return err
	}
	c.enqueue(wire.PongLine)
	if !c.connectInfoSent && c.connected.Load() {
		c.connectInfoSent = true
		if c.opts.Protocol >= 1 {
			c.enqueue(wire.AppendInfo(nil, c.srv.connectInfoFor(c)))
		}
	}
	return nil
}

// Pong resets the outstanding ping count and records the round trip.
func (c *client) Pong() error {
	c.traceOp("PONG", nil)
	c.mu.Lock()
	c.mu.pingsOut = 0
	c.mu.Unlock()
	if sent := c.pingSent.Swap(0); sent != 0 {
		c.rtt.Store(time.Now().UnixNano() - sent)
	}
	return nil
}

// Info from a client is ignored.
func (c *client) Info(arg []byte) error { return nil }

// OK from a client is ignored.
func (c *client) OK() error { return nil }

// Err from a client is logged.
func (c *client) Err(arg []byte) error {
	c.srv.log.Debugf("Client %d sent -ERR %s", c.cid, arg)
	return nil
}

// Sub handles SUB.
func (c *client) Sub(subj, queue, sid []byte) error {
	if c.trace {
		c.traceOp("SUB", joinArgs(subj, queue, sid))
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	if err := c.subscribe(string(subj), string(queue), sid); err != nil {
		return c.tell(err)
	}
	c.sendOK()
	return nil
}

// Unsub handles UNSUB.
func (c *client) Unsub(sid []byte, max int64) error {
	if c.trace {
		c.traceOp("UNSUB", joinArgs(sid, []byte(strconv.FormatInt(max, 10))))
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	c.unsubscribe(sid, max)
	c.sendOK()
	return nil
}

// Pub handles PUB.
func (c *client) Pub(subj, reply, payload []byte) error {
	return c.publish(subj, reply, 0, payload)
}

// HPub handles HPUB.
func (c *client) HPub(subj, reply []byte, hdrLen int, msg []byte) error {
	return c.publish(subj, reply, hdrLen, msg)
}

func (c *client) publish(subj, reply []byte, hdrLen int, msg []byte) error {
	if c.trace {
		c.traceOp("PUB", joinArgs(subj, reply, []byte(strconv.Itoa(hdrLen)), []byte(strconv.Itoa(len(msg)))))
	}
	if err := c.requireConnect(); err != nil {
		return err
	}
	c.pass.inMsgs++
	c.pass.inBytes += int64(len(msg))
	if err := c.checkPublish(subj, reply); err != nil {
		return c.tell(err)
	}
	c.sendOK()
	d := &delivery{from: c, flush: c.flushSet, subj: subj, reply: reply, hdrLen: hdrLen, msg: msg}
	if hdrLen > 0 {
		d.trace = c.newMsgTrace(subj, hdrLen, msg)
	}
	c.srv.deliver(c.acc, bytesToString(subj), d)
	return nil
}

// tell sends a clientError to the client and goes on; other errors pass.
func (c *client) tell(err error) error {
	var ce *clientError
	if errors.As(err, &ce) {
		c.sendErr(ce.Text)
		return nil
	}
	return err
}

// String names the client in logs.
func (c *client) String() string {
	return "cid:" + strconv.FormatUint(c.cid, 10) + " " + c.host + ":" + strconv.Itoa(c.port)
}

// traceOp logs an inbound operation when tracing is on.
func (c *client) traceOp(op string, arg []byte) {
	if !c.trace {
		return
	}
	if len(arg) > 0 {
		c.srv.log.Tracef("%s - <<- [%s %s]", c, op, arg)
		return
	}
	c.srv.log.Tracef("%s - <<- [%s]", c, op)
}

// joinArgs joins the non-empty arguments with spaces, for traces.
func joinArgs(args ...[]byte) []byte {
	var b []byte
	for _, a := range args {
		if len(a) == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, a...)
	}
	return b
}
