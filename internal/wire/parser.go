package wire

import "bytes"

// Handler receives the operations a Parser decodes. Slices passed to it are
// valid only during the call: they point into the buffer given to Parse or
// into the Parser's scratch space. Copy what must outlive the call. If a
// method returns an error, Parse stops and returns that error unchanged.
type Handler interface {
	// Connect receives the JSON after "CONNECT " (trimmed; may be empty).
	Connect(arg []byte) error
	// Pub receives a PUB. reply is empty when absent; payload excludes the
	// trailing CRLF.
	Pub(subject, reply, payload []byte) error
	// HPub receives an HPUB: msg holds hdrLen bytes of headers followed by
	// the payload, len(msg) being the total size the client declared.
	HPub(subject, reply []byte, hdrLen int, msg []byte) error
	// Sub receives a SUB. queue is empty when absent.
	Sub(subject, queue, sid []byte) error
	// Unsub receives an UNSUB. max is 0 when absent.
	Unsub(sid []byte, max int64) error
	Ping() error
	Pong() error
	// Info receives the JSON after "INFO ". Clients should not send it;
	// servers ignore it, but the parser must still get past it.
	Info(arg []byte) error
	OK() error
	// Err receives the text after "-ERR " (trimmed, quotes kept).
	Err(arg []byte) error
}

// Default limits, used when NewParser or a setter gets n <= 0.
const (
	DefaultMaxControlLine = 4096
	DefaultMaxPayload     = 1 << 20
)

// maxKeptScratch is the largest payload scratch buffer kept between
// messages. Bigger ones (a large message split across reads) are released
// after use so an idle connection does not pin up to MaxPayload of memory.
const maxKeptScratch = 64 << 10

type state uint8

const (
	stateOp      state = iota // reading an op name
	stateArg                  // reading the rest of a control line
	statePayload              // reading a PUB/HPUB payload and its CRLF
	stateFailed               // an error was returned; the parser is spent
)

type opcode uint8

const (
	opConnect opcode = iota + 1
	opPub
	opHPub
	opSub
	opUnsub
	opPing
	opPong
	opInfo
	opOK
	opErr
)

// maxOpName is the length of the longest op name, "CONNECT".
const maxOpName = 7

// pending is a PUB or HPUB whose control line is parsed and whose payload
// is being read.
type pending struct {
	subject, reply []byte
	hdr            int // header bytes; -1 for PUB
	size           int // payload bytes (total for HPUB), without CRLF
}

// Parser decodes the client-to-server NATS protocol. It is not safe for
// concurrent use; one Parser serves one connection. After Parse returns an
// error the Parser is spent: later calls return the same error.
type Parser struct {
	state   state
	op      opcode
	name    [maxOpName]byte // op name so far, upper-cased
	nameLen int

	line      []byte // scratch: a control line split across reads
	lineSplit bool   // line holds the start of the current line

	pub      pending
	keep     []byte // scratch: subject and reply while a payload is split
	msg      []byte // scratch: a payload (and CRLF) split across reads
	msgSplit bool   // msg holds the start of the current payload

	maxControlLine int
	maxPayload     int
	err            error
}

// NewParser returns a Parser with the given limits; n <= 0 selects
// DefaultMaxControlLine or DefaultMaxPayload.
func NewParser(maxControlLine, maxPayload int) *Parser {
	p := &Parser{}
	p.SetMaxControlLine(maxControlLine)
	p.SetMaxPayload(maxPayload)
	return p
}

// SetMaxPayload changes the payload limit (n <= 0: DefaultMaxPayload). It
// applies to control lines parsed from now on.
func (p *Parser) SetMaxPayload(n int) {
	if n <= 0 {
		n = DefaultMaxPayload
	}
	p.maxPayload = n
}

// SetMaxControlLine changes the control-line limit (n <= 0:
// DefaultMaxControlLine).
func (p *Parser) SetMaxControlLine(n int) {
	if n <= 0 {
		n = DefaultMaxControlLine
	}
	p.maxControlLine = n
}

// Parse feeds buf to the state machine, calling h for every complete
// operation. An incomplete trailing operation is remembered (copied as
// needed) and completed by later calls. Parse does not retain buf.
func (p *Parser) Parse(buf []byte, h Handler) error {
	if p.err != nil {
		return p.err
	}
	for len(buf) > 0 {
		var n int
		var err error
		switch p.state {
		case stateOp:
			n, err = p.readOp(buf, h)
		case stateArg:
			n, err = p.readArg(buf, h)
		case statePayload:
			n, err = p.readPayload(buf, h)
		}
		if err != nil {
			p.state, p.err = stateFailed, err
			return err
		}
		buf = buf[n:]
	}
	if p.state == statePayload && !p.msgSplit {
		// The control line ended exactly at the end of buf: its subject and
		// reply point into buf, which the caller will reuse.
		p.startSplitPayload()
	}
	return nil
}

