package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestTuneGC: without GOGC/GOMEMLIMIT in the environment the binary sets
// its own; with them set it leaves the runtime alone.
func TestTuneGC(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPct)
		debug.SetMemoryLimit(oldLimit)
	}()
	debug.SetMemoryLimit(1 << 62)

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set in the environment: tuneGC changed the percent to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<62 {
		t.Fatalf("GOMEMLIMIT set in the environment: limit changed to %d", got)
	}
}

func TestTuneGCDefaults(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPct)
		debug.SetMemoryLimit(oldLimit)
	}()
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	tuneGC()
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Fatalf("GC percent %d, want %d", got, defaultGCPercent)
	}
	if mem := physicalMemory(); mem > 0 {
		if got := debug.SetMemoryLimit(-1); got != mem/memLimitShare {
			t.Fatalf("memory limit %d, want %d", got, mem/memLimitShare)
		}
	}
}
