package wire

import "strconv"

// Fixed server-to-client lines. Callers must not modify them.
var (
	PingLine = []byte("PING\r\n")
	PongLine = []byte("PONG\r\n")
	OKLine   = []byte("+OK\r\n")
)

const crlf = "\r\n"

// AppendMsgHeader appends the control line of a MSG,
// "MSG <subject> <sid> [reply] <size>\r\n", without the payload, for a
// server that writes the payload itself (followed by "\r\n").
func AppendMsgHeader(dst, subject, sid, reply []byte, size int) []byte {
	dst = appendMsgStart(dst, "MSG ", subject, sid, reply)
	dst = strconv.AppendInt(dst, int64(size), 10)
	return append(dst, crlf...)
}

// AppendMsg appends a complete MSG frame carrying payload.
func AppendMsg(dst, subject, sid, reply, payload []byte) []byte {
	dst = AppendMsgHeader(dst, subject, sid, reply, len(payload))
	dst = append(dst, payload...)
	return append(dst, crlf...)
}

// AppendHMsgHeader appends the control line of an HMSG,
// "HMSG <subject> <sid> [reply] <hdrLen> <total>\r\n", without the message.
func AppendHMsgHeader(dst, subject, sid, reply []byte, hdrLen, total int) []byte {
	dst = appendMsgStart(dst, "HMSG ", subject, sid, reply)
	dst = strconv.AppendInt(dst, int64(hdrLen), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(total), 10)
	return append(dst, crlf...)
}

// AppendHMsg appends a complete HMSG frame; msg is hdrLen bytes of headers
// followed by the payload.
func AppendHMsg(dst, subject, sid, reply []byte, hdrLen int, msg []byte) []byte {
	dst = AppendHMsgHeader(dst, subject, sid, reply, hdrLen, len(msg))
	dst = append(dst, msg...)
	return append(dst, crlf...)
}

// appendMsgStart appends "<op><subject> <sid> [reply ]".
func appendMsgStart(dst []byte, op string, subject, sid, reply []byte) []byte {
	dst = append(dst, op...)
	dst = append(dst, subject...)
	dst = append(dst, ' ')
	dst = append(dst, sid...)
	dst = append(dst, ' ')
	if len(reply) > 0 {
		dst = append(dst, reply...)
		dst = append(dst, ' ')
	}
	return dst
}

// AppendInfo appends "INFO <info>\r\n"; info is the JSON object.
func AppendInfo(dst, info []byte) []byte {
	dst = append(dst, "INFO "...)
	dst = append(dst, info...)
	return append(dst, crlf...)
}

// AppendErr appends "-ERR '<text>'\r\n". For parser errors pass
// ProtocolError.Text.
func AppendErr(dst []byte, text string) []byte {
	dst = append(dst, "-ERR '"...)
	dst = append(dst, text...)
	return append(dst, "'\r\n"...)
}
