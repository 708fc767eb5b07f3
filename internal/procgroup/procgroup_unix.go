//go:build unix

package procgroup

import (
	"errors"
	"os/exec"
	"syscall"
)

// Own makes cmd, made by exec.CommandContext and not yet started, the
// leader of a process group of its own, killed whole when cmd's context
// ends.
func Own(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return Kill(cmd) }
}

// Kill kills cmd's process group, once cmd has started. A group already
// gone is not an error.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Lower lowers the scheduling priority of cmd's process group, once cmd
// has started, to niceness nice (0 to 19): work that has a buffer to
// spare, beside work that has none.
func Lower(cmd *exec.Cmd, nice int) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Setpriority(syscall.PRIO_PGRP, cmd.Process.Pid, nice)
}
