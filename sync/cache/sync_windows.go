//go:build windows

package cache

// syncDir is a no-op on Windows, where folders cannot be opened for
// syncing; NTFS journals renames.
func syncDir(string) error { return nil }
