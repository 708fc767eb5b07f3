//go:build unix

package sound

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is also the program the probe runs (as the kiosk
// program is in production).
func TestMain(m *testing.M) {
	if status, probe := ServeProbe(os.Getenv, os.Stdout); probe {
		os.Exit(status)
	}
	os.Exit(m.Run())
}

const (
	// nullDevice is an ALSA configuration whose default device takes
	// sound and plays it nowhere.
	nullDevice = "pcm.!default { type null }\n"
	// noDevice is an ALSA configuration with no device at all, as on a
	// PC without a sound card.
	noDevice = "# no PCM defined\n"
	// childEnv names the test a child process runs.
	childEnv = "KIOSK_SOUND_TEST_CHILD"
)

func alsaConfig(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// inChild reports whether the test runs in its child process. In the
// parent it runs the test again in a child whose ALSA configuration is
// config, fails if the child's test fails, and returns false. A process
// opens the sound device once, so each test that opens it has a process
// of its own.
func inChild(t *testing.T, config string) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name(), "ALSA_CONFIG_PATH="+alsaConfig(t, config))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	return false
}

func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "probe.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProbe runs real probes: this program with a null device and with
// none, and programs that hang, crash or fail silently, which must cost
// the caller nothing but a clear error.
func TestProbe(t *testing.T) {
	tests := []struct {
		name    string
		program func(t *testing.T) string
		config  string
		timeout time.Duration
		want    string // "" for a device that plays
	}{
		{"null device", func(*testing.T) string { return os.Args[0] }, nullDevice, 0, ""},
		{"no device", func(*testing.T) string { return os.Args[0] }, noDevice, 0, `ALSA error at snd_pcm_open: "default"`},
		{"hangs", func(t *testing.T) string { return script(t, "exec sleep 60") }, nullDevice, 500 * time.Millisecond, "the sound probe gave no answer in 500ms"},
		// A process the child started holds the child's output.
		{"hangs, its child holding the output", func(t *testing.T) string { return script(t, "sleep 20 &\nexec sleep 60") }, nullDevice, 500 * time.Millisecond, "the sound probe gave no answer in 500ms"},
		{"answers, its child holding the output", func(t *testing.T) string { return script(t, "sleep 20 &\nexit 0") }, nullDevice, 500 * time.Millisecond, ""},
		{"crashes", func(t *testing.T) string { return script(t, "kill -SEGV $$") }, nullDevice, 0, "the sound probe failed: signal: segmentation fault"},
		{"fails silently", func(t *testing.T) string { return script(t, "exit 3") }, nullDevice, 0, "the sound probe exited with status 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ALSA_CONFIG_PATH", alsaConfig(t, tc.config))
			started := time.Now()
			err := Probe(context.Background(), tc.program(t), DefaultSampleRate, tc.timeout)
			took := time.Since(started)
			t.Logf("probe took %v: %v", took.Round(time.Millisecond), err)
			// The bound Probe promises, and a little for a loaded machine.
			if limit := cmp.Or(tc.timeout, DefaultProbeTimeout) + ProbeWaitDelay + 300*time.Millisecond; took > limit {
				t.Errorf("the probe held the caller %v, more than %v", took, limit)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrNoDevice saying %q", err, tc.want)
			}
		})
	}
}

func TestServeProbeOnlyWhenAsked(t *testing.T) {
	var out strings.Builder
	env := map[string]string{}
	if _, probe := ServeProbe(func(k string) string { return env[k] }, &out); probe {
		t.Fatal("probed without ProbeEnv")
	}
	env[ProbeEnv] = "lots"
	status, probe := ServeProbe(func(k string) string { return env[k] }, &out)
	if !probe || status != 2 || !strings.Contains(out.String(), ProbeEnv) {
		t.Errorf("bad ProbeEnv: status %d probe %v, said %q", status, probe, out.String())
	}
}

