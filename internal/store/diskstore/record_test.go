package diskstore

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/petrelmq/petrel/internal/store"
)

// TestRecordLenMatchesEncoding: Put sizes the batch slot with recordLen
// and encodes into it, so the two must agree for every field size.
func TestRecordLenMatchesEncoding(t *testing.T) {
	for _, subj := range []string{"a", strings.Repeat("s", 127), strings.Repeat("s", 128), strings.Repeat("s", 70000)} {
		for _, hdr := range [][]byte{nil, []byte("NATS/1.0\r\n\r\n"), bytes.Repeat([]byte{'h'}, 300)} {
			for _, ttl := range []time.Duration{0, -1, time.Second, 365 * 24 * time.Hour} {
				m := &store.Msg{Subject: subj, Header: hdr, Data: []byte("payload"), Time: 1, TTL: ttl}
				enc := appendRecord(nil, m)
				if got := recordLen(m); got != len(enc) {
					t.Fatalf("subject %d B, header %d B, ttl %v: recordLen %d, encoded %d", len(subj), len(hdr), ttl, got, len(enc))
				}
				r, err := decodeRecord(enc)
				if err != nil || string(r.subject) != subj || !bytes.Equal(r.header, hdr) || r.ttl != int64(ttl) {
					t.Fatalf("round trip: %v %+v", err, r)
				}
			}
		}
	}
}
