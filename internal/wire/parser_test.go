package wire

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

type parseCase struct {
	name  string
	in    string
	calls []call
	err   string // expected ProtocolError text, "" for none
}

var okCases = []parseCase{
	{name: "connect", in: "CONNECT {\"verbose\":false}\r\n",
		calls: []call{{Op: "CONNECT", A: `{"verbose":false}`}}},
	{name: "connect with spaces in json", in: "CONNECT  { \"a\" : 1 } \r\n",
		calls: []call{{Op: "CONNECT", A: `{ "a" : 1 }`}}},
	{name: "connect empty", in: "CONNECT\r\n", calls: []call{{Op: "CONNECT"}}},
	{name: "pub", in: "PUB foo 5\r\nhello\r\n",
		calls: []call{{Op: "PUB", A: "foo", C: "hello"}}},
	{name: "pub reply", in: "PUB foo.bar _INBOX.1 5\r\nhello\r\n",
		calls: []call{{Op: "PUB", A: "foo.bar", B: "_INBOX.1", C: "hello"}}},
	{name: "pub zero payload", in: "PUB foo 0\r\n\r\n",
		calls: []call{{Op: "PUB", A: "foo"}}},
	{name: "pub payload holds CRLF", in: "PUB foo 4\r\n\r\n\r\n\r\n",
		calls: []call{{Op: "PUB", A: "foo", C: "\r\n\r\n"}}},
	{name: "pub lowercase tabs", in: "pub\tfoo\t\t r 2\r\nhi\r\n",
		calls: []call{{Op: "PUB", A: "foo", B: "r", C: "hi"}}},
	{name: "pub mixed case bare newline", in: "Pub foo 2\nhi\r\n",
		calls: []call{{Op: "PUB", A: "foo", C: "hi"}}},
	{name: "pub trailing space", in: "PUB foo 2 \r\nhi\r\n",
		calls: []call{{Op: "PUB", A: "foo", C: "hi"}}},
	{name: "pub leading zeros", in: "PUB foo 002\r\nhi\r\n",
		calls: []call{{Op: "PUB", A: "foo", C: "hi"}}},
	{name: "hpub", in: "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
		calls: []call{{Op: "HPUB", A: "foo", C: "NATS/1.0\r\n\r\nhi", N: 12}}},
	{name: "hpub reply", in: "hpub foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n",
		calls: []call{{Op: "HPUB", A: "foo", B: "r", C: "NATS/1.0\r\n\r\n", N: 12}}},
	{name: "hpub zero", in: "HPUB foo 0 0\r\n\r\n",
		calls: []call{{Op: "HPUB", A: "foo"}}},
	{name: "sub", in: "SUB foo 1\r\n", calls: []call{{Op: "SUB", A: "foo", C: "1"}}},
	{name: "sub queue", in: "sub foo.* q 22\r\n", calls: []call{{Op: "SUB", A: "foo.*", B: "q", C: "22"}}},
	{name: "sub tabs bare nl", in: "SUB\t>\t\tq\t9\n", calls: []call{{Op: "SUB", A: ">", B: "q", C: "9"}}},
	{name: "unsub", in: "UNSUB 1\r\n", calls: []call{{Op: "UNSUB", A: "1"}}},
	{name: "unsub max", in: "unsub 1 10\r\n", calls: []call{{Op: "UNSUB", A: "1", N: 10}}},
	{name: "ping pong", in: "PING\r\nPONG\r\nping\npong\n",
		calls: []call{{Op: "PING"}, {Op: "PONG"}, {Op: "PING"}, {Op: "PONG"}}},
	{name: "ping trailing junk ignored", in: "PING \r\nPING x\r\n",
		calls: []call{{Op: "PING"}, {Op: "PING"}}},
	{name: "info", in: "INFO {\"server_id\":\"x\"}\r\n", calls: []call{{Op: "INFO", A: `{"server_id":"x"}`}}},
	{name: "ok", in: "+OK\r\n+ok\n", calls: []call{{Op: "OK"}, {Op: "OK"}}},
	{name: "err", in: "-ERR 'Unknown Protocol Operation'\r\n",
		calls: []call{{Op: "ERR", A: "'Unknown Protocol Operation'"}}},
	{name: "incomplete pub waits", in: "PUB foo 5\r\nhel"},
	{name: "incomplete line waits", in: "SUB foo"},
	{name: "incomplete op waits", in: "UNS"},
	{name: "empty input", in: ""},
}

