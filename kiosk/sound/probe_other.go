//go:build !unix

package sound

import "os/exec"

// ownGroup leaves cmd as it is: on Windows the child is killed alone at
// the timeout, and Probe's wait delay bounds the wait for a process it
// started that holds its output.
func ownGroup(*exec.Cmd) {}

func killGroup(*exec.Cmd) error { return nil }
