package supervise

import (
	"bytes"
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
}

// supervisorKeys are the supervisor's own settings (from systemd, or a
// supervisor above it), which its player must not inherit.
var supervisorKeys = []string{"NOTIFY_SOCKET", watchdog.IntervalEnv, "WATCHDOG_PID", watchdog.AddrEnv, watchdog.TokenEnv}

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
	lines []*lineLog // with LogOutput
}

func (p *execProcess) Pid() int { return p.cmd.Process.Pid }

func (p *execProcess) Wait() error {
	err := p.cmd.Wait()
	for _, l := range p.lines {
		l.flush() // a last line without its newline
	}
	return err
}

func (p *execProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

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

// isStop reports whether sig asks the supervisor to stop.
func isStop(sig os.Signal) bool {
	return sig == os.Interrupt || sig == syscall.SIGTERM
}
