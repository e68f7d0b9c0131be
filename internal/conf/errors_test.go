package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "line:col: message"
	}{
		{"unterminated dq string", "a: \"abc", `1:4: unterminated string`},
		{"unterminated sq string", "a: 'abc", `1:4: unterminated string`},
		{"unterminated multi-line string", "a: 1\nb: \"x\ny\n", `2:4: unterminated string`},
		{"unterminated quoted key", `"abc`, `1:1: unterminated string`},
		{"backslash at end", `a: "abc\`, `1:4: unterminated string`},
		{"invalid escape", `a: "x\qy"`, `1:6: invalid escape '\q' in string (use \t \n \r \" \\ \xXX \uXXXX \UXXXXXXXX)`},
		{"short unicode escape", `a: "\u12"`, `1:5: invalid escape '\u': want 4 hex digits`},
		{"bad hex escape", `a: "\xZZ"`, `1:5: invalid escape '\x': want 2 hex digits`},
		{"unicode out of range", `a: "\UFFFFFFFF"`, `1:5: invalid escape '\U': code point 0xffffffff is out of range`},
		{"missing value at eol", "port\nhost: h", `1:5: expected value after key 'port', found end of line`},
		{"missing value after colon", "port:   \n", `1:9: expected value after key 'port', found end of line`},
		{"missing value at eof", "port =", `1:7: expected value after key 'port', found end of file`},
		{"missing value before comment", "port: # none\n", `1:13: expected value after key 'port', found end of line`},
		{"missing value before brace", "x { port: }", `1:11: expected value after key 'port', found '}'`},
		{"missing value comma", "port: ,", `1:7: expected value after key 'port', found ','`},
		{"two values", "port 4222 4223", `1:11: expected end of line, ',' or ';' after the value of 'port', found '4223'`},
		{"junk after string", `a: "x"y`, `1:7: expected end of line, ',' or ';' after the value of 'a', found 'y'`},
		{"junk after map", "a {b: 1} c", `1:10: expected end of line, ',' or ';' after the value of 'a', found 'c'`},
		{"string after value", `a: 1 "x"`, `1:6: expected end of line, ',' or ';' after the value of 'a', found string "x"`},
		{"unterminated string after value", `a: 1 "x`, `1:6: unterminated string`},
		{"unterminated string in array", `a: [1, "x`, `1:8: unterminated string`},
		{"unterminated string after element", `a: [1 "x`, `1:7: unterminated string`},
		{"unterminated include name", `include "x`, `1:9: unterminated string`},
		{"junk after json document string", "{a: 1}\n\"x\"", `2:1: unexpected string "x" after the closing '}' of the document`},
		{"unbalanced brace", "a: 1\n}", `2:1: unbalanced '}'`},
		{"unbalanced brace after value", "a: 1}", `1:5: unbalanced '}'`},
		{"unclosed map", "a {\n b: 1\n", `1:3: unclosed '{' (missing '}')`},
		{"unclosed nested map", "a { b { c: 1 }", `1:3: unclosed '{' (missing '}')`},
		{"unclosed json document", "{ a: 1", `1:1: unclosed '{' (missing '}')`},
		{"junk after json document", "{ a: 1 } b", `1:10: unexpected 'b' after the closing '}' of the document`},
		{"key separator without key", ": 1", `1:1: expected key, found ':'`},
		{"equals without key", "a: 1\n= 2", `2:1: expected key, found '='`},
		{"bracket as key", "]", `1:1: expected key, found ']'`},
		{"array as key", "[1]", `1:1: expected key, found '['`},
		{"map as key in map", "a { {} }", `1:5: expected key, found '{'`},
		{"bracket closes map", "a { b: 1 ]", `1:10: expected end of line, ',' or ';' after the value of 'b', found ']'`},
		{"unclosed array", "r: [1, 2", `1:4: unclosed '[' (missing ']')`},
		{"unclosed array after comma", "r: [1,\n", `1:4: unclosed '[' (missing ']')`},
		{"unclosed empty array", "r: [", `1:4: unclosed '[' (missing ']')`},
		{"leading comma in array", "r: [,1]", `1:5: expected value in array, found ','`},
		{"double comma in array", "r: [1,,2]", `1:7: expected value in array, found ','`},
		{"semicolon in array", "r: [1; 2]", `1:6: expected ',' or ']' after array element, found ';'`},
		{"missing comma in array", "r: [1 2]", `1:7: expected ',' or ']' after array element, found '2'`},
		{"brace closes array", "r: [1}", `1:6: expected ',' or ']' after array element, found '}'`},
		{"undefined variable", "a: $PETREL_SURELY_UNDEFINED", `1:4: undefined variable 'PETREL_SURELY_UNDEFINED'`},
		{"undefined variable in array", "a: [1,\n  $NOPE_PETREL]", `2:3: undefined variable 'NOPE_PETREL'`},
		{"variable from sibling block", "x { v = 1 }\ny { w = $v }", `2:9: undefined variable 'v'`},
		{"variable used before definition", "a = $b\nb = 1", `1:5: undefined variable 'b'`},
		{"bare dollar", "a: $", `1:4: missing variable name after '$'`},
		{"integer out of range", "n: 9223372036854775808", `1:4: integer '9223372036854775808' is out of range`},
		{"negative integer out of range", "n: -9223372036854775809", `1:4: integer '-9223372036854775809' is out of range`},
		{"size out of range", "n: 9223372036854775807k", `1:4: size '9223372036854775807k' is out of range`},
		{"size out of range e", "n: 8EiB", `1:4: size '8EiB' is out of range`},
		{"float out of range", "f: 1" + strings.Repeat("0", 400) + ".5", `1:4: float '1` + strings.Repeat("0", 400) + `.5' is out of range`},
		{"include without name", "include\n", `1:8: expected file name after 'include', found end of line`},
		{"include map", "include { }", `1:9: expected file name after 'include', found '{'`},
		{"include missing file", "include ./petrel-no-such-file.conf", `1:9: cannot include: stat petrel-no-such-file.conf: no such file or directory`},
		{"include directory", "include .", `1:9: cannot include: . is not a regular file`},
		{"too deep", "a: " + strings.Repeat("[", 101), `1:104: maps and arrays nested more than 100 deep`},
		{"column counts runes", "é: \"x", `1:4: unterminated string`},
		{"error on later line", "a: 1\nb: 2\n  c: [1 2]", `3:9: expected ',' or ']' after array element, found '2'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %#v, want error %q", tt.in, got, tt.want)
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Parse(%q) error %T %v, want *Error", tt.in, err, err)
			}
			if cerr.File != "" {
				t.Errorf("File = %q, want none", cerr.File)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q)\n got error %s\nwant error %s", tt.in, err, tt.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "a.conf", Line: 3, Col: 7, Msg: "boom"}
	if got := e.Error(); got != "a.conf:3:7: boom" {
		t.Errorf("got %q", got)
	}
	e.File = ""
	if got := e.Error(); got != "3:7: boom" {
		t.Errorf("got %q", got)
	}
}
