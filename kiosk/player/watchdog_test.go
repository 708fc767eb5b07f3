package player

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/internal/servertest"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/watchdog"
)

// stallEnv, set only by TestWatchdogPingsStopWhenTheLoopStalls for the
// process it starts, makes this test binary play with a watchdog and stall
// its drawing loop after the given time (see TestMain). The stall lives in
// this test file alone, so no production binary can be made to stall.
const stallEnv = "KIOSK_PLAYER_STALL_AFTER"

// stalledStatus is what the stalled player tells the notify socket (as a
// STATUS= line, which systemd shows in `systemctl status`) just before it
// stops its loop.
const stalledStatus = "STATUS=drawing loop stalled on purpose"

// stallingWatchdog passes pings on until after, then blocks the drawing
// goroutine in Ping for good, as a hung draw call would: Update never
// returns, and the pacer's frame requests go unanswered.
type stallingWatchdog struct {
	*watchdog.Notifier
	after time.Duration
	first time.Time
}

func (w *stallingWatchdog) Ping() {
	if w.first.IsZero() {
		w.first = time.Now()
	}
	if time.Since(w.first) >= w.after {
		_, _ = daemon.SdNotify(false, stalledStatus)
		for {
			time.Sleep(time.Hour)
		}
	}
	w.Notifier.Ping()
}

// runStallingPlayer plays the scenario site at 23:00, outside its hours, so
// that the screen is black and still and the player's own pace is a frame a
// minute: only the watchdog's wake-ups keep the pings going.
func runStallingPlayer(after string) error {
	d, err := time.ParseDuration(after)
	if err != nil {
		return fmt.Errorf("%s: %w", stallEnv, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	n, err := watchdog.FromEnvironment(log)
	if err != nil {
		return err
	}
	if n == nil {
		return errors.New("no notify socket in the environment")
	}
	cfg, err := siteconfig.Parse([]byte(scenarioConfig+"off_hours: black\n"), "watchdog.yaml")
	if err != nil {
		return err
	}
	b, err := demo.Load()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	p, err := New(Options{Config: cfg, Source: staticBundle{b}, Fonts: fonts.NewLoader(log, ""), Log: log,
		Clock: fixedClock(at("23:00:00")), Watchdog: &stallingWatchdog{Notifier: n, after: d}})
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

type notice struct {
	at    time.Time
	state string
}

// TestWatchdogPingsStopWhenTheLoopStalls runs the player with a real
// notify socket, as systemd gives one: it says READY=1 and pings while its
// loop turns, even on a still screen, and pings no more once the loop is
// stalled, while the process lives on.
func TestWatchdogPingsStopWhenTheLoopStalls(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	// An interval a little above the first player tests': a shared
	// machine running other drawing tests beside this one can hold a
	// frame back for a second, and the watchdog asks for a ping every
	// quarter interval.
	const interval = 4 * time.Second
	const stallAfter = 10 * time.Second
	path := filepath.Join(t.TempDir(), "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	notices := make(chan notice, 100)
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				close(notices)
				return
			}
			notices <- notice{time.Now(), string(buf[:n])}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), stallEnv+"="+stallAfter.String(), "NOTIFY_SOCKET="+path,
		fmt.Sprintf("WATCHDOG_USEC=%d", interval.Microseconds()), "XDG_CACHE_HOME="+t.TempDir())
	var out servertest.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()

	// Everything up to the stall, then the quiet after it.
	var got []notice
	var stalled time.Time
	quiet := 5 * time.Second
collect:
	for {
		var until <-chan time.Time
		if !stalled.IsZero() {
			until = time.After(time.Until(stalled.Add(quiet)))
		}
		select {
		case n := <-notices:
			got = append(got, n)
			if n.state == stalledStatus {
				stalled = n.at
			}
		case <-until:
			break collect
		case err := <-exited:
			t.Fatalf("the player exited: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("no stall after %v; the socket got %v\n%s", stallAfter, got, out.String())
		}
	}
	t.Logf("notices: %v", got)

	if len(got) == 0 || got[0].state != watchdog.StateReady {
		t.Fatalf("first notice %v, want READY=1", got)
	}
	var pings int
	last := got[0].at
	for _, n := range got[1:] {
		switch {
		case n.state == watchdog.StatePing && n.at.Before(stalled):
			pings++
			if gap := n.at.Sub(last); gap >= interval {
				t.Errorf("a ping %v after the one before; the watchdog interval is %v", gap.Round(time.Millisecond), interval)
			}
			last = n.at
		case n.state == watchdog.StatePing && n.at.Sub(stalled) > interval/2:
			// A ping asked for just before the stall may still be on
			// its way; none may come later.
			t.Errorf("a ping %v after the loop stalled", n.at.Sub(stalled).Round(time.Millisecond))
		case n.state == watchdog.StateReady:
			t.Error("READY=1 twice")
		}
	}
	// About stallAfter/(interval/2) pings; a still screen alone would
	// have given at most one.
	if want := int(stallAfter/interval) + 1; pings < want {
		t.Errorf("%d pings before the stall, want at least %d", pings, want)
	}
	if stalled.Sub(last) >= interval {
		t.Errorf("the last ping came %v before the stall; the watchdog interval is %v", stalled.Sub(last), interval)
	}
	select {
	case err := <-exited:
		t.Fatalf("the stalled player exited (%v); it should hang until killed\n%s", err, out.String())
	default:
	}
	if !strings.Contains(out.String(), "watchdog: ready") {
		t.Errorf("the log does not say the watchdog was told the player is ready:\n%s", out.String())
	}
}

func (n notice) String() string { return n.at.Format("15:04:05.000") + " " + n.state }
