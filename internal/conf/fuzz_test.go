package conf

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, terminates, and reports every
// failure as an *Error with a position.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "port: 4222", realistic, "a { b [1, {c: $a}] }", `s: "\u00e9\x41"`,
		"{\"a\": [1, 2.5, true]}", "x = 1MB\ny = $x", "r: [\n1\n2,\n]", "a: 'raw'",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, err := Parse(in)
		if err == nil {
			return
		}
		var cerr *Error
		if !errors.As(err, &cerr) {
			t.Fatalf("Parse(%q) error %T %v, want *Error", in, err, err)
		}
		if cerr.Line < 1 || cerr.Col < 1 || cerr.Msg == "" {
			t.Fatalf("Parse(%q) error without position or message: %#v", in, cerr)
		}
	})
}
