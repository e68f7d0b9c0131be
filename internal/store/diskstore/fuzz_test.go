package diskstore

import (
	"testing"

	"github.com/petrelmq/petrel/internal/store"
)

// FuzzDecodeRecord: bytes read back from disk, however damaged, decode to
// a record or an error, never a panic; a record that decodes yields its
// sizes and its message (or an error for a payload that does not
// decompress).
func FuzzDecodeRecord(f *testing.F) {
	m := &store.Msg{Subject: "orders.new", Header: []byte("NATS/1.0\r\nK: v\r\n\r\n"), Data: []byte("payload payload payload payload payload payload payload payload"), Time: 1700000000, TTL: 5}
	f.Add(appendRecord(nil, m))
	var p packer
	if packed := p.pack(m); packed != nil {
		f.Add(append(appendRecordHead(nil, recordPacked, m), packed...))
	}
	f.Add([]byte{recordPacked, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'a', 5, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeRecord(data)
		if err != nil {
			return
		}
		rec := r.rec(7)
		if rec.Subject == "" {
			t.Fatal("decoded a record without a subject")
		}
		msg, err := r.msg(7)
		if err != nil {
			return
		}
		if len(msg.Header)+len(msg.Data) != r.size {
			t.Fatalf("message of %d bytes from a record of %d", len(msg.Header)+len(msg.Data), r.size)
		}
	})
}

// TestPackedRecordClaimingHugePayload: a packed record whose s2 header
// claims gigabytes is corrupt, not an allocation.
func TestPackedRecordClaimingHugePayload(t *testing.T) {
	m := &store.Msg{Subject: "a"}
	rec := appendRecordHead(nil, recordPacked, m)
	rec = append(rec, 0xff, 0xff, 0xff, 0xff, 0x0f) // s2 block header: decoded length 4 GiB - 1
	if _, err := decodeRecord(rec); err == nil {
		t.Fatal("a record claiming a 4 GiB payload decoded")
	}
}