var errCases = []parseCase{
	{name: "unknown op", in: "FOO bar\r\n", err: ErrUnknownOp.Text},
	{name: "unknown op char", in: "PU8 foo 1\r\n", err: ErrUnknownOp.Text},
	{name: "op too long", in: "CONNECTX {}\r\n", err: ErrUnknownOp.Text},
	{name: "prefix of op", in: "PU foo\r\n", err: ErrUnknownOp.Text},
	{name: "blank line", in: "\r\n", err: ErrUnknownOp.Text},
	{name: "bare newline", in: "\n", err: ErrUnknownOp.Text},
	{name: "leading space", in: " PING\r\n", err: ErrUnknownOp.Text},
	{name: "msg is server only", in: "MSG foo 1 0\r\n\r\n", err: ErrUnknownOp.Text},
	{name: "after good op", in: "PING\r\nXX\r\n", calls: []call{{Op: "PING"}}, err: ErrUnknownOp.Text},
	{name: "pub no args", in: "PUB\r\n", err: ErrParser.Text},
	{name: "pub one arg", in: "PUB foo\r\n", err: ErrParser.Text},
	{name: "pub too many args", in: "PUB foo r x 1\r\n", err: ErrParser.Text},
	{name: "pub bad size", in: "PUB foo 1x\r\n", err: ErrParser.Text},
	{name: "pub negative size", in: "PUB foo -1\r\n", err: ErrParser.Text},
	{name: "pub huge size", in: "PUB foo 1234567890123456789\r\n", err: ErrParser.Text},
	{name: "pub missing CRLF", in: "PUB foo 3\r\nabcd\r\n", err: ErrParser.Text},
	{name: "pub CR not LF", in: "PUB foo 3\r\nabc\rX", err: ErrParser.Text},
	{name: "pub bare LF after payload", in: "PUB foo 3\r\nabc\nPING\r\n", err: ErrParser.Text},
	{name: "hpub too few args", in: "HPUB foo 12\r\n", err: ErrParser.Text},
	{name: "hpub too many args", in: "HPUB foo r 1 2 3\r\n", err: ErrParser.Text},
	{name: "hpub bad hdr", in: "HPUB foo x 2\r\n", err: ErrParser.Text},
	{name: "hpub bad total", in: "HPUB foo 2 x\r\n", err: ErrParser.Text},
	{name: "hpub hdr over total", in: "HPUB foo 5 3\r\nabc\r\n", err: ErrParser.Text},
	{name: "hpub missing CRLF", in: "HPUB foo 1 1\r\nabc", err: ErrParser.Text},
	{name: "sub one arg", in: "SUB foo\r\n", err: ErrParser.Text},
	{name: "sub too many", in: "SUB a b c d\r\n", err: ErrParser.Text},
	{name: "unsub no args", in: "UNSUB\r\n", err: ErrParser.Text},
	{name: "unsub bad max", in: "UNSUB 1 x\r\n", err: ErrParser.Text},
	{name: "unsub negative max", in: "UNSUB 1 -5\r\n", err: ErrParser.Text},
	{name: "unsub too many", in: "UNSUB 1 2 3\r\n", err: ErrParser.Text},
}

// The default parser limits are used for okCases and errCases.
func TestParseTable(t *testing.T) {
	for _, tc := range append(append([]parseCase{}, okCases...), errCases...) {
		t.Run(tc.name, func(t *testing.T) {
			want := result{tc.calls, tc.err}
			got := parseOneShot(t, 0, 0, []byte(tc.in))
			if !sameResult(got, want) {
				t.Fatalf("one-shot:\n got %v %q\nwant %v %q", got.calls, got.err, want.calls, want.err)
			}
			got = parseChunks(t, 0, 0, []byte(tc.in), ones(len(tc.in)))
			if !sameResult(got, want) {
				t.Fatalf("byte at a time:\n got %v %q\nwant %v %q", got.calls, got.err, want.calls, want.err)
			}
		})
	}
}

// pipeline is every good case concatenated.
func pipeline() []byte {
	var b []byte
	for _, tc := range okCases {
		if !strings.HasPrefix(tc.name, "incomplete") {
			b = append(b, tc.in...)
		}
	}
	return b
}

func pipelineCalls() []call {
	var calls []call
	for _, tc := range okCases {
		calls = append(calls, tc.calls...)
	}
	return calls
}

func TestParsePipelined(t *testing.T) {
	in := pipeline()
	want := result{calls: pipelineCalls()}
	if got := parseOneShot(t, 0, 0, in); !sameResult(got, want) {
		t.Fatalf("one-shot:\n got %v %q\nwant %v", got.calls, got.err, want.calls)
	}
	if got := parseChunks(t, 0, 0, in, ones(len(in))); !sameResult(got, want) {
		t.Fatalf("byte at a time:\n got %v %q\nwant %v", got.calls, got.err, want.calls)
	}
}

