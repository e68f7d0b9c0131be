#!/usr/bin/env bash
# cpumsg.sh — server CPU spent on one natscli benchmark run.
#
# Usage: NATS=/path/to/nats bench/cpumsg.sh SERVER_BIN [CONF_TEXT] -- BENCH_ARGS...
#   e.g. bench/cpumsg.sh /tmp/petrel '' -- bench js pub async js.benchs --stream benchs --size 1KiB --msgs 150000
#
# Starts SERVER_BIN (petrel or nats-server) on a free-ish port with -js and
# a fresh store dir (and CONF_TEXT as a -c file when given), creates the
# file stream "benchs" on subject js.benchs (STORAGE=memory for a memory
# stream), runs `nats BENCH_ARGS --no-progress`, and prints the server's
# utime+stime over the run in clock ticks (1/100 s on Linux) and natscli's
# rate line. Divide the ticks by the message count for CPU per message.
# Less noisy than throughput on a shared machine, since it counts only the
# server's own work.
set -euo pipefail
BIN=$1
CONF=${2:-}
shift 2
[[ ${1:-} == -- ]] && shift
NATS_BIN=${NATS:-nats}
SD=$(mktemp -d "${TMPDIR:-/tmp}/cpumsg.XXXXXX")
PORT=$((24300 + RANDOM % 500))
args=(-a 127.0.0.1 -p "$PORT" -js -sd "$SD")
if [[ -n $CONF ]]; then
	printf '%s\n' "$CONF" >"$SD.conf"
	args=(-c "$SD.conf" "${args[@]}")
fi
"$BIN" "${args[@]}" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$SD" "$SD.conf"' EXIT
sleep 0.7
export XDG_CONFIG_HOME=$SD/xdg
N=("$NATS_BIN" --no-context -s "nats://127.0.0.1:$PORT")
"${N[@]}" stream add benchs --subjects js.benchs --storage "${STORAGE:-file}" --defaults --discard new \
	--max-bytes 1GiB --dupe-window 2m --allow-direct >/dev/null 2>&1
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
T0=$(ticks)
OUT=$("${N[@]}" "$@" --no-progress 2>&1 | grep -o "stats: [0-9,]* msgs/sec" | head -1 || true)
T1=$(ticks)
echo "cpu_ticks=$((T1 - T0)) $OUT"
