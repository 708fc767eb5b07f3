//go:build !windows

package miniotest

import (
	"syscall"
	"testing"
)

// Freeze stops the server process without ending it (SIGSTOP): connections
// are accepted by the kernel and then nothing answers, as with a server
// that hangs. Thaw lets it go on; the test's cleanup thaws it before it
// stops it.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	s.signal(t, syscall.SIGSTOP)
	t.Cleanup(func() { s.signal(t, syscall.SIGCONT) })
}

// Thaw continues a frozen server (SIGCONT).
func (s *Server) Thaw(t testing.TB) {
	t.Helper()
	s.signal(t, syscall.SIGCONT)
}

func (s *Server) signal(t testing.TB, sig syscall.Signal) { s.proc.Signal(t, sig) }
