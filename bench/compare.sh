#!/usr/bin/env bash
# compare.sh — side-by-side benchmark of petrel against the reference
# nats-server, both on 127.0.0.1, using `nats bench` (natscli) and the helper
# programs in bench/cmd. See bench/README.md and bench/RESULTS.md.
#
# Usage: bench/compare.sh [GROUP|SCENARIO ...]     (default: core)
#        bench/compare.sh --list
# Groups: core js kv consume conns all.
#
# Environment:
#   PETREL_BIN   petrel server binary. Unset: build ../cmd/petrel into a temp
#                dir. "ref" (or "reference"): use the reference nats-server on
#                both sides (a calibration run that shows the noise).
#   REPS         A/B alternations per scenario (default 3).
#   BENCH_SCALE  multiply every message count by this factor (default 1).
#   RUN_TIMEOUT  seconds allowed for one benchmark command (default 90).
#   CONNS        idle connections for the conns scenario (default 10000).
#   RESULTS_OUT  also append the summary table (markdown) to this file.
#   KEEP_WORK=1  keep the temp dir (server logs, CSVs) after the run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

REPS=${REPS:-3}
BENCH_SCALE=${BENCH_SCALE:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-90}
CONNS=${CONNS:-10000}

# ---------------------------------------------------------------------------
# Scenario registry. A scenario NAME needs:
#   DESC[NAME]   one-line description (shown in the table)
#   UNIT[NAME]   unit of the main metric; "B/conn" means lower is better
#   CONF[NAME:SIDE]  optional: config file text for SIDE's server (petrel or
#                ref) in this scenario, passed with -c next to -js -sd
#   scn_NAME URL PID TAG   a function that runs one measurement against the
#                server at URL (whose process id is PID) and prints
#                "VALUE [EXTRA]" on stdout; non-zero exit = FAILED.
# and its name in one of the GROUP_* lists. Counts go through n().
# ---------------------------------------------------------------------------
GROUP_core=(pub16 pub128 pub1k pubsub fanout queue reqrep)
GROUP_js=(js_async_file_128 js_async_file_128_refalways js_async_file_1k js_sync_file_128
	js_sync_file_128_interval js_sync_file_128_refalways js_async_mem_128)
GROUP_kv=(kv_put kv_put_interval kv_put_refalways kv_get kv_put4 kv_put4_interval kv_put4_refalways kv_get4)
GROUP_consume=(js_ordered js_consume js_fetch js_push)
GROUP_conns=(conns)
declare -A DESC UNIT CONF

# Progress/diagnostics go to stderr (and the log); results to stdout.
say() { printf '%s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# n COUNT: scale a message count by BENCH_SCALE (at least 1).
n() { awk -v c="$1" -v s="$BENCH_SCALE" 'BEGIN { v = int(c * s); if (v < 1) v = 1; print v }'; }

# ---------------------------------------------------------------------------
# Setup: temp dir, tools, servers.
# ---------------------------------------------------------------------------
WORK=""
BIN=""
declare -A SRV_PID SRV_PORT SRV_MPORT SRV_BIN SRV_UP USED_PORTS
ANY_FAILED=0
NAME_A=petrel
NAME_B=reference

# descendants PID: every process below PID (children first-level, then deeper).
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

cleanup() {
	local rc=$? p left
	set +e
	trap - INT TERM
	for side in petrel ref; do stop_server "$side"; done
	# Anything else we started (background subscribers, service responders,
	# timeouts): by process id, never by name.
	left=$(descendants $$)
	if [[ -n $left ]]; then
		for p in $left; do kill "$p" 2>/dev/null; done
		sleep 0.3
		for p in $left; do kill -9 "$p" 2>/dev/null; done
	fi
	[[ -n $WORK ]] || exit $rc
	if [[ ${KEEP_WORK:-0} == 1 || $rc -ne 0 || $ANY_FAILED -ne 0 ]]; then
		say "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}

stop_server() {
	local side=$1 pid=${SRV_PID[$1]:-}
	[[ -n $pid ]] || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	SRV_PID[$side]=""
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: a port in 20000-32000 (below the ephemeral range) nobody listens on
# and that we have not handed out yet.
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 12000))
		[[ -z ${USED_PORTS[$p]:-} ]] || continue
		port_in_use "$p" && continue
		USED_PORTS[$p]=1
		echo "$p"
		return 0
	done
	return 1
}

