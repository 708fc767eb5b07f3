//go:build !unix

package video

import (
	"errors"
	"os"
	"os/exec"
)

// ownGroup leaves cmd as it is: on Windows FFmpeg is killed alone (it
// starts no processes of its own), and the wait delay bounds the wait for
// its output.
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills cmd's process, once it has started.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := cmd.Process.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
