// Package supervise keeps the player running where no service manager
// watches it: on Windows, a program that draws must run in the user's
// session, so `kiosk supervise` (started at logon by Task Scheduler)
// starts the player, restarts it with backoff when it exits, and kills and
// restarts it when its watchdog pings stop. On Linux systemd does this job
// (see packaging/kiosk.service).
//
// The pings travel over loopback UDP with a token per start (package
// watchdog). Windows has no signal to ask a program to stop, so there the
// player's stdin is a pipe that the supervisor closes (Command.StopByStdin),
// and the player takes its end as it takes SIGTERM (StopOnStdinEOF); it is
// killed only if it has not stopped within StopTimeout. What the player
// writes may become records of the supervisor's log, naming the start
// (Command.LogOutput), so that one file (package logfile) keeps both.
//
// The clock and the way a player is started are injected, so the timing
// is tested in milliseconds and real processes are tested too.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/vnict/kiosk/kiosk/watchdog"
)

// Process is a started player.
type Process interface {
	Pid() int
	// Wait waits for it to exit; it is called once.
	Wait() error
	// Signal passes a signal on; a stop signal (os.Interrupt, SIGTERM)
	// asks the player to stop.
	Signal(os.Signal) error
	Kill() error
}

// Starter starts the player with env added to its environment. log is the
// supervisor's log for this start (it names the start number), for what
// the player writes.
type Starter func(env []string, log *slog.Logger) (Process, error)

// Clock tells the time and waits. Tests use one they move by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure Run. Start is required; zero durations take the
// defaults named.
type Options struct {
	Start Starter
	// Clock defaults to SystemClock.
	Clock Clock
	// PingTimeout is how long the player may go without a ping once ready
	// before it is taken for hung and killed; it is given to the player as
	// its watchdog interval. Default 30 s.
	PingTimeout time.Duration
	// StartTimeout is how long a player may take to draw its first frame
	// (READY=1). Default 2 minutes.
	StartTimeout time.Duration
	// StopTimeout is how long a player asked to stop (or that said
	// STOPPING=1) may take before it is killed. Default 10 s.
	StopTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart, which
	// doubles with each restart. Defaults 1 s and 1 minute.
	MinBackoff, MaxBackoff time.Duration
	// Healthy is how long a player must have run for the wait to start
	// again from MinBackoff. Default 5 minutes.
	Healthy time.Duration
	// Signals are passed on to the player; os.Interrupt and SIGTERM also
	// stop the supervisor once the player has exited.
	Signals <-chan os.Signal
	Log     *slog.Logger
}

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PingTimeout, 30*time.Second)
	def(&o.StartTimeout, 2*time.Minute)
	def(&o.StopTimeout, 10*time.Second)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, time.Minute)
	def(&o.Healthy, 5*time.Minute)
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Run starts the player and starts it again whenever it exits or hangs,
// until ctx is cancelled or a stop signal arrives; then it stops the
// player and returns nil. It returns an error only when it cannot listen
// for pings.
func Run(ctx context.Context, opts Options) error {
	if opts.Start == nil {
		return errors.New("supervise: Start is required")
	}
	opts.setDefaults()
	l, err := watchdog.Listen(opts.Log)
	if err != nil {
		return err
	}
	msgs := make(chan watchdog.Message, 16)
	readerDone := make(chan struct{})
	stopReader := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			m, err := l.Read()
			if err != nil {
				return
			}
			select {
			case msgs <- m:
			case <-stopReader:
				return
			}
		}
	}()
	defer func() {
		close(stopReader)
		_ = l.Close()
		<-readerDone
	}()
	s := &supervisor{Options: opts, msgs: msgs, done: ctx.Done()}
	opts.Log.Info("supervising the player", "ping_timeout", opts.PingTimeout, "notify", l.Addr())
	wait := opts.MinBackoff
	for start := 1; ; start++ {
		child, env, err := l.Arm(opts.PingTimeout)
		if err != nil {
			return err
		}
		began := opts.Clock.Now()
		log := opts.Log.With("start", start)
		proc, err := opts.Start(env, log)
		planned := false
		if err != nil {
			log.Error("the player did not start", "err", err)
		} else {
			var stop bool
			if stop, planned = s.watch(proc, child, log.With("pid", proc.Pid())); stop {
				return nil
			}
		}
		if planned || opts.Clock.Now().Sub(began) >= opts.Healthy {
			// A player that said it was stopping and exited cleanly
			// (to start a new build of itself, say) is not failing.
			wait = opts.MinBackoff
		}
		log.Warn("restarting the player", "in", wait)
		if s.pause(wait) {
			return nil
		}
		wait = min(2*wait, opts.MaxBackoff)
	}
}

