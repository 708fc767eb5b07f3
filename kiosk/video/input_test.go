package video

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInputIsMP4Only: a rendition whose bytes are an HLS playlist naming
// a clip outside its folder (by an absolute and a relative path) is not
// followed: the decoder fails with no frame and the sound decoder's Read
// with an error, both naming the file, instead of decoding the clip the
// playlist names.
func TestInputIsMP4Only(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "not-in-bundle.ts")
	if out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=160x80:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", outside).CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", outside, err, out)
	}
	tests := []struct{ name, entry string }{
		{"absolute", outside},
		{"relative", "../not-in-bundle.ts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			path := filepath.Join(dir, "video", "clip-160x80.mp4")
			os.MkdirAll(filepath.Dir(path), 0o755)
			playlist := "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n" + tc.entry + "\n#EXT-X-ENDLIST\n"
			if err := os.WriteFile(path, []byte(playlist), 0o644); err != nil {
				t.Fatal(err)
			}

			d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: 160, Height: 80})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			werr := d.Wait(ctx, 1<<30)
			t.Logf("decoder: %v", werr)
			if d.Frames() > 0 || d.Err() == nil {
				t.Errorf("decoded %d frames through a playlist (Err %v)", d.Frames(), d.Err())
			} else if !errors.Is(werr, d.Err()) || !containsAll(d.Err().Error(), path+": FFmpeg failed") {
				t.Errorf("Wait = %v, Err = %v: want FFmpeg's failure naming %s", werr, d.Err(), path)
			}

			a, err := StartAudio(context.Background(), AudioOptions{Program: ffmpeg, Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			n, rerr := io.Copy(io.Discard, a)
			t.Logf("sound: %d bytes, %v", n, rerr)
			if n > 0 || rerr == nil || !containsAll(rerr.Error(), path+": FFmpeg failed") {
				t.Errorf("read %d bytes of sound through a playlist (err %v)", n, rerr)
			}
		})
	}
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
