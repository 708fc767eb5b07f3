package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

const ffmpeg = "ffmpeg"

// clip makes a test clip of FFmpeg's test pictures (and a tone, when
// sound) in a temporary folder; extra are more of FFmpeg's output options.
func clip(t testing.TB, w, h int, seconds float64, sound bool, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("clip-%dx%d.mp4", w, h))
	d := strconv.FormatFloat(seconds, 'f', -1, 64)
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=25:duration=%s", w, h, d)}
	if sound {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:duration="+d)
	}
	args = append(args, "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p")
	if sound {
		args = append(args, "-c:a", "aac", "-shortest")
	}
	args = append(args, extra...)
	args = append(args, path)
	if out, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", path, err, out)
	}
	return path
}

// reference decodes path's pictures unpadded, as FFmpeg does alone: the
// oracle for the decoder's frames.
func reference(t testing.TB, path string) []byte {
	t.Helper()
	out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-i", path,
		"-map", "0:v:0", "-pix_fmt", "nv12", "-f", "rawvideo", "pipe:1").Output()
	if err != nil {
		t.Fatalf("reference %s: %v", path, err)
	}
	return out
}

// script writes a shell script standing in for FFmpeg.
func script(t testing.TB, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ffmpeg.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// testLog is a logger writing into b, for checking what was logged.
func testLog(b *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{mu: make(chan struct{}, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.b.String()
}

// checkGoroutines fails t if goroutines started during the test are still
// running a moment after it.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// gone waits until the process pid has exited (a zombie counts as gone).
func gone(t *testing.T, pid int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		// pid (comm) state ...
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs after %v: %s", pid, limit, stat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// takeAll takes every frame in order with Wait and Frame, as a capture
// does, and checks each against want (the reference frames, unpadded).
func takeAll(t *testing.T, d *Decoder, w, h int, want []byte) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stride := Stride(w)
	size := w * h * 3 / 2
	n := 0
	for ; ; n++ {
		if err := d.Wait(ctx, n); err != nil {
			t.Fatalf("wait for frame %d: %v", n, err)
		}
		f := d.Frame(n)
		if d.Ended() && (f == nil || f.Index < n) {
			break
		}
		if f == nil || f.Index != n {
			t.Fatalf("frame %d: got %+v", n, f)
		}
		if f.Stride != stride || len(f.YUV) != stride*h*3/2 {
			t.Fatalf("frame %d: stride %d, %d bytes; want %d, %d", n, f.Stride, len(f.YUV), stride, stride*h*3/2)
		}
		if want == nil {
			continue
		}
		if (n+1)*size > len(want) {
			t.Fatalf("frame %d: more frames than the reference's %d", n, len(want)/size)
		}
		ref := want[n*size : (n+1)*size]
		planes := []struct {
			name         string
			off, ref     int // plane offsets in f.YUV and ref
			rows, stride int
			width        int
		}{
			{"Y", 0, 0, h, stride, w},
			{"UV", stride * h, w * h, h / 2, stride, w},
		}
		for _, p := range planes {
			for y := range p.rows {
				got := f.YUV[p.off+y*p.stride : p.off+y*p.stride+p.width]
				exp := ref[p.ref+y*p.width : p.ref+(y+1)*p.width]
				if !bytes.Equal(got, exp) {
					t.Fatalf("frame %d: %s row %d differs from FFmpeg's own decoding", n, p.name, y)
				}
			}
		}
	}
	return n
}

// TestFramesInOrder decodes real clips: every frame comes once, in order,
// the same as FFmpeg's own decoding, with the stride padded to a multiple
// of 8 when the width is not one.
func TestFramesInOrder(t *testing.T) {
	tests := []struct {
		name       string
		w, h       int
		wantStride int
	}{
		{"160x80", 160, 80, 160},
		{"166x80, padded", 166, 80, 168},
		{"160x90, coded 160x96", 160, 90, 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			path := clip(t, tc.w, tc.h, 2, true)
			ref := reference(t, path)
			log := newLockedBuffer()
			started := time.Now()
			d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: tc.w, Height: tc.h, FPS: 25, Log: testLog(log)})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if s := Stride(tc.w); s != tc.wantStride {
				t.Fatalf("Stride(%d) = %d, want %d", tc.w, s, tc.wantStride)
			}
			n := takeAll(t, d, tc.w, tc.h, ref)
			t.Logf("%d frames in %v", n, time.Since(started).Round(time.Millisecond))
			if n != 50 || d.Frames() != 50 || !d.Ended() || d.Err() != nil {
				t.Errorf("took %d frames, decoded %d, ended %v, err %v; want 50, 50, true, nil", n, d.Frames(), d.Ended(), d.Err())
			}
			if n*tc.w*tc.h*3/2 != len(ref) {
				t.Errorf("%d frames; FFmpeg alone decodes %d", n, len(ref)/(tc.w*tc.h*3/2))
			}
			if !strings.Contains(log.String(), "video decoder ended") {
				t.Errorf("no end logged:\n%s", log)
			}
		})
	}
}