// TestParseSplitEveryOffset splits the pipelined stream in two at every
// offset, and in three at every pair of offsets near op boundaries.
func TestParseSplitEveryOffset(t *testing.T) {
	in := pipeline()
	want := result{calls: pipelineCalls()}
	for k := 0; k <= len(in); k++ {
		if got := parseChunks(t, 0, 0, in, []int{k}); !sameResult(got, want) {
			t.Fatalf("split at %d:\n got %v %q\nwant %v", k, got.calls, got.err, want.calls)
		}
		for _, d := range []int{1, 2, 3, 7} {
			if got := parseChunks(t, 0, 0, in, []int{k, d}); !sameResult(got, want) {
				t.Fatalf("split at %d,+%d:\n got %v %q\nwant %v", k, d, got.calls, got.err, want.calls)
			}
		}
	}
}

func TestParseRandomChunks(t *testing.T) {
	in := pipeline()
	want := result{calls: pipelineCalls()}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		sizes := randomSizes(rng, len(in), 1+i%40)
		if got := parseChunks(t, 0, 0, in, sizes); !sameResult(got, want) {
			t.Fatalf("chunks %v:\n got %v %q\nwant %v", sizes, got.calls, got.err, want.calls)
		}
	}
}

// TestParseErrorsChunked checks every error path gives the same calls and
// error whatever the chunking.
func TestParseErrorsChunked(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range errCases {
		in := []byte(tc.in)
		want := result{tc.calls, tc.err}
		for k := 0; k <= len(in); k++ {
			if got := parseChunks(t, 0, 0, in, []int{k}); !sameResult(got, want) {
				t.Fatalf("%s split at %d: got %v %q", tc.name, k, got.calls, got.err)
			}
		}
		for range 20 {
			if got := parseChunks(t, 0, 0, in, randomSizes(rng, len(in), 5)); !sameResult(got, want) {
				t.Fatalf("%s random chunks: got %v %q", tc.name, got.calls, got.err)
			}
		}
	}
}

func TestMaxPayloadBoundary(t *testing.T) {
	const max = 8
	cases := []parseCase{
		{name: "pub exactly max", in: "PUB f 8\r\n12345678\r\n",
			calls: []call{{Op: "PUB", A: "f", C: "12345678"}}},
		{name: "pub max+1", in: "PUB f 9\r\n123456789\r\n", err: ErrMaxPayload.Text},
		{name: "pub detected before payload", in: "PUB f 1000000\r\n", err: ErrMaxPayload.Text},
		{name: "hpub total exactly max", in: "HPUB f 2 8\r\n12345678\r\n",
			calls: []call{{Op: "HPUB", A: "f", C: "12345678", N: 2}}},
		{name: "hpub total max+1", in: "HPUB f 2 9\r\n", err: ErrMaxPayload.Text},
		{name: "hdr over total wins", in: "HPUB f 10 9\r\n", err: ErrParser.Text},
	}
	for _, tc := range cases {
		want := result{tc.calls, tc.err}
		for k := 0; k <= len(tc.in); k++ {
			if got := parseChunks(t, 0, max, []byte(tc.in), []int{k}); !sameResult(got, want) {
				t.Fatalf("%s split at %d: got %v %q, want %v %q", tc.name, k, got.calls, got.err, want.calls, want.err)
			}
		}
	}
}

func TestSetMaxPayload(t *testing.T) {
	p := NewParser(0, 4)
	r := &recorder{}
	if err := p.Parse([]byte("PUB f 4\r\n1234\r\n"), r); err != nil {
		t.Fatal(err)
	}
	p.SetMaxPayload(3)
	err := p.Parse([]byte("PUB f 4\r\n1234\r\n"), r)
	if !errors.Is(err, ErrMaxPayload) {
		t.Fatalf("got %v, want %v", err, ErrMaxPayload)
	}
	p = NewParser(0, 0)
	p.SetMaxPayload(-1)
	if p.maxPayload != DefaultMaxPayload || p.maxControlLine != DefaultMaxControlLine {
		t.Fatalf("defaults: %d %d", p.maxPayload, p.maxControlLine)
	}
}

