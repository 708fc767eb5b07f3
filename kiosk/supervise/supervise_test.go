package supervise

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/servertest"
	"github.com/vnict/kiosk/kiosk/watchdog"
)

// fakeClock moves only when a test fires one of its timers or advances it.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	added chan *fakeTimer
}

type fakeTimer struct {
	d  time.Duration
	at time.Time
	c  chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), added: make(chan *fakeTimer, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	t := &fakeTimer{d: d, at: c.now.Add(d), c: make(chan time.Time, 1)}
	c.mu.Unlock()
	c.added <- t
	return t.c
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fire moves the clock to the timer's time and fires it.
func (c *fakeClock) fire(t *fakeTimer) {
	c.mu.Lock()
	if t.at.After(c.now) {
		c.now = t.at
	}
	now := c.now
	c.mu.Unlock()
	t.c <- now
}

// fakeProcess is a player that does what the test says.
type fakeProcess struct {
	pid       int
	env       []string
	exit      chan error
	signals   chan os.Signal
	killed    chan struct{}
	noSignals bool // as on Windows
	once      sync.Once
}

func (p *fakeProcess) Pid() int    { return p.pid }
func (p *fakeProcess) Wait() error { return <-p.exit }
func (p *fakeProcess) Signal(sig os.Signal) error {
	if p.noSignals {
		return errors.New("not supported by windows")
	}
	p.signals <- sig
	return nil
}
func (p *fakeProcess) Kill() error {
	p.once.Do(func() {
		close(p.killed)
		p.exit <- errors.New("signal: killed")
	})
	return nil
}

// harness runs Run with a fake clock and fake players.
type harness struct {
	t       *testing.T
	clock   *fakeClock
	procs   chan *fakeProcess
	signals chan os.Signal
	cancel  context.CancelFunc
	done    chan error
	log     *servertest.Output
}

func supervised(t *testing.T, noSignals bool) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), procs: make(chan *fakeProcess, 10), signals: make(chan os.Signal, 1),
		done: make(chan error, 1), log: &servertest.Output{}}
	var ctx context.Context
	ctx, h.cancel = context.WithCancel(context.Background())
	pid := 100
	start := func(env []string, _ *slog.Logger) (Process, error) {
		pid++
		p := &fakeProcess{pid: pid, env: env, exit: make(chan error, 1), signals: make(chan os.Signal, 10),
			killed: make(chan struct{}), noSignals: noSignals}
		h.procs <- p
		return p, nil
	}
	go func() {
		h.done <- Run(ctx, Options{Start: start, Clock: h.clock, MinBackoff: time.Second, MaxBackoff: 4 * time.Second,
			Signals: h.signals, Log: slog.New(slog.NewTextHandler(h.log, nil))})
	}()
	t.Cleanup(func() {
		// Stopped, the supervisor waits for the player to stop, then
		// kills it: the timers are fired until it returns.
		h.cancel()
		for {
			select {
			case <-h.done:
				return
			case tm := <-h.clock.added:
				h.clock.fire(tm)
			case <-time.After(wait):
				t.Errorf("Run did not return after its context was cancelled\n%s", h.log)
				return
			}
		}
	})
	return h
}

const wait = 5 * time.Second // for what the supervisor does at once

func (h *harness) started() *fakeProcess {
	h.t.Helper()
	select {
	case p := <-h.procs:
		return p
	case <-time.After(wait):
		h.t.Fatalf("no player started\n%s", h.log)
		return nil
	}
}

func (h *harness) noStart() {
	h.t.Helper()
	select {
	case p := <-h.procs:
		h.t.Fatalf("player %d started\n%s", p.pid, h.log)
	default:
	}
}

// after returns the supervisor's next timer, which must be of d.
func (h *harness) after(d time.Duration) *fakeTimer {
	h.t.Helper()
	select {
	case tm := <-h.clock.added:
		if tm.d != d {
			h.t.Fatalf("the supervisor waits %v, want %v\n%s", tm.d, d, h.log)
		}
		return tm
	case <-time.After(wait):
		h.t.Fatalf("the supervisor set no timer; want one of %v\n%s", d, h.log)
		return nil
	}
}

// tell sends states to the supervisor as player p.
func (h *harness) tell(p *fakeProcess, states ...string) {
	h.t.Helper()
	var addr, token string
	for _, kv := range p.env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case watchdog.AddrEnv:
			addr = v
		case watchdog.TokenEnv:
			token = v
		}
	}
	s, err := watchdog.DialUDP(addr, token)
	if err != nil {
		h.t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(strings.Join(states, "\n")); err != nil {
		h.t.Fatal(err)
	}
}

