package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/vnict/kiosk/kiosk/watchdog"
)

// StdinStopEnv, set to 1 in a player's environment, tells it that its
// supervisor asks it to stop by closing its stdin (see
// Command.StopByStdin and StopOnStdinEOF).
const StdinStopEnv = "KIOSK_STOP_ON_STDIN_EOF"

// Command starts the player as a program.
type Command struct {
	Path string
	Args []string
	// Env is added to the supervisor's own environment.
	Env []string
	// Stdout and Stderr take what the player writes, as it is.
	Stdout, Stderr io.Writer
	// LogOutput makes each line the player writes a record of its
	// start's log (msg "player output", stream stdout or stderr) instead:
	// one log file then holds the supervisor's log and the player's, each
	// line naming the start it came from.
	LogOutput bool
	// StopByStdin asks the player to stop by closing its stdin, a pipe,
	// rather than by a signal: Windows has none to send but Kill. The
	// player is told so by StdinStopEnv, and takes the end of its stdin
	// as it takes SIGTERM. A player whose supervisor dies is then asked
	// to stop too.
	StopByStdin bool
}

// supervisorKeys are the supervisor's own settings (from systemd, or a
// supervisor above it), which its player must not inherit.
var supervisorKeys = []string{"NOTIFY_SOCKET", watchdog.IntervalEnv, "WATCHDOG_PID", watchdog.AddrEnv, watchdog.TokenEnv, StdinStopEnv}

// outputWait bounds the wait for the player's output once it has exited
// (a program it started may hold its stdout).
const outputWait = 5 * time.Second

// Start starts the program with env added; it is a Starter.
func (c Command) Start(env []string, log *slog.Logger) (Process, error) {
	cmd := exec.Command(c.Path, c.Args...)
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !hasKey(supervisorKeys, k) {
			base = append(base, kv)
		}
	}
	cmd.Env = append(append(base, c.Env...), env...)
	p := &execProcess{cmd: cmd}
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	if c.LogOutput {
		p.lines = []*lineLog{{log: log, stream: "stdout"}, {log: log, stream: "stderr"}}
		cmd.Stdout, cmd.Stderr = p.lines[0], p.lines[1]
		cmd.WaitDelay = outputWait
	}
	if c.StopByStdin {
		cmd.Env = append(cmd.Env, StdinStopEnv+"=1")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("start %s: its stdin: %w", c.Path, err)
		}
		p.stdin = stdin
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Path, err)
	}
	return p, nil
}

func hasKey(keys []string, k string) bool {
	for _, key := range keys {
		// Windows keys are not case-sensitive.
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

type execProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser // with StopByStdin
	lines []*lineLog     // with LogOutput
}

func (p *execProcess) Pid() int { return p.cmd.Process.Pid }

func (p *execProcess) Wait() error {
	err := p.cmd.Wait()
	for _, l := range p.lines {
		l.flush() // a last line without its newline
	}
	return err
}

// Signal passes sig on; with StopByStdin, a stop signal closes the
// player's stdin instead.
func (p *execProcess) Signal(sig os.Signal) error {
	if p.stdin != nil && isStop(sig) {
		if err := p.stdin.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			return fmt.Errorf("close the player's stdin: %w", err)
		}
		return nil
	}
	return p.cmd.Process.Signal(sig)
}

func (p *execProcess) Kill() error { return p.cmd.Process.Kill() }

// maxLine bounds a record of the player's output; a longer line is cut
// into records of this length.
const maxLine = 8 << 10

// lineLog makes each line written to it a record of log. One goroutine
// writes to it (the one exec.Cmd copies the stream with).
type lineLog struct {
	log    *slog.Logger
	stream string
	buf    []byte
}

func (w *lineLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		end := bytes.IndexByte(p, '\n')
		newline := end >= 0
		if !newline {
			end = len(p)
		}
		take := min(end, maxLine-len(w.buf))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		done := newline && take == end
		if done {
			p = p[1:]
		}
		if done || len(w.buf) == maxLine {
			w.flush()
		}
	}
	return n, nil
}

func (w *lineLog) flush() {
	line := bytes.TrimSuffix(w.buf, []byte("\r"))
	if len(line) > 0 {
		w.log.Info("player output", "stream", w.stream, "line", string(line))
	}
	w.buf = w.buf[:0]
}

// StopOnStdinEOF returns a context derived from ctx. When
// getenv(StdinStopEnv) is "1" (the player's supervisor asks it to stop by
// closing its stdin), it is also cancelled when stdin ends or fails, with
// a cause that says so: the player then stops as it does at SIGTERM.
// Reading stdin cannot be interrupted, so the goroutine that reads it ends
// only when stdin does: call it once, in main.
func StopOnStdinEOF(ctx context.Context, stdin io.Reader, getenv func(string) string) (context.Context, context.CancelFunc) {
	if getenv(StdinStopEnv) != "1" {
		return context.WithCancel(ctx)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		var buf [512]byte
		for {
			if _, err := stdin.Read(buf[:]); err != nil {
				cancel(fmt.Errorf("the supervisor asked the player to stop (stdin: %w)", err))
				return
			}
		}
	}()
	return ctx, func() { cancel(nil) }
}

// isStop reports whether sig asks the supervisor to stop.
func isStop(sig os.Signal) bool {
	return sig == os.Interrupt || sig == syscall.SIGTERM
}
