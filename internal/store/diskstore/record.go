package diskstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/store/internal/engine"
)

const recordVersion = 1

// appendRecord encodes m as a message record.
func appendRecord(b []byte, m *store.Msg) []byte {
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Time))
	b = binary.AppendVarint(b, int64(m.TTL))
	b = binary.AppendUvarint(b, uint64(len(m.Subject)))
	b = append(b, m.Subject...)
	b = binary.AppendUvarint(b, uint64(len(m.Header)))
	b = append(b, m.Header...)
	return append(b, m.Data...)
}

// recordLen is the length of m's record, as appendRecord writes it.
func recordLen(m *store.Msg) int {
	var tmp [binary.MaxVarintLen64]byte
	n := 1 + 8 + binary.PutVarint(tmp[:], int64(m.TTL))
	n += binary.PutUvarint(tmp[:], uint64(len(m.Subject))) + len(m.Subject)
	n += binary.PutUvarint(tmp[:], uint64(len(m.Header))) + len(m.Header)
	return n + len(m.Data)
}

// record is a decoded message record; its slices alias the input.
type record struct {
	time    int64
	ttl     int64
	subject []byte
	header  []byte
	data    []byte
}

var errShort = errors.New("record truncated")

func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) < 9 {
		return r, errShort
	}
	if b[0] != recordVersion {
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
	if r.header, b, err = lenPrefixed(b); err != nil {
		return r, err
	}
	if len(r.subject) == 0 {
		return r, errors.New("empty subject")
	}
	r.data = b
	return r, nil
}

func lenPrefixed(b []byte) (field, rest []byte, err error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return nil, nil, errShort
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}

func (r *record) rec(seq uint64) engine.Rec {
	return engine.Rec{
		Seq: seq, Subject: string(r.subject), Time: r.time, TTL: r.ttl,
		Size: uint64(len(r.subject)+len(r.header)+len(r.data)) + 16,
	}
}

func (r *record) msg(seq uint64) *store.Msg {
	buf := make([]byte, len(r.header)+len(r.data))
	n := copy(buf, r.header)
	copy(buf[n:], r.data)
	m := &store.Msg{
		Subject: string(r.subject), Seq: seq, Time: r.time, TTL: time.Duration(r.ttl),
		Data: buf[n:],
	}
	if n > 0 {
		m.Header = buf[:n:n]
	}
	return m
}

const counterVersion = 1

func encodeState(p engine.Persist) []byte {
	b := []byte{counterVersion}
	for _, v := range []uint64{p.First, p.Last, uint64(p.LastTime), p.Msgs, p.Bytes} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func decodeState(b []byte) (engine.Persist, error) {
	v, err := uvarints(b, 5)
	if err != nil {
		return engine.Persist{}, err
	}
	return engine.Persist{First: v[0], Last: v[1], LastTime: int64(v[2]), Msgs: v[3], Bytes: v[4]}, nil
}

func encodeSummary(s engine.SubjState) []byte {
	b := []byte{counterVersion}
	for _, v := range []uint64{s.Msgs, s.First, s.Last} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func decodeSummary(b []byte) (engine.SubjState, error) {
	v, err := uvarints(b, 3)
	if err != nil {
		return engine.SubjState{}, err
	}
	if v[0] == 0 || v[1] > v[2] {
		return engine.SubjState{}, errors.New("impossible subject summary")
	}
	return engine.SubjState{Msgs: v[0], First: v[1], Last: v[2]}, nil
}

// uvarints decodes a version byte and exactly n uvarints.
func uvarints(b []byte, n int) ([]uint64, error) {
	if len(b) == 0 || b[0] != counterVersion {
		return nil, errors.New("unknown counter version")
	}
	b = b[1:]
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