// logged waits until the supervisor's log holds s.
func (h *harness) logged(s string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.log.String(), s) {
		if time.Now().After(deadline) {
			h.t.Fatalf("the log never said %q:\n%s", s, h.log)
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) finished() {
	h.t.Helper()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatal(err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(wait):
		h.t.Fatalf("Run did not return\n%s", h.log)
	}
}

func killed(t *testing.T, p *fakeProcess) {
	t.Helper()
	select {
	case <-p.killed:
	case <-time.After(wait):
		t.Fatalf("player %d was not killed", p.pid)
	}
}

func signalled(t *testing.T, p *fakeProcess, want os.Signal) {
	t.Helper()
	select {
	case sig := <-p.signals:
		if sig != want {
			t.Fatalf("player got %v, want %v", sig, want)
		}
	case <-time.After(wait):
		t.Fatalf("player %d got no signal; want %v", p.pid, want)
	}
}

const (
	startTimeout = 2 * time.Minute
	pingTimeout  = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

func TestSupervisor(t *testing.T) {
	tests := []struct {
		name      string
		noSignals bool
		play      func(t *testing.T, h *harness)
		logs      []string
	}{
		{"an exiting player is restarted, waiting twice as long each time up to the maximum", false, func(t *testing.T, h *harness) {
			for _, backoff := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
				p := h.started()
				h.after(startTimeout)
				p.exit <- errors.New("exit status 3")
				tm := h.after(backoff)
				h.noStart()
				h.clock.fire(tm)
			}
			h.started()
		}, []string{"player exited", "exit status 3", "restarting the player"}},
		{"a player that ran long enough starts the backoff again", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			p.exit <- nil
			h.clock.fire(h.after(time.Second))
			p = h.started()
			h.after(startTimeout)
			h.clock.advance(6 * time.Minute)
			p.exit <- nil
			h.after(time.Second)
		}, []string{"exit status 0"}},
		{"a player that stops pinging is killed and restarted", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady)
			h.after(pingTimeout)
			h.tell(p, watchdog.StatePing)
			last := h.after(pingTimeout)
			h.clock.fire(last)
			killed(t, p)
			h.clock.fire(h.after(time.Second))
			next := h.started()
			// The hung player's token is no longer good.
			h.tell(p, watchdog.StatePing)
			h.after(startTimeout)
			h.tell(next, watchdog.StateReady)
			h.after(pingTimeout)
		}, []string{"player ready", "player hung: killing it", "waited_for=\"a ping (WATCHDOG=1)\"", "message without the child's token refused"}},
		{"a player that never draws is killed and restarted", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.clock.fire(h.after(startTimeout))
			killed(t, p)
			h.clock.fire(h.after(time.Second))
			h.started()
		}, []string{"waited_for=\"its first frame (READY=1)\""}},
		{"SIGTERM is passed on and stops the supervisor when the player has stopped", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady)
			h.after(pingTimeout)
			h.signals <- syscall.SIGTERM
			signalled(t, p, syscall.SIGTERM)
			h.after(stopTimeout)
			h.tell(p, watchdog.StateStopping)
			// The datagram and the exit race in the supervisor's select,
			// as they may for a real player: exit once it has been read.
			h.logged("player stopping")
			p.exit <- nil
			h.finished()
			h.noStart()
		}, []string{"player stopping", "player stopped"}},
		{"other signals are passed on only", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.signals <- syscall.SIGHUP
			signalled(t, p, syscall.SIGHUP)
			p.exit <- errors.New("exit status 1")
			h.after(time.Second)
		}, []string{"signal passed on"}},
		{"a player that does not stop when asked is killed", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.cancel()
			signalled(t, p, os.Interrupt)
			h.clock.fire(h.after(stopTimeout))
			killed(t, p)
			h.finished()
		}, []string{"waited_for=\"it to stop\""}},
		{"a player that cannot be signalled is killed at a stop", true, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.cancel()
			killed(t, p)
			h.finished()
		}, []string{"cannot be signalled here"}},
		{"a player that says it is stopping and exits is restarted", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady, watchdog.StateStopping)
			h.after(pingTimeout)
			h.after(stopTimeout)
			p.exit <- nil
			h.clock.fire(h.after(time.Second))
			h.started()
		}, []string{"player stopping", "player stopped of its own accord"}},
		{"a player that stops of its own accord, cleanly, is restarted without the backoff", false, func(t *testing.T, h *harness) {
			for _, backoff := range []time.Duration{time.Second, 2 * time.Second} {
				p := h.started()
				h.after(startTimeout)
				p.exit <- errors.New("exit status 3")
				h.clock.fire(h.after(backoff))
			}
			// To start a new build of itself, say.
			p := h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady, watchdog.StateStopping)
			h.after(pingTimeout)
			h.after(stopTimeout)
			p.exit <- nil
			h.clock.fire(h.after(time.Second))
			// Then a failure waits from the start again.
			p = h.started()
			h.after(startTimeout)
			p.exit <- errors.New("exit status 3")
			h.after(2 * time.Second)
		}, []string{"player stopped of its own accord"}},
		{"a player that says it is stopping and then fails waits the backoff", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			p.exit <- errors.New("exit status 3")
			h.clock.fire(h.after(time.Second))
			p = h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady, watchdog.StateStopping)
			h.after(pingTimeout)
			h.after(stopTimeout)
			p.exit <- errors.New("exit status 1")
			h.after(2 * time.Second)
		}, []string{"player exited", "exit status 1"}},
		{"a player that says it is stopping and hangs is killed", false, func(t *testing.T, h *harness) {
			p := h.started()
			h.after(startTimeout)
			h.tell(p, watchdog.StateReady)
			h.after(pingTimeout)
			h.tell(p, watchdog.StateStopping)
			h.clock.fire(h.after(stopTimeout))
			killed(t, p)
			h.after(time.Second)
		}, []string{"player hung"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := supervised(t, tc.noSignals)
			tc.play(t, h)
			for _, want := range tc.logs {
				if !strings.Contains(h.log.String(), want) {
					t.Errorf("the log does not say %q:\n%s", want, h.log)
				}
			}
		})
	}
}
