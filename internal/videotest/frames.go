package videotest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ExtractFrames decodes every frame of clip with ffmpeg (from PATH) into
// PNG files in dir (an empty folder such as t.TempDir()), frame0001.png
// onwards, one file per frame as stored, and returns their paths in order. It fails the test if FFmpeg fails or finds no frame.
func ExtractFrames(t testing.TB, clip, dir string) []string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-i", clip, "-fps_mode", "passthrough", filepath.Join(dir, "frame%04d.png"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("videotest: decode %s: %v: %s", clip, err, lastLines(stderr.String(), 10))
	}
	var paths []string
	for i := 1; ; i++ {
		p := filepath.Join(dir, fmt.Sprintf("frame%04d.png", i))
		if _, err := os.Stat(p); err != nil {
			break
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		t.Fatalf("videotest: decode %s: no frames in %s", clip, dir)
	}
	return paths
}
