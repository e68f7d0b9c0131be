package engine

import "github.com/petrelmq/petrel/internal/store"

// Rec is what the engine needs to know about a stored message, without its
// header and data.
type Rec struct {
	Seq     uint64
	Subject string
	Size    uint64 // the message's size in the backend's formula (Sizer)
	Time    int64  // Unix nanoseconds
	TTL     int64  // nanoseconds, as in store.Entry.TTL
}

// Reader reads one stream's messages. Missing messages are
// store.ErrNotFound; undecodable ones a *store.CorruptError.
type Reader interface {
	// Load returns a copy of the message at seq.
	Load(seq uint64) (*store.Msg, error)
	// Rec returns the record of the message at seq.
	Rec(seq uint64) (Rec, error)
	// Scan calls fn for each message with sequence >= from, ascending,
	// until fn returns false.
	Scan(from uint64, fn func(Rec) bool) error
	// ScanMsgs is Scan with a copy of each whole message (one pass, where
	// Load would look each one up).
	ScanMsgs(from uint64, fn func(*store.Msg) bool) error
	// Prev returns the highest sequence <= upto that holds a message.
	Prev(upto uint64) (seq uint64, ok bool, err error)
	// SubjectScan calls fn for each sequence >= from holding a message on
	// subject, ascending, until fn returns false.
	SubjectScan(subject string, from uint64, fn func(seq uint64) bool) error
	// SubjectPrev returns the highest sequence <= upto on subject.
	SubjectPrev(subject string, upto uint64) (seq uint64, ok bool, err error)
}

// Txn is one atomic change. Its reads see its own writes. Nothing is
// visible to other readers until Commit.
type Txn interface {
	Reader
	// Put stores m with its subject index and TTL schedule entry.
	Put(m *store.Msg)
	// Remove deletes the message r and its index entries; with erase its
	// payload is destroyed, not only unlinked.
	Remove(r Rec, erase bool)
	// RemoveAll deletes every message, index entry and subject summary.
	RemoveAll()
	// TTLDue calls fn for each message whose TTL expiry is <= now.
	TTLDue(now int64, fn func(seq uint64) bool) error
	// NextTTL returns the earliest TTL expiry, 0 if none.
	NextTTL() (int64, error)
	// SaveState and SaveSubject record the counters (persistent backends
	// write them in the same atomic batch). A zero SubjState deletes.
	SaveState(p Persist)
	SaveSubject(subject string, s SubjState)
	// Commit applies the change. The returned Commit says when it is
	// durable.
	Commit() (store.Commit, error)
	// Abort drops the change.
	Abort()
}

// Backend holds the messages of one stream.
type Backend interface {
	Reader
	// Begin starts a change. The engine runs one at a time.
	Begin() (Txn, error)
	// Destroy removes the stream and all its data, durably.
	Destroy() error
	// Close releases the backend.
	Close() error
}

// Admitter is implemented by a backend that can run out of room: Append
// asks it first, with the bytes it is about to write, and fails with its
// error without writing anything or poisoning the store.
type Admitter interface {
	AdmitAppend(bytes int) error
}

// Sizer is implemented by a backend that counts a message's bytes (in
// State.Bytes and against MaxBytes) by its own formula; Rec.Size must
// agree with it. Without it the engine counts store.MsgSize.
type Sizer interface {
	MsgSize(subject string, hdr, data []byte) uint64
}

// Persist is the part of the stream state a persistent backend stores.
type Persist struct {
	First, Last uint64
	LastTime    int64
	Msgs, Bytes uint64
}

// SubjState summarizes one subject.
type SubjState struct {
	Msgs, First, Last uint64
}

// Recovered is the state a persistent backend found at open.
type Recovered struct {
	State    Persist
	Subjects map[string]SubjState
	NextTTL  int64 // earliest TTL expiry, 0 if none
}
