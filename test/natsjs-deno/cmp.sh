#!/bin/bash
# usage: cmp.sh <petrel log dir> <reference log dir>
# Lists, per test file, the tests that failed against petrel only, and the
# tests still running after a minute (a hang shows there).
P=$1; R=$2
for f in $P/*.log; do
  n=$(basename $f)
  pf=$(grep -E ' \.\.\. FAILED' $f | sed 's/ \.\.\. FAILED.*//' | sort -u)
  rf=$(grep -E ' \.\.\. FAILED' $R/$n 2>/dev/null | sed 's/ \.\.\. FAILED.*//' | sort -u)
  only=$(comm -23 <(echo "$pf") <(echo "$rf") | grep -v '^$')
  hung=$(grep -E "has been running for over" $f | sed "s/ has been.*//" | sort -u)
  [ -n "$only$hung" ] && { echo "== $n"; [ -n "$only" ] && echo "$only" | sed 's/^/  petrel-only FAIL: /'; [ -n "$hung" ] && echo "$hung" | sed 's/^/  slow: /'; }
done
