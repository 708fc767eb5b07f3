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
