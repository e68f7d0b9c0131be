package store

import "time"

// Store holds the messages of one stream. All methods are safe for
// concurrent use; a stream normally has one goroutine calling Append and
// many readers.
type Store interface {
	// Append stores the accepted entries of msgs, in order, as one atomic
	// write and fills in their Seq and Time. A rejected entry keeps Seq 0
	// and gets Err set (limit errors, invalid subject); the rest are still
	// written. now is the timestamp in Unix nanoseconds; 0 means Config.Now.
	// The returned error means nothing was written. Acknowledge only after
	// the returned Commit's Wait returns nil.
	Append(msgs []Entry, now int64) (Commit, error)

	// LoadMsg returns the message at seq, or ErrNotFound.
	LoadMsg(seq uint64) (*Msg, error)
	// LoadLastMsg returns the newest message whose subject matches filter
	// (wildcards allowed; "" or ">" match all), or ErrNotFound.
	LoadLastMsg(filter string) (*Msg, error)
	// LoadNextMsg returns the first message with sequence >= start whose
	// subject matches filter, or ErrNotFound.
	LoadNextMsg(filter string, start uint64) (*Msg, error)
	// LoadNextMsgs returns the messages with sequence >= start whose
	// subject matches filter, ascending: at most maxMsgs of them, and no
	// more once their sizes (Msg.Size) reach maxBytes, but at least one
	// when any matches; ErrNotFound when none does. It is LoadNextMsg
	// repeated in one pass (one iterator for "" or ">"): a reader loads
	// ahead with it. The Mark says when the messages were loaded; see
	// RemovedSince.
	LoadNextMsgs(filter string, start uint64, maxMsgs, maxBytes int) ([]*Msg, Mark, error)
	// RemovedSince reports whether a message with sequence in [lo, hi]
	// may have been removed since mark (by any means: delete, purge,
	// compact, limits, expiry). false is certain: every message loaded
	// at mark in that range is still stored. true may be a false
	// positive. It does no I/O; without removals since mark it takes no
	// lock either.
	RemovedSince(mark Mark, lo, hi uint64) bool

	// DeleteMsg removes the message at seq (ErrNotFound if none). With erase
	// the payload is also overwritten or compacted away, not just unlinked.
	// It returns once the removal is durable.
	DeleteMsg(seq uint64, erase bool) error
	// DeleteMsgs removes the messages at seqs (any order, duplicates
	// allowed), skipping those already gone, as one write, and returns how
	// many it removed. It returns once the removal is durable: one commit
	// for the lot, where DeleteMsg pays one each (retention policies
	// release acknowledged messages this way).
	DeleteMsgs(seqs []uint64) (uint64, error)
	// Purge removes messages as opts says and returns how many.
	Purge(opts PurgeOpts) (uint64, error)
	// Compact removes every message below seq and returns how many. When
	// seq > LastSeq+1, the store becomes empty and the next Append gets seq.
	Compact(seq uint64) (uint64, error)
	// Expire removes the messages whose MaxAge or TTL has passed at
	// Config.Now and returns how many. The store's own timer calls it too.
	Expire() (uint64, error)

	// MsgSize returns the bytes a message counts for in State.Bytes and
	// the MaxBytes limit. Each store counts as nats-server's store of its
	// kind: memstore as MsgSize, diskstore as FileMsgSize.
	MsgSize(subject string, hdr, data []byte) uint64

	// State returns the counters; it does no I/O.
	State() State
	// DeletedSeqs returns the interior gaps: sequences between FirstSeq and
	// LastSeq that hold no message, ascending.
	DeletedSeqs() ([]uint64, error)
	// SubjectsState returns the number of messages per subject matching
	// filter.
	SubjectsState(filter string) map[string]uint64
	// NumPending counts the messages with sequence >= start matching filter;
	// with lastPerSubject, only the newest message of each subject counts.
	NumPending(start uint64, filter string, lastPerSubject bool) (uint64, error)

	// UpdateConfig replaces the limits (MaxMsgs, MaxBytes, MaxAge,
	// MaxMsgsPerSubject, DiscardNew, DiscardNewPerSubject) and applies them
	// at once. Other fields of cfg are ignored.
	UpdateConfig(cfg Config) error
	// Delete removes the stream and all its data, then closes the store.
	Delete() error
	// Close stops the store's timer and releases it; the data stays.
	Close() error
}

// MetaStore is an optional per-stream key/value area for opaque bytes kept
// next to the messages: the stream's configuration, consumer state. Purges
// never touch it; Store.Delete removes it.
type MetaStore interface {
	// PutMeta stores val under key, durably.
	PutMeta(key string, val []byte) error
	// GetMeta returns the value of key or ErrNotFound.
	GetMeta(key string) ([]byte, error)
	// DeleteMeta removes key; removing a missing key is not an error.
	DeleteMeta(key string) error
	// ListMeta returns the keys that start with prefix, ascending.
	ListMeta(prefix string) ([]string, error)
}

