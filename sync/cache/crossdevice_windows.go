//go:build windows

package cache

import (
	"errors"
	"syscall"
)

// Windows error codes for a link between volumes, and for a file system
// (FAT) that has no hard links.
const (
	errorNotSameDevice   = syscall.Errno(17) // ERROR_NOT_SAME_DEVICE
	errorInvalidFunction = syscall.Errno(1)  // ERROR_INVALID_FUNCTION
)

// isCrossDevice reports whether err says the two names are on different
// volumes, or that the volume cannot link at all.
func isCrossDevice(err error) bool {
	return errors.Is(err, errorNotSameDevice) || errors.Is(err, errorInvalidFunction)
}
