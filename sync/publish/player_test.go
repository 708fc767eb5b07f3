package publish

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildProgram builds a small program carrying version for goos/goarch.
func buildProgram(t *testing.T, goos, goarch, version string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nvar version = \"dev\"\n\nfunc main() { println(version) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kiosk")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+version, "-o", out, src)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestCheckProgram(t *testing.T) {
	linux := buildProgram(t, "linux", "amd64", "1.3.0")
	windows := buildProgram(t, "windows", "amd64", "1.3.0")
	text := filepath.Join(t.TempDir(), "kiosk")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho 1.3.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, goos, goarch, version, want string
	}{
		{"linux", linux, "linux", "amd64", "1.3.0", ""},
		{"windows", windows, "windows", "amd64", "1.3.0", ""},
		{"a typo in the version", linux, "linux", "amd64", "13.0.0", `does not carry the version "13.0.0"`},
		{"a windows program as linux", windows, "linux", "amd64", "1.3.0", "not a linux program"},
		{"a linux program as windows", linux, "windows", "amd64", "1.3.0", "not a windows program"},
		{"another architecture", linux, "linux", "arm64", "1.3.0", "a program for linux/amd64, not linux/arm64"},
		{"a script", text, "linux", "amd64", "1.3.0", "not a linux program"},
		{"another system", linux, "plan9", "amd64", "1.3.0", "knows linux and windows programs"},
		{"no file", filepath.Join(t.TempDir(), "none"), "linux", "amd64", "1.3.0", "no such file"},
	} {
		err := CheckProgram(tc.path, tc.goos, tc.goarch, tc.version)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}
