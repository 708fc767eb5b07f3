package watchdog

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// The states a Notifier sends (sd_notify(3)).
const (
	StateReady    = "READY=1"
	StatePing     = "WATCHDOG=1"
	StateStopping = "STOPPING=1"
)

// Sender delivers one notify message to the supervisor.
type Sender interface {
	Send(state string) error
}

// Notifier sends READY=1, WATCHDOG=1 and STOPPING=1 for the drawing loop.
// Ready and Ping are called on the game goroutine and return at once; Run
// sends what they ask for. Create one with New or FromEnvironment.
type Notifier struct {
	to       Sender
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger

	// Game-goroutine state.
	ready    bool
	lastPing time.Time

	wantReady atomic.Bool
	wantPing  atomic.Bool
	kick      chan struct{}
}

// Options configure a Notifier.
type Options struct {
	// To is where the messages go.
	To Sender
	// Interval is the supervisor's watchdog interval (WatchdogSec): it
	// kills the process when no ping came for that long. Zero: no pings,
	// only READY=1 and STOPPING=1.
	Interval time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// New returns a Notifier sending to opts.To.
func New(opts Options) *Notifier {
	n := &Notifier{to: opts.To, interval: opts.Interval, now: opts.Now, log: opts.Log, kick: make(chan struct{}, 1)}
	if n.now == nil {
		n.now = time.Now
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	return n
}

// Interval is the supervisor's watchdog interval; zero when it asks for no
// pings.
func (n *Notifier) Interval() time.Duration { return n.interval }

// Every is how often the drawing loop must run (and call Ping) at least, so
// that pings, sent every Interval/2, never leave a gap of Interval: a
// quarter of the interval, or zero when no pings are asked for.
func (n *Notifier) Every() time.Duration { return n.interval / 4 }

// Ready tells the supervisor that the first frame has been drawn. Only the
// first call counts. Call it on the drawing goroutine.
func (n *Notifier) Ready() {
	if n.ready {
		return
	}
	n.ready = true
	n.wantReady.Store(true)
	n.wake()
}

// Ping tells the supervisor that the drawing loop still runs. Call it on
// every turn of the loop: it sends WATCHDOG=1 at most every Interval/2, and
// only after Ready.
func (n *Notifier) Ping() {
	if !n.ready || n.interval <= 0 {
		return
	}
	now := n.now()
	if !n.lastPing.IsZero() && now.Sub(n.lastPing) < n.interval/2 {
		return
	}
	n.lastPing = now
	n.wantPing.Store(true)
	n.wake()
}

func (n *Notifier) wake() {
	select {
	case n.kick <- struct{}{}:
	default: // Run has a wake-up pending; it sees both flags
	}
}

// Run sends what Ready and Ping ask for until ctx is cancelled. A failed
// send is logged once until sending works again.
func (n *Notifier) Run(ctx context.Context) {
	failing := false
	send := func(state string) {
		err := n.to.Send(state)
		switch {
		case err != nil && !failing:
			n.log.Warn("watchdog: supervisor not told", "state", state, "err", err)
			failing = true
		case err == nil && failing:
			n.log.Info("watchdog: supervisor reached again", "state", state)
			failing = false
		}
	}
	for {
		select {
		case <-n.kick:
			if n.wantReady.Swap(false) {
				send(StateReady)
				n.log.Info("watchdog: ready", "interval", n.interval)
			}
			if n.wantPing.Swap(false) {
				send(StatePing)
			}
		case <-ctx.Done():
			return
		}
	}
}

// Stopping tells the supervisor that the process is stopping cleanly, so
// that the pings it no longer sends are not taken for a hang.
func (n *Notifier) Stopping() error {
	return n.to.Send(StateStopping)
}
