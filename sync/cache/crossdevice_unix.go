//go:build unix

package cache

import (
	"errors"
	"syscall"
)

// isCrossDevice reports whether err says the two names are on different
// file systems.
func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }
