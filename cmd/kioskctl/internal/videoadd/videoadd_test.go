package videoadd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// sourceClip makes a 3 s clip of 160x80 at 30 fps with FFmpeg: blue, with
// a red 40x20 marker in its top-left corner, and a tone when sound is
// true. It returns its path.
func sourceClip(t *testing.T, sound bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Border report (2026).mp4")
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "color=c=blue:s=160x80:r=30:d=3,drawbox=x=0:y=0:w=40:h=20:color=red:t=fill"}
	if sound {
		args = append(args, "-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=44100", "-c:a", "aac")
	}
	// B-frames in the source, which the renditions must not keep.
	args = append(args, "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p", "-shortest", p)
	if out, err := exec.CommandContext(t.Context(), "ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return p
}

func TestH264Level(t *testing.T) {
	tests := []struct {
		w, h, fps int
		want      string
	}{
		{320, 160, 25, "3.0"},
		{1280, 720, 25, "3.1"},
		{1536, 768, 25, "3.2"}, // 4608 macroblocks a frame
		{1920, 1080, 25, "4.0"},
		{1920, 1080, 60, "4.2"},
		{3840, 1080, 25, "5.0"},
		{3840, 2160, 30, "5.1"},
		{7680, 4320, 30, "6.0"},
		{7680, 16, 25, "5.1"}, // 480 macroblocks wide: more than level 5.0's 420
	}
	for _, tc := range tests {
		if got := h264Level(tc.w, tc.h, tc.fps); got != tc.want {
			t.Errorf("h264Level(%d, %d, %d) = %s, want %s", tc.w, tc.h, tc.fps, got, tc.want)
		}
	}
}

func TestIDFromName(t *testing.T) {
	for name, want := range map[string]string{
		"/clips/Border report (2026).mp4": "border-report-2026",
		"phong-su_tinh-bien.v2.MOV":       "phong-su_tinh-bien.v2",
		"Phóng sự Đồng Tháp.mp4":          "phong-su-dong-thap",
		"Phóng sự (NFD).mp4":           "phong-su-nfd",
		"---.mp4":                         "",
	} {
		if got := IDFromName(name); got != want {
			t.Errorf("IDFromName(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestTranscodeFailure checks that FFmpeg's own reason, the end of its
// messages, is in the error of a failed run, and that a run stopped from
// outside says so.
func TestTranscodeFailure(t *testing.T) {
	clip := sourceClip(t, false)
	g := geometry{w: 320, h: 160, fps: 25, layoutW: 320, layoutH: 160}
	out := filepath.Join(t.TempDir(), "no-such-folder", "out.mp4")
	err := transcode(t.Context(), "ffmpeg", clip, out, g, content.FitContain, false, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "ffmpeg: exit status") || !strings.Contains(err.Error(), "No such file or directory") {
		t.Errorf("error %v, want FFmpeg's exit status and its message", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = transcode(ctx, "ffmpeg", clip, filepath.Join(t.TempDir(), "out.mp4"), g, content.FitContain, false, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "ffmpeg stopped: context canceled") {
		t.Errorf("error %v, want the run stopped", err)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	for _, s := range []string{"first line\n", "second\n", "last: reason\n"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := b.String(); got != "reason" {
		t.Errorf("kept %q, want the last 8 bytes trimmed, %q", got, "reason")
	}
}

// TestInstallFile checks that a rendition is written through the
// bundle's root: a link made in the bundle after the check, leading out
// of it, is not followed.
func TestInstallFile(t *testing.T) {
	bundle := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(bundle, "video")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "made.mp4")
	if err := os.WriteFile(src, []byte("rendition"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := installFile(root, src, "video/clip.mp4"); err == nil {
		t.Error("installFile wrote through a link out of the bundle")
	}
	if ents, _ := os.ReadDir(outside); len(ents) > 0 {
		t.Errorf("installFile wrote %v outside the bundle", ents)
	}
	if err := os.Remove(filepath.Join(bundle, "video")); err != nil {
		t.Fatal(err)
	}
	if err := installFile(root, src, "video/clip.mp4"); err != nil {
		t.Fatalf("installFile: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(bundle, "video", "clip.mp4"))
	if err != nil || string(got) != "rendition" {
		t.Errorf("video/clip.mp4 = %q, %v; want the rendition", got, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(bundle, "video")); len(ents) != 1 {
		t.Errorf("video/ holds %v, want only clip.mp4", ents)
	}
}

// TestTranscodeRefusesOtherFormats checks that FFmpeg itself refuses a
// playlist named like a clip, should the file change between the probe
// and the transcoding (kioskctl add-video's tests check the probe's
// refusal).
func TestTranscodeRefusesOtherFormats(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(dir, "harmless.mp4")
	playlist := "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n" + filepath.Join(dir, "unreleased.mp4") + "\n#EXT-X-ENDLIST\n"
	if err := os.WriteFile(clip, []byte(playlist), 0o644); err != nil {
		t.Fatal(err)
	}
	g := geometry{w: 320, h: 160, fps: 25, layoutW: 320, layoutH: 160}
	err := transcode(t.Context(), "ffmpeg", clip, filepath.Join(t.TempDir(), "out.mp4"), g, content.FitContain, false, time.Second)
	want := clip + `: FFmpeg reads it as "hls", not a video file`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("transcode: error %v, want one with %q", err, want)
	}
}
