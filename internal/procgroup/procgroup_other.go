//go:build !unix

package procgroup

import (
	"errors"
	"os"
	"os/exec"
)

// Own leaves cmd as it is: the child is killed alone (its context's end
// kills it), and a wait delay on cmd bounds the wait for a process it
// started that holds its output.
func Own(cmd *exec.Cmd) {}

// Kill kills cmd's process, once it has started. A process already gone
// is not an error.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := cmd.Process.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// Lower does nothing here: the child keeps the priority it starts with.
func Lower(cmd *exec.Cmd, nice int) error { return nil }
