//go:build !windows

package cache

import "os"

// syncDir flushes a folder's entries (new and renamed names) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
