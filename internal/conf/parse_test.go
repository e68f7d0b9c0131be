package conf

import (
	"reflect"
	"testing"
)

type m = map[string]any
type a = []any

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want m
	}{
		{"empty", "", m{}},
		{"only comments", "# one\n// two\n\n", m{}},
		{"equals", "port = 4222", m{"port": int64(4222)}},
		{"colon", "port: 4222", m{"port": int64(4222)}},
		{"blank", "port 4222", m{"port": int64(4222)}},
		{"tab", "port\t4222", m{"port": int64(4222)}},
		{"no spaces", "port=4222\nhost:h", m{"port": int64(4222), "host": "h"}},
		{"crlf", "a = 1\r\nb = 2\r\n", m{"a": int64(1), "b": int64(2)}},
		{"semicolons", "a: 1; b: 2;", m{"a": int64(1), "b": int64(2)}},
		{"commas at top", "a: 1, b: 2", m{"a": int64(1), "b": int64(2)}},
		{"hash comment after value", "a: 1 # one", m{"a": int64(1)}},
		{"slash comment after value", "a: 1 // one", m{"a": int64(1)}},
		{"comment after key sep", "a: 1 #\n#b: 2", m{"a": int64(1)}},
		{"hash inside bare word", "pass: ab#cd", m{"pass": "ab#cd"}},
		{"url with //", "u: nats://a:b@h:4222", m{"u": "nats://a:b@h:4222"}},
		{"ip", "host: 0.0.0.0", m{"host": "0.0.0.0"}},
		{"host port", "listen: 127.0.0.1:4222", m{"listen": "127.0.0.1:4222"}},
		{"bare string", "auth: s3cr3t", m{"auth": "s3cr3t"}},
		{"digit-led string", "token: 3secret", m{"token": "3secret"}},
		{"bare path", "dir: /var/lib/petrel", m{"dir": "/var/lib/petrel"}},
		{"bare word keeps backslash", `p: C:\x`, m{"p": `C:\x`}},
		{"bare word with braces inside", "s: a{b", m{"s": "a{b"}},
		{"key with dots and dashes", "a.b-c_d: 1", m{"a.b-c_d": int64(1)}},
		{"key case kept", "Port: 1\nport: 2", m{"Port": int64(1), "port": int64(2)}},
		{"dollar key", "$SYS { x: 1 }", m{"$SYS": m{"x": int64(1)}}},
		{"quoted key", `"a b": 1`, m{"a b": int64(1)}},
		{"single quoted key", `'a:b' = 1`, m{"a:b": int64(1)}},
		{"duplicate key last wins", "a: 1\na: 2", m{"a": int64(2)}},
		{"duplicate map last wins", "a {x: 1}\na {y: 2}", m{"a": m{"y": int64(2)}}},

		{"int", "n: 42", m{"n": int64(42)}},
		{"negative int", "n: -42", m{"n": int64(-42)}},
		{"leading zeros", "n: 007", m{"n": int64(7)}},
		{"max int64", "n: 9223372036854775807", m{"n": int64(9223372036854775807)}},
		{"float", "f: 1.5", m{"f": 1.5}},
		{"negative float", "f: -0.25", m{"f": -0.25}},
		{"exponent is a string", "f: 1e5x", m{"f": "1e5x"}},
		{"dash alone", "s: -", m{"s": "-"}},
		{"bool true", "b: true", m{"b": true}},
		{"bool FALSE", "b: FALSE", m{"b": false}},
		{"bool yes", "b: yes", m{"b": true}},
		{"bool No", "b: No", m{"b": false}},
		{"bool on", "b: on", m{"b": true}},
		{"bool OFF", "b: OFF", m{"b": false}},
		{"quoted bool is string", `b: "true"`, m{"b": "true"}},
		{"quoted number is string", `n: "4222"`, m{"n": "4222"}},

		{"size k", "s: 2k", m{"s": int64(2000)}},
		{"size K", "s: 2K", m{"s": int64(2000)}},
		{"size kb", "s: 2kb", m{"s": int64(2048)}},
		{"size KiB", "s: 2KiB", m{"s": int64(2048)}},
		{"size ki", "s: 2ki", m{"s": int64(2048)}},
		{"size m", "s: 2m", m{"s": int64(2_000_000)}},
		{"size MB", "s: 1MB", m{"s": int64(1 << 20)}},
		{"size mi", "s: 1mi", m{"s": int64(1 << 20)}},
		{"size mib", "s: 1mib", m{"s": int64(1 << 20)}},
		{"size G", "s: 10G", m{"s": int64(10_000_000_000)}},
		{"size gb", "s: 10gb", m{"s": int64(10 << 30)}},
		{"size GiB", "s: 1GiB", m{"s": int64(1 << 30)}},
		{"size t", "s: 1t", m{"s": int64(1_000_000_000_000)}},
		{"size TB", "s: 1TB", m{"s": int64(1 << 40)}},
		{"size p", "s: 1p", m{"s": int64(1e15)}},
		{"size pb", "s: 1pb", m{"s": int64(1 << 50)}},
		{"size e", "s: 1e", m{"s": int64(1e18)}},
		{"size eib", "s: 1EiB", m{"s": int64(1 << 60)}},
		{"negative size", "s: -1k", m{"s": int64(-1000)}},
		{"unknown suffix is a string", "d: 10s", m{"d": "10s"}},
		{"2min is a string", "d: 2min", m{"d": "2min"}},
		{"float size is a string", "s: 1.5GB", m{"s": "1.5GB"}},
		{"quoted duration", `d: "2m"`, m{"d": "2m"}},

		{"dq escapes", `s: "a\tb\nc\rd\"e\\f"`, m{"s": "a\tb\nc\rd\"e\\f"}},
		{"dq unicode", `s: "\u00e9\U0001F600\x41"`, m{"s": "é😀A"}},
		{"sq raw", `s: 'a\tb "c"'`, m{"s": `a\tb "c"`}},
		{"quoted with separators", `s: "a, b; c } ] # d // e"`, m{"s": "a, b; c } ] # d // e"}},
		{"multi-line quoted", "s: \"a\nb\"", m{"s": "a\nb"}},
		{"empty quoted", `s: ""`, m{"s": ""}},
		{"utf8 value", "s: héllo", m{"s": "héllo"}},
		{"bom", "\uFEFFa: 1", m{"a": int64(1)}},

		{"map after key", "js { dir: /d }", m{"js": m{"dir": "/d"}}},
		{"map after colon", "js: { dir: /d }", m{"js": m{"dir": "/d"}}},
		{"map after equals", "js = {dir = /d}", m{"js": m{"dir": "/d"}}},
		{"map glued to key", "js{dir: /d}", m{"js": m{"dir": "/d"}}},
		{"map on next line", "js\n{\n dir: /d\n}", m{"js": m{"dir": "/d"}}},
		{"array on next line", "r # c\n\n[1]", m{"r": a{int64(1)}}},
		{"empty map", "js {}", m{"js": m{}}},
		{"map commas", "x {a: 1, b: 2}", m{"x": m{"a": int64(1), "b": int64(2)}}},
		{"map semicolons", "x {a: 1; b: 2;}", m{"x": m{"a": int64(1), "b": int64(2)}}},
		{"map newlines", "x {\n a: 1\n\n b: 2\n}", m{"x": m{"a": int64(1), "b": int64(2)}}},
		{"bare value before brace", "x {a: b}", m{"x": m{"a": "b"}}},
		{"nested maps", "a { b { c { d: 1 } } }", m{"a": m{"b": m{"c": m{"d": int64(1)}}}}},
		{"json document", `{"port": 4222, "debug": true}`, m{"port": int64(4222), "debug": true}},
		{"json document with comments", "// c\n{\n \"a\": [1, 2] # c\n}\n", m{"a": a{int64(1), int64(2)}}},

		{"array commas", "r: [1, 2, 3]", m{"r": a{int64(1), int64(2), int64(3)}}},
		{"array newlines", "r: [\n a\n b\n]", m{"r": a{"a", "b"}}},
		{"array trailing comma", "r: [1, 2,]", m{"r": a{int64(1), int64(2)}}},
		{"array comments", "r: [ # c\n 1 // c\n 2 ]", m{"r": a{int64(1), int64(2)}}},
		{"empty array", "r: []", m{"r": a{}}},
		{"array after key", "r [1]", m{"r": a{int64(1)}}},
		{"mixed array", `r: [1, "two", 3.0, true, nats://h:4222]`, m{"r": a{int64(1), "two", 3.0, true, "nats://h:4222"}}},
		{"nested arrays", "r: [[1, [2]], []]", m{"r": a{a{int64(1), a{int64(2)}}, a{}}}},
		{"maps in array", "u: [{a: 1}, {b: 2}\n{c: 3}]", m{"u": a{m{"a": int64(1)}, m{"b": int64(2)}, m{"c": int64(3)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	t.Setenv("PETREL_TEST_PORT", "4222")
	t.Setenv("PETREL_TEST_NAME", "hub one")
	t.Setenv("PETREL_TEST_LIST", "[a, b]")
	t.Setenv("PETREL_TEST_REF", "$PETREL_TEST_PORT")
	t.Setenv("PETREL_TEST_SIZE", "1MB")
	t.Setenv("shadow", "env")
	t.Setenv("PETREL_TEST_INCLUDE", "{include x.conf}")
	tests := []struct {
		name string
		in   string
		want m
	}{
		{"top level", "a = 1\nb = $a", m{"a": int64(1), "b": int64(1)}},
		{"typed map value", "a {x: 1}\nb: $a", m{"a": m{"x": int64(1)}, "b": m{"x": int64(1)}}},
		{"from parent block", "a = 1\nx { b = $a }", m{"a": int64(1), "x": m{"b": int64(1)}}},
		{"inner shadows outer", "a = 1\nx { a = 2, b = $a }", m{"a": int64(1), "x": m{"a": int64(2), "b": int64(2)}}},
		{"sibling block not visible", "x { a = 1 }\ny { a = 2 }\nz = $x", m{"x": m{"a": int64(1)}, "y": m{"a": int64(2)}, "z": m{"a": int64(1)}}},
		{"in array", "p = secret\nu = [{user: x, password: $p}]", m{"p": "secret", "u": a{m{"user": "x", "password": "secret"}}}},
		{"array element", "h = h1\nr = [$h, h2]", m{"h": "h1", "r": a{"h1", "h2"}}},
		{"file before env", "shadow = file\nv = $shadow", m{"shadow": "file", "v": "file"}},
		{"env fallback typed", "port: $PETREL_TEST_PORT", m{"port": int64(4222)}},
		{"env with blanks is a string", "n: $PETREL_TEST_NAME", m{"n": "hub one"}},
		{"env array", "l: $PETREL_TEST_LIST", m{"l": a{"a", "b"}}},
		{"env size", "s: $PETREL_TEST_SIZE", m{"s": int64(1 << 20)}},
		{"env refs are not expanded", "r: $PETREL_TEST_REF", m{"r": "$PETREL_TEST_PORT"}},
		{"env includes are not expanded", "i: $PETREL_TEST_INCLUDE", m{"i": "{include x.conf}"}},
		{"not in double quotes", "a = 1\nb = \"$a\"", m{"a": int64(1), "b": "$a"}},
		{"not in single quotes", "a = 1\nb = '$a'", m{"a": int64(1), "b": "$a"}},
		{"redefinition", "a = 1\na = $a\nb = $a", m{"a": int64(1), "b": int64(1)}},
		{"bcrypt hash", "pw: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG", m{"pw": "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

const realistic = `
# A nats-server configuration as found in the wild.
server_name: hub-1
listen: 0.0.0.0:4222
http_port: 8222
max_payload: 1MB
ping_interval: "2m"
write_deadline: 10s

jetstream {
  store_dir: /var/lib/nats
  max_memory_store: 1GB
  max_file_store: 10G
}

authorization {
  user: admin
  password: "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG"
  token: s3cr3t
  timeout: 0.5
  PASS: letmein
  users = [
    {user: alice, password: $PASS, permissions: {
      publish: ["orders.>", "_INBOX.>"]
      subscribe: "orders.*"
    }}
    {
      user: bob
      password: $PASS
      permissions: {publish: {deny: ["secret.>"]}, subscribe: [">"]}
    }
  ]
}

cluster {
  name: hub
  listen: 0.0.0.0:6222
  routes = [
    nats://route-user:pw@10.0.0.2:6222
    nats://10.0.0.3:6222
  ]
}

tls {
  cert_file: "./certs/server.pem"
  key_file:  "./certs/server-key.pem"
  ca_file:   "./certs/ca.pem"
  verify:    true
  timeout:   2
}
`

func TestRealisticConfig(t *testing.T) {
	got, err := Parse(realistic)
	if err != nil {
		t.Fatal(err)
	}
	want := m{
		"server_name":    "hub-1",
		"listen":         "0.0.0.0:4222",
		"http_port":      int64(8222),
		"max_payload":    int64(1 << 20),
		"ping_interval":  "2m",
		"write_deadline": "10s",
		"jetstream": m{
			"store_dir":        "/var/lib/nats",
			"max_memory_store": int64(1 << 30),
			"max_file_store":   int64(10_000_000_000),
		},
		"authorization": m{
			"user":     "admin",
			"password": "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG",
			"token":    "s3cr3t",
			"timeout":  0.5,
			"PASS":     "letmein",
			"users": a{
				m{"user": "alice", "password": "letmein", "permissions": m{
					"publish":   a{"orders.>", "_INBOX.>"},
					"subscribe": "orders.*",
				}},
				m{"user": "bob", "password": "letmein", "permissions": m{
					"publish":   m{"deny": a{"secret.>"}},
					"subscribe": a{">"},
				}},
			},
		},
		"cluster": m{
			"name":   "hub",
			"listen": "0.0.0.0:6222",
			"routes": a{"nats://route-user:pw@10.0.0.2:6222", "nats://10.0.0.3:6222"},
		},
		"tls": m{
			"cert_file": "./certs/server.pem",
			"key_file":  "./certs/server-key.pem",
			"ca_file":   "./certs/ca.pem",
			"verify":    true,
			"timeout":   int64(2),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}
