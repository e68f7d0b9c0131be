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
//	$JS.API.DIRECT.GET.<stream>           direct get (ADR-31), allow_direct streams only
//	$JS.API.DIRECT.GET.<stream>.<subject> direct get of the last message on subject
//
// Each endpoint is its own subscription, as in the reference server, so a
// request to an endpoint that does not exist (or to DIRECT.GET of a stream
// without allow_direct) gets the "no responders" status. Responses are JSON
// objects with a "type" (io.nats.jetstream.api.v1.*_response) and, on
// failure, an "error" {code, err_code, description}; the codes are in
// errors.go.
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
// the PubAcks {"stream","seq"[,"duplicate"]} and republishes.
//
// # Persistence
//
// Stream configurations live as JSON files under
// <store_dir>/jetstream/<account>/streams/; file streams keep their messages
// in the store directory's diskstore, memory streams in memstore (their
// messages do not survive a restart, their configuration does). At start
// every stream is recovered and its de-duplication window rebuilt from the
// Nats-Msg-Id headers of the messages inside the window.
package jetstream
