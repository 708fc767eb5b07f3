package video

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// peakMiB is the most memory (resident) the process used, once it has
// been waited for.
func peakMiB(t *testing.T, p *process) int64 {
	t.Helper()
	if p.cmd.ProcessState == nil {
		t.Fatal("the process has not been waited for")
	}
	return p.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10 // KiB on Linux
}

// TestLargePictureRefused: a small file of huge pictures (8192x8192
// H.264, some 200 KB) makes the decoder fail fast, naming the file,
// before FFmpeg allocates a picture (one is 96 MiB, and it would hold
// several); the sound decoder plays the file's sound without decoding a
// picture.
func TestLargePictureRefused(t *testing.T) {
	checkGoroutines(t)
	path := filepath.Join(t.TempDir(), "clip-8192x8192.mp4")
	if out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", "color=black:size=8192x8192:rate=25:duration=0.04", "-f", "lavfi", "-i", "sine=duration=0.2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", path).CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", path, err, out)
	}
	const limitMiB = 150

	started := time.Now()
	d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: 320, Height: 240})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	werr := d.Wait(ctx, 0)
	took := time.Since(started)
	d.Close()
	peak := peakMiB(t, d.proc)
	t.Logf("decoder: after %v, peak %d MiB: %v", took.Round(time.Millisecond), peak, werr)
	if werr == nil || d.Frames() > 0 || !strings.Contains(werr.Error(), path+": the picture is larger than 320x240") {
		t.Errorf("Wait = %v after %d frames, want a picture too large, naming %s", werr, d.Frames(), path)
	}
	if took > 2*time.Second {
		t.Errorf("the failure took %v", took)
	}
	if peak > limitMiB {
		t.Errorf("the decoder took %d MiB, want at most %d", peak, limitMiB)
	}

	a, err := StartAudio(context.Background(), AudioOptions{Program: ffmpeg, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	n, rerr := io.Copy(io.Discard, a)
	a.Close()
	peak = peakMiB(t, a.proc)
	t.Logf("sound: %d bytes, peak %d MiB, FFmpeg said %q", n, peak, a.proc.stderr.String())
	if rerr != nil || n == 0 {
		t.Errorf("read %d bytes of sound: %v", n, rerr)
	}
	if peak > limitMiB {
		t.Errorf("the sound decoder took %d MiB, want at most %d", peak, limitMiB)
	}
}