type supervisor struct {
	Options
	msgs <-chan watchdog.Message
	done <-chan struct{} // the context's; nil once seen
}

// pause waits d before a restart; it reports whether a stop came instead.
func (s *supervisor) pause(d time.Duration) (stop bool) {
	restart := s.Clock.After(d)
	for {
		select {
		case <-restart:
			return false
		case <-s.done:
			return true
		case sig := <-s.Signals:
			if isStop(sig) {
				return true
			}
		case <-s.msgs: // from a player already gone
		}
	}
}

// watch follows one run of the player until it exits (killed if it
// hangs); it reports whether the supervisor is to stop, and whether the
// player stopped of its own accord, cleanly: it said STOPPING=1 and exited
// with status 0.
func (s *supervisor) watch(proc Process, child uint64, log *slog.Logger) (stop, planned bool) {
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	log.Info("player started")
	var (
		ready        bool
		stopping     bool // asked to stop, or said STOPPING=1
		asked        bool // asked to stop: the supervisor stops too
		saidStopping bool // the player said STOPPING=1
		deadline     = s.Clock.After(s.StartTimeout)
		waitingFor   = "its first frame (READY=1)"
		began        = s.Clock.Now()
		since        = began // of the wait for deadline
	)
	kill := func() {
		if err := proc.Kill(); err != nil {
			log.Error("the player could not be killed", "err", err)
		}
	}
	// stopChild asks the player to stop with sig (a Command started with
	// StopByStdin closes its stdin instead, as Windows has no signals but
	// Kill), and kills it when it cannot be asked.
	stopChild := func(sig os.Signal) {
		stopping, asked = true, true
		deadline, waitingFor, since = s.Clock.After(s.StopTimeout), "it to stop", s.Clock.Now()
		if err := proc.Signal(sig); err != nil {
			log.Info("the player cannot be signalled here; killing it", "signal", sig, "err", err)
			kill()
			return
		}
		log.Info("player asked to stop", "signal", sig, "within", s.StopTimeout)
	}
	for {
		select {
		case err := <-exited:
			if asked {
				log.Info("player stopped", "exit", exitText(err))
				return true, false
			}
			if saidStopping && err == nil {
				log.Info("player stopped of its own accord", "ran", s.Clock.Now().Sub(began).Round(time.Millisecond))
				return false, true
			}
			log.Warn("player exited", "exit", exitText(err), "ran", s.Clock.Now().Sub(began).Round(time.Millisecond), "ready", ready)
			return false, false
		case m := <-s.msgs:
			if m.Child != child {
				continue // from an earlier start
			}
			for _, st := range m.States {
				switch st {
				case watchdog.StateReady:
					if !ready {
						ready = true
						log.Info("player ready", "after", s.Clock.Now().Sub(began).Round(time.Millisecond))
					}
					fallthrough
				case watchdog.StatePing:
					if !stopping {
						deadline, waitingFor, since = s.Clock.After(s.PingTimeout), "a ping (WATCHDOG=1)", s.Clock.Now()
					}
				case watchdog.StateStopping:
					if !saidStopping {
						saidStopping = true
						log.Info("player stopping")
					}
					if !stopping {
						stopping = true
						deadline, waitingFor, since = s.Clock.After(s.StopTimeout), "it to stop", s.Clock.Now()
					}
				}
			}
		case <-deadline:
			log.Error("player hung: killing it", "waited_for", waitingFor, "for", s.Clock.Now().Sub(since).Round(time.Millisecond))
			kill()
			err := <-exited
			log.Info("player killed", "exit", exitText(err))
			return asked, false
		case sig := <-s.Signals:
			log.Info("signal passed on to the player", "signal", sig)
			if isStop(sig) && !asked {
				stopChild(sig)
			} else if err := proc.Signal(sig); err != nil {
				log.Warn("signal not passed on", "signal", sig, "err", err)
			}
		case <-s.done:
			s.done = nil
			if !asked {
				stopChild(os.Interrupt)
			}
		}
	}
}

// exitText says how a process ended.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return fmt.Sprint(err)
}
