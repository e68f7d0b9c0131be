package store

import "testing"

// TestMsgSizePinned pins both formulas to the numbers nats-server reports
// (memStoreMsgSize and fileStoreMsgSize of nats-server v2.15), so a change
// of either shows.
func TestMsgSizePinned(t *testing.T) {
	hdr := []byte("NATS/1.0\r\nK: v\r\n\r\n") // 18 bytes
	tests := []struct {
		name      string
		got, want uint64
	}{
		{"memory, no header", MsgSize("foo", nil, []byte("hello")), 3 + 5 + 16},
		{"memory, header", MsgSize("foo", hdr, []byte("hello")), 3 + 18 + 5 + 16},
		{"file, no header", FileMsgSize("foo", nil, []byte("hello")), 30 + 3 + 5},
		{"file, header", FileMsgSize("foo", hdr, []byte("hello")), 30 + 3 + 5 + 4 + 18},
		{"file, empty header", FileMsgSize("foo", []byte{}, nil), 30 + 3},
		{"file by lengths", FileMsgSizeLen(3, 18, 5), 60},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %d; want %d", tc.name, tc.got, tc.want)
		}
	}
}