// readOp consumes op-name bytes until the whitespace or newline ending the
// name, one byte at a time.
func (p *Parser) readOp(b []byte, h Handler) (int, error) {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r':
			if err := p.resolveOp(); err != nil {
				return i, err
			}
			p.state = stateArg
			return i + 1, nil
		case '\n':
			if err := p.resolveOp(); err != nil {
				return i, err
			}
			return i + 1, p.dispatch(nil, h)
		}
		if p.nameLen == maxOpName || !isOpChar(c) {
			return i, protoErr(ErrUnknownOp, "op %s then %q", snippet(p.name[:p.nameLen]), c)
		}
		p.name[p.nameLen] = upper(c)
		p.nameLen++
	}
	return len(b), nil
}

// resolveOp turns the op name read so far into p.op.
func (p *Parser) resolveOp() error {
	name := p.name[:p.nameLen]
	p.nameLen = 0
	switch string(name) {
	case "PUB":
		p.op = opPub
	case "HPUB":
		p.op = opHPub
	case "SUB":
		p.op = opSub
	case "UNSUB":
		p.op = opUnsub
	case "PING":
		p.op = opPing
	case "PONG":
		p.op = opPong
	case "CONNECT":
		p.op = opConnect
	case "INFO":
		p.op = opInfo
	case "+OK":
		p.op = opOK
	case "-ERR":
		p.op = opErr
	default:
		return protoErr(ErrUnknownOp, "op %s", snippet(name))
	}
	return nil
}

func isOpChar(c byte) bool {
	return c == '+' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// readArg consumes the rest of a control line. A line wholly inside b is
// used in place; a line split across reads is gathered in p.line.
func (p *Parser) readArg(b []byte, h Handler) (int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return len(b), p.saveLinePart(b)
	}
	line := b[:nl]
	if p.lineSplit {
		p.line = append(p.line, line...)
		line = p.line
		p.lineSplit = false
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > p.maxControlLine {
		return nl, protoErr(ErrMaxControlLine, "%d bytes, limit %d", len(line), p.maxControlLine)
	}
	return nl + 1, p.dispatch(line, h)
}

// saveLinePart copies part of a control line that continues in a later read.
func (p *Parser) saveLinePart(b []byte) error {
	if !p.lineSplit {
		p.line = p.line[:0]
		p.lineSplit = true
	}
	// One byte of slack: the line may yet end in a '\r' that does not count.
	if len(p.line)+len(b) > p.maxControlLine+1 {
		return protoErr(ErrMaxControlLine, "over %d bytes without end of line", p.maxControlLine)
	}
	p.line = append(p.line, b...)
	return nil
}

// dispatch handles a complete control line (ending excluded) for p.op.
func (p *Parser) dispatch(line []byte, h Handler) error {
	p.state = stateOp
	switch p.op {
	case opPub:
		return p.parsePub(line)
	case opHPub:
		return p.parseHPub(line)
	case opSub:
		return parseSub(line, h)
	case opUnsub:
		return parseUnsub(line, h)
	case opPing:
		return h.Ping()
	case opPong:
		return h.Pong()
	case opConnect:
		return h.Connect(trimSpace(line))
	case opInfo:
		return h.Info(trimSpace(line))
	case opOK:
		return h.OK()
	case opErr:
		return h.Err(trimSpace(line))
	}
	return protoErr(ErrParser, "no op") // unreachable: resolveOp sets p.op
}

// readPayload consumes a PUB/HPUB payload and the CRLF after it. A payload
// wholly inside b is passed in place; a split one is gathered in p.msg.
func (p *Parser) readPayload(b []byte, h Handler) (int, error) {
	need := p.pub.size + 2
	if !p.msgSplit && len(b) >= need {
		return need, p.deliver(b[:need], h)
	}
	if !p.msgSplit {
		p.startSplitPayload()
	}
	n := min(need-len(p.msg), len(b))
	p.msg = append(p.msg, b[:n]...)
	if len(p.msg) < need {
		return n, nil
	}
	p.msgSplit = false
	err := p.deliver(p.msg, h)
	if cap(p.msg) > maxKeptScratch {
		p.msg = nil
	}
	return n, err
}

// startSplitPayload prepares to gather a payload across reads: the subject
// and reply move to p.keep, since they may point into the caller's buffer.
func (p *Parser) startSplitPayload() {
	s, r := len(p.pub.subject), len(p.pub.reply)
	p.keep = append(append(p.keep[:0], p.pub.subject...), p.pub.reply...)
	p.pub.subject, p.pub.reply = p.keep[:s:s], p.keep[s:s+r:s+r]
	if need := p.pub.size + 2; cap(p.msg) < need {
		p.msg = make([]byte, 0, need)
	}
	p.msg = p.msg[:0]
	p.msgSplit = true
}

// deliver checks the CRLF ending a complete payload (msg includes it) and
// hands the message to h.
func (p *Parser) deliver(msg []byte, h Handler) error {
	n := p.pub.size
	if msg[n] != '\r' || msg[n+1] != '\n' {
		return protoErr(ErrParser, "payload of %d bytes not followed by CRLF: %s", n, snippet(msg[n:]))
	}
	p.state = stateOp
	msg = msg[:n:n]
	if p.pub.hdr < 0 {
		return h.Pub(p.pub.subject, p.pub.reply, msg)
	}
	return h.HPub(p.pub.subject, p.pub.reply, p.pub.hdr, msg)
}
