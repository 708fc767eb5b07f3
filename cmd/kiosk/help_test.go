package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelp builds the kiosk command and runs `kiosk --help` with and without
// a display: both print the usage on stdout and exit 0. Without one,
// Ebiten's initialisation would otherwise panic before main runs. (This
// test binary links Ebiten too, so it runs under the X server `make test`
// starts, and takes the display away from the command it starts.)
func TestHelp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "kiosk")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var withoutDisplay []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			withoutDisplay = append(withoutDisplay, kv)
		}
	}
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"help without display", withoutDisplay, []string{"--help"}, 0, "-config string", ""},
		{"bad flag without display", withoutDisplay, []string{"--nonsense"}, 2, "", "flag provided but not defined: -nonsense"},
		{"play without display", withoutDisplay, nil, 1, "", "no display to play on"},
		{"help with a display", os.Environ(), []string{"--help"}, 0, "-config string", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = append(tc.env, "XDG_CACHE_HOME="+t.TempDir())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) || strings.Contains(stderr.String(), "panic") {
				t.Errorf("stderr lacks %q or panics:\n%s", tc.wantErr, stderr.String())
			}
		})
	}
}
