//go:build unix

package sound

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own, killed whole when
// cmd's context ends: a process the child started goes with it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
}

// killGroup kills cmd's process group (the child leads it), once cmd has
// started.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