# start_server SIDE [SCENARIO]: (re)start SIDE's server with a fresh store dir,
# with the scenario's CONF for SIDE if it has one. On failure SRV_UP[SIDE]=0
# and the scenario is reported FAILED for that side.
start_server() {
	local side=$1 store=$WORK/store-$1 log=$WORK/$1.log line conf=()
	stop_server "$side"
	rm -rf "$store"
	mkdir -p "$store"
	SRV_UP[$side]=0
	if [[ -n ${2:-} && -n ${CONF[$2:$side]:-} ]]; then
		printf '%s\n' "${CONF[$2:$side]}" >"$WORK/$2-$side.conf"
		conf=(-c "$WORK/$2-$side.conf")
	fi
	"${SRV_BIN[$side]}" "${conf[@]}" -a 127.0.0.1 -p "${SRV_PORT[$side]}" -js -sd "$store" -m "${SRV_MPORT[$side]}" >>"$log" 2>&1 &
	SRV_PID[$side]=$!
	for _ in $(seq 100); do
		if ! kill -0 "${SRV_PID[$side]}" 2>/dev/null; then
			say "  $side server exited at start; tail of $log:"
			tail -n 5 "$log" | sed 's/^/    /' >&2
			SRV_PID[$side]=""
			return 1
		fi
		# Ready when it greets a client with INFO.
		line=$({ exec 3<>"/dev/tcp/127.0.0.1/${SRV_PORT[$side]}" && timeout 2 head -c 4 <&3; } 2>/dev/null || true)
		if [[ $line == INFO ]]; then
			SRV_UP[$side]=1
			return 0
		fi
		sleep 0.1
	done
	say "  $side server did not greet with INFO within 10s"
	return 1
}

setup() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/petrel-bench.XXXXXX")
	BIN=$WORK/bin
	mkdir -p "$BIN"
	export XDG_CONFIG_HOME=$WORK/xdg # keep natscli away from the user's contexts
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	say "== building tools into $BIN"
	(cd "$HERE" && go build -o "$BIN/" github.com/nats-io/nats-server/v2 github.com/nats-io/natscli/nats ./cmd/qbench ./cmd/idleconns) ||
		die "could not build the reference tools / helpers in $HERE"
	SRV_BIN[ref]=$BIN/nats-server

	case ${PETREL_BIN:-} in
	"")
		say "== building petrel from $ROOT/cmd/petrel"
		if ! (cd "$ROOT" && go build -o "$BIN/petrel" ./cmd/petrel) >"$WORK/petrel-build.log" 2>&1; then
			cat "$WORK/petrel-build.log" >&2
			die "PETREL BUILD FAILED: 'go build ./cmd/petrel' in $ROOT did not succeed (see above).
       Set PETREL_BIN=/path/to/petrel to use a prebuilt binary, or PETREL_BIN=ref
       to calibrate the harness with the reference server on both sides."
		fi
		SRV_BIN[petrel]=$BIN/petrel
		;;
	ref | reference)
		say "== CALIBRATION: PETREL_BIN=ref, the reference nats-server runs on both sides"
		SRV_BIN[petrel]=$BIN/nats-server
		NAME_A="refA (reference in petrel's slot)"
		NAME_B="refB (reference)"
		;;
	*)
		[[ -x $PETREL_BIN ]] || die "PETREL_BIN=$PETREL_BIN is not an executable file"
		SRV_BIN[petrel]=$(cd "$(dirname "$PETREL_BIN")" && pwd)/$(basename "$PETREL_BIN")
		;;
	esac

	for side in petrel ref; do
		SRV_PORT[$side]=$(free_port) || die "no free port"
		SRV_MPORT[$side]=$(free_port) || die "no free port"
	done
	NATS=("$BIN/nats" --no-context)

	# Raise the fd limit for the servers and idleconns (they inherit it).
	want=$((CONNS + 1000))
	hard=$(ulimit -Hn)
	if [[ $hard != unlimited && $hard -lt $want ]]; then
		say "warning: hard fd limit $hard < $want; conns scenario may fail"
		want=$hard
	fi
	ulimit -n "$want" 2>/dev/null || say "warning: could not raise ulimit -n to $want"
}

