package conf

import (
	"os"
	"strings"
)

// maxDepth bounds the nesting of maps and arrays, so that hostile input
// cannot exhaust the stack.
const maxDepth = 100

// Parse parses a configuration text. Relative include paths are resolved
// against the current directory.
func Parse(data string) (map[string]any, error) {
	p := &parser{lx: newLexer("", data)}
	return p.root()
}

// ParseFile parses the configuration file at path. Relative include paths
// are resolved against the directory of the file that includes them.
func ParseFile(path string) (map[string]any, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	p := newFileParser(path, data, nil)
	return p.root()
}

// scope is one block's variables: its own keys, then its parents'.
type scope struct {
	vars   map[string]any
	parent *scope
}

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// parser is a recursive-descent parser over the tokens of one file.
type parser struct {
	lx      *lexer
	pending *token    // a token given back by unread
	files   []fileRef // the chain of files being parsed, outermost first
	literal bool      // for environment values: no variables, no includes
}

func (p *parser) root() (map[string]any, error) {
	sc := &scope{vars: map[string]any{}}
	if err := p.document(sc, 0); err != nil {
		return nil, err
	}
	return sc.vars, nil
}

// next returns the pending token if there is one, else lexes one in mode m.
// Only tokens whose lexing does not depend on the mode are unread between
// modes.
func (p *parser) next(m mode) (token, error) {
	if t := p.pending; t != nil {
		p.pending = nil
		return *t, nil
	}
	return p.lx.next(m)
}

func (p *parser) unread(t token) { p.pending = &t }

func (p *parser) errorf(pos position, format string, args ...any) error {
	return newError(p.lx.file, pos, format, args...)
}

// document parses a whole file into sc. The file may be wrapped in braces,
// as a JSON object would be.
func (p *parser) document(sc *scope, depth int) error {
	tok, err := p.skipNewlines(modeKey)
	if err != nil {
		return err
	}
	if tok.kind != tokLBrace {
		p.unread(tok)
		return p.entries(sc, tok, tokEOF, depth)
	}
	if err := p.entries(sc, tok, tokRBrace, depth); err != nil {
		return err
	}
	for {
		tok, err := p.next(modeKey)
		switch {
		case err != nil:
			return err
		case tok.kind == tokEOF:
			return nil
		case !isSeparator(tok.kind):
			return p.errorf(tok.pos, "unexpected %s after the closing '}' of the document", tok.describe())
		}
	}
}

func isSeparator(k tokenKind) bool {
	return k == tokNewline || k == tokComma || k == tokSemicolon
}

// skipNewlines returns the first token that is not a newline.
func (p *parser) skipNewlines(m mode) (token, error) {
	for {
		tok, err := p.next(m)
		if err != nil || tok.kind != tokNewline {
			return tok, err
		}
	}
}

// entries parses key/value entries into sc up to the closing token: '}'
// for a map opened by open, or the end of the file.
func (p *parser) entries(sc *scope, open token, closing tokenKind, depth int) error {
	for {
		tok, err := p.next(modeKey)
		if err != nil {
			return err
		}
		switch {
		case tok.kind == closing:
			return nil
		case isSeparator(tok.kind):
		case tok.kind == tokWord || tok.kind == tokString:
			if err := p.entry(tok, sc, depth); err != nil {
				return err
			}
		case tok.kind == tokEOF:
			return p.errorf(open.pos, "unclosed '{' (missing '}')")
		case tok.kind == tokRBrace:
			return p.errorf(tok.pos, "unbalanced '}'")
		default:
			return p.errorf(tok.pos, "expected key, found %s", tok.describe())
		}
	}
}

// entry parses what follows a key: an include path, or a separator and a
// value.
func (p *parser) entry(key token, sc *scope, depth int) error {
	hasSep := p.lx.sep()
	if key.kind == tokWord && !hasSep && strings.EqualFold(key.text, "include") {
		if err := p.include(sc, depth); err != nil {
			return err
		}
		return p.endEntry(key.text)
	}
	if !hasSep {
		p.lx.openerOnNextLine()
	}
	tok, err := p.next(modeValue)
	if err != nil {
		return err
	}
	v, err := p.value(tok, sc, depth, "after key '"+key.text+"'")
	if err != nil {
		return err
	}
	sc.vars[key.text] = v
	return p.endEntry(key.text)
}

