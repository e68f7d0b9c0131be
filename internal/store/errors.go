package store

import (
	"errors"
	"fmt"
)

// Errors returned by stores. Test with errors.Is.
var (
	// ErrNotFound: no message at the sequence, or none on the subject.
	ErrNotFound = errors.New("store: message not found")
	// ErrClosed: the store or its database was closed or deleted.
	ErrClosed = errors.New("store: closed")
	// ErrMaxMsgs: DiscardNew is set and the stream holds MaxMsgs messages.
	ErrMaxMsgs = errors.New("store: maximum messages exceeded")
	// ErrMaxBytes: DiscardNew is set and the message would exceed MaxBytes,
	// or the message alone is larger than MaxBytes.
	ErrMaxBytes = errors.New("store: maximum bytes exceeded")
	// ErrMaxMsgsPerSubject: DiscardNew and DiscardNewPerSubject are set and
	// the subject holds MaxMsgsPerSubject messages.
	ErrMaxMsgsPerSubject = errors.New("store: maximum messages per subject exceeded")
	// ErrNoSpace: the disk is too full to take the append; nothing was
	// written and the store stays usable (removals free space).
	ErrNoSpace = errors.New("store: not enough free disk space")
	// ErrInvalid: a malformed argument (empty subject, Seq with Keep).
	ErrInvalid = errors.New("store: invalid argument")
)

// CorruptError reports stored data that fails to decode. It is never
// swallowed: the operation that met it fails with it.
type CorruptError struct {
	Stream string // stream name, if known
	Seq    uint64 // sequence of the bad message; 0 if not a message
	Key    string // printable key of the bad record, if not a message
	Reason string // what is wrong
}

func (e *CorruptError) Error() string {
	where := e.Key
	if e.Seq != 0 {
		where = fmt.Sprintf("sequence %d", e.Seq)
	}
	return fmt.Sprintf("store: corrupt data in stream %q at %s: %s", e.Stream, where, e.Reason)
}