# ---------------------------------------------------------------------------
# Helpers for scenarios.
# ---------------------------------------------------------------------------

# bounded SECS CMD...: run CMD in the foreground for at most SECS seconds.
# --foreground lets a Ctrl-C reach CMD; since CMD then exits by itself (130),
# bash would not act on the SIGINT, so stop the whole script here.
bounded() {
	local secs=$1 rc=0
	shift
	timeout --foreground -k 5 "$secs" "$@" || rc=$?
	if [[ $rc -eq 130 ]]; then
		say "interrupted"
		kill -TERM $$
	fi
	return $rc
}

# nb URL ARGS...: one bounded natscli call.
nb() {
	local url=$1
	shift
	bounded "$RUN_TIMEOUT" "${NATS[@]}" -s "$url" "$@"
}

# csv_col FILE COL: value of column COL (header name) in the first data row.
csv_col() {
	awk -F, -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c && $0 != "" { print $c; exit }' "$1"
}

# csv_agg FILE: aggregate rate over all client rows = sum(MsgCount)/max(DurationSecs).
csv_agg() {
	awk -F, '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "MsgCount") m = i; if ($i == "DurationSecs") d = i }; next }
		m && d && $m != "" { s += $m; if ($d > t) t = $d }
		END { if (t > 0) printf "%.0f\n", s / t; else exit 1 }' "$1"
}

# wait_log FILE PATTERN COUNT SECS: wait until PATTERN appears COUNT times.
wait_log() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[[ $(grep -c -- "$2" "$1" 2>/dev/null || true) -ge $3 ]] && return 0
		sleep 0.1
	done
	return 1
}

# kill_bg PID: stop a background helper we started and reap it.
kill_bg() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# core_pub URL TAG SIZE MSGS: publish only, publisher's rate.
core_pub() {
	local url=$1 tag=$2 csv=$WORK/$2.csv
	rm -f "$csv"
	nb "$url" bench pub "bench.$tag" --msgs "$4" --size "$3" --no-progress --csv "$csv" >"$WORK/$tag.out" 2>&1 || return 1
	csv_col "$csv" MsgsPerSec
}

# core_subpub URL TAG CLIENTS SIZE MSGS: CLIENTS subscribers each expecting
# MSGS, one publisher; prints the subscribers' aggregate receive rate.
core_subpub() {
	local url=$1 tag=$2 clients=$3 size=$4 msgs=$5 csv=$WORK/$2.csv spid rc=0
	rm -f "$csv"
	timeout --foreground -k 5 "$RUN_TIMEOUT" "${NATS[@]}" -s "$url" bench sub "bench.$tag" --clients "$clients" --msgs "$msgs" --size "$size" --no-progress --csv "$csv" >"$WORK/$tag.sub.out" 2>&1 &
	spid=$!
	if ! wait_log "$WORK/$tag.sub.out" "Starting Core NATS subscriber, expecting" "$clients" 15; then
		kill_bg "$spid"
		return 1
	fi
	sleep 1 # natscli logs "expecting" just before SUB+flush; let them land
	if ! nb "$url" bench pub "bench.$tag" --msgs "$msgs" --size "$size" --no-progress >"$WORK/$tag.pub.out" 2>&1; then
		kill_bg "$spid"
		return 1
	fi
	wait "$spid" || rc=$?
	[[ $rc -eq 0 ]] || return 1
	csv_agg "$csv"
}

