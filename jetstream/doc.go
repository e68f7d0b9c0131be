// Package jetstream is petrel's JetStream service: streams of messages kept
// in internal/store, managed and read through the JetStream JSON API over
// ordinary NATS requests. It rides on the core as a client: each
// JetStream-enabled account gets in-process connections (server.Conn) that
// subscribe to the API subjects and to every stream's subjects.
//
// # API subjects served (per account)
//
//	$JS.API.INFO                          account info
//	$JS.API.STREAM.CREATE.<stream>        create (idempotent for an identical config)
//	$JS.API.STREAM.UPDATE.<stream>        update
//	$JS.API.STREAM.INFO.<stream>          info (deleted_details, subjects_filter, offset)
//	$JS.API.STREAM.DELETE.<stream>        delete
//	$JS.API.STREAM.NAMES                  names (offset, subject filter)
//	$JS.API.STREAM.LIST                   infos (offset, subject filter)
//	$JS.API.STREAM.PURGE.<stream>         purge (filter, keep, seq)
//	$JS.API.STREAM.MSG.GET.<stream>       get (seq, last_by_subj, next_by_subj)
//	$JS.API.STREAM.MSG.DELETE.<stream>    delete a message (no_erase)
//	$JS.API.STREAM.SNAPSHOT.<stream>      snapshot to a deliver subject, in acked chunks (snapshot.go)
//	$JS.API.STREAM.RESTORE.<stream>       restore from acked chunks (restore.go)
//	$JS.API.DIRECT.GET.<stream>           direct get (ADR-31), allow_direct streams only;
//	                                      batch, multi_last, up_to_seq/time, start_time
//	                                      stream replies ending in "204 EOB" (directbatch.go)
//	$JS.API.DIRECT.GET.<stream>.<subject> direct get of the last message on subject
//	$JS.API.CONSUMER.CREATE.<stream>      create an ephemeral (legacy; the server names it)
//	$JS.API.CONSUMER.CREATE.<stream>.<consumer>[.<filter>]
//	                                      create/update per the request's "action"
//	$JS.API.CONSUMER.DURABLE.CREATE.<stream>.<durable>  legacy durable create
//	$JS.API.CONSUMER.INFO.<stream>.<consumer>    info
//	$JS.API.CONSUMER.DELETE.<stream>.<consumer>  delete
//	$JS.API.CONSUMER.NAMES.<stream>       names (offset)
//	$JS.API.CONSUMER.LIST.<stream>        infos (offset)
//	$JS.API.CONSUMER.PAUSE.<stream>.<consumer>   pause_until (zero resumes)
//	$JS.API.CONSUMER.UNPIN.<stream>.<consumer>   {"group"}: unpin (priority.go)
//	$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer> pull request (served by the consumer)
//
// Each endpoint is its own subscription, as in the reference server, so a
// request to an endpoint that does not exist (or to DIRECT.GET of a stream
// without allow_direct) gets the "no responders" status. Responses are JSON
// objects with a "type" (io.nats.jetstream.api.v1.*_response) and, on
// failure, an "error" {code, err_code, description}; the codes are in
// errors.go. petrel serves JetStream API level 2 (APILevel, ADR-44: the API
// of nats-server 2.12); a request whose Nats-Required-Api-Level header asks
// for more is refused with 10185 (a 412 status for pulls and direct gets).
//
// # Publishing
//
// A stream subscribes to its subjects inline and copies each message into
// its bounded ingest queue. The ingest goroutine takes everything waiting,
// checks the JetStream headers (Nats-Msg-Id de-duplication,
// Nats-Expected-*, Nats-Rollup, Nats-TTL), appends the accepted messages to
// the store in one Append, and hands the batch with its store.Commit to the
// acker goroutine, then goes on with the next batch while the first one
// syncs. The acker waits for each Commit in order and only then publishes
// the PubAcks {"stream","seq"[,"duplicate"]} and republishes. On a stream
// with allow_msg_counter (ADR-49, counter.go) each message is a Nats-Incr
// increment, stored as {"val":"<total>"} and acked with "val". With
// allow_atomic (ADR-50, atomic.go) messages with Nats-Batch-Id are staged
// by the ingest goroutine until the commit, then checked against the
// stream as it was before the batch and appended as one store write.
// With allow_msg_schedules (ADR-51, schedule.go, cron.go) a message with
// Nats-Schedule holds a schedule; the stream's scheduler queues the
// produced messages on the ingest like markers. With persist_mode async
// (persist.go) the acker sends a batch's acks before waiting for its sync.
//
// # Consumers
//
// Each consumer (consumer.go) has its own in-process connection, which
// subscribes $JS.ACK.<stream>.<consumer>.> (unless its ack policy is none),
// $JS.FC.<stream>.<consumer>.> and its MSG.NEXT subject, and one delivery
// goroutine (delivery.go) that delivers redeliveries first, then new
// messages, to the first waiting pull
// request (pull.go; with priority groups, ADR-42, the request the policy
// picks: priority.go) or to the deliver subject while someone listens there
// (push.go: heartbeats, flow control, rate limit). The stream wakes its
// consumers once a batch is durable (onStored). A delivery's reply subject
// is its ack subject (ADR-15):
//
//	$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp ns>.<pending>
//
// and the payload sent there is the ack: +ACK (or empty), -NAK [{"delay":ns}],
// +WPI, +NXT [batch|request], +TERM [reason]. An ack sent as a request gets
// an empty reply once the consumer's state holding it is stored. Messages
// not acked within ack_wait (or the backoff entry for their delivery count)
// are delivered again until max_deliver, which sends
// $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>.
// Interest and work-queue streams remove what their consumers finished
// (retention.go). Durable consumers keep their configuration as JSON files
// under <store_dir>/jetstream/<account>/consumers/<stream>/ and their
// delivery state in the stream's store.MetaStore (consumerstate.go), written
// by one goroutine per consumer that covers every change since its last
// write, so acks share fsyncs.
//
// # Advisories and versioning metadata
//
// While someone listens, an account hears nats-server's advisories
// (advisories.go): $JS.EVENT.ADVISORY.STREAM.CREATED|UPDATED|DELETED.<stream>,
// CONSUMER.CREATED|DELETED.<stream>.<consumer>, an API audit per request on
// $JS.EVENT.ADVISORY.API, and acknowledgement samples of consumers with
// sample_freq on $JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>. Stream
// and consumer configurations carry ADR-44 versioning metadata
// (versioning.go): the stored _nats.req.level, and _nats.ver and
// _nats.level added to responses.
//
// # Mirrors and sources
//
// A stream with a mirror or sources runs one sourcer goroutine per origin
// stream (source.go, sourcing.go); origins are streams of the same account
// on this server (external ones are refused). A sourcer reads the origin's
// store directly, never past the origin's last durable sequence, which the
// origin's acker advances after every batch (storedSignal) and which also
// wakes the sourcer; an idle sourcer looks again every second, so an
// origin created later, deleted or recreated is found. It reads a round
// (up to 512 messages or 4 MiB) that its filter_subject or
// subject_transforms take, queues the copies on the target's ingest with
// a callback, and waits until they are durable before the next round. The
// ingest skips the publish checks for copies (the origin made them). A
// mirror stores each message at its origin sequence (store.Entry.MinSeq:
// skipped sequences are interior gaps) and so resumes after its own last
// sequence; it has no subjects, so nothing can be published to it. A
// source adds Nats-Stream-Source: "<origin> <seq> <filters> <dests>
// <subject>" and saves {origin_seq, target_seq} in the target's metadata
// area after every round; on resume it also reads the target's messages
// after target_seq for newer copies (sourcestate.go), so a restart copies
// nothing twice. Stream info reports mirror / sources {name, lag, active}.
//
// # Subject delete markers
//
// With subject_delete_marker_ttl (ADR-43, KV LimitMarkerTTL of ADR-48), a
// subject whose last message expires (max_age or its own Nats-TTL) gets a
// marker: an empty message with Nats-Marker-Reason: MaxAge, Nats-Rollup:
// sub and Nats-TTL, queued on the ingest like a publish (markers.go). A
// marker that expires, like a KV purge with a TTL, leaves none.
//
// # Limits
//
// limits.go: a stream's max_bytes reserves that much of the server's
// (Options.JetStreamMaxMemory / JetStreamMaxStore) and the account's
// (AccountConfig) budget at create and update; a publish past what is
// left is refused (10023 server, 10002 account). Bytes are counted as the
// stream's store counts them (store.Store.MsgSize), as nats-server does per
// storage type: a memory stream subject+header+data+16 per message, a file
// stream 30+subject+data, plus 4+header with a header. Stream info, account
// info, max_bytes and these budgets all use that number.
//
// # Persistence
//
// Stream configurations live as JSON files under
// <store_dir>/jetstream/<account>/streams/; file streams keep their messages
// in the store directory's diskstore, memory streams in memstore (their
// messages do not survive a restart, their configuration does). At start
// every stream is recovered and its de-duplication window rebuilt from the
// Nats-Msg-Id headers of the messages inside the window.
//
// # Monitoring
//
// stats.go reports the engine's own state as read-only snapshots, in this
// package's types, for the monitor package to serve (/jsz, /healthz,
// /metrics); jetstream does not import monitor. Stats gives the usage of
// each account (memory, storage, reservations, streams, consumers, API
// totals and errors) and, as asked, each stream's state and consumers'
// state and configurations; Healthz reports whether the service runs and
// every stream and consumer with it; APIRequestsByType counts the API
// requests by endpoint. A commit observer (SetCommitObserver, before
// Start) hears of every batch a file stream commits: its stored messages
// and the time from its write until it was durable. Snapshots hold each
// lock only to copy a few fields; the message path pays one atomic add
// per API request and one clock reading per committed batch.
package jetstream
