package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vnict/kiosk/internal/procgroup"
)

// stderrKept bounds the error output kept from a process: its last lines
// go into the error that names the file.
const stderrKept = 2 << 10

// waitDelay bounds the wait for a killed process's output pipes to close
// (a process it started may hold them; on Unix the group goes with it).
const waitDelay = 2 * time.Second

// mp4Demuxers is the one demuxer FFmpeg may use, by the names it goes by
// (FFmpeg checks the whitelist against the demuxer's full name).
const mp4Demuxers = "mov,mp4,m4a,3gp,3g2,mj2"

// inputArgs are FFmpeg's options for reading the rendition, up to and
// including -i: the file is MP4 whatever its bytes look like, read from
// the local file and nothing else, its stream decoded by codec (h264,
// aac) alone. extra are the options of the decoders (put before -i);
// files are the process's extra files (fd 3 on).
//
// With f, on Linux, FFmpeg reads f itself as /dev/fd/3, which opens the
// same inode again (with an offset of its own), even if path names
// another file by now; elsewhere it reads path.
func inputArgs(path string, f *os.File, extra ...string) (args []string, files []*os.File) {
	url := "file:" + path
	if f != nil && runtime.GOOS == "linux" {
		url, files = "file:/dev/fd/3", []*os.File{f}
	}
	args = append([]string{"-f", "mp4", "-format_whitelist", mp4Demuxers, "-protocol_whitelist", "file"}, extra...)
	return append(args, "-i", url), files
}

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
// killed when ctx ends; files are its extra files (fd 3 on), dup'ed into
// it and left open here.
func startProcess(ctx context.Context, program string, args []string, files []*os.File) (*process, error) {
	p := &process{cmd: exec.CommandContext(ctx, program, args...)}
	p.cmd.ExtraFiles = files
	procgroup.Own(p.cmd)
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
	// The decoders have frames and sound buffered ahead; the player's
	// drawing, which has none, comes first.
	_ = procgroup.Lower(p.cmd, decoderNice)
	return p, nil
}

// decoderNice is the niceness FFmpeg runs at.
const decoderNice = 5

// kill kills the process group.
func (p *process) kill() error {
	if p.exited.Load() {
		return nil
	}
	return procgroup.Kill(p.cmd)
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