# js_stream URL TAG STORAGE STREAM: create STREAM on subject js.STREAM with
# the configuration `nats bench js pub --create` asks for, less the fast
# batch publish flag (API level 4), which petrel refuses as ADR-44 says.
js_stream() {
	nb "$1" stream add "$4" --subjects "js.$4" --storage "$3" --defaults --discard new \
		--max-bytes 1GiB --dupe-window 2m --allow-direct >"$WORK/$2.stream.out" 2>&1
}

# js_pub URL TAG MODE STORAGE STREAM SIZE MSGS: JetStream publish rate.
js_pub() {
	local url=$1 tag=$2 csv=$WORK/$2.csv
	rm -f "$csv"
	js_stream "$url" "$tag" "$4" "$5" || return 1
	nb "$url" bench js pub "$3" "js.$5" --stream "$5" --purge \
		--size "$6" --msgs "$7" --no-progress --csv "$csv" >"$WORK/$tag.out" 2>&1 || return 1
	csv_col "$csv" MsgsPerSec
}

# ---------------------------------------------------------------------------
# Core scenarios (issue 2).
# ---------------------------------------------------------------------------
DESC[pub16]="publish only, 16 B";    UNIT[pub16]="msgs/s"
DESC[pub128]="publish only, 128 B";  UNIT[pub128]="msgs/s"
DESC[pub1k]="publish only, 1 KiB";   UNIT[pub1k]="msgs/s"
scn_pub16()  { core_pub "$1" "$3" 16B  "$(n 20000000)"; }
scn_pub128() { core_pub "$1" "$3" 128B "$(n 10000000)"; }
scn_pub1k()  { core_pub "$1" "$3" 1KiB "$(n 4000000)"; }

DESC[pubsub]="pub/sub 1:1, 128 B (subscriber rate)"; UNIT[pubsub]="msgs/s"
scn_pubsub() { core_subpub "$1" "$3" 1 128B "$(n 4000000)"; }

DESC[fanout]="fan-out 1 pub -> 4 subs, 128 B (total delivered)"; UNIT[fanout]="msgs/s"
scn_fanout() { core_subpub "$1" "$3" 4 128B "$(n 1000000)"; }

DESC[queue]="queue group 1 pub -> 4 members, 128 B (total received, no dups)"; UNIT[queue]="msgs/s"
scn_queue() {
	local out=$WORK/$3.out
	bounded "$RUN_TIMEOUT" "$BIN/qbench" -s "$1" -subject "bench.$3" -queue q \
		-msgs "$(n 1500000)" -size 128 -members 4 -timeout "$((RUN_TIMEOUT - 5))s" >"$out" 2>&1 || return 1
	sed -n 's/^RESULT msgs_per_sec=\([0-9]*\).*/\1/p' "$out"
}

DESC[reqrep]="request-reply 1 client, 128 B (rate; avg latency)"; UNIT[reqrep]="req/s"
scn_reqrep() {
	local url=$1 tag=$3 csv=$WORK/$3.csv spid rate lat rc=0
	rm -f "$csv"
	timeout --foreground -k 5 "$RUN_TIMEOUT" "${NATS[@]}" -s "$url" bench service serve "bench.$tag" --clients 1 --size 128B --no-progress >"$WORK/$tag.serve.out" 2>&1 &
	spid=$!
	if ! wait_log "$WORK/$tag.serve.out" "Starting Core NATS service server" 1 15; then
		kill_bg "$spid"
		return 1
	fi
	sleep 0.5
	nb "$url" bench service request "bench.$tag" --clients 1 --msgs "$(n 25000)" --size 128B \
		--no-progress --csv "$csv" >"$WORK/$tag.req.out" 2>&1 || rc=$?
	kill_bg "$spid"
	[[ $rc -eq 0 ]] || return 1
	rate=$(csv_col "$csv" MsgsPerSec) && lat=$(csv_col "$csv" AvgLatencyMicroSecs) || return 1
	printf '%s avg_latency=%.0fus\n' "$rate" "$lat"
}

