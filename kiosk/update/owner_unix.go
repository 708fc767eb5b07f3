//go:build unix

package update

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwned refuses a folder of builds that someone else could have put
// there or could change: a link, a folder of another user, or one that
// its group or every user may write. Programs in it are run.
func checkOwned(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return fmt.Errorf("%s: not a folder but %s: player builds are kept only in a folder of the kiosk's own", path, fi.Mode().Type())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s: other users may write to it (%s): player builds are kept only in a folder of the kiosk's own", path, perm)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s: owned by user %d, not this one (%d): player builds are kept only in a folder of the kiosk's own", path, st.Uid, os.Geteuid())
	}
	return nil
}
