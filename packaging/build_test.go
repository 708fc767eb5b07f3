package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTools writes stand-ins for go and nfpm into a folder: each creates
// the file named by its -o or --target (and its folder), so build.sh runs
// in a moment.
func fakeTools(t *testing.T) (goTool, nfpm string) {
	t.Helper()
	dir := t.TempDir()
	goTool, nfpm = filepath.Join(dir, "go"), filepath.Join(dir, "nfpm")
	for path, flag := range map[string]string{goTool: "-o", nfpm: "--target"} {
		script := "#!/bin/sh\nwhile [ $# -gt 0 ]; do\n\tif [ \"$1\" = " + flag + " ]; then mkdir -p \"$(dirname \"$2\")\" && : >\"$2\"; fi\n\tshift\ndone\n"
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return goTool, nfpm
}

// TestBuildVersionChecked gives build.sh versions that are not Debian
// versions: each is refused before anything is built, so none runs a
// command (sed's e), names a file outside OUT, or adds a control field.
func TestBuildVersionChecked(t *testing.T) {
	root := repoRoot(t)
	goTool, nfpm := fakeTools(t)
	t.Run("a Debian version builds", func(t *testing.T) {
		out := t.TempDir()
		cmd := exec.Command(filepath.Join(root, "packaging", "build.sh"))
		cmd.Env = append(os.Environ(), "OUT="+out, "VERSION=1.2.3~rc1+4.gabc1234.dirty", "GO="+goTool, "NFPM="+nfpm)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("packaging/build.sh: %v\n%s", err, b)
		}
		if _, err := os.Stat(filepath.Join(out, "kiosk_1.2.3~rc1+4.gabc1234.dirty_amd64.deb")); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct{ name, version string }{
		{"sed command", "1/;e touch MARKER #"},
		{"sed command, no space", "1/;etouch${IFS}MARKER;#"},
		{"path", "1.0/../../MARKER"},
		{"control field", "1.0\nPre-Depends: MARKER"},
		{"shell", "1.0$(touch MARKER)"},
		{"space", "1.0 MARKER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			out := filepath.Join(base, "a", "b")
			marker := filepath.Join(base, "m")
			version := strings.ReplaceAll(tc.version, "MARKER", marker)
			cmd := exec.Command(filepath.Join(root, "packaging", "build.sh"))
			cmd.Env = append(os.Environ(), "OUT="+out, "VERSION="+version, "GO="+goTool, "NFPM="+nfpm)
			b, err := cmd.CombinedOutput()
			if err == nil {
				t.Errorf("VERSION=%q: built\n%s", version, b)
			} else if !strings.Contains(string(b), "want a Debian version") {
				t.Errorf("VERSION=%q: %v, not the version's refusal\n%s", version, err, b)
			}
			// Nothing is written outside OUT, nor a marker.
			_ = filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasPrefix(path, out+string(filepath.Separator)) {
					t.Errorf("VERSION=%q: %s written", version, path)
				}
				return nil
			})
		})
	}
}
