package wire

import "testing"

func TestEncoders(t *testing.T) {
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"msg", AppendMsg(nil, []byte("foo"), []byte("1"), nil, []byte("hello")),
			"MSG foo 1 5\r\nhello\r\n"},
		{"msg reply", AppendMsg(nil, []byte("foo"), []byte("1"), []byte("_INBOX.x"), []byte("hi")),
			"MSG foo 1 _INBOX.x 2\r\nhi\r\n"},
		{"msg empty", AppendMsg(nil, []byte("foo"), []byte("9"), []byte{}, nil),
			"MSG foo 9 0\r\n\r\n"},
		{"msg appends", AppendMsg([]byte("PING\r\n"), []byte("a"), []byte("2"), nil, []byte("x")),
			"PING\r\nMSG a 2 1\r\nx\r\n"},
		{"msg header", AppendMsgHeader(nil, []byte("foo"), []byte("1"), []byte("r"), 1234),
			"MSG foo 1 r 1234\r\n"},
		{"hmsg", AppendHMsg(nil, []byte("foo"), []byte("1"), nil, 12, []byte("NATS/1.0\r\n\r\nhi")),
			"HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"},
		{"hmsg reply", AppendHMsg(nil, []byte("foo"), []byte("1"), []byte("r"), 12, []byte("NATS/1.0\r\n\r\n")),
			"HMSG foo 1 r 12 12\r\nNATS/1.0\r\n\r\n\r\n"},
		{"hmsg header", AppendHMsgHeader(nil, []byte("s"), []byte("7"), nil, 30, 100),
			"HMSG s 7 30 100\r\n"},
		{"info", AppendInfo(nil, []byte(`{"server_id":"x"}`)), "INFO {\"server_id\":\"x\"}\r\n"},
		{"err", AppendErr(nil, ErrMaxPayload.Text), "-ERR 'Maximum Payload Violation'\r\n"},
		{"ping", PingLine, "PING\r\n"},
		{"pong", PongLine, "PONG\r\n"},
		{"ok", OKLine, "+OK\r\n"},
	}
	for _, tc := range cases {
		if string(tc.got) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestAppendMsgNoAlloc(t *testing.T) {
	dst := make([]byte, 0, 512)
	subj, sid, reply, payload := []byte("foo.bar"), []byte("42"), []byte("_INBOX.abc"), make([]byte, 128)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendMsg(dst[:0], subj, sid, reply, payload)
		dst = AppendHMsg(dst[:0], subj, sid, reply, 12, payload)
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run", allocs)
	}
}
