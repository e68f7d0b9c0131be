// Package wire speaks the NATS client protocol: a Parser for the bytes a
// client sends, and Append* encoders for the frames a server sends back.
//
// # Wire format
//
// Every operation is a control line: an op name (case-insensitive), then
// arguments separated by one or more spaces or tabs, then "\r\n" (a bare
// "\n" is accepted too). PUB and HPUB carry a payload after their control
// line, whose length the line declares and which must be followed by
// exactly "\r\n". Brackets mark optional arguments.
//
// Client to server (what Parser reads):
//
//	CONNECT <json>␍␊
//	PUB <subject> [reply] <#bytes>␍␊<payload>␍␊
//	HPUB <subject> [reply] <#hdr bytes> <#total bytes>␍␊<headers><payload>␍␊
//	     └───────────── total = len(headers) + len(payload) ─────────────┘
//	SUB <subject> [queue] <sid>␍␊
//	UNSUB <sid> [max msgs]␍␊
//	PING␍␊
//	PONG␍␊
//
// Server to client (what the encoders write). Parser also accepts INFO,
// +OK and -ERR, which a client has no reason to send but nats-server
// tolerates; MSG and HMSG from a client are unknown operations.
//
//	INFO <json>␍␊                                     AppendInfo
//	MSG <subject> <sid> [reply] <#bytes>␍␊<payload>␍␊  AppendMsg, AppendMsgHeader
//	HMSG <subject> <sid> [reply] <#hdr> <#total>␍␊<headers><payload>␍␊
//	                                                   AppendHMsg, AppendHMsgHeader
//	PING␍␊  PONG␍␊  +OK␍␊                            PingLine, PongLine, OKLine
//	-ERR '<text>'␍␊                                    AppendErr
//
// Headers (ADR-4), the first #hdr bytes of an HPUB or HMSG message:
//
//	NATS/1.0[ <3-digit status>[ <description>]]␍␊
//	<Key>: <Value>␍␊     (zero or more)
//	␍␊
//
// See header.go for reading and building them.
//
// # Parsing
//
// A Parser is a state machine fed whatever chunks the socket returns: an
// operation may be split at any byte across calls to Parse, and many
// operations may be pipelined in one chunk. In the common case (an operation
// wholly inside one chunk) the slices handed to the Handler point into the
// caller's buffer and nothing is allocated. A control line or payload split
// across chunks is copied into reusable scratch buffers owned by the Parser.
//
// The control-line limit applies to the arguments: the bytes after the op
// name and the one space or tab ending it, up to but excluding the line
// ending. It is enforced before the line ends, so a client cannot make the
// Parser buffer more than the limit. A payload split across reads is
// buffered whole (up to the payload limit); scratch buffers above 64 KiB are
// released once their message is delivered.
//
// PING, PONG and +OK take no arguments; like nats-server, the Parser
// ignores anything else on their line (it still counts toward the limit).
//
// Every error the parser itself detects is a *ProtocolError whose Text is the
// message to send as "-ERR '<Text>'"; all of them are fatal, the server
// should send the error and close the connection. A Parser that returned an
// error (its own or a Handler's) is spent: every later Parse call returns the
// same error.
package wire
