package supervise

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/vnict/kiosk/kiosk/watchdog"
)

// Command starts the player as a program.
type Command struct {
	Path string
	Args []string
	// Env is added to the supervisor's own environment.
	Env            []string
	Stdout, Stderr io.Writer
}

// notifyKeys are the supervisor's own notify settings (from systemd, or a
// supervisor above it), which its player must not inherit.
var notifyKeys = []string{"NOTIFY_SOCKET", watchdog.IntervalEnv, "WATCHDOG_PID", watchdog.AddrEnv, watchdog.TokenEnv}

// Start starts the program with env added; it is a Starter.
func (c Command) Start(env []string) (Process, error) {
	cmd := exec.Command(c.Path, c.Args...)
	var base []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !hasKey(notifyKeys, k) {
			base = append(base, kv)
		}
	}
	cmd.Env = append(append(base, c.Env...), env...)
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Path, err)
	}
	return execProcess{cmd}, nil
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

type execProcess struct{ cmd *exec.Cmd }

func (p execProcess) Pid() int                   { return p.cmd.Process.Pid }
func (p execProcess) Wait() error                { return p.cmd.Wait() }
func (p execProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }
func (p execProcess) Kill() error                { return p.cmd.Process.Kill() }
