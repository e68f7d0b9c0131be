package conf

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind identifies the kind of a lexical token.
type tokenKind int

const (
	tokEOF       tokenKind = iota
	tokNewline             // '\n'; it ends an entry or an array element
	tokComma               // ','
	tokSemicolon           // ';'
	tokLBrace              // '{'
	tokRBrace              // '}'
	tokLBracket            // '['
	tokRBracket            // ']'
	tokSep                 // ':' or '=' where a key was expected
	tokWord                // a bare (unquoted) word
	tokString              // a quoted string; text holds the unescaped value
)

// token is one lexical token and where it starts.
type token struct {
	kind tokenKind
	text string
	pos  position
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of file"
	case tokNewline:
		return "end of line"
	case tokWord:
		return "'" + t.text + "'"
	case tokString:
		return "string " + strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}

// mode selects where a bare word ends. A key ends at ':' or '=' (and at
// structural characters); a value runs to whitespace, end of line, ',',
// ';', '}' or ']', so that "127.0.0.1:4222" and "nats://a:b@h:4222" are
// single values.
type mode int

const (
	modeKey mode = iota
	modeValue
)

// lexer splits a configuration text into tokens. The parser drives it and
// chooses the mode of each token, because the same characters end a key
// but not a value.
type lexer struct {
	file string
	src  string
	off  int
	line int
	col  int
}

func newLexer(file, src string) *lexer {
	src = strings.TrimPrefix(src, "\uFEFF")
	return &lexer{file: file, src: src, line: 1, col: 1}
}

func (lx *lexer) pos() position { return position{lx.line, lx.col} }

func (lx *lexer) eof() bool { return lx.off >= len(lx.src) }

// peek returns the next byte, or 0 at the end of the input.
func (lx *lexer) peek() byte {
	if lx.eof() {
		return 0
	}
	return lx.src[lx.off]
}

