package jetstream

import "syscall"

// systemMemory is the machine's physical memory in bytes, 0 if unknown.
func systemMemory() int64 {
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		return 0
	}
	return int64(info.Totalram) * int64(info.Unit)
}

// diskFree is the space an unprivileged writer may still use on the
// filesystem holding dir, in bytes, 0 if unknown.
func diskFree(dir string) int64 {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0
	}
	return int64(fs.Bavail) * int64(fs.Bsize)
}
