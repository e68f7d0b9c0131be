//go:build unix

package diskstore

import "syscall"

// statfsFree is the space an unprivileged writer may use on dir's
// filesystem.
func statfsFree(dir string) (int64, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, err
	}
	return int64(fs.Bavail) * int64(fs.Bsize), nil
}
