//go:build !linux

package player

import (
	"os"
	"time"
)

// changeTime is zero here: a file's size and modification time are what
// is compared.
func changeTime(os.FileInfo) time.Time { return time.Time{} }
