//go:build linux

package player

import (
	"os"
	"syscall"
	"time"
)

// changeTime is fi's status change time (ctime), which a write to the
// file sets and no one can set back; zero where unknown.
func changeTime(fi os.FileInfo) time.Time {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}
	}
	sec, nsec := st.Ctim.Unix()
	return time.Unix(sec, nsec)
}
