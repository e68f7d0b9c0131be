#!/bin/bash
# usage: run.sh <dir with nats-server (and deno)> <log dir> test files...
# Runs each nats.js test file with deno (in the nats.js checkout this
# script sits in), one at a time, TMO seconds at most (default 600), and
# prints each file's summary line.
bin=$1; out=$2; shift 2
mkdir -p $out
export PATH=$bin:$PATH NO_COLOR=1
cd "$(dirname "$0")"
for f in "$@"; do
  n=$(echo $f | tr / _)
  timeout -k 10 ${TMO:-600} deno test -A --no-check $f > $out/$n.log 2>&1
  echo "$f rc=$? $(grep -E '^(ok|FAILED) \|' $out/$n.log)"
done
