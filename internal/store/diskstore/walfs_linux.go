package diskstore

import "syscall"

const canAllocate = true

// allocate reserves [off, off+n) of the file fd and moves its end there
// (fallocate without FALLOC_FL_KEEP_SIZE).
func allocate(fd uintptr, off, n int64) error {
	return syscall.Fallocate(int(fd), 0, off, n)
}
