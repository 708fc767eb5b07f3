package video

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestAudio decodes a clip's sound: the PCM is as long as the clip (to
// within an AAC frame), Bytes counts it, and Close twice is fine.
func TestAudio(t *testing.T) {
	checkGoroutines(t)
	path := clip(t, 160, 80, 2, true)
	const rate = 44100
	log := newLockedBuffer()
	started := time.Now()
	a, err := StartAudio(context.Background(), AudioOptions{Program: ffmpeg, Path: path, SampleRate: rate, Channels: 2, Log: testLog(log)})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, a)
	t.Logf("%d bytes in %v", n, time.Since(started).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	const want, aacFrame = 2 * rate * 4, 1024 * 4
	if n < want-aacFrame || n > want+aacFrame || a.Bytes() != n {
		t.Errorf("%d bytes of sound (Bytes %d), want %d within %d", n, a.Bytes(), want, aacFrame)
	}
	if n%4 != 0 {
		t.Errorf("%d bytes: not whole stereo samples", n)
	}
	if _, err := a.Read(make([]byte, 16)); err != io.EOF {
		t.Errorf("Read after the end = %v", err)
	}
	if err := a.Close(); err != nil {
		t.Error(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestAudioFails: a clip with no sound, and a sound decoder that is closed
// or whose context ends, give Read an error naming the file.
func TestAudioFails(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T, ctx context.Context, cancel func()) *Audio
		want  string
	}{
		{
			name: "no sound",
			start: func(t *testing.T, ctx context.Context, cancel func()) *Audio {
				a, err := StartAudio(ctx, AudioOptions{Program: ffmpeg, Path: clip(t, 160, 80, 1, false)})
				if err != nil {
					t.Fatal(err)
				}
				return a
			},
			want: "clip-160x80.mp4: FFmpeg failed (exit status 1): Stream map '0:a:0' matches no streams",
		},
		{
			name: "context ends",
			start: func(t *testing.T, ctx context.Context, cancel func()) *Audio {
				a, err := StartAudio(ctx, AudioOptions{Program: script(t, "exec sleep 60"), Path: "clip.mp4"})
				if err != nil {
					t.Fatal(err)
				}
				cancel()
				return a
			},
			want: "clip.mp4: context canceled",
		},
		{
			name: "closed while read",
			start: func(t *testing.T, ctx context.Context, cancel func()) *Audio {
				a, err := StartAudio(ctx, AudioOptions{Program: script(t, "exec sleep 60"), Path: "clip.mp4"})
				if err != nil {
					t.Fatal(err)
				}
				go func() {
					<-time.After(100 * time.Millisecond)
					a.Close()
				}()
				return a
			},
			want: "clip.mp4: the sound decoder is closed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := time.Now()
			a := tc.start(t, ctx, cancel)
			defer a.Close()
			_, err := io.Copy(io.Discard, a)
			took := time.Since(started)
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read = %v, want %q", err, tc.want)
			}
			if took > 3*time.Second {
				t.Errorf("the error took %v", took)
			}
			if _, again := a.Read(make([]byte, 4)); !errors.Is(again, err) && again.Error() != err.Error() {
				t.Errorf("Read again = %v, want %v", again, err)
			}
			gone(t, a.proc.pid(), 2*time.Second)
		})
	}
}

// TestAudioStall: Read fails, naming the file, when FFmpeg writes nothing
// for StallTimeout while Read waits, and FFmpeg is killed; a consumer that
// pauses longer between its Reads, or FFmpeg writing slowly but within the
// timeout, is no stall.
func TestAudioStall(t *testing.T) {
	const stall = 300 * time.Millisecond
	tests := []struct {
		name    string
		program string
		pause   time.Duration // between Reads
		want    string        // "": the sound ends cleanly
		bytes   int64
	}{
		{
			name:    "stalls after some sound",
			program: "head -c 4096 /dev/zero; exec sleep 60",
			want:    "clip.mp4: the sound decoder stalled: no sound in 300ms after 4096 bytes",
			bytes:   4096,
		},
		{
			name:    "stalls at the start",
			program: "exec sleep 60",
			want:    "clip.mp4: the sound decoder stalled: no sound in 300ms after 0 bytes",
		},
		{
			name:    "slow, within the timeout",
			program: "for i in 1 2 3 4 5; do head -c 1024 /dev/zero; sleep 0.1; done",
			bytes:   5 * 1024,
		},
		{
			name:    "the consumer pauses",
			program: "head -c 2048 /dev/zero",
			pause:   2 * stall,
			bytes:   2048,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			log := newLockedBuffer()
			a, err := StartAudio(context.Background(), AudioOptions{Program: script(t, tc.program), Path: "clip.mp4", StallTimeout: stall, Log: testLog(log)})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			started := time.Now()
			var n int64
			buf := make([]byte, 1024)
			for {
				m, err := a.Read(buf)
				n += int64(m)
				if err == io.EOF && tc.want == "" {
					break
				}
				if err != nil {
					t.Logf("after %v: %v", time.Since(started).Round(time.Millisecond), err)
					if tc.want == "" || !strings.Contains(err.Error(), tc.want) {
						t.Fatalf("Read = %v, want %q", err, tc.want)
					}
					if took := time.Since(started); took > stall+time.Second {
						t.Errorf("the stall was found after %v", took)
					}
					gone(t, a.proc.pid(), 2*time.Second)
					if !strings.Contains(log.String(), "video sound failed") {
						t.Errorf("the stall is not logged:\n%s", log)
					}
					break
				}
				time.Sleep(tc.pause)
			}
			if n != tc.bytes || a.Bytes() != n {
				t.Errorf("read %d bytes (Bytes %d), want %d", n, a.Bytes(), tc.bytes)
			}
		})
	}
}
