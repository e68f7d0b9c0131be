// Package monitor is petrel's HTTP monitoring server: the JSON endpoints
// of nats-server, with its field names and shapes so the nats CLI,
// dashboards, Kubernetes probes and client test suites read them
// unchanged, and Prometheus metrics built in.
//
// A Monitor is a server.Service. petrel.NewServer registers one when
// Options.HTTPPort is set; it listens on HTTPHost:HTTPPort (HTTPHost
// defaults to the client host; server.RandomPort picks a free port, and
// Lookup(s).URL() tells which):
//
//	s, _ := petrel.NewServer(&server.Options{HTTPPort: 8222})
//	s.Start()
//	// curl http://localhost:8222/varz
//
// # Endpoints
//
//	/          index of the endpoints (HTML)
//	/varz      identity, configuration, counters, mem, cpu, jetstream config and stats
//	/connz     connections: offset, limit (1024), sort, subs=1|detail,
//	           state=open|closed|all, cid, acc
//	/subsz     sublist counters summed over accounts; subs=1, offset, limit,
//	           acc, test=SUBJECT (only the subscriptions a publish reaches)
//	/accountz  account names; acc=NAME for one account in detail
//	/routez    routes (none until clustering)
//	/jsz       JetStream usage; acc, accounts, streams, consumers, config,
//	           offset, limit; {"disabled": true} when JetStream is off.
//	           streams implies accounts, consumers implies streams, acc
//	           gives that account's details; config adds the stream and
//	           consumer configurations to the details; offset and limit
//	           page the accounts
//	/healthz   200 {"status":"ok"}, or 503 {"status":"unavailable","error":...}
//	           while starting, shutting down (lame duck included), or when
//	           JetStream is configured and its engine (Options.JetStream)
//	           is missing or not healthy; js-enabled-only=true skips the
//	           streams and consumers, js-server-only=true all of JetStream
//	/stacksz   every goroutine's stack (text)
//	/metrics   Prometheus text format
//
// JSON endpoints answer application/json (indented; times in RFC 3339 with
// nanoseconds; durations as nats does: ping_interval and write_deadline in
// nanoseconds, auth_timeout and tls_timeout in seconds, uptime and idle
// as "1d2h3m4s"), or JSONP with ?callback=name. A bad query parameter
// (limit=abc, sort=bogus, state=weird) gets 400 with a plain-text message.
//
// # Metrics
//
// /metrics is collected on scrape from the server's own state (the same
// snapshots /varz reads); nothing is added to the message path. Names (see
// also METRICS.md):
//
//	petrel_server_info{version,feature_level,server_id,server_name}  gauge, always 1
//	petrel_connections                         gauge    open client connections
//	petrel_connections_total                   counter  connections accepted
//	petrel_subscriptions                       gauge    subscriptions, all accounts
//	petrel_in_msgs_total, petrel_out_msgs_total    counter  messages in / delivered
//	petrel_in_bytes_total, petrel_out_bytes_total  counter  payload bytes in / delivered
//	petrel_slow_consumers_total                counter  clients cut off as slow consumers
//	petrel_uptime_seconds                      gauge
//	petrel_account_connections{account}        gauge
//	petrel_account_subscriptions{account}      gauge
//	petrel_http_requests_total{path}           counter  monitoring requests by endpoint
//
// While JetStream runs (from the engine's JSZ report):
//
//	petrel_jetstream_streams, petrel_jetstream_consumers         gauge
//	petrel_jetstream_messages, petrel_jetstream_bytes            gauge
//	petrel_jetstream_memory_bytes, petrel_jetstream_storage_bytes  gauge
//	petrel_jetstream_api_requests_total, petrel_jetstream_api_errors_total  counter
//	petrel_jetstream_api_type_requests_total{type}, petrel_jetstream_api_type_errors_total{type}
//	    counter, when the engine implements JetStreamAPIByType
//	petrel_stream_messages, _bytes, _first_seq, _last_seq, _consumers  {account,stream}  gauge
//	petrel_consumer_pending, _ack_pending, _redelivered, _waiting  {account,stream,consumer}  gauge
//
// The store's group commit, reported through StoreMetrics.ObserveCommit
// (file streams; the sync time runs from a batch's write until it is
// durable, and is not observed in sync_interval mode):
//
//	petrel_store_commit_batch_messages   histogram  messages per committed batch
//	petrel_store_sync_seconds            histogram  sync time per batch
//
// And the standard go_* (runtime) and process_* collectors.
//
// # System account requests
//
// SysRequests (started by petrel.NewServer always, with no listener)
// answers in the system account (Options.SystemAccount, default $SYS):
// $SYS.REQ.SERVER.PING with a statsz document, and
// $SYS.REQ.SERVER.PING.<KIND> and $SYS.REQ.SERVER.<server_id>.<KIND>, KIND
// one of VARZ, CONNZ, SUBSZ, JSZ, HEALTHZ, ACCOUNTZ, IDZ, with
// {"server": {...}, "data": <the HTTP endpoint's document>} (or "error").
// A request body may hold the endpoint's options as JSON, with
// nats-server's names; unknown ones are ignored.
//
// Every other account answers what nats-server imports into it from the
// system account (accreq.go): $SYS.REQ.USER.INFO (who the requesting
// client is), $SYS.REQ.ACCOUNT.PING.CONNZ and $SYS.REQ.SERVER.PING.CONNZ
// (the account's own connections) and $SYS.REQ.ACCOUNT.PING.STATZ (its
// connections and traffic); the system account answers USER.INFO and STATZ
// of all accounts. The system account also gets the client events
// (events.go): $SYS.ACCOUNT.<account>.CONNECT and .DISCONNECT, and
// $SYS.SERVER.<server_id>.CLIENT.AUTH.ERR.
//
// # Extension points
//
// JetStream: Options.JetStream returns the engine as a JetStream (JSZ and
// Healthz), called per request so the engine may start after the monitor.
// JetStreamEngine(svc) is that func for the jetstream package's Service:
// it reads the service's snapshots (jetstream.Service.Stats, Healthz,
// APIRequestsByType) and gives nil while the service is not running, so
// /healthz answers 503 before it starts and after it stops.
// petrel.NewServer wires it, and points the service's commit observer
// (jetstream.Service.SetCommitObserver) at StoreMetrics().ObserveCommit.
// The store: StoreMetrics() hands out the group-commit histograms. Other
// packages' collectors: Options.Collectors, or Registry().MustRegister.
package monitor
