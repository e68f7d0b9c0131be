//go:build !linux

package jetstream

// systemMemory is the machine's physical memory in bytes, 0 if unknown.
func systemMemory() int64 { return 0 }

// diskFree is the free space on dir's filesystem, 0 if unknown.
func diskFree(string) int64 { return 0 }
