//go:build unix

package studio

import "golang.org/x/sys/unix"

// freeBytes is the space free to this user in the file system of dir,
// or 0 when it cannot be told.
func freeBytes(dir string) uint64 {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return 0
	}
	return st.Bavail * uint64(st.Bsize)
}
