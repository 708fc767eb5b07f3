//go:build unix

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/servertest"
)

// TestSuperviseTheRealPlayer builds the kiosk command and runs `kiosk
// supervise --log-file` on it, as Task Scheduler does on Windows: the
// player it starts draws and pings over loopback UDP (a ping timeout of 2 s
// is never reached while it plays); killed, it is started again; at SIGTERM
// both stop, the player saying so first. The log file holds the
// supervisor's log and the player's, each line naming its start.
func TestSuperviseTheRealPlayer(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the player tests need an X server; run them with `make test`, which starts Xvfb")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "kiosk")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	logFile := filepath.Join(t.TempDir(), "logs", "kiosk.log")
	cmd := exec.CommandContext(ctx, bin, "supervise", "--log-file", logFile, "--ping-timeout", "2s", "--min-backoff", "100ms",
		"--", "--config", "../../configs/demo.yaml", "--demo", "--window")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	var out servertest.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	// In a process group of its own, so that a failed test can kill the
	// player with the supervisor.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()

	// logText is the log file's text, and what the command wrote
	// elsewhere (nothing, but for a refusal).
	logText := func() string {
		b, err := os.ReadFile(logFile)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b) + out.String()
	}
	// waitLog waits until the log matches re; it returns the submatches.
	waitLog := func(re *regexp.Regexp, within time.Duration) []string {
		t.Helper()
		deadline := time.After(within)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if m := re.FindStringSubmatch(logText()); m != nil {
				return m
			}
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("the log does not match %s after %v:\n%s", re, within, logText())
			case err := <-exited:
				t.Fatalf("kiosk supervise exited (%v):\n%s", err, logText())
			}
		}
	}
	first := waitLog(regexp.MustCompile(`msg="player ready" .*start=1 pid=(\d+)`), 2*time.Minute)
	// Three ping timeouts of play: a player that did not ping would be
	// killed in this time.
	playing := time.After(6 * time.Second)
	select {
	case <-playing:
	case err := <-exited:
		t.Fatalf("kiosk supervise exited (%v):\n%s", err, logText())
	}
	if log := logText(); strings.Contains(log, "player hung") || strings.Contains(log, "start=2") {
		t.Fatalf("a playing player was taken for hung or restarted:\n%s", log)
	}
	pid, _ := strconv.Atoi(first[1])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the player %d: %v", pid, err)
	}
	waitLog(regexp.MustCompile(`msg="player exited" .*start=1 .*exit="signal: killed"`), 10*time.Second)
	waitLog(regexp.MustCompile(`msg="player ready" .*start=2 `), 2*time.Minute)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the deferred wait
		if err != nil {
			t.Fatalf("kiosk supervise at SIGTERM: %v\n%s", err, logText())
		}
	case <-time.After(time.Minute):
		t.Fatalf("kiosk supervise did not stop at SIGTERM:\n%s", logText())
	}
	if out.String() != "" {
		t.Errorf("with a log file, kiosk supervise wrote elsewhere:\n%s", out.String())
	}
	log := logText()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg="player stopping" .*start=2 `), regexp.MustCompile(`msg="player stopped" .*start=2 `),
		// The player's own log, a record for each line.
		regexp.MustCompile(`msg="player output" .*start=1 stream=stderr line=".*watchdog: ready`),
		regexp.MustCompile(`msg="player output" .*start=2 stream=stderr line=".*site=`),
	} {
		if !want.MatchString(log) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "player hung") || strings.Contains(log, "start=3") {
		t.Errorf("a third start or a hang:\n%s", log)
	}
}

// TestLogFileUnusableLogsToStderr: a log file that cannot be opened (here
// its folder would be under a plain file; on a site, a folder planted at
// its name) does not keep the kiosk from starting: the log goes to
// standard error, and the problem, naming the path, is logged first.
func TestLogFileUnusableLogsToStderr(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "logs")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notDir, "kiosk", "kiosk.log")
	var stderr servertest.Output
	w, closeLog, problem := logWriter(path, &stderr)
	defer closeLog()
	if problem == nil || !strings.Contains(problem.Error(), "--log-file: log file "+path+": create its folder") {
		t.Errorf("logWriter(%s): problem %v, want one naming the path", path, problem)
	}
	if w != io.Writer(&stderr) {
		t.Errorf("logWriter(%s) writes to %T, want standard error", path, w)
	}
}

// TestSuperviseStopByStdin runs `kiosk supervise --stop-by-stdin` on the
// real player, the way it stops on Windows (which has no signals but
// Kill): at SIGTERM the supervisor closes the player's stdin, and the
// player stops cleanly by itself, saying STOPPING=1, long before the stop
// timeout after which it would be killed.
func TestSuperviseStopByStdin(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the player tests need an X server; run them with `make test`, which starts Xvfb")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "kiosk")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, "supervise", "--stop-by-stdin", "--stop-timeout", "2m",
		"--", "--config", "../../configs/demo.yaml", "--demo", "--window")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	var out servertest.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()
	ready := regexp.MustCompile(`msg="player ready" .*start=1 `)
	for deadline := time.After(2 * time.Minute); !ready.MatchString(out.String()); {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the player never drew:\n%s", out.String())
		case err := <-exited:
			t.Fatalf("kiosk supervise exited (%v):\n%s", err, out.String())
		}
	}
	asked := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the deferred wait
		if err != nil {
			t.Fatalf("kiosk supervise at SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("kiosk supervise did not stop at SIGTERM:\n%s", out.String())
	}
	t.Logf("stopped %v after SIGTERM", time.Since(asked).Round(time.Millisecond))
	log := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg="player asked to stop" .*start=1 `),
		regexp.MustCompile(`msg="player stopping" .*why="the supervisor asked the player to stop \(stdin: EOF\)"`),
		regexp.MustCompile(`msg="player stopping" .*start=1 `),
		regexp.MustCompile(`msg="player stopped" .*start=1 .*exit="exit status 0"`),
	} {
		if !want.MatchString(log) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "killing") || strings.Contains(log, "start=2") {
		t.Errorf("the player was killed or restarted:\n%s", log)
	}
}
