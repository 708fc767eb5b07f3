package video

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// referenceSound decodes path's sound as the sound decoder does, alone:
// the oracle for its PCM.
func referenceSound(t testing.TB, path string) []byte {
	t.Helper()
	out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-i", path,
		"-map", "0:a:0", "-f", "s16le", "-ar", "44100", "-ac", "2", "pipe:1").Output()
	if err != nil {
		t.Fatalf("reference sound %s: %v", path, err)
	}
	return out
}

// TestFileNotPath: with File, the decoders read the file the caller
// opened (and checked), although another clip has been renamed over its
// path since; without File they read what the path names now. The
// caller's file stays open, its offset untouched.
func TestFileNotPath(t *testing.T) {
	const w, h = 160, 80
	checked := clip(t, w, h, 1, true)
	swapped := clip(t, w, h, 1, true, "-vf", "negate", "-af", "volume=0.25")
	wantPicture, wantSound := reference(t, checked)[:w*h*3/2], referenceSound(t, checked)
	swappedPicture, swappedSound := reference(t, swapped)[:w*h*3/2], referenceSound(t, swapped)
	if bytes.Equal(wantPicture, swappedPicture) || bytes.Equal(wantSound, swappedSound) {
		t.Fatal("the two clips have the same first frame or sound")
	}
	f, err := os.Open(checked)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Rename(swapped, checked); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		file         *os.File
		picture, pcm []byte
	}{
		{"file", f, wantPicture, wantSound},
		{"path only", nil, swappedPicture, swappedSound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			d, err := Start(context.Background(), Options{Program: ffmpeg, Path: checked, File: tc.file, Width: w, Height: h})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := d.Wait(ctx, 0); err != nil {
				t.Fatal(err)
			}
			if fr := d.Frame(0); fr == nil || !bytes.Equal(fr.YUV, tc.picture) {
				t.Errorf("the first frame is not the expected clip's")
			}
			d.Close()

			a, err := StartAudio(context.Background(), AudioOptions{Program: ffmpeg, Path: checked, File: tc.file})
			if err != nil {
				t.Fatal(err)
			}
			pcm, err := io.ReadAll(a)
			a.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pcm, tc.pcm) {
				t.Errorf("%d bytes of sound, not the expected clip's %d", len(pcm), len(tc.pcm))
			}
		})
	}
	if off, err := f.Seek(0, io.SeekCurrent); err != nil || off != 0 {
		t.Errorf("the caller's file: offset %d, %v; want it open at 0", off, err)
	}
}