// TestFrameDropsOlder: Frame(i) gives the newest frame not after i,
// dropping older ones, and never an older one again; memory is bounded
// to Ahead frames queued.
func TestFrameDropsOlder(t *testing.T) {
	checkGoroutines(t)
	path := clip(t, 160, 80, 2, false)
	d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: 160, Height: 80, Ahead: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if f := d.Frame(-1); f != nil {
		t.Errorf("Frame(-1) = frame %d", f.Index)
	}
	// Let the decoder fill its queue: it stops at Ahead.
	deadline := time.Now().Add(5 * time.Second)
	for d.Frames() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := d.Frames(); n != 3 {
		t.Errorf("%d frames decoded with none taken and Ahead 3", n)
	}
	if f := d.Frame(1); f == nil || f.Index != 1 {
		t.Fatalf("Frame(1) = %+v", f)
	}
	if err := d.Wait(ctx, 10); err != nil {
		t.Fatal(err)
	}
	f := d.Frame(10)
	if f == nil || f.Index != 10 {
		t.Fatalf("Frame(10) after Wait(10) = %+v", f)
	}
	if again := d.Frame(10); again != f {
		t.Errorf("Frame(10) twice gave another frame")
	}
	if err := d.Wait(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if f := d.Frame(1000); f == nil || f.Index != 49 || !d.Ended() {
		t.Errorf("Frame(1000) at the end = %+v, ended %v", f, d.Ended())
	}
}

// TestDecoderFails: bad files and bad decoders end in an error naming the
// file, within the bounds, and leave no process behind.
func TestDecoderFails(t *testing.T) {
	frame := 160 * 80 * 3 / 2
	tests := []struct {
		name    string
		program func(t *testing.T, pidFile string) string
		path    func(t *testing.T) string
		w, h    int
		start   time.Duration
		want    []string
		within  time.Duration // from Start to the error
	}{
		{
			name: "wrong size", w: 320, h: 160,
			path:   func(t *testing.T) string { return clip(t, 160, 80, 1, false) },
			want:   []string{"clip-160x80.mp4: the picture is not 320x160, the rendition's size"},
			within: 3 * time.Second,
		},
		{
			name: "not a video", w: 160, h: 80,
			path: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "notes.mp4")
				os.WriteFile(p, []byte("not a video at all"), 0o644)
				return p
			},
			want:   []string{"notes.mp4: FFmpeg failed (exit status", "Invalid data found"},
			within: 3 * time.Second,
		},
		{
			name: "hangs", w: 160, h: 80, start: 300 * time.Millisecond,
			program: func(t *testing.T, pidFile string) string {
				return script(t, "sleep 60 & echo $! > "+pidFile+"\nexec sleep 60")
			},
			want:   []string{"clip.mp4: no frame from the decoder in 300ms"},
			within: 2 * time.Second,
		},
		{
			name: "exits with a status", w: 160, h: 80,
			program: func(t *testing.T, pidFile string) string {
				return script(t, fmt.Sprintf("head -c %d /dev/zero\necho 'clip.mp4: decoding went wrong' >&2\nexit 3", frame))
			},
			want:   []string{"clip.mp4: FFmpeg failed (exit status 3): clip.mp4: decoding went wrong"},
			within: 2 * time.Second,
		},
		{
			name: "output ends mid-frame", w: 160, h: 80,
			program: func(t *testing.T, pidFile string) string {
				return script(t, fmt.Sprintf("head -c %d /dev/zero\necho 'out of memory' >&2", frame+frame/2))
			},
			want:   []string{"clip.mp4: the decoder's output ends in the middle of frame 1 (FFmpeg: out of memory)"},
			within: 2 * time.Second,
		},
		{
			name: "no output", w: 160, h: 80,
			program: func(t *testing.T, pidFile string) string { return script(t, "exit 0") },
			want:    []string{"clip.mp4: the decoder ended without a frame"},
			within:  2 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			o := Options{Program: ffmpeg, Path: "clip.mp4", Width: tc.w, Height: tc.h, StartTimeout: tc.start}
			if tc.program != nil {
				o.Program = tc.program(t, pidFile)
			}
			if tc.path != nil {
				o.Path = tc.path(t)
			}
			log := newLockedBuffer()
			o.Log = testLog(log)
			started := time.Now()
			d, err := Start(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := 0; ; i++ {
				if err := d.Wait(ctx, i); err != nil {
					break
				}
				d.Frame(i)
			}
			took := time.Since(started)
			err = d.Err()
			t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.start > 0 && took < tc.start {
				t.Errorf("failed after %v, before the start timeout %v", took, tc.start)
			}
			if took > tc.within {
				t.Errorf("failed after %v, more than %v", took, tc.within)
			}
			if !strings.Contains(log.String(), "video decoder failed") || !strings.Contains(log.String(), o.Path) {
				t.Errorf("the failure is not logged with the file:\n%s", log)
			}
			gone(t, d.proc.pid(), 2*time.Second)
			if b, err := os.ReadFile(pidFile); err == nil {
				child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
				gone(t, child, 2*time.Second)
			}
			if err := d.Close(); err != nil {
				t.Error(err)
			}
			if err := d.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestStall: a decoder that gives a frame and then nothing fails once the
// consumer has waited StallTimeout for the next, and not while the
// consumer does not ask (a decoder started ahead of its item).
func TestStall(t *testing.T) {
	checkGoroutines(t)
	const stall = 400 * time.Millisecond
	program := script(t, fmt.Sprintf("head -c %d /dev/zero\nexec sleep 60", 160*80*3/2))
	d, err := Start(context.Background(), Options{Program: program, Path: "clip.mp4", Width: 160, Height: 80, StallTimeout: stall})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	<-time.After(3 * stall)
	if err := d.Err(); err != nil {
		t.Fatalf("failed while nobody waited: %v", err)
	}
	if f := d.Frame(0); f == nil || f.Index != 0 {
		t.Fatalf("Frame(0) = %+v", f)
	}
	waited := time.Now()
	err = d.Wait(ctx, 1)
	took := time.Since(waited)
	t.Logf("Wait(1) after %v: %v", took.Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), "clip.mp4: the decoder stalled: no frame in 400ms after frame 0") {
		t.Fatalf("Wait(1) = %v", err)
	}
	if took < stall || took > stall+time.Second {
		t.Errorf("stall seen after %v, want about %v", took, stall)
	}
	if d.Err() == nil {
		t.Error("Err is nil after the stall")
	}
	gone(t, d.proc.pid(), 2*time.Second)
}

// TestTruncated: a clip cut in half fails, named and logged: cut with its
// index at the end (FFmpeg's default) at once; with the index first
// (-movflags +faststart, as made for streaming) at the first frame cut.
func TestTruncated(t *testing.T) {
	tests := []struct {
		name  string
		extra []string
	}{
		{"index at the end", nil},
		{"index first", []string{"-movflags", "+faststart"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			whole := clip(t, 160, 80, 2, true, tc.extra...)
			b, err := os.ReadFile(whole)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "cut.mp4")
			if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			log := newLockedBuffer()
			d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: 160, Height: 80, Log: testLog(log)})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for n := 0; !d.Ended(); n++ {
				if err := d.Wait(ctx, n); err != nil {
					break
				}
				d.Frame(n)
			}
			t.Logf("%d frames, ended %v, err %v, log:\n%s", d.Frames(), d.Ended(), d.Err(), log)
			if d.Frames() >= 50 {
				t.Errorf("%d frames from half a clip of 50", d.Frames())
			}
			if err := d.Err(); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "FFmpeg failed") {
				t.Errorf("Err() = %v; want FFmpeg's failure naming %s", err, path)
			}
			if !strings.Contains(log.String(), "file="+path) {
				t.Errorf("the log does not name %s", path)
			}
		})
	}
}

