package conf

import "fmt"

// position is a 1-based position in a configuration text. Col counts
// characters (runes), not bytes.
type position struct {
	Line, Col int
}

// Error is a syntax or resolution error at a position in a configuration
// file. File is empty when the text came from [Parse] rather than from a
// file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats the error as "file:line:col: msg", or "line:col: msg"
// when there is no file.
func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func newError(file string, pos position, format string, args ...any) *Error {
	return &Error{File: file, Line: pos.Line, Col: pos.Col, Msg: fmt.Sprintf(format, args...)}
}