func TestMaxControlLineBoundary(t *testing.T) {
	const max = 16
	arg16 := "abcdefghijklm 12" // 16 bytes of SUB arguments
	arg17 := "abcdefghijklmn 12"
	cases := []parseCase{
		{name: "exactly max crlf", in: "SUB " + arg16 + "\r\n",
			calls: []call{{Op: "SUB", A: "abcdefghijklm", C: "12"}}},
		{name: "exactly max lf", in: "SUB " + arg16 + "\n",
			calls: []call{{Op: "SUB", A: "abcdefghijklm", C: "12"}}},
		{name: "max+1 crlf", in: "SUB " + arg17 + "\r\n", err: ErrMaxControlLine.Text},
		{name: "max+1 lf", in: "SUB " + arg17 + "\n", err: ErrMaxControlLine.Text},
		{name: "never ending line", in: "SUB " + strings.Repeat("x", 100), err: ErrMaxControlLine.Text},
		{name: "ping with long junk", in: "PING" + strings.Repeat(" ", 20) + "\r\n", err: ErrMaxControlLine.Text},
		{name: "pub line max then payload", in: "PUB abcdefghijklm 1\r\nx\r\n",
			calls: []call{{Op: "PUB", A: "abcdefghijklm", C: "x"}}},
		{name: "connect over", in: "CONNECT {\"verbose\":false}\r\n", err: ErrMaxControlLine.Text},
	}
	for _, tc := range cases {
		want := result{tc.calls, tc.err}
		for k := 0; k <= len(tc.in); k++ {
			if got := parseChunks(t, max, 0, []byte(tc.in), []int{k}); !sameResult(got, want) {
				t.Fatalf("%s split at %d: got %v %q, want %v %q", tc.name, k, got.calls, got.err, want.calls, want.err)
			}
		}
		if got := parseChunks(t, max, 0, []byte(tc.in), ones(len(tc.in))); !sameResult(got, want) {
			t.Fatalf("%s byte at a time: got %v %q, want %v %q", tc.name, got.calls, got.err, want.calls, want.err)
		}
	}
}

func TestHandlerErrorStops(t *testing.T) {
	r := &recorder{failOp: "SUB"}
	p := NewParser(0, 0)
	err := p.Parse([]byte("PING\r\nSUB foo 1\r\nPING\r\n"), r)
	if err != errStop {
		t.Fatalf("got %v, want errStop unchanged", err)
	}
	if len(r.calls) != 2 {
		t.Fatalf("calls after error: %v", r.calls)
	}
	if err := p.Parse([]byte("PING\r\n"), r); err != errStop {
		t.Fatalf("spent parser returned %v", err)
	}
	if len(r.calls) != 2 {
		t.Fatalf("spent parser called handler: %v", r.calls)
	}
}

func TestParserErrorIsSticky(t *testing.T) {
	p := NewParser(0, 0)
	r := &recorder{}
	err := p.Parse([]byte("BAD\r\n"), r)
	if !errors.Is(err, ErrUnknownOp) {
		t.Fatalf("got %v", err)
	}
	if err2 := p.Parse([]byte("PING\r\n"), r); err2 != err || len(r.calls) != 0 {
		t.Fatalf("spent parser: %v, calls %v", err2, r.calls)
	}
}

func TestProtocolError(t *testing.T) {
	err := error(protoErr(ErrParser, "PUB bad size %s", snippet([]byte("x"))))
	if !errors.Is(err, ErrParser) || errors.Is(err, ErrMaxPayload) {
		t.Fatal("errors.Is by text broken")
	}
	if got := err.Error(); got != `Parser Error: PUB bad size "x"` {
		t.Fatalf("Error() = %q", got)
	}
	if ErrMaxControlLine.Error() != "Maximum Control Line Exceeded" {
		t.Fatal(ErrMaxControlLine.Error())
	}
	long := snippet([]byte(strings.Repeat("a", 100)))
	if len(long) > snippetLen+8 {
		t.Fatalf("snippet too long: %s", long)
	}
}

// TestSplitPayloadLarge checks that a large split payload is
// delivered intact and that scratch beyond maxKeptScratch is released.
func TestSplitPayloadLarge(t *testing.T) {
	payload := strings.Repeat("z", maxKeptScratch+10)
	in := []byte("PUB big r 65546\r\n" + payload + "\r\nPING\r\n")
	want := result{calls: []call{{Op: "PUB", A: "big", B: "r", C: payload}, {Op: "PING"}}}
	p := NewParser(0, 0)
	got := parseChunks(t, 0, 0, in, []int{20, 1000, 40000})
	if !sameResult(got, want) {
		t.Fatalf("got %d calls, err %q", len(got.calls), got.err)
	}
	r := &recorder{}
	_ = p.Parse(in[:100], r)
	_ = p.Parse(in[100:], r)
	if p.msg != nil {
		t.Fatalf("scratch of %d bytes kept", cap(p.msg))
	}
}