// Mark is a point in a store's history of removals, taken by
// LoadNextMsgs and checked by RemovedSince. Marks of different stores do
// not compare.
type Mark uint64

// Commit reports when an Append is durable.
type Commit interface {
	// Wait blocks until the write is durable (fsynced, in sync-always mode)
	// and returns nil, or returns the I/O error that lost it. Calling Wait
	// again returns the same result.
	Wait() error
}

// Done is a Commit that is already durable.
var Done Commit = done{}

type done struct{}

func (done) Wait() error { return nil }

// Entry is one message handed to Append. The caller fills in Subject,
// Header, Data and TTL; Append fills in Seq and Time, or Err. The store copies
// Header and Data.
type Entry struct {
	Subject string
	Header  []byte
	Data    []byte
	// TTL overrides MaxAge for this message: > 0 expires it TTL after its
	// timestamp, < 0 never expires it, 0 leaves it to MaxAge.
	TTL time.Duration
	// MinSeq, when above the next sequence, is the sequence the entry
	// takes; the sequences skipped become an interior gap (a mirror keeps
	// its origin's sequences this way). 0: the next sequence.
	MinSeq uint64
	// At, when > 0, is the timestamp the entry is stored with instead of
	// Append's now (a mirror keeps its origin's timestamps). Stored
	// timestamps never decrease: an At before the last stored time takes
	// that time.
	At int64

	Seq  uint64 // assigned sequence; 0 when rejected
	Time int64  // assigned timestamp, Unix nanoseconds
	Err  error  // why the entry was rejected, nil when stored
}

// Msg is a stored message. A loaded Msg belongs to the caller.
type Msg struct {
	Subject string
	Header  []byte
	Data    []byte
	Seq     uint64
	Time    int64         // Unix nanoseconds
	TTL     time.Duration // as given to Append
}

// Size returns the message's size in the memory formula (MsgSize). It
// measures batches of loaded messages; what a message counts for in a
// store's State.Bytes is that store's Store.MsgSize.
func (m *Msg) Size() uint64 { return MsgSize(m.Subject, m.Header, m.Data) }

// MsgSize returns the bytes a message counts for in nats-server's memory
// store: len(subject)+len(header)+len(data)+16 (sequence and timestamp).
// memstore counts this way.
func MsgSize(subject string, hdr, data []byte) uint64 {
	return uint64(len(subject)+len(hdr)+len(data)) + 16
}

// FileMsgSize returns the bytes a message counts for in nats-server's file
// store, the length of its record there: 22 (record length, sequence,
// timestamp, subject length) + len(subject) + len(data) + 8 (hash), plus
// 4+len(header) when there is a header. diskstore counts this way.
func FileMsgSize(subject string, hdr, data []byte) uint64 {
	return FileMsgSizeLen(len(subject), len(hdr), len(data))
}

// FileMsgSizeLen is FileMsgSize from the lengths of subject, header and
// data.
func FileMsgSizeLen(subject, hdr, data int) uint64 {
	n := uint64(22+subject+data) + 8
	if hdr > 0 {
		n += 4 + uint64(hdr)
	}
	return n
}

// State is a snapshot of a store's counters.
type State struct {
	Msgs        uint64
	Bytes       uint64
	FirstSeq    uint64
	FirstTime   int64 // Unix nanoseconds of the first message; 0 when empty
	LastSeq     uint64
	LastTime    int64 // Unix nanoseconds of the last message appended
	NumSubjects int
	NumDeleted  uint64 // interior gaps; list them with DeletedSeqs
}

// PurgeOpts selects what Purge removes. Seq and Keep are exclusive.
type PurgeOpts struct {
	// Subject is a filter, wildcards allowed; "" or ">" means every subject.
	Subject string
	// Seq, when non-zero, limits the purge to sequences below Seq.
	Seq uint64
	// Keep, when non-zero, keeps the newest Keep matching messages.
	Keep uint64
}

// Removal reports one message the store removed by itself.
type Removal struct {
	Seq     uint64
	Subject string
	Reason  Reason
}

// Reason says why the store removed a message.
type Reason uint8

// Reasons for Removal.
const (
	ReasonMaxMsgs Reason = iota + 1
	ReasonMaxBytes
	ReasonMaxMsgsPerSubject
	ReasonMaxAge
	ReasonTTL
)

func (r Reason) String() string {
	switch r {
	case ReasonMaxMsgs:
		return "max-msgs"
	case ReasonMaxBytes:
		return "max-bytes"
	case ReasonMaxMsgsPerSubject:
		return "max-msgs-per-subject"
	case ReasonMaxAge:
		return "max-age"
	case ReasonTTL:
		return "ttl"
	}
	return "unknown"
}
