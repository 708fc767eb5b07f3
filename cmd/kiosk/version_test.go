//go:build unix

package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestProgramVersion: `kiosk supervise --player X` asks X its version, so
// that a package upgraded past the installed builds runs; a program that
// says nothing usable is taken as older than any build.
func TestProgramVersion(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct{ name, script, want string }{
		{"a version", "echo 1.4.0+2.gabc1234", "1.4.0+2.gabc1234"},
		{"a development build", "echo dev", ""},
		{"something else", "echo '../../etc'", ""},
		{"a failure", "echo 1.4.0; exit 3", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog := filepath.Join(t.TempDir(), "player")
			if err := os.WriteFile(prog, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			if got := programVersion(prog, log); got != tc.want {
				t.Errorf("programVersion = %q, want %q", got, tc.want)
			}
		})
	}
}
