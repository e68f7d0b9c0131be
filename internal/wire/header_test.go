package wire

import "testing"

func TestStatusHeader(t *testing.T) {
	cases := []struct {
		code int
		desc string
		want string
	}{
		{503, "", "NATS/1.0 503\r\n\r\n"},
		{408, "Request Timeout", "NATS/1.0 408 Request Timeout\r\n\r\n"},
		{0, "", "NATS/1.0\r\n\r\n"},
	}
	for _, tc := range cases {
		if got := string(StatusHeader(tc.code, tc.desc)); got != tc.want {
			t.Errorf("StatusHeader(%d, %q) = %q, want %q", tc.code, tc.desc, got, tc.want)
		}
	}
}

func TestBuildHeader(t *testing.T) {
	h := AppendStatusLine(nil, 0, "")
	h = AppendHeader(h, "Nats-Msg-Id", "abc")
	h = AppendHeader(h, "X", "")
	h = AppendHeaderEnd(h)
	want := "NATS/1.0\r\nNats-Msg-Id: abc\r\nX: \r\n\r\n"
	if string(h) != want {
		t.Fatalf("got %q, want %q", h, want)
	}
	h = AppendHeaderEnd(AppendHeader(AppendStatusLine(nil, 100, "Idle Heartbeat"), "Nats-Last-Consumer", "7"))
	if string(h) != "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 7\r\n\r\n" {
		t.Fatalf("got %q", h)
	}
}

func TestHeaderGet(t *testing.T) {
	hdr := []byte("NATS/1.0 409 Leadership Change\r\n" +
		"Nats-Msg-Id: abc\r\n" +
		"Empty:\r\n" +
		"Tabbed:\t\t v \r\n" +
		"Dup: first\r\n" +
		"Dup: second\r\n" +
		"no colon line\r\n" +
		": empty key\r\n" +
		"Bare: lf\n" +
		"\r\n" +
		"After: end\r\n")
	cases := []struct {
		key  string
		want string
		ok   bool
	}{
		{"Nats-Msg-Id", "abc", true},
		{"nats-msg-id", "", false}, // case-sensitive, as nats.go
		{"Nats-Msg", "", false},
		{"Empty", "", true},
		{"Tabbed", "v ", true},
		{"Dup", "first", true},
		{"Bare", "lf", true},
		{"After", "", false}, // past the blank line ending the block
		{"", "", false},
		{"NATS/1.0 409 Leadership Change", "", false},
		{"Status", "", false}, // the status line is not a header
	}
	for _, tc := range cases {
		got, ok := HeaderGet(hdr, tc.key)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("HeaderGet(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := HeaderGet([]byte("NATS/1.0\r\nA: b"), "A"); ok {
		t.Error("unterminated line matched")
	}
	if _, ok := HeaderGet(nil, "A"); ok {
		t.Error("nil header matched")
	}
	allocs := testing.AllocsPerRun(100, func() { HeaderGet(hdr, "Dup") })
	if allocs != 0 {
		t.Errorf("HeaderGet: %v allocs", allocs)
	}
}

func TestHeaderStatus(t *testing.T) {
	cases := []struct {
		hdr  string
		code int
		desc string
		ok   bool
	}{
		{"NATS/1.0 503\r\n\r\n", 503, "", true},
		{"NATS/1.0 408 Request Timeout\r\n\r\n", 408, "Request Timeout", true},
		{"NATS/1.0  404   No Messages  \r\n\r\n", 404, "No Messages", true},
		{"NATS/1.0 100\tIdle Heartbeat\r\n", 100, "Idle Heartbeat", true},
		{"NATS/1.0\r\nStatus: 503\r\n\r\n", 0, "", false},
		{"NATS/1.0 5x3\r\n\r\n", 0, "", false},
		{"NATS/1.0 50\r\n\r\n", 0, "", false},
		{"NATS/1.0 5034\r\n\r\n", 0, "", false},
		{"HTTP/1.1 200 OK\r\n\r\n", 0, "", false},
		{"NATS/1.0 503", 0, "", false},
		{"", 0, "", false},
	}
	for _, tc := range cases {
		code, desc, ok := HeaderStatus([]byte(tc.hdr))
		if code != tc.code || desc != tc.desc || ok != tc.ok {
			t.Errorf("HeaderStatus(%q) = %d, %q, %v; want %d, %q, %v",
				tc.hdr, code, desc, ok, tc.code, tc.desc, tc.ok)
		}
	}
	// Round trip with the builder.
	code, desc, ok := HeaderStatus(StatusHeader(409, "Consumer Deleted"))
	if code != 409 || desc != "Consumer Deleted" || !ok {
		t.Errorf("round trip: %d %q %v", code, desc, ok)
	}
}
