// Package diskstore keeps JetStream streams on disk in one Pebble database
// per server store directory. Every stream of the server (every KV bucket is
// one) lives in that database: messages, their per-subject index, the
// counters, TTL schedule and an opaque per-stream key/value area for the
// stream configuration and consumer state. Thousands of streams cost no
// file descriptors each; Pebble brings checksums, crash recovery,
// block compression and range deletes.
//
// # Usage
//
//	db, err := diskstore.Open(dir, nil)           // durable defaults
//	names, err := db.Streams()                    // recover them all
//	s, err := db.OpenStream(store.Config{Name: "ORDERS", MaxMsgs: 1e6})
//	c, err := s.Append(entries, 0)                // one batch, visible now
//	err = c.Wait()                                // fsynced: ack the publishes
//	err = s.PutMeta("config", blob)
//	err = db.Close()
//
// A Stream implements store.Store and store.MetaStore; the rules it follows
// are those of package store. A message counts for store.FileMsgSize bytes
// (Stream.MsgSize), as in nats-server's file store. OpenStream creates the stream when the
// directory does not hold it yet.
//
// # Key layout
//
// All integers are big-endian, so keys sort by number. A stream is known
// inside the database by a numeric id, allocated once and never reused, so
// long stream names are not repeated in every key.
//
//	+-----+-------+------+-------------------------+
//	| 'S' | id(8) | kind | rest (by kind, below)   |     every key of one stream
//	+-----+-------+------+-------------------------+
//
//	key                                  value                               what
//	'C' name                             id (8)                              catalog
//	'N'                                  next id (8)                         id allocator
//	'S' id 'a'                           ver first last lastTime msgs bytes  counters
//	'S' id 'i' subject 0x00 seq(8)       (empty)                             subject index
//	'S' id 'm' seq(8)                    message record (below)              messages
//	'S' id 's' subject                   ver msgs first last                 subject summary
//	'S' id 't' expiry(8) seq(8)          (empty)                             TTL schedule
//	'S' id 'x' key                       opaque bytes                        metadata (PutMeta)
//
// Counter and summary values are a version byte and uvarints; expiry is the
// Unix nanosecond time a TTL'd message expires. Summaries are version 1.
// Counters are version 2: bytes is the sum of store.FileMsgSize over the
// messages, as nats-server's file store counts. Version 1 counters, written
// before that, have the same layout but bytes in the memory formula
// (store.MsgSize); opening such a stream recounts bytes from its message
// records (lengths only, nothing decompressed) and writes the counters
// back as version 2, once.
//
// The 0x00 after the subject in the index keeps every entry of a subject
// contiguous and in sequence order ("foo\x00..." sorts before "foo.bar");
// subjects may therefore not contain 0x00. Deleting a stream is one range
// deletion of ['S' id, 'S' id+1) plus its catalog key; purging everything
// is four range deletions ('i', 'm', 's', 't') and keeps the metadata.
//
// A message record is
//
//	+-----+----------+-----------+------------+---------+-----------+--------+------+
//	| ver | time (8) | ttl       | len(subj)  | subject | len(hdr)  | header | data |
//	| (1) | unix ns  | (varint)  | (uvarint)  |         | (uvarint) |        |      |
//	+-----+----------+-----------+------------+---------+-----------+--------+------+
//
// or, in a stream with store.Config.Compress (JetStream compression "s2"),
// when s2 shrinks a payload of at least 64 bytes by a sixteenth or more,
//
//	+-----+----------+-----------+------------+---------+-----------+---------------------------+
//	| 2   | time (8) | ttl       | len(subj)  | subject | len(hdr)  | s2 block of header + data |
//	+-----+----------+-----------+------------+---------+-----------+---------------------------+
//
// The s2 block starts with its decoded length, so sizes and scans never
// decompress; only loading the message does. Pebble also compresses its
// SSTable blocks (Snappy) for every stream, so s2 mainly shrinks the WAL,
// the memtables and payloads that compress across a record but not a block.
//
// A record, counter or summary that fails to decode is a *store.CorruptError
// naming the stream and the sequence or key.
//
// # Consistency and recovery
//
// Counters are never rebuilt by guessing: every change (append, limit
// removal, delete, purge) writes the messages, index entries, TTL entries,
// the changed subject summaries and the stream counters in ONE Pebble batch.
// After a crash Pebble replays whole batches or none, so the counters always
// match the data. Opening a stream reads its counters and subject
// summaries (cost: one key per subject), not its messages, except once for
// version 1 counters (above). Stream.Check
// rebuilds everything from the messages and reports any disagreement, for
// tests and operators.
//
// # Write path and tuning
//
// An Append writes a plain (unindexed) Pebble batch: the message keys in
// sequence order, then the counters and summaries, then the index and TTL
// keys, so the memtable inserts two ascending runs. A change that reads
// before it commits (limits, TTL, rollups) switches to an indexed batch at
// its first read (txn.go). Pebble's defaults suit random writes; db.go sets
// 64 MiB memtables and lazier L0 compaction for sequential appends, and
// sizes the block cache above the memtables Pebble charges to it.
//
// # Durability
//
// In sync-always mode (the default) Append writes its batch with
// pebble.DB.ApplyNoSyncWait(batch, pebble.Sync) and returns; Commit.Wait
// calls batch.SyncWait. Pebble's WAL gathers concurrent batches into one
// fsync (group commit across batches and streams), and a stream's next
// batch can be written while the previous one syncs. In interval mode
// (Options.SyncAlways false and Options.SyncInterval > 0) batches are
// written without sync, Commit.Wait returns nil at once, and a background
// goroutine syncs the WAL every SyncInterval: a power cut loses at most that
// window, as nats-server does by default.
//
// On Linux the WAL files are sized ahead of their writes in 1 MiB steps
// (walfs.go), so most fsyncs carry data only, not a new file size through
// the filesystem journal: a lone synchronous publisher's wait is mostly
// that fsync.
//
// # Failures
//
// An error from the WAL (write or fsync, a full disk) is returned by
// Commit.Wait, never hidden. Pebble cannot continue writing after a WAL
// failure, so the first failed Wait poisons the whole DB: every later
// write of every stream fails with that error, and the server must close
// and reopen the directory, which recovers the last durable state. Pebble
// itself panics if a write races past a WAL failure it has already seen.
//
// So a full disk is kept from reaching the WAL: below a free-space floor
// (Options.MinFreeBytes, default 16 MiB) appends fail with store.ErrNoSpace
// before anything is written, and the DB stays usable (space.go). Removals
// are still taken, and a refused append starts a flush (at most once a
// second), since removed messages only leave the disk once the memtables
// holding them are flushed and their WAL files released. Pebble keeps up to
// memTableStopWrites+1 old WAL files for reuse, each up to MemTableSize.
//
// Erasing a message (DeleteMsg with erase) deletes it and then compacts its
// key range, so the payload leaves the SSTables and, once the memtable is
// flushed, the WAL files; the filesystem may still hold freed blocks.
package diskstore
