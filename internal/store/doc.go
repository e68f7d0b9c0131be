// Package store defines how JetStream keeps one stream's messages: the narrow
// Store interface, the types it speaks (Entry, Msg, State, Config, PurgeOpts),
// and its errors. Two implementations live below it: memstore (in memory) and
// diskstore (one Pebble database per server store directory). The conformance
// suite in storetest runs against both.
//
// # Sequences and timestamps
//
// The store assigns sequence numbers: the first message gets Config.FirstSeq
// (default 1), every later message the previous last sequence plus one. A
// sequence is never reused, even after its message is deleted. Timestamps are
// Unix nanoseconds; they never go backwards: a message whose "now" is older
// than the previous message's timestamp gets the previous timestamp.
//
// State.FirstSeq is the lowest stored sequence, or LastSeq+1 when the store is
// empty, except that a store that never held a message reports FirstSeq 0
// when Config.FirstSeq is unset (as nats-server does). Deleting the last
// message does not lower LastSeq.
//
// # Message size
//
// The bytes of a message, for State.Bytes and the MaxBytes limit, are
// counted as nats-server's store of the same kind counts them, so stream and
// account info agree with it; Store.MsgSize tells a store's formula.
// memstore counts as nats-server's memory store (MsgSize):
//
//	len(subject) + len(header) + len(data) + 16
//
// diskstore counts as nats-server's file store, the length of a message
// record there (FileMsgSize):
//
//	30 + len(subject) + len(data)                        without a header
//	30 + len(subject) + len(data) + 4 + len(header)      with one
//
// # Group commit
//
// Append takes a batch of entries (a stream's ingest loop hands every publish
// waiting in its queue), assigns their sequences, applies the limits and
// writes everything as one atomic batch. It returns a Commit. The caller
// sends publish acknowledgements only after Commit.Wait returns nil. Append
// returns as soon as the batch is written and visible; the fsync runs behind
// it, so the next Append may be written while the previous one syncs
// (pipelining). Readers see appended messages as soon as Append returns,
// before they are durable.
//
// # Limits
//
// Append enforces every limit of Config on every batch:
//
//   - MaxMsgsPerSubject: the oldest message on the subject is removed, unless
//     DiscardNew and DiscardNewPerSubject are both set; then the new message
//     is rejected with ErrMaxMsgsPerSubject.
//   - MaxMsgs, MaxBytes: the oldest messages are removed ("discard old"),
//     unless DiscardNew is set; then the new message is rejected with
//     ErrMaxMsgs or ErrMaxBytes before anything is written. A message larger
//     than MaxBytes is always rejected with ErrMaxBytes.
//   - MaxAge and per-message TTL: expired messages are removed.
//
// A rejected entry gets Entry.Err set; the other entries of the batch are
// still stored. With DiscardNew, shrinking MaxMsgs or MaxBytes through
// UpdateConfig removes nothing (as nats-server does); with discard old it
// removes the oldest messages at once.
//
// # Expiry
//
// An entry's TTL overrides MaxAge for that message: TTL > 0 expires it at
// Time+TTL, TTL < 0 means it never expires (the "never" of the Nats-TTL
// header), TTL == 0 leaves it to MaxAge. Each store runs its own timer, armed
// for the next due expiry, so messages expire without writes; the timer may
// run late, and it runs on its own goroutine, so what is due may go between
// any two calls. The owner may also call Expire at any time. Tests fake the
// clock with Config.Now and the timer with Config.AfterFunc, so expiry
// happens only where they say. Every message the store removes by itself
// (limits, age, TTL) is reported through Config.OnRemove; explicit
// DeleteMsg, Purge and Compact are not reported.
//
// # Reading ahead
//
// A consumer delivering in order loads many messages at once with
// LoadNextMsgs (one iterator for an unfiltered reader, where LoadNextMsg
// per message pays a lookup each) and holds them until it sends them.
// Messages never change once stored, but they can be removed, and a reader
// must not deliver one removed before it is sent. LoadNextMsgs returns a
// Mark; RemovedSince(mark, lo, hi) answers, without I/O, whether anything
// in [lo, hi] may have gone since. Each store counts the operations that
// remove messages and keeps the sequence range of the recent ones, merging
// the oldest as they age, so the answer is never a false "no", and removals
// below the range (a work queue deleting what its consumer has acked, limits
// trimming the oldest) do not disturb a reader ahead of them.
//
// # Errors
//
// Loads return ErrNotFound when there is no such message. A record that fails
// to decode is a *CorruptError naming the sequence and the reason; it is never
// skipped silently. I/O errors are returned as they are: a full disk fails the
// Append or its Commit.Wait, never acknowledges. After a write fails, a store
// refuses further writes with that error until it is reopened.
package store