// TestSpeakerOnTheNullDevice plays espeak-ng's narration and other WAV
// files on ALSA's null device: Play returns at once (it reads the header
// alone), Playing is true until the sound has gone out, Replay of the same
// bytes starts them again without allocating, Stop and refused bytes
// (Ogg among them) silence it, and the idle speaker takes no CPU (the null
// device does not pace writes, so silence sent without end would take a
// core).
func TestSpeakerOnTheNullDevice(t *testing.T) {
	if !inChild(t, nullDevice) {
		return
	}
	var logged strings.Builder
	started := time.Now()
	s, err := New(context.Background(), os.Args[0], Options{Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("probed and opened in %v", time.Since(started).Round(time.Millisecond))
	if s.Playing() || s.Err() != nil {
		t.Fatalf("new speaker: playing %v, err %v", s.Playing(), s.Err())
	}
	wav := espeakWAV(t, "vi", "Bước ba: chọn thủ tục đăng ký khai sinh, rồi điền thông tin của cha mẹ và của trẻ.")
	for _, n := range []struct {
		name string
		wav  []byte
	}{{"audio/step-3-vi.wav", wav}, {"stereo-48k.wav", pcmWAV(48000, 2, 16, 48000)}, {"mono-8k.wav", pcmWAV(8000, 1, 16, 4000)}} {
		started := time.Now()
		if err := s.Play(n.name, n.wav); err != nil {
			t.Fatal(err)
		}
		took := time.Since(started)
		t.Logf("Play(%s) returned in %v", n.name, took.Round(time.Microsecond))
		if took > 20*time.Millisecond {
			t.Errorf("Play(%s) took %v on the caller's goroutine", n.name, took)
		}
		if !s.Playing() {
			t.Fatalf("%s: not playing after Play", n.name)
		}
		waitUntil(t, 20*time.Second, func() bool { return !s.Playing() }, "the narration ends")
		if !strings.Contains(logged.String(), "file="+n.name) {
			t.Errorf("the log does not name %s:\n%s", n.name, logged.String())
		}
	}

	before := cpuTime(t)
	<-time.After(time.Second)
	if used := cpuTime(t) - before; used > 100*time.Millisecond {
		t.Errorf("idle speaker used %v of CPU in a second", used)
	}

	// Replay pressed again and again: the same bytes start over, and
	// the file is neither copied nor read ahead (a copy would be 11 MB a
	// press; a restart costs the decoder's first blocks).
	long := pcmWAV(48000, 2, 16, 48000*60)
	if err := s.Play("audio/long.wav", long); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the speaker's goroutine has taken it
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	allocated := ms.TotalAlloc
	const presses = 50
	for range presses {
		if err := s.Play("audio/long.wav", long); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitUntil(t, 5*time.Second, s.Playing, "playing after the presses")
	runtime.ReadMemStats(&ms)
	perPress := (ms.TotalAlloc - allocated) / presses
	t.Logf("%d Replay presses: %d bytes allocated a press (the file is %d bytes)", presses, perPress, len(long))
	if perPress > uint64(len(long))/20 {
		t.Errorf("each Replay allocated %d bytes; the file is %d", perPress, len(long))
	}

	s.Stop()
	if s.Playing() {
		t.Error("playing after Stop")
	}
	if err := s.Play("audio/step-3-vi.wav", wav); err != nil {
		t.Fatal(err)
	}
	ogg := append([]byte("OggS\x00\x02"), make([]byte, 4096)...)
	if err := s.Play("audio/step-3-vi.ogg", ogg); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "audio/step-3-vi.ogg") || !strings.Contains(err.Error(), "not a WAV file") {
		t.Errorf("Play(Ogg) = %v", err)
	}
	if s.Playing() {
		t.Error("the narration before refused bytes plays on")
	}
	if s.Err() != nil || strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("err %v, log:\n%s", s.Err(), logged.String())
	}

	if err := s.Play("audio/step-3-vi.wav", wav); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Play("audio/step-3-vi.wav", wav); err == nil || !strings.Contains(err.Error(), "closed") || s.Playing() {
		t.Errorf("after Close: Play = %v, playing %v", err, s.Playing())
	}
}

// TestNoDevice: with no device, New's probe says so, and Open (which the
// probe spares the player) fails cleanly in the child; a nil speaker is a
// silent one.
func TestNoDevice(t *testing.T) {
	if !inChild(t, noDevice) {
		return
	}
	s, err := New(context.Background(), os.Args[0], Options{})
	if s != nil || !errors.Is(err, ErrNoDevice) {
		t.Fatalf("New = %v, %v; want nil and ErrNoDevice", s, err)
	}
	t.Logf("New: %v", err)
	s, err = Open(Options{})
	if s != nil || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "snd_pcm_open") {
		t.Fatalf("Open = %v, %v; want nil and ErrNoDevice", s, err)
	}
	if err := s.Play("audio/tone.wav", pcmWAV(22050, 1, 16, 100)); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "audio/tone.wav") {
		t.Errorf("nil speaker's Play = %v", err)
	}
	s.Stop()
	if s.Playing() || !errors.Is(s.Err(), ErrNoDevice) {
		t.Errorf("nil speaker: playing %v, err %v", s.Playing(), s.Err())
	}
	s.Close()
}

func waitUntil(t *testing.T, limit time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not yet %s", limit, what)
		}
		<-tick.C
	}
}

// cpuTime is the CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDeviceLostWhilePlaying: a device that opened and then fails (here
// ALSA's file plugin writing into a pipe whose reader goes away after
// 512 KB, about 3 s of sound, as a USB speaker unplugged; opening the
// device on a loaded machine writes some silence first) makes the speaker silent, not the
// program: Playing ends, Err says so, the failure is logged once, and
// Play refuses from then on with ErrNoDevice.
func TestDeviceLostWhilePlaying(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		fifo := filepath.Join(t.TempDir(), "device")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		// Opened for reading and writing, the pipe does not wait for
		// ALSA to open it; closed, it has no reader left.
		f, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.CopyN(io.Discard, f, 512<<10)
			f.Close()
		}()
		inChild(t, "pcm.!default { type file slave.pcm \"null\" file \""+fifo+"\" format \"raw\" }\npcm.null { type null }\n")
		f.Close()
		<-done
		return
	}
	var logged strings.Builder
	s, err := Open(Options{Log: newTextLog(&logged)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wav := pcmWAV(44100, 2, 16, 44100*10)
	if err := s.Play("long.wav", wav); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, func() bool { return s.Err() != nil }, "the device failure seen")
	if !errors.Is(s.Err(), ErrNoDevice) || s.Playing() {
		t.Errorf("after the failure: err %v, playing %v", s.Err(), s.Playing())
	}
	if err := s.Play("long.wav", wav); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "long.wav") {
		t.Errorf("Play after the failure = %v", err)
	}
	if n := strings.Count(logged.String(), "sound device failed"); n != 1 {
		t.Errorf("the failure logged %d times:\n%s", n, logged.String())
	}
}