// advance consumes one rune and keeps line and column current.
func (lx *lexer) advance() {
	if lx.eof() {
		return
	}
	r, w := utf8.DecodeRuneInString(lx.src[lx.off:])
	lx.off += w
	if r == '\n' {
		lx.line++
		lx.col = 1
		return
	}
	lx.col++
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// skipBlanks skips spaces, tabs, carriage returns and comments, but not
// newlines: they are tokens.
func (lx *lexer) skipBlanks() {
	for !lx.eof() {
		c := lx.peek()
		switch {
		case isBlank(c):
			lx.advance()
		case c == '#' || strings.HasPrefix(lx.src[lx.off:], "//"):
			lx.skipComment()
		default:
			return
		}
	}
}

func (lx *lexer) skipComment() {
	for !lx.eof() && lx.peek() != '\n' {
		lx.advance()
	}
}

// sep consumes an optional key separator (':' or '=') and the blanks
// around it. It reports whether there was one.
func (lx *lexer) sep() bool {
	lx.skipBlanks()
	c := lx.peek()
	if c != ':' && c != '=' {
		return false
	}
	lx.advance()
	lx.skipBlanks()
	return true
}

// openerOnNextLine reports whether, after blanks, newlines and comments,
// the next character opens a map or an array, and if so consumes up to it.
// It lets a block start on the line after its key, as nats-server allows.
func (lx *lexer) openerOnNextLine() bool {
	saved := *lx
	for {
		lx.skipBlanks()
		if lx.peek() != '\n' {
			break
		}
		lx.advance()
	}
	if c := lx.peek(); c == '{' || c == '[' {
		return true
	}
	*lx = saved
	return false
}

var punct = map[byte]tokenKind{
	'\n': tokNewline, ',': tokComma, ';': tokSemicolon,
	'{': tokLBrace, '}': tokRBrace, '[': tokLBracket, ']': tokRBracket,
}

// next returns the next token, lexing a bare word by the rules of m.
func (lx *lexer) next(m mode) (token, error) {
	lx.skipBlanks()
	start := lx.pos()
	if lx.eof() {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := lx.peek()
	if kind, ok := punct[c]; ok {
		lx.advance()
		return token{kind: kind, text: string(c), pos: start}, nil
	}
	switch {
	case c == '"':
		return lx.quoted(start)
	case c == '\'':
		return lx.raw(start)
	case m == modeKey && (c == ':' || c == '='):
		lx.advance()
		return token{kind: tokSep, text: string(c), pos: start}, nil
	}
	return token{kind: tokWord, text: lx.word(m), pos: start}, nil
}

// word consumes a bare word; the caller has checked that it is not empty.
func (lx *lexer) word(m mode) string {
	begin := lx.off
	for !lx.eof() && !endsWord(lx.peek(), m) {
		lx.advance()
	}
	return lx.src[begin:lx.off]
}

func endsWord(c byte, m mode) bool {
	if isBlank(c) {
		return true
	}
	switch c {
	case '\n', ',', ';', '}', ']':
		return true
	case ':', '=', '{', '[':
		return m == modeKey
	}
	return false
}

// raw consumes a single-quoted string, which has no escapes.
func (lx *lexer) raw(start position) (token, error) {
	lx.advance()
	begin := lx.off
	for !lx.eof() && lx.peek() != '\'' {
		lx.advance()
	}
	if lx.eof() {
		return token{}, newError(lx.file, start, "unterminated string")
	}
	text := lx.src[begin:lx.off]
	lx.advance()
	return token{kind: tokString, text: text, pos: start}, nil
}

// quoted consumes a double-quoted string and resolves its escapes.
func (lx *lexer) quoted(start position) (token, error) {
	lx.advance()
	var b strings.Builder
	for !lx.eof() {
		switch c := lx.peek(); c {
		case '"':
			lx.advance()
			return token{kind: tokString, text: b.String(), pos: start}, nil
		case '\\':
			if err := lx.escape(&b, start); err != nil {
				return token{}, err
			}
		default:
			begin := lx.off
			lx.advance()
			b.WriteString(lx.src[begin:lx.off])
		}
	}
	return token{}, newError(lx.file, start, "unterminated string")
}

var simpleEscapes = map[byte]string{
	't': "\t", 'n': "\n", 'r': "\r", '"': "\"", '\\': "\\",
}

// escape consumes one backslash escape and writes what it stands for.
func (lx *lexer) escape(b *strings.Builder, start position) error {
	at := lx.pos()
	lx.advance() // the backslash
	if lx.eof() {
		return newError(lx.file, start, "unterminated string")
	}
	c := lx.peek()
	if s, ok := simpleEscapes[c]; ok {
		lx.advance()
		b.WriteString(s)
		return nil
	}
	digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if digits == 0 {
		r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
		return newError(lx.file, at, "invalid escape '\\%c' in string (use \\t \\n \\r \\\" \\\\ \\xXX \\uXXXX \\UXXXXXXXX)", r)
	}
	lx.advance()
	return lx.hexEscape(b, at, c, digits)
}

// hexEscape reads the hex digits of \xXX (a byte), \uXXXX or \UXXXXXXXX
// (a code point).
func (lx *lexer) hexEscape(b *strings.Builder, at position, c byte, digits int) error {
	end := lx.off + digits
	if end > len(lx.src) {
		end = len(lx.src)
	}
	n, err := strconv.ParseUint(lx.src[lx.off:end], 16, 32)
	if err != nil || end-lx.off != digits {
		return newError(lx.file, at, "invalid escape '\\%c': want %d hex digits", c, digits)
	}
	for range digits {
		lx.advance()
	}
	switch {
	case c == 'x':
		b.WriteByte(byte(n))
	case n > utf8.MaxRune:
		return newError(lx.file, at, "invalid escape '\\%c': code point %#x is out of range", c, n)
	default:
		b.WriteRune(rune(n))
	}
	return nil
}