# ---------------------------------------------------------------------------
# JetStream scenarios. Streams are created by `nats stream add` (js_stream)
# and purged (--purge) by natscli; each server also starts with an empty
# store dir.
# ---------------------------------------------------------------------------
DESC[js_async_file_128]="JS async publish, file stream, 128 B"; UNIT[js_async_file_128]="msgs/s"
DESC[js_async_file_1k]="JS async publish, file stream, 1 KiB";  UNIT[js_async_file_1k]="msgs/s"
DESC[js_sync_file_128]="JS sync publish, file stream, 128 B";   UNIT[js_sync_file_128]="msgs/s"
DESC[js_async_mem_128]="JS async publish, memory stream, 128 B"; UNIT[js_async_mem_128]="msgs/s"
scn_js_async_file_128() { js_pub "$1" "$3" async file benchfile 128B "$(n 200000)"; }
scn_js_async_file_1k()  { js_pub "$1" "$3" async file benchfile 1KiB "$(n 150000)"; }
scn_js_sync_file_128()  { js_pub "$1" "$3" sync file benchfile 128B "$(n 10000)"; }
scn_js_async_mem_128()  { js_pub "$1" "$3" async memory benchmem 128B "$(n 250000)"; }

# Sync publish three ways (issue 3). A lone synchronous publish waits for its
# own fsync in petrel's durable default, while the reference syncs every two
# minutes. _interval starts petrel with the reference's guarantee;
# _refalways starts the reference with petrel's (petrel stays durable).
INTERVAL_CONF='jetstream { sync_interval: "2m" }'
ALWAYS_CONF='jetstream { sync_interval: always }'
DESC[js_sync_file_128_interval]="JS sync publish, file, 128 B; petrel sync_interval 2m vs reference default"
DESC[js_sync_file_128_refalways]="JS sync publish, file, 128 B; petrel durable vs reference sync_interval always"
UNIT[js_sync_file_128_interval]="msgs/s"; UNIT[js_sync_file_128_refalways]="msgs/s"
CONF[js_sync_file_128_interval:petrel]=$INTERVAL_CONF
CONF[js_sync_file_128_refalways:ref]=$ALWAYS_CONF
DESC[js_async_file_128_refalways]="JS async publish, file, 128 B; petrel durable vs reference sync_interval always"
UNIT[js_async_file_128_refalways]="msgs/s"
CONF[js_async_file_128_refalways:ref]=$ALWAYS_CONF
scn_js_async_file_128_refalways() { js_pub "$1" "$3" async file benchfile 128B "$(n 50000)"; }
scn_js_sync_file_128_interval()  { scn_js_sync_file_128 "$@"; }
scn_js_sync_file_128_refalways() { scn_js_sync_file_128 "$@"; }

