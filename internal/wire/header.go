package wire

import (
	"bytes"
	"strconv"
)

// NATS headers (ADR-4) are the first hdrLen bytes of an HPUB or HMSG:
//
//	NATS/1.0[ <status>[ <description>]]\r\n
//	<Key>: <Value>\r\n
//	...
//	\r\n
//
// status is three digits (e.g. 503 no responders, 404 no messages, 408
// request timeout, 100 idle heartbeat / flow control).

// headerVersion opens every header block.
const headerVersion = "NATS/1.0"

// StatusHeader returns a header block with only a status line, e.g.
// StatusHeader(503, "") is "NATS/1.0 503\r\n\r\n".
func StatusHeader(code int, description string) []byte {
	return AppendHeaderEnd(AppendStatusLine(nil, code, description))
}

// AppendStatusLine appends the first line of a header block:
// "NATS/1.0\r\n" when code is 0, else "NATS/1.0 <code>[ <description>]\r\n".
// Headers then follow with AppendHeader, and AppendHeaderEnd closes it.
func AppendStatusLine(dst []byte, code int, description string) []byte {
	dst = append(dst, headerVersion...)
	if code != 0 {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(code), 10)
		if description != "" {
			dst = append(dst, ' ')
			dst = append(dst, description...)
		}
	}
	return append(dst, crlf...)
}

// AppendHeader appends one "key: value\r\n" line. Neither key nor value may
// contain CR or LF, nor key a colon; the caller is trusted on that.
func AppendHeader(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, crlf...)
}

// AppendHeaderEnd appends the empty line that ends a header block.
func AppendHeaderEnd(dst []byte) []byte {
	return append(dst, crlf...)
}

// HeaderGet returns the value of the first header named key in the header
// block hdr, and whether there was one. The key match is exact and
// case-sensitive, as nats.go's Header.Get is: nats.go keeps keys as the
// publisher spelled them, so "Nats-Msg-Id" and "nats-msg-id" are different
// headers to its users and must be to us. Leading spaces and tabs of the
// value are skipped, trailing ones kept, again as nats.go reads them. The
// status line is not a header: use HeaderStatus. The result aliases hdr.
func HeaderGet(hdr []byte, key string) ([]byte, bool) {
	if key == "" {
		return nil, false
	}
	_, rest, ok := nextHeaderLine(hdr) // skip the status line
	for ok {
		var line []byte
		line, rest, ok = nextHeaderLine(rest)
		if len(line) == 0 {
			return nil, false // end of block, or no more lines
		}
		colon := bytes.IndexByte(line, ':')
		if colon != len(key) || string(line[:colon]) != key {
			continue
		}
		v := line[colon+1:]
		for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
			v = v[1:]
		}
		return v, true
	}
	return nil, false
}

// HeaderStatus parses the status line of the header block hdr:
// "NATS/1.0 503 No Responders" gives (503, "No Responders", true). ok is
// false when the block does not start with NATS/1.0 or has no three-digit
// status.
func HeaderStatus(hdr []byte) (code int, desc string, ok bool) {
	line, _, found := nextHeaderLine(hdr)
	if !found || !bytes.HasPrefix(line, []byte(headerVersion)) {
		return 0, "", false
	}
	status := bytes.TrimSpace(line[len(headerVersion):])
	if len(status) < 3 {
		return 0, "", false
	}
	for _, c := range status[:3] {
		if c < '0' || c > '9' {
			return 0, "", false
		}
		code = code*10 + int(c-'0')
	}
	if len(status) > 3 && status[3] != ' ' && status[3] != '\t' {
		return 0, "", false
	}
	return code, string(bytes.TrimSpace(status[3:])), true
}

// nextHeaderLine splits off the line before the first '\n', without its
// line ending; ok is false when there is no '\n'.
func nextHeaderLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, nil, false
	}
	line = b[:i]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, b[i+1:], true
}
