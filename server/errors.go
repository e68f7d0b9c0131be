package server

import "fmt"

// ClosedReason says why a client connection ended; monitoring shows it.
type ClosedReason int

// The reasons a connection closes, with the texts /connz shows.
const (
	ClientClosed ClosedReason = iota + 1
	AuthenticationTimeout
	AuthenticationViolation
	TLSHandshakeError
	SlowConsumerPendingBytes
	SlowConsumerWriteDeadline
	WriteError
	ReadError
	ParseError
	StaleConnection
	ProtocolViolation
	MaxPayloadExceeded
	MaxControlLineExceeded
	MaxConnectionsExceeded
	ServerShutdown
	LameDuckMode
	MaxAccountConnectionsExceeded
	AuthenticationExpired
)

var closedReasonText = map[ClosedReason]string{
	ClientClosed:                  "Client Closed",
	AuthenticationTimeout:         "Authentication Timeout",
	AuthenticationViolation:       "Authentication Failure",
	TLSHandshakeError:             "TLS Handshake Failure",
	SlowConsumerPendingBytes:      "Slow Consumer (Pending Bytes)",
	SlowConsumerWriteDeadline:     "Slow Consumer (Write Deadline)",
	WriteError:                    "Write Error",
	ReadError:                     "Read Error",
	ParseError:                    "Parse Error",
	StaleConnection:               "Stale Connection",
	ProtocolViolation:             "Protocol Violation",
	MaxPayloadExceeded:            "Maximum Message Payload Exceeded",
	MaxControlLineExceeded:        "Maximum Control Line Exceeded",
	MaxConnectionsExceeded:        "Maximum Connections Exceeded",
	ServerShutdown:                "Server Shutdown",
	LameDuckMode:                  "Lame Duck Mode",
	MaxAccountConnectionsExceeded: "Maximum Account Connections Exceeded",
	AuthenticationExpired:         "Authentication Expired",
}

func (r ClosedReason) String() string {
	if s, ok := closedReasonText[r]; ok {
		return s
	}
	return fmt.Sprintf("Unknown (%d)", int(r))
}

// Texts of -ERR lines clients recognise. Those sent with a closeError end
// the connection; those sent with sendErr do not.
const (
	errAuthViolation      = "Authorization Violation"
	errAuthTimeout        = "Authentication Timeout"
	errAuthExpired        = "User Authentication Expired"
	errAccountAuthExpired = "Account Authentication Expired"
	errStale              = "Stale Connection"
	errMaxConns           = "maximum connections exceeded"
	errMaxSubs            = "maximum subscriptions exceeded"
	errInvalidSubject     = "Invalid Subject"
	errInvalidPubSubj     = "Invalid Publish Subject"
	errNoHeaders          = "headers not supported by this connection"
	errSecureRequired     = "Secure Connection - TLS Required"
	errPermissionPubFmt   = "Permissions Violation for Publish to %q"
	errPermissionSubFmt   = "Permissions Violation for Subscription to %q"
	// errPermissionQueueSubFmt: a queue subscription denied.
	errPermissionQueueSubFmt = "Permissions Violation for Subscription to %q using queue %q"
)

// closeError ends a connection: the client is told Text (when not empty)
// in an -ERR line, then the connection closes for Reason. Handlers return
// it; the read loop acts on it.
type closeError struct {
	Text   string
	Reason ClosedReason
}

func (e *closeError) Error() string {
	if e.Text == "" {
		return e.Reason.String()
	}
	return e.Text
}

// clientError is told to the client in an -ERR line; the connection goes on.
type clientError struct {
	Text string
}

func (e *clientError) Error() string { return e.Text }