# ---------------------------------------------------------------------------
# Consumer scenarios (issue 4): the stream is filled first (untimed, async
# publish), then natscli reads it all with a fresh consumer of its default
# durable name (nats-bench), explicit acks where the kind has acks.
# ---------------------------------------------------------------------------
# js_consume_run URL TAG MSGS CMD...: fill, then time CMD; prints msgs/s.
js_consume_run() {
	local url=$1 tag=$2 msgs=$3 csv=$WORK/$2.csv
	shift 3
	rm -f "$csv"
	js_stream "$url" "$tag" file benchcons || return 1
	nb "$url" bench js pub async js.benchcons --stream benchcons \
		--size 128B --msgs "$msgs" --no-progress >"$WORK/$tag.fill.out" 2>&1 || return 1
	nb "$url" bench "$@" --stream benchcons --msgs "$msgs" --no-progress --csv "$csv" >"$WORK/$tag.out" 2>&1 || return 1
	csv_col "$csv" MsgsPerSec
}
DESC[js_ordered]="JS ordered consumer (ephemeral, no acks), file, 128 B"; UNIT[js_ordered]="msgs/s"
DESC[js_consume]="JS consume (callback, pull), explicit acks, file, 128 B"; UNIT[js_consume]="msgs/s"
DESC[js_fetch]="JS fetch batches of 500, explicit acks, file, 128 B"; UNIT[js_fetch]="msgs/s"
DESC[js_push]="JS durable push consumer (old API), explicit acks, file, 128 B"; UNIT[js_push]="msgs/s"
scn_js_ordered() { js_consume_run "$1" "$3" "$(n 200000)" js ordered; }
scn_js_consume() { js_consume_run "$1" "$3" "$(n 200000)" js consume; }
scn_js_fetch()   { js_consume_run "$1" "$3" "$(n 200000)" js fetch; }
scn_js_push()    { js_consume_run "$1" "$3" "$(n 200000)" oldjs push js.benchcons --ack; }

# ---------------------------------------------------------------------------
# KV scenarios: natscli creates only its default bucket "benchbucket" (file,
# history 1); 128 B values, sequential keys. The store dir starts empty.
# ---------------------------------------------------------------------------
DESC[kv_put]="KV put, 1 client, 128 B"; UNIT[kv_put]="ops/s"
DESC[kv_get]="KV get, 1 client, 128 B (after an untimed put)"; UNIT[kv_get]="ops/s"
scn_kv_put() {
	local csv=$WORK/$3.csv
	rm -f "$csv"
	nb "$1" bench kv put --size 128B --msgs "$(n 15000)" \
		--no-progress --csv "$csv" >"$WORK/$3.out" 2>&1 || return 1
	csv_col "$csv" MsgsPerSec
}
DESC[kv_put_interval]="KV put, 1 client, 128 B; petrel sync_interval 2m vs reference default"
DESC[kv_put_refalways]="KV put, 1 client, 128 B; petrel durable vs reference sync_interval always"
UNIT[kv_put_interval]="ops/s"; UNIT[kv_put_refalways]="ops/s"
CONF[kv_put_interval:petrel]=$INTERVAL_CONF
CONF[kv_put_refalways:ref]=$ALWAYS_CONF
scn_kv_put_interval()  { scn_kv_put "$@"; }
scn_kv_put_refalways() { scn_kv_put "$@"; }
scn_kv_get() {
	local csv=$WORK/$3.csv msgs
	msgs=$(n 15000)
	rm -f "$csv"
	nb "$1" bench kv put --size 128B --msgs "$msgs" \
		--no-progress >"$WORK/$3.put.out" 2>&1 || return 1
	nb "$1" bench kv get --size 128B --msgs "$msgs" \
		--no-progress --csv "$csv" >"$WORK/$3.out" 2>&1 || return 1
	csv_col "$csv" MsgsPerSec
}

