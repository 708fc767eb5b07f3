package sound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/ebitengine/oto/v3"

	"github.com/vnict/kiosk/internal/procgroup"
)

// ProbeEnv, set in a program's environment, makes ServeProbe probe the
// sound device instead of letting the program run; its value is the
// sample rate to open the device at.
const ProbeEnv = "KIOSK_SOUND_PROBE"

// DefaultProbeTimeout bounds a probe: opening a device and playing a tenth
// of a second of silence takes milliseconds when it works, and starting
// the program a tenth or two of a second.
const DefaultProbeTimeout = 5 * time.Second

// ProbeWaitDelay is how long a probe waits, after its timeout (or after
// the child has exited), for the child's output to close: a process the
// child started may hold it open. Probe returns at the latest timeout +
// ProbeWaitDelay after it began.
const ProbeWaitDelay = time.Second

// probeSilence is how much silence a probe plays to see that the device
// takes sound, not only that it opens.
const probeSilence = 100 * time.Millisecond

// Probe runs program (this program) with ProbeEnv set, as a child that
// opens the sound device, plays a tenth of a second of silence and exits 0
// when that worked. It returns nil when the device plays, and otherwise an
// error wrapping ErrNoDevice that says why: the child's own message, a
// crash, or no answer within timeout. The child runs in a process group
// of its own (on Unix), killed whole at the timeout, so that a process it
// started cannot hold the probe either; Probe returns within timeout +
// ProbeWaitDelay whatever the child does. Whatever the sound library does
// in the child (fail, hang, crash) costs this process nothing.
func Probe(ctx context.Context, program string, rate int, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, program)
	cmd.Env = append(cmd.Environ(), ProbeEnv+"="+strconv.Itoa(rate))
	var out tail
	cmd.Stdout = &out
	cmd.Stderr = io.Discard // the sound library's own noise
	cmd.WaitDelay = ProbeWaitDelay
	procgroup.Own(cmd)
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		// The child exited 0, a process it left behind held its
		// output: that one goes, the answer stands.
		_ = procgroup.Kill(cmd)
		err = nil
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: the sound probe gave no answer in %v", ErrNoDevice, timeout)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.Exited() {
		if msg := out.lastLine(); msg != "" {
			return fmt.Errorf("%w: %s", ErrNoDevice, msg)
		}
		return fmt.Errorf("%w: the sound probe exited with status %d", ErrNoDevice, exit.ExitCode())
	}
	return fmt.Errorf("%w: the sound probe failed: %w", ErrNoDevice, err)
}

// ServeProbe is the child's side of Probe: when getenv(ProbeEnv) is set it
// opens the sound device, plays silence, writes what failed (if anything)
// to w, and returns the exit status with probe true; the program exits with
// it and does nothing else. Without ProbeEnv it returns probe false.
func ServeProbe(getenv func(string) string, w io.Writer) (status int, probe bool) {
	v := getenv(ProbeEnv)
	if v == "" {
		return 0, false
	}
	rate, err := strconv.Atoi(v)
	if err != nil || rate < minOutputRate || rate > maxOutputRate {
		fmt.Fprintf(w, "%s=%q: want a sample rate from %d to %d\n", ProbeEnv, v, minOutputRate, maxOutputRate)
		return 2, true
	}
	if err := playSilence(rate, probeSilence); err != nil {
		fmt.Fprintln(w, err)
		return 1, true
	}
	return 0, true
}

// playSilence opens the device at rate and plays d of silence through it.
func playSilence(rate int, d time.Duration) error {
	out, ready, err := oto.NewContext(&oto.NewContextOptions{SampleRate: rate, ChannelCount: 2, Format: oto.FormatSignedInt16LE})
	if err != nil {
		return err
	}
	<-ready
	if err := out.Err(); err != nil {
		return err
	}
	p := out.NewPlayer(bytes.NewReader(make([]byte, int(d.Seconds()*float64(rate))*4)))
	p.Play()
	// The silence ends after d and its buffers; a device that takes
	// sound but never plays it is not one (the probe's timeout ends it).
	for p.IsPlaying() && out.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if err := out.Err(); err != nil {
		return err
	}
	return p.Err()
}

// tail keeps the last 4 KB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) lastLine() string {
	s := strings.TrimSpace(string(t.b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