// endEntry checks that an entry ends with a newline, ',' or ';', or is
// followed by the end of its block.
func (p *parser) endEntry(key string) error {
	tok, err := p.next(modeKey)
	switch {
	case err != nil:
		return err
	case isSeparator(tok.kind):
		return nil
	case tok.kind == tokRBrace || tok.kind == tokEOF:
		p.unread(tok)
		return nil
	}
	return p.errorf(tok.pos, "expected end of line, ',' or ';' after the value of '%s', found %s", key, tok.describe())
}

// value parses the value that starts with tok. where says, for the error
// when tok cannot start a value, where the value was expected.
func (p *parser) value(tok token, sc *scope, depth int, where string) (any, error) {
	switch tok.kind {
	case tokString:
		return tok.text, nil
	case tokWord:
		return p.word(tok, sc)
	case tokLBrace, tokLBracket:
		if depth >= maxDepth {
			return nil, p.errorf(tok.pos, "maps and arrays nested more than %d deep", maxDepth)
		}
		if tok.kind == tokLBrace {
			return p.mapValue(tok, sc, depth+1)
		}
		return p.array(tok, sc, depth+1)
	}
	return nil, p.errorf(tok.pos, "expected value %s, found %s", where, tok.describe())
}

// mapValue parses a map after its '{'. Its keys are variables visible
// inside it.
func (p *parser) mapValue(open token, sc *scope, depth int) (map[string]any, error) {
	m := map[string]any{}
	if err := p.entries(&scope{vars: m, parent: sc}, open, tokRBrace, depth); err != nil {
		return nil, err
	}
	return m, nil
}

// array parses an array after its '['.
func (p *parser) array(open token, sc *scope, depth int) ([]any, error) {
	arr := []any{}
	for {
		tok, err := p.skipNewlines(modeValue)
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokRBracket:
			return arr, nil
		case tokEOF:
			return nil, p.errorf(open.pos, "unclosed '[' (missing ']')")
		}
		v, err := p.value(tok, sc, depth, "in array")
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		if done, err := p.endElement(open); done || err != nil {
			return arr, err
		}
	}
}

// endElement consumes what follows an array element and reports whether
// it closed the array.
func (p *parser) endElement(open token) (done bool, err error) {
	tok, err := p.next(modeValue)
	switch {
	case err != nil:
		return false, err
	case tok.kind == tokComma || tok.kind == tokNewline:
		return false, nil
	case tok.kind == tokRBracket:
		return true, nil
	case tok.kind == tokEOF:
		return false, p.errorf(open.pos, "unclosed '[' (missing ']')")
	}
	return false, p.errorf(tok.pos, "expected ',' or ']' after array element, found %s", tok.describe())
}

// word types a bare word, or resolves it when it is a variable reference.
func (p *parser) word(tok token, sc *scope) (any, error) {
	if strings.HasPrefix(tok.text, "$") && !p.literal && !isBcrypt(tok.text) {
		return p.variable(tok, sc)
	}
	v, err := scalar(tok.text)
	if err != nil {
		return nil, p.errorf(tok.pos, "%v", err)
	}
	return v, nil
}

// isBcrypt reports whether w looks like a bcrypt hash, which nats-server
// accepts unquoted even though it starts with '$'.
func isBcrypt(w string) bool {
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

// variable resolves $NAME: a key of this block or an enclosing one, else
// the environment variable NAME.
func (p *parser) variable(tok token, sc *scope) (any, error) {
	name := tok.text[1:]
	if name == "" {
		return nil, p.errorf(tok.pos, "missing variable name after '$'")
	}
	if v, ok := sc.lookup(name); ok {
		return v, nil
	}
	if s, ok := os.LookupEnv(name); ok {
		return envValue(s), nil
	}
	return nil, p.errorf(tok.pos, "undefined variable '%s'", name)
}

// envValue types the text of an environment variable as a value would be
// typed in a file ("4222" is an int64, "[a, b]" an array). References and
// includes are not expanded in it. Text that is not one whole value is
// kept as a string.
func envValue(s string) any {
	p := &parser{lx: newLexer("", s), literal: true}
	tok, err := p.next(modeValue)
	if err != nil {
		return s
	}
	v, err := p.value(tok, &scope{vars: map[string]any{}}, 0, "")
	if err != nil {
		return s
	}
	if end, err := p.skipNewlines(modeValue); err != nil || end.kind != tokEOF {
		return s
	}
	return v
}