# 4 clients at once: concurrent puts share a group commit; gets spread over
# random keys. natscli's CSV MsgCount is off with several clients, so the
# rate is taken from its "aggregated stats" line.
DESC[kv_put4]="KV put, 4 clients, 128 B (aggregate)"; UNIT[kv_put4]="ops/s"
DESC[kv_get4]="KV get, 4 clients, random keys, 128 B (aggregate)"; UNIT[kv_get4]="ops/s"
# agg_rate FILE: the "aggregated stats: N msgs/sec" figure of a natscli run.
agg_rate() { sed -n 's/.*aggregated stats: \([0-9,]*\) msgs\/sec.*/\1/p' "$1" | tr -d , | head -n 1 | grep .; }
scn_kv_put4() {
	nb "$1" bench kv put --clients 4 --size 128B --msgs "$(n 20000)" \
		--no-progress >"$WORK/$3.out" 2>&1 || return 1
	agg_rate "$WORK/$3.out"
}
DESC[kv_put4_interval]="KV put, 4 clients, 128 B; petrel sync_interval 2m vs reference default"
DESC[kv_put4_refalways]="KV put, 4 clients, 128 B; petrel durable vs reference sync_interval always"
UNIT[kv_put4_interval]="ops/s"; UNIT[kv_put4_refalways]="ops/s"
CONF[kv_put4_interval:petrel]=$INTERVAL_CONF
CONF[kv_put4_refalways:ref]=$ALWAYS_CONF
scn_kv_put4_interval()  { scn_kv_put4 "$@"; }
scn_kv_put4_refalways() { scn_kv_put4 "$@"; }
scn_kv_get4() {
	local msgs
	msgs=$(n 20000)
	nb "$1" bench kv put --clients 4 --size 128B --msgs "$msgs" \
		--no-progress >"$WORK/$3.put.out" 2>&1 || return 1
	nb "$1" bench kv get --clients 4 --size 128B --msgs "$msgs" --randomize "$msgs" \
		--no-progress >"$WORK/$3.out" 2>&1 || return 1
	agg_rate "$WORK/$3.out"
}

# ---------------------------------------------------------------------------
# Idle connections: server RSS growth per connection (lower is better).
# ---------------------------------------------------------------------------
DESC[conns]="$CONNS idle conns: server VmRSS growth per conn"; UNIT[conns]="B/conn"
scn_conns() {
	local url=$1 out=$WORK/$3.out
	bounded "$((RUN_TIMEOUT + 60))" "$BIN/idleconns" -addr "${url#nats://}" -pid "$2" -n "$CONNS" \
		-timeout "$((RUN_TIMEOUT + 50))s" >"$out" 2>&1 || return 1
	sed -n 's/^RESULT bytes_per_conn=\([0-9-]*\) .*rss_after_kib=\([0-9]*\).*/\1 rss_after=\2KiB/p' "$out"
}

# ---------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------

# stats V1 V2 ...: "median min max" (numeric).
stats() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.0f %.0f %.0f\n", m, v[1], v[NR] }'
}

