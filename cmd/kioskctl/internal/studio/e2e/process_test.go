//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// stopTimeout is how long a stopped process has to exit after SIGTERM
// before its process group is killed.
const stopTimeout = 10 * time.Second

// process is a program the test started: in a process group of its own,
// so that stopping it stops what it started, its output (stdout and stderr
// together) kept for the test to wait on and to show on failure.
type process struct {
	name string
	cmd  *exec.Cmd
	out  output
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
}

// start starts cmd as name and stops it when the test ends; its output is
// logged if the test failed.
func start(t testing.TB, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{name: name, cmd: cmd, done: make(chan struct{}), out: output{more: make(chan struct{}, 1)}}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	// Killed with the test too, should the test binary die (a panic, go
	// test's timeout) before its cleanups run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(p.out.String(), 80))
		}
	})
	return p
}

// stop asks the process group to stop (SIGTERM), kills it after
// stopTimeout, and waits for the process. Stopping it again does nothing.
func (p *process) stop() {
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	// What the leader started and left behind goes with it.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// exited says whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits up to d until the output holds n occurrences of s, and
// fails the test if it does not, or if the process exits first.
func (p *process) waitFor(t testing.TB, s string, n int, d time.Duration) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for strings.Count(p.out.String(), s) < n {
		select {
		case <-p.out.more:
		case <-p.done:
			if strings.Count(p.out.String(), s) >= n {
				return
			}
			t.Fatalf("%s exited (%v) before its output had %d × %q:\n%s", p.name, p.err, n, s, tail(p.out.String(), 60))
		case <-deadline.C:
			t.Fatalf("%s: no %d × %q within %v:\n%s", p.name, n, s, d, tail(p.out.String(), 60))
		}
	}
}

// output collects a process's output and signals each write.
type output struct {
	mu   sync.Mutex
	buf  strings.Builder
	more chan struct{}
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	o.buf.Write(b)
	o.mu.Unlock()
	select {
	case o.more <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// programs are the commands under test, built for this run.
type programs struct {
	kioskctl, kiosk string
}

// buildPrograms builds kioskctl (without cgo, as the department gets it)
// and kiosk into a temporary folder, both at once.
func buildPrograms(t testing.TB) programs {
	t.Helper()
	dir := t.TempDir()
	p := programs{kioskctl: filepath.Join(dir, "kioskctl"), kiosk: filepath.Join(dir, "kiosk")}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var g errgroup.Group
	build := func(out, pkg string, env ...string) func() error {
		return func() error {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
			cmd.Env = append(os.Environ(), env...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
			}
			return nil
		}
	}
	g.Go(build(p.kioskctl, "github.com/vnict/kiosk/cmd/kioskctl", "CGO_ENABLED=0"))
	g.Go(build(p.kiosk, "github.com/vnict/kiosk/cmd/kiosk"))
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return p
}
