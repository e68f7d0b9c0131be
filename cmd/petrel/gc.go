package main

import (
	"os"
	"runtime/debug"
)

// GC tuning of the binary (programs embedding petrel choose their own).
//
// petrel's live Go heap is small, since Pebble keeps its memtables and
// block cache off it (when built with cgo), while JetStream allocates at
// the message rate: with Go's default, a collection each time the heap
// doubles, that means many collections. Measured with bench/cpumsg.sh on
// `nats bench js pub async --size 1KiB --msgs 150000` (2026-11-30, shared
// 2-core machine, 5 runs each): server CPU 104-125 ticks (median 112)
// with Go's default, 94-110 (median 106) with this; RSS per idle
// connection unchanged (16.9 KB, bench/compare.sh conns). So, unless the
// environment sets them:
//
//	GOGC        400: collect when the heap reaches 5x what survived
//	GOMEMLIMIT  half the machine's memory: a soft cap, so the looser
//	            target never runs away (the GC works harder near it)
const (
	defaultGCPercent = 400
	memLimitShare    = 2 // GOMEMLIMIT = physical memory / memLimitShare
)

func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		if total := physicalMemory(); total > 0 {
			debug.SetMemoryLimit(total / memLimitShare)
		}
	}
}
