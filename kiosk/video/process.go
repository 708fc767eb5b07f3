package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stderrKept bounds the error output kept from a process: its last lines
// go into the error that names the file.
const stderrKept = 2 << 10

// waitDelay bounds the wait for a killed process's output pipes to close
// (a process it started may hold them; on Unix the group goes with it).
const waitDelay = 2 * time.Second

// process is one FFmpeg run: its output read by the caller, its error
// output's tail kept, waited for once.
type process struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr tail

	waitOnce sync.Once
	waitErr  error
	exited   atomic.Bool // waited for: its pid may belong to another process now
}

// startProcess starts program with args in a process group of its own,
// killed when ctx ends.
func startProcess(ctx context.Context, program string, args []string) (*process, error) {
	p := &process{cmd: exec.CommandContext(ctx, program, args...)}
	ownGroup(p.cmd)
	p.cmd.WaitDelay = waitDelay
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = out
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// kill kills the process group.
func (p *process) kill() error {
	if p.exited.Load() {
		return nil
	}
	return killGroup(p.cmd)
}

// wait waits for the process (once; later calls return the same error).
// Its output must have been read to the end, or the process killed.
func (p *process) wait() error {
	p.waitOnce.Do(func() {
		p.waitErr = p.cmd.Wait()
		p.exited.Store(true)
	})
	return p.waitErr
}

// pid is the process's id (the process group's, on Unix).
func (p *process) pid() int { return p.cmd.Process.Pid }

// failure describes how the process ended badly: its exit status and the
// last lines it wrote on its error output.
func (p *process) failure(err error) error {
	msg := p.stderr.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && msg != "":
		return fmt.Errorf("FFmpeg failed (%v): %s", exit, msg)
	case msg != "":
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}

// tail keeps the last stderrKept bytes written to it, from a line's start
// where it can.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > stderrKept {
		p = p[len(p)-stderrKept:]
	}
	if over := len(t.buf) + len(p) - stderrKept; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// String is the kept output, its lines joined with "; ", a line cut at
// the front dropped.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) == stderrKept {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// contains reports whether the kept output holds s.
func (t *tail) contains(s string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Contains(t.buf, []byte(s))
}