// TestContextEnds: ending the context kills the decoder.
func TestContextEnds(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := Start(ctx, Options{Program: script(t, "exec sleep 60"), Path: "clip.mp4", Width: 160, Height: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cancel()
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if err := d.Wait(wctx, 0); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "clip.mp4") {
		t.Errorf("Wait after cancel = %v", err)
	}
	gone(t, d.proc.pid(), 2*time.Second)
}

// TestCloseStops: Close kills a running decoder at once and twice is
// fine; Frame gives nothing after it.
func TestCloseStops(t *testing.T) {
	checkGoroutines(t)
	d, err := Start(context.Background(), Options{Program: script(t, "exec sleep 60"), Path: "clip.mp4", Width: 160, Height: 80})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(started); took > time.Second {
		t.Errorf("Close took %v", took)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if f := d.Frame(0); f != nil {
		t.Errorf("Frame after Close = %+v", f)
	}
	gone(t, d.proc.pid(), 2*time.Second)
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{Path: "a.mp4", Width: 0, Height: 80}, {Path: "a.mp4", Width: 161, Height: 80}, {Path: "a.mp4", Width: 160, Height: -2}} {
		if _, err := Start(context.Background(), o); err == nil || !strings.Contains(err.Error(), "a.mp4: frame size") {
			t.Errorf("Start(%dx%d) = %v", o.Width, o.Height, err)
		}
	}
	if _, err := Start(context.Background(), Options{Program: filepath.Join(t.TempDir(), "no-ffmpeg"), Path: "a.mp4", Width: 160, Height: 80}); err == nil || !strings.Contains(err.Error(), "a.mp4: start the decoder") {
		t.Errorf("Start without FFmpeg = %v", err)
	}
}

// TestFramePathAllocates: playing through a clip with Frame alone (the
// player's frame path) allocates nothing per frame once the buffers exist.
func TestFramePathAllocates(t *testing.T) {
	checkGoroutines(t)
	path := clip(t, 160, 80, 2, false)
	d, err := Start(context.Background(), Options{Program: ffmpeg, Path: path, Width: 160, Height: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(10 * time.Second)
	var ms runtime.MemStats
	var from uint64
	i := 0
	for i < 45 && time.Now().Before(deadline) {
		if f := d.Frame(i); f != nil && f.Index == i {
			if i == 10 {
				runtime.ReadMemStats(&ms)
				from = ms.Mallocs
			}
			i++
		}
		<-tick.C
	}
	runtime.ReadMemStats(&ms)
	allocs := ms.Mallocs - from
	t.Logf("%d allocations in the process over frames 10 to %d", allocs, i)
	if i < 45 || d.Err() != nil {
		t.Fatalf("reached frame %d, err %v", i, d.Err())
	}
	if allocs > 20 {
		t.Errorf("%d allocations over 35 frames", allocs)
	}
}
