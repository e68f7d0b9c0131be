//go:build !linux

package main

// physicalMemory is unknown here: no soft memory limit is set.
func physicalMemory() int64 { return 0 }
