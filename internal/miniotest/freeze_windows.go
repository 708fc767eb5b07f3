package miniotest

import "testing"

// Freeze needs SIGSTOP, which Windows lacks: tests that freeze the server
// run on Linux.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	t.Skip("miniotest: freezing a server needs SIGSTOP (Linux, macOS)")
}

// Thaw is Freeze's counterpart; see Freeze.
func (s *Server) Thaw(t testing.TB) { t.Helper() }