# human N: 1234567 -> 1,234,567
human() { printf '%s' "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

SUMMARY=()
run_scenario() {
	local scn=$1 rep side tag res val m lo hi t0=$SECONDS
	local -A vals=() fails=() extras=() xlabel=()
	say "== $scn: ${DESC[$scn]}"
	for ((rep = 1; rep <= REPS; rep++)); do
		for side in petrel ref; do
			tag="$scn-$side-$rep"
			res=""
			if start_server "$side" "$scn" && res=$(scn_"$scn" "nats://127.0.0.1:${SRV_PORT[$side]}" "${SRV_PID[$side]}" "$tag") &&
				val=${res%% *} && [[ $val =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
				vals[$side]+="$val "
				# optional secondary metric "label=NUMBERunit"
				if [[ $res =~ \ ([a-z_]+)=([0-9.]+)([A-Za-z/]*)$ ]]; then
					extras[$side]+="${BASH_REMATCH[2]} "
					xlabel[$side]="${BASH_REMATCH[1]}|${BASH_REMATCH[3]}"
				fi
				say "   run $rep $side: $res"
			else
				fails[$side]=$((${fails[$side]:-0} + 1))
				ANY_FAILED=1
				say "   run $rep $side: FAILED (logs: $WORK/$tag.*, $WORK/$side.log)"
			fi
			stop_server "$side"
		done
	done

	local -A med=() cell=()
	for side in petrel ref; do
		if [[ -z ${vals[$side]:-} ]]; then
			cell[$side]="FAILED"
			continue
		fi
		# shellcheck disable=SC2086
		read -r m lo hi < <(stats ${vals[$side]})
		med[$side]=$m
		cell[$side]="$(human "$m") ($(human "$lo")–$(human "$hi"))"
		if [[ -n ${fails[$side]:-} ]]; then cell[$side]+=" [${fails[$side]}/$REPS FAILED]"; fi
		if [[ -n ${extras[$side]:-} ]]; then
			# shellcheck disable=SC2086
			read -r m lo hi < <(stats ${extras[$side]})
			cell[$side]+="; ${xlabel[$side]%|*} $(human "$m")${xlabel[$side]#*|} ($(human "$lo")–$(human "$hi"))"
		fi
	done
	local ratio="n/a"
	if [[ -n ${med[petrel]:-} && -n ${med[ref]:-} && ${med[ref]} != 0 ]]; then
		ratio=$(awk -v a="${med[petrel]}" -v b="${med[ref]}" 'BEGIN { printf "%.2f", a / b }')
	fi
	local row
	row="| $scn | ${DESC[$scn]} | ${UNIT[$scn]} | ${cell[petrel]} | ${cell[ref]} | $ratio |"
	SUMMARY+=("$row")
	printf '%-20s %s %s | %s %s | ratio %s (%s) [%ss]\n' \
		"$scn" "$NAME_A" "${cell[petrel]}" "$NAME_B" "${cell[ref]}" "$ratio" "${UNIT[$scn]}" "$((SECONDS - t0))"
}

if [[ ${1:-} == --list ]]; then
	for g in core js kv consume conns; do
		declare -n grp="GROUP_$g"
		for s in "${grp[@]}"; do printf '%-6s %-20s %s\n' "$g" "$s" "${DESC[$s]}"; done
		unset -n grp
	done
	exit 0
fi

SCENARIOS=()
[[ $# -gt 0 ]] || set -- core
for arg in "$@"; do
	case $arg in
	all) SCENARIOS+=("${GROUP_core[@]}" "${GROUP_js[@]}" "${GROUP_kv[@]}" "${GROUP_consume[@]}" "${GROUP_conns[@]}") ;;
	core) SCENARIOS+=("${GROUP_core[@]}") ;;
	js) SCENARIOS+=("${GROUP_js[@]}") ;;
	kv) SCENARIOS+=("${GROUP_kv[@]}") ;;
	consume) SCENARIOS+=("${GROUP_consume[@]}") ;;
	conns) SCENARIOS+=("${GROUP_conns[@]}") ;;
	*)
		declare -F "scn_$arg" >/dev/null || die "unknown scenario or group '$arg' (try --list)"
		SCENARIOS+=("$arg")
		;;
	esac
done

setup
say "== petrel:    ${SRV_BIN[petrel]} (port ${SRV_PORT[petrel]})"
say "== reference: ${SRV_BIN[ref]} ($("${SRV_BIN[ref]}" --version 2>/dev/null)) (port ${SRV_PORT[ref]})"
say "== natscli $("$BIN/nats" --version 2>&1); REPS=$REPS BENCH_SCALE=$BENCH_SCALE; scenarios: ${SCENARIOS[*]}"
START=$SECONDS
for scn in "${SCENARIOS[@]}"; do
	run_scenario "$scn"
done

{
	echo
	echo "Results $(date -u +%Y-%m-%dT%H:%MZ), $REPS alternating runs per side, median (min–max)$([[ ${PETREL_BIN:-} == ref || ${PETREL_BIN:-} == reference ]] && echo ', CALIBRATION: reference on both sides')"
	echo
	echo "| scenario | what | unit | $NAME_A | $NAME_B | ratio ${NAME_A%% *}/${NAME_B%% *} |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${SUMMARY[@]}"
	echo
	echo "($((SECONDS - START)) s of benchmarks; for B/conn lower is better, elsewhere higher is better)"
} | tee -a "${RESULTS_OUT:-/dev/null}"
