package diskstore

import "encoding/binary"

// Key prefixes and kinds; see the package comment.
const (
	prefixCatalog = 'C'
	prefixNextID  = 'N'
	prefixStream  = 'S'

	kindState   = 'a'
	kindIndex   = 'i'
	kindMsg     = 'm'
	kindSummary = 's'
	kindTTL     = 't'
	kindMeta    = 'x'
)

var nextIDKey = []byte{prefixNextID}

func catalogKey(name string) []byte {
	return append([]byte{prefixCatalog}, name...)
}

// keys builds the keys of one stream.
type keys struct {
	p []byte // 'S' id
}

func newKeys(id uint64) keys {
	return keys{p: binary.BigEndian.AppendUint64([]byte{prefixStream}, id)}
}

// kind returns the prefix of all keys of one kind.
func (k keys) kind(c byte) []byte {
	b := make([]byte, len(k.p)+1, len(k.p)+32)
	copy(b, k.p)
	b[len(k.p)] = c
	return b
}

// kindEnd returns the first key past every key of kind c.
func (k keys) kindEnd(c byte) []byte { return k.kind(c + 1) }

func (k keys) state() []byte { return k.kind(kindState) }

func (k keys) msg(seq uint64) []byte { return k.appendMsg(nil, seq) }

// appendMsg appends the key of message seq to dst.
func (k keys) appendMsg(dst []byte, seq uint64) []byte {
	dst = append(append(dst, k.p...), kindMsg)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// subjPrefix returns the prefix of the index entries of subject.
func (k keys) subjPrefix(subject string) []byte {
	return append(append(k.kind(kindIndex), subject...), 0)
}

func (k keys) index(subject string, seq uint64) []byte {
	return k.appendIndex(nil, subject, seq)
}

// appendIndex appends the index key of (subject, seq) to dst.
func (k keys) appendIndex(dst []byte, subject string, seq uint64) []byte {
	dst = append(append(append(dst, k.p...), kindIndex), subject...)
	return binary.BigEndian.AppendUint64(append(dst, 0), seq)
}

func (k keys) summary(subject string) []byte {
	return append(k.kind(kindSummary), subject...)
}

func (k keys) ttl(at int64, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(k.kind(kindTTL), uint64(at))
	return binary.BigEndian.AppendUint64(b, seq)
}

func (k keys) meta(key string) []byte {
	return append(k.kind(kindMeta), key...)
}

// end returns the first key past every key of the stream.
func (k keys) end() []byte {
	id := binary.BigEndian.Uint64(k.p[1:])
	return newKeys(id + 1).p
}

// prefixEnd returns the first key past every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// seqAt decodes the big-endian uint64 ending key.
func seqAt(key []byte) uint64 {
	return binary.BigEndian.Uint64(key[len(key)-8:])
}
