//go:build unix

package sound

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/video"
)

// fifoEnv names the pipe a paced device writes into, for the child.
const fifoEnv = "KIOSK_SOUND_TEST_FIFO"

// tone is seconds of a 440 Hz tone, PCM s16le stereo at rate.
func tone(rate int, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	b := make([]byte, 0, n*4)
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

// syncBuffer is a log's output, read while the log is written.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestStreamKeepsTime plays a stream on a device that takes sound at
// real time (ALSA's file plugin writing into a pipe that the test drains
// at 44100 frames a second, as a sound card would; the null device alone
// takes sound as fast as it comes): Position follows the time the sound
// has played, to within the device's buffers, a narration plays
// alongside, and the stream is done when its sound has all played.
func TestStreamKeepsTime(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		fifo := filepath.Join(t.TempDir(), "device")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(fifoEnv, fifo)
		inChild(t, "pcm.!default { type file slave.pcm \"null\" file \""+fifo+"\" format \"raw\" }\npcm.null { type null }\n")
		return
	}
	const rate = DefaultSampleRate
	// The device: the pipe drained at real time, 8 bytes a frame (oto
	// sends 32-bit floats).
	f, err := os.OpenFile(os.Getenv(fifoEnv), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	go func() {
		buf := make([]byte, 4096)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var drained int64
		started := time.Now()
		for range tick.C {
			allowed := int64(time.Since(started).Seconds()*rate*8) - drained
			for allowed > 0 {
				n, err := f.Read(buf[:min(int64(len(buf)), allowed)])
				if err != nil {
					return
				}
				drained += int64(n)
				allowed -= int64(n)
			}
		}
	}()

	var logged syncBuffer
	s, err := Open(Options{Log: debugLog(&logged)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SampleRate() != rate {
		t.Fatalf("SampleRate %d", s.SampleRate())
	}
	const seconds = 3
	pcm := tone(rate, seconds)
	started := time.Now()
	st, err := s.Stream("clip.mp4", bytes.NewReader(pcm))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if took := time.Since(started); took > 20*time.Millisecond {
		t.Errorf("Stream took %v on the caller's goroutine", took)
	}
	// The device's buffers: the pipe (64 KB, 0.19 s) and ALSA's (2048
	// frames, 0.05 s), which Position counts as played; a loaded machine
	// may be late draining.
	const ahead, behind = 400 * time.Millisecond, 600 * time.Millisecond
	var at1, pos1 time.Duration
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	narrated := false
	for range tick.C {
		elapsed, pos := time.Since(started), st.Position()
		if elapsed > 2500*time.Millisecond {
			rateSeen := float64(pos-pos1) / float64(elapsed-at1)
			t.Logf("from %v to %v: Position %v to %v, %.2f seconds a second", at1.Round(time.Millisecond), elapsed.Round(time.Millisecond), pos1.Round(time.Millisecond), pos.Round(time.Millisecond), rateSeen)
			if rateSeen < 0.7 || rateSeen > 1.15 {
				t.Errorf("Position advanced %.2f seconds a second", rateSeen)
			}
			break
		}
		if pos > elapsed+ahead {
			t.Errorf("at %v, Position %v: ahead of the sound", elapsed, pos)
		}
		if elapsed > time.Second && pos < elapsed-behind {
			t.Errorf("at %v, Position %v: behind the sound", elapsed, pos)
		}
		if at1 == 0 && elapsed > 500*time.Millisecond {
			at1, pos1 = elapsed, pos
		}
		if !narrated && elapsed > time.Second {
			narrated = true
			if err := s.Play("audio/step-1.wav", pcmWAV(22050, 1, 16, 22050/2)); err != nil {
				t.Fatal(err)
			}
		}
		if st.Done() {
			t.Fatalf("done at %v", elapsed)
		}
	}
	waitUntil(t, 5*time.Second, st.Done, "the stream is done")
	took := time.Since(started)
	t.Logf("done after %v, Position %v", took.Round(time.Millisecond), st.Position())
	if took < seconds*time.Second-ahead || took > seconds*time.Second+2*time.Second {
		t.Errorf("a %d s stream done after %v", seconds, took)
	}
	if st.Position() != seconds*time.Second {
		t.Errorf("Position at the end %v, want %v", st.Position(), seconds*time.Second)
	}
	if s.Playing() {
		t.Error("the narration still plays")
	}
	if !strings.Contains(logged.String(), "file=audio/step-1.wav") || !strings.Contains(logged.String(), `msg="stream ended" file=clip.mp4`) {
		t.Errorf("log:\n%s", logged.String())
	}
	if err := st.Close(); err != nil {
		t.Error(err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// stalled is a reader that gives nothing until closed, as a pipe from a
// decoder that stalls.
type stalled struct{ closed chan struct{} }

func (s stalled) Read([]byte) (int, error) {
	<-s.closed
	return 0, io.ErrClosedPipe
}

// TestStreamOnTheNullDevice streams a video's sound decoded by FFmpeg
// (kiosk/video), closes a stream mid-way, and has a stream whose source
// stalls: the stalled one does not hold up narration, Close returns at
// once, and once nothing plays the device is suspended (the null device
// would take a core otherwise).
func TestStreamOnTheNullDevice(t *testing.T) {
	if !inChild(t, nullDevice) {
		return
	}
	var logged syncBuffer
	s, err := Open(Options{Log: debugLog(&logged)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A video's sound.
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
		"-c:a", "aac", clip).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	a, err := video.StartAudio(context.Background(), video.AudioOptions{Path: clip, SampleRate: s.SampleRate(), Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	st, err := s.Stream(clip, a)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, st.Done, "the video's sound is done")
	played := time.Duration(a.Bytes()/4) * time.Second / time.Duration(s.SampleRate())
	t.Logf("%d bytes from FFmpeg, Position %v", a.Bytes(), st.Position())
	if st.Position() != played || played < 950*time.Millisecond || played > 1100*time.Millisecond {
		t.Errorf("Position %v at the end of %v of sound", st.Position(), played)
	}

	// A stream whose source stalls, and narration beside it.
	stall := stalled{closed: make(chan struct{})}
	defer close(stall.closed)
	stuck, err := s.Stream("stuck.mp4", stall)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Play("audio/step-2.wav", pcmWAV(44100, 2, 16, 44100/4)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, func() bool { return !s.Playing() }, "the narration beside a stalled stream ends")
	if stuck.Done() || stuck.Position() != 0 {
		t.Errorf("stalled stream: done %v, position %v", stuck.Done(), stuck.Position())
	}
	started := time.Now()
	if err := stuck.Close(); err != nil {
		t.Error(err)
	}
	if took := time.Since(started); took > 100*time.Millisecond || !stuck.Done() {
		t.Errorf("Close of a stalled stream took %v, done %v", took, stuck.Done())
	}

	// A long stream closed a moment in. The null device takes sound as
	// fast as it is given, but the stream hands it no faster than
	// paceRate times real time, after paceLead.
	long, err := s.Stream("long.pcm", bytes.NewReader(tone(s.SampleRate(), 60)))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, func() bool { return long.Position() > 0 }, "the long stream plays")
	began := time.Now()
	<-time.After(time.Second)
	most := time.Duration(float64(time.Since(began)+time.Second) * paceRate)
	if pos := long.Position(); pos > most+paceLead {
		t.Errorf("a second into a stream on a device that does not keep time, Position %v: faster than %v times real time", pos, paceRate)
	}
	if err := long.Close(); err != nil {
		t.Error(err)
	}
	if !long.Done() {
		t.Error("not done after Close")
	}

	// Nothing plays: the device is suspended.
	<-time.After(200 * time.Millisecond)
	before := cpuTime(t)
	<-time.After(time.Second)
	if used := cpuTime(t) - before; used > 100*time.Millisecond {
		t.Errorf("idle speaker used %v of CPU in a second", used)
	}
	if s.Err() != nil || strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("err %v, log:\n%s", s.Err(), logged.String())
	}
	s.Close()
	if _, err := s.Stream("late.pcm", bytes.NewReader(tone(s.SampleRate(), 1))); err == nil || !strings.Contains(err.Error(), "late.pcm: the speaker is closed") {
		t.Errorf("Stream after Close = %v", err)
	}
}

// TestStreamWithoutDevice: a nil speaker (no device) refuses streams
// with ErrNoDevice, naming the stream.
func TestStreamWithoutDevice(t *testing.T) {
	var s *Speaker
	st, err := s.Stream("clip.mp4", bytes.NewReader(nil))
	if st != nil || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "clip.mp4") {
		t.Errorf("Stream = %v, %v", st, err)
	}
	if s.SampleRate() != DefaultSampleRate {
		t.Errorf("SampleRate %d", s.SampleRate())
	}
}
