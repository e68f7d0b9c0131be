package diskstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

// Record versions: plain, and with header and data s2-compressed as one
// block (see doc.go).
const (
	recordVersion = 1
	recordPacked  = 2
)

// minPack is the smallest payload (header and data) worth compressing.
const minPack = 64

// maxPayload bounds the decoded payload a packed record may claim (NATS
// caps a message at 64 MiB), so a damaged length cannot make a read
// allocate gigabytes.
const maxPayload = 64 << 20

// appendRecord encodes m as a message record.
func appendRecord(b []byte, m *store.Msg) []byte {
	b = appendRecordHead(b, recordVersion, m)
	b = append(b, m.Header...)
	return append(b, m.Data...)
}

// appendRecordHead encodes everything before the payload.
func appendRecordHead(b []byte, ver byte, m *store.Msg) []byte {
	b = append(b, ver)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Time))
	b = binary.AppendVarint(b, int64(m.TTL))
	b = binary.AppendUvarint(b, uint64(len(m.Subject)))
	b = append(b, m.Subject...)
	return binary.AppendUvarint(b, uint64(len(m.Header)))
}

// recordLen is the length of m's record, as appendRecord writes it.
func recordLen(m *store.Msg) int {
	return recordHeadLen(m) + len(m.Header) + len(m.Data)
}

func recordHeadLen(m *store.Msg) int {
	var tmp [binary.MaxVarintLen64]byte
	n := 1 + 8 + binary.PutVarint(tmp[:], int64(m.TTL))
	n += binary.PutUvarint(tmp[:], uint64(len(m.Subject))) + len(m.Subject)
	return n + binary.PutUvarint(tmp[:], uint64(len(m.Header)))
}

// packer compresses payloads for packed records, reusing its buffers.
type packer struct {
	plain, packed []byte
}

// pack returns m's header and data as one s2 block, or nil when the
// payload is too small or does not shrink. The result is valid until the
// next call.
func (p *packer) pack(m *store.Msg) []byte {
	n := len(m.Header) + len(m.Data)
	if n < minPack {
		return nil
	}
	p.plain = append(append(p.plain[:0], m.Header...), m.Data...)
	p.packed = s2.Encode(p.packed[:cap(p.packed)], p.plain)
	if len(p.packed) >= n-n/16 {
		return nil
	}
	return p.packed
}

// record is a decoded message record; its slices alias the input. A
// packed record keeps its payload compressed until msg needs it.
type record struct {
	time    int64
	ttl     int64
	subject []byte
	header  []byte
	data    []byte
	packed  []byte // s2 block of header and data (recordPacked only)
	hdrLen  int    // header length (inside packed, when packed)
	size    int    // uncompressed payload length: header and data
}

var errShort = errors.New("record truncated")

func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) < 9 {
		return r, errShort
	}
	ver := b[0]
	if ver != recordVersion && ver != recordPacked {
		return r, errors.New("unknown record version")
	}
	r.time = int64(binary.BigEndian.Uint64(b[1:9]))
	b = b[9:]
	var n int
	if r.ttl, n = binary.Varint(b); n <= 0 {
		return r, errShort
	}
	b = b[n:]
	var err error
	if r.subject, b, err = lenPrefixed(b); err != nil {
		return r, err
	}
	if len(r.subject) == 0 {
		return r, errors.New("empty subject")
	}
	if ver == recordPacked {
		return r, r.setPacked(b)
	}
	if r.header, b, err = lenPrefixed(b); err != nil {
		return r, err
	}
	r.data = b
	r.hdrLen, r.size = len(r.header), len(r.header)+len(r.data)
	return r, nil
}

// setPacked reads a packed record's payload part: the header length and
// the s2 block, whose decoded length s2 keeps at its start.
func (r *record) setPacked(b []byte) error {
	h, n := binary.Uvarint(b)
	if n <= 0 {
		return errShort
	}
	r.packed = b[n:]
	size, err := s2.DecodedLen(r.packed)
	if err != nil {
		return err
	}
	if size > maxPayload {
		return errors.New("payload length beyond any message")
	}
	if h > uint64(size) {
		return errors.New("header longer than the payload")
	}
	r.hdrLen, r.size = int(h), size
	return nil
}

func lenPrefixed(b []byte) (field, rest []byte, err error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return nil, nil, errShort
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}

// rec sizes the message by the file formula from the lengths alone, so a
// packed record is not decompressed.
func (r *record) rec(seq uint64) engine.Rec {
	return engine.Rec{
		Seq: seq, Subject: string(r.subject), Time: r.time, TTL: r.ttl,
		Size: store.FileMsgSizeLen(len(r.subject), r.hdrLen, r.size-r.hdrLen),
	}
}

// msg returns the message as a copy that owns its memory.
func (r *record) msg(seq uint64) (*store.Msg, error) {
	buf := make([]byte, r.size)
	n := r.hdrLen
	if r.packed != nil {
		out, err := s2.Decode(buf, r.packed)
		if err != nil || len(out) != r.size {
			return nil, errors.Join(errors.New("compressed payload does not decode"), err)
		}
	} else {
		copy(buf, r.header)
		copy(buf[n:], r.data)
	}
	m := &store.Msg{
		Subject: string(r.subject), Seq: seq, Time: r.time, TTL: time.Duration(r.ttl),
		Data: buf[n:],
	}
	if n > 0 {
		m.Header = buf[:n:n]
	}
	return m, nil
}

// Counter value versions. A stream's counters are at stateVersion; at
// stateVersionMemBytes, written before diskstore counted bytes by the file
// formula (store.FileMsgSize), their Bytes are in the memory formula
// (store.MsgSize) and recovery recounts them. Subject summaries are at
// summaryVersion.
const (
	stateVersionMemBytes = 1
	stateVersion         = 2
	summaryVersion       = 1
)

func encodeState(p engine.Persist) []byte {
	b := []byte{stateVersion}
	for _, v := range []uint64{p.First, p.Last, uint64(p.LastTime), p.Msgs, p.Bytes} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// decodeState returns the counters and their version, stateVersion or
// stateVersionMemBytes.
func decodeState(b []byte) (engine.Persist, byte, error) {
	if len(b) == 0 || (b[0] != stateVersion && b[0] != stateVersionMemBytes) {
		return engine.Persist{}, 0, errors.New("unknown counter version")
	}
	v, err := uvarints(b[1:], 5)
	if err != nil {
		return engine.Persist{}, 0, err
	}
	return engine.Persist{First: v[0], Last: v[1], LastTime: int64(v[2]), Msgs: v[3], Bytes: v[4]}, b[0], nil
}

func encodeSummary(s engine.SubjState) []byte {
	b := []byte{summaryVersion}
	for _, v := range []uint64{s.Msgs, s.First, s.Last} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func decodeSummary(b []byte) (engine.SubjState, error) {
	if len(b) == 0 || b[0] != summaryVersion {
		return engine.SubjState{}, errors.New("unknown summary version")
	}
	v, err := uvarints(b[1:], 3)
	if err != nil {
		return engine.SubjState{}, err
	}
	if v[0] == 0 || v[1] > v[2] {
		return engine.SubjState{}, errors.New("impossible subject summary")
	}
	return engine.SubjState{Msgs: v[0], First: v[1], Last: v[2]}, nil
}

// uvarints decodes exactly n uvarints.
func uvarints(b []byte, n int) ([]uint64, error) {
	out := make([]uint64, n)
	for i := range out {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errShort
		}
		out[i], b = v, b[k:]
	}
	if len(b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return out, nil
}
