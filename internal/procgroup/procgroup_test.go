//go:build unix

package procgroup

import (
	"bufio"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Killing the group kills what the child started, and killing it twice,
// or after it is gone, is no error.
func TestKillTakesTheGroup(t *testing.T) {
	cmd, grandchild := startFamily(t)
	if err := Kill(cmd); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(grandchild, 0) == nil {
		// Gone once killed; until its parent (init) reaps it, a zombie.
		if raw, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(grandchild)).Output(); strings.HasPrefix(strings.TrimSpace(string(raw)), "Z") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child's own process %d outlived the group's kill", grandchild)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := Kill(cmd); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("a second kill: %v", err)
	}
}

// Lower lowers the priority of every process of the group.
func TestLower(t *testing.T) {
	cmd, grandchild := startFamily(t)
	defer func() { _ = Kill(cmd); _ = cmd.Wait() }()
	if err := Lower(cmd, 5); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []string{strconv.Itoa(cmd.Process.Pid), strconv.Itoa(grandchild)} {
		raw, err := exec.Command("ps", "-o", "ni=", "-p", pid).Output()
		if err != nil {
			t.Fatal(err)
		}
		if ni := strings.TrimSpace(string(raw)); ni != "5" {
			t.Errorf("process %s of the group: niceness %s, want 5", pid, ni)
		}
	}
}

// startFamily starts a shell in a group of its own that starts a sleep of
// its own, and returns the shell and the sleep's pid.
func startFamily(t *testing.T) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "sh", "-c", "sleep 600 & echo $!; wait")
	Own(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	grandchild, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	return cmd, grandchild
}
