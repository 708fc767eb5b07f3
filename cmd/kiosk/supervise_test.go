//go:build unix

package main

import (
	"context"
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
// supervise` on it, as Task Scheduler does on Windows: the player it
// starts draws and pings over loopback UDP (a ping timeout of 2 s is never
// reached while it plays); killed, it is started again; at SIGTERM both
// stop, the player saying so first.
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
	cmd := exec.CommandContext(ctx, bin, "supervise", "--ping-timeout", "2s", "--min-backoff", "100ms",
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

	// waitLog waits until the log matches re; it returns the submatches.
	waitLog := func(re *regexp.Regexp, within time.Duration) []string {
		t.Helper()
		deadline := time.After(within)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m
			}
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("the log does not match %s after %v:\n%s", re, within, out.String())
			case err := <-exited:
				t.Fatalf("kiosk supervise exited (%v):\n%s", err, out.String())
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
		t.Fatalf("kiosk supervise exited (%v):\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "player hung") || strings.Contains(out.String(), "start=2") {
		t.Fatalf("a playing player was taken for hung or restarted:\n%s", out.String())
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
			t.Fatalf("kiosk supervise at SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("kiosk supervise did not stop at SIGTERM:\n%s", out.String())
	}
	log := out.String()
	for _, want := range []*regexp.Regexp{regexp.MustCompile(`msg="player stopping" .*start=2 `), regexp.MustCompile(`msg="player stopped" .*start=2 `)} {
		if !want.MatchString(log) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "player hung") || strings.Contains(log, "start=3") {
		t.Errorf("a third start or a hang:\n%s", log)
	}
}
