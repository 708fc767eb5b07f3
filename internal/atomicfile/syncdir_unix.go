//go:build !windows

package atomicfile

import "os"

// SyncDir flushes a folder's entries (new and renamed names) to disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
