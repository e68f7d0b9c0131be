package wire

import "math"

// Argument parsing for the ops that take arguments. Arguments are separated
// by runs of spaces, tabs (and stray CRs); no copies are made.

// maxArgs is the most arguments any op takes (HPUB with a reply).
const maxArgs = 4

// splitArgs stores the whitespace-separated fields of line in out and
// returns how many there are; fields beyond len(out) are counted, not kept.
func splitArgs(line []byte, out *[maxArgs][]byte) int {
	n, start := 0, -1
	for i, c := range line {
		if !isSpace(c) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if n < maxArgs {
				out[n] = line[start:i:i]
			}
			n, start = n+1, -1
		}
	}
	if start >= 0 {
		if n < maxArgs {
			out[n] = line[start:len(line):len(line)]
		}
		n++
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// trimSpace trims spaces, tabs and CRs from both ends of b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// maxDigits keeps parsed numbers well inside int64 (and int on 64-bit).
const maxDigits = 18

// parseNumber parses a non-negative decimal of at most maxDigits digits,
// returning -1 if b is anything else.
func parseNumber(b []byte) int64 {
	if len(b) == 0 || len(b) > maxDigits {
		return -1
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// parseSize parses a byte count; sizes beyond int range are invalid.
func parseSize(b []byte) int {
	n := parseNumber(b)
	if n < 0 || n > math.MaxInt {
		return -1
	}
	return int(n)
}

// parsePub parses "PUB <subject> [reply] <#bytes>" and readies the payload.
func (p *Parser) parsePub(line []byte) error {
	var a [maxArgs][]byte
	var reply []byte
	switch splitArgs(line, &a) {
	case 2:
	case 3:
		reply, a[1] = a[1], a[2]
	default:
		return protoErr(ErrParser, "PUB wants 2 or 3 arguments: %s", snippet(line))
	}
	size := parseSize(a[1])
	if size < 0 {
		return protoErr(ErrParser, "PUB bad size %s", snippet(a[1]))
	}
	return p.expectPayload(a[0], reply, -1, size)
}

// parseHPub parses "HPUB <subject> [reply] <#hdr> <#total>" and readies
// the payload.
func (p *Parser) parseHPub(line []byte) error {
	var a [maxArgs][]byte
	var reply []byte
	switch splitArgs(line, &a) {
	case 3:
	case 4:
		reply, a[1], a[2] = a[1], a[2], a[3]
	default:
		return protoErr(ErrParser, "HPUB wants 3 or 4 arguments: %s", snippet(line))
	}
	hdr, size := parseSize(a[1]), parseSize(a[2])
	if hdr < 0 || size < 0 {
		return protoErr(ErrParser, "HPUB bad sizes %s %s", snippet(a[1]), snippet(a[2]))
	}
	if hdr > size {
		return protoErr(ErrParser, "HPUB header size %d > total size %d", hdr, size)
	}
	return p.expectPayload(a[0], reply, hdr, size)
}

// expectPayload checks the size against the limit and switches to reading
// the payload.
func (p *Parser) expectPayload(subject, reply []byte, hdr, size int) error {
	if size > p.maxPayload {
		return protoErr(ErrMaxPayload, "%d bytes, limit %d", size, p.maxPayload)
	}
	p.pub = pending{subject: subject, reply: reply, hdr: hdr, size: size}
	p.state = statePayload
	return nil
}

// parseSub parses "SUB <subject> [queue] <sid>".
func parseSub(line []byte, h Handler) error {
	var a [maxArgs][]byte
	switch splitArgs(line, &a) {
	case 2:
		return h.Sub(a[0], nil, a[1])
	case 3:
		return h.Sub(a[0], a[1], a[2])
	}
	return protoErr(ErrParser, "SUB wants 2 or 3 arguments: %s", snippet(line))
}

// parseUnsub parses "UNSUB <sid> [max]".
func parseUnsub(line []byte, h Handler) error {
	var a [maxArgs][]byte
	switch splitArgs(line, &a) {
	case 1:
		return h.Unsub(a[0], 0)
	case 2:
		n := parseNumber(a[1])
		if n < 0 {
			return protoErr(ErrParser, "UNSUB bad max %s", snippet(a[1]))
		}
		return h.Unsub(a[0], n)
	}
	return protoErr(ErrParser, "UNSUB wants 1 or 2 arguments: %s", snippet(line))
}
