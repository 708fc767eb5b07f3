package versitygwtest

import (
	"os"

	"golang.org/x/sys/unix"
)

// xattrSupported reports whether files in dir take user extended
// attributes, where the posix backend keeps object metadata by default.
func xattrSupported(dir string) bool {
	f, err := os.CreateTemp(dir, ".xattr-probe-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	return unix.Setxattr(name, "user.kiosk.probe", []byte("1"), 0) == nil
}
