package wire

import "fmt"

// ProtocolError is a fatal protocol violation detected by the Parser. The
// server sends "-ERR '<Text>'" (see AppendErr) and closes the connection.
type ProtocolError struct {
	// Text is sent to the client verbatim, inside -ERR '...'.
	Text string
	// Detail says what exactly was wrong, for the server's log. It may quote
	// a short snippet of client bytes and is never sent to the client.
	Detail string
}

// The errors the Parser returns. Compare with errors.Is: the values Parse
// returns carry a Detail and match these by Text.
var (
	ErrUnknownOp      = &ProtocolError{Text: "Unknown Protocol Operation"}
	ErrMaxControlLine = &ProtocolError{Text: "Maximum Control Line Exceeded"}
	ErrMaxPayload     = &ProtocolError{Text: "Maximum Payload Violation"}
	ErrParser         = &ProtocolError{Text: "Parser Error"}
)

func (e *ProtocolError) Error() string {
	if e.Detail == "" {
		return e.Text
	}
	return e.Text + ": " + e.Detail
}

// Is reports whether target is a ProtocolError with the same Text and no
// Detail, so errors.Is(err, ErrParser) holds for every parser error.
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	return ok && t.Detail == "" && t.Text == e.Text
}

// snippetLen bounds how many client bytes an error detail quotes.
const snippetLen = 32

// protoErr returns a copy of base with a detail. It allocates, but only on
// the way to closing a connection.
func protoErr(base *ProtocolError, format string, args ...any) *ProtocolError {
	return &ProtocolError{Text: base.Text, Detail: fmt.Sprintf(format, args...)}
}

// snippet returns at most snippetLen bytes of b, quoted, for error details.
func snippet(b []byte) string {
	if len(b) > snippetLen {
		return fmt.Sprintf("%q...", b[:snippetLen])
	}
	return fmt.Sprintf("%q", b)
}
