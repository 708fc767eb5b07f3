// Command kiosk is the site's player: it plays the site's current content
// bundle full screen, or the built-in demo when given no config.
//
//	kiosk                          play the demo in a window
//	kiosk --config site.yaml       play the site's content
//	kiosk --config site.yaml --demo   the site's screen with the demo bundle
//	kiosk --capture DIR            save every slide as PNG under DIR and exit
//	kiosk supervise -- --config site.yaml   run the player, restart it when it exits or hangs
//	kiosk supervise --log-file logs/kiosk.log -- ...   the same, its log and the player's in a rotated file
//
// Under systemd or `kiosk supervise` the player tells its supervisor when
// its first frame is drawn and pings it from its drawing loop (package
// watchdog), so a hung player is restarted.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vnict/kiosk/cmd/kiosk/internal/cli"
	_ "github.com/vnict/kiosk/cmd/kiosk/internal/nodisplay" // before Ebiten connects to X
	"github.com/vnict/kiosk/configs"
	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/logfile"
	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/sound"
	"github.com/vnict/kiosk/kiosk/supervise"
	"github.com/vnict/kiosk/kiosk/update"
	"github.com/vnict/kiosk/kiosk/watchdog"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/watch"
)

func main() {
	started := time.Now()
	// Run again as the sound device's probe (package sound), this
	// program does that alone.
	if status, probe := sound.ServeProbe(os.Getenv, os.Stdout); probe {
		os.Exit(status)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	flags, err := cli.Command(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		os.Exit(cli.ExitCode(err))
	}
	if flags.Version {
		fmt.Println(cli.Version)
		return
	}
	if flags.Supervise != nil {
		err = runSupervise(ctx, flags.Supervise, os.Stderr)
	} else {
		// Where the supervisor cannot signal (Windows), it asks the
		// player to stop by closing its stdin.
		playCtx, stopPlay := supervise.StopOnStdinEOF(ctx, os.Stdin, os.Getenv)
		// Read once; programs the player starts (xset) are not told.
		os.Unsetenv(supervise.StdinStopEnv)
		err = run(playCtx, flags, os.Stderr, started)
		stopPlay()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, stderr io.Writer, started time.Time) error {
	if f.MemLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(f.MemLimit << 20)
	}

	logOut, closeLog, logProblem := logWriter(f.LogFile, stderr)
	defer closeLog()
	log, err := newLogger(f.LogFormat, f.LogLevel, logOut)
	if err != nil {
		return err
	}
	if logProblem != nil {
		log.Error("log file unusable; logging to standard error and playing on", "err", logProblem)
	}

	cfg, err := loadConfig(f.Config)
	if err != nil {
		return err
	}
	demoMode(cfg, f)
	log = log.With("site", cfg.Site.ID)
	// An interactive site's sound device, or that of a wall playing
	// videos' sound, is looked for while the rest starts; other walls
	// never open one.
	narr := openNarration(ctx, cfg, log)
	defer narr.close()

	var src player.Source
	var unmapped atomic.Pointer[player.Player]
	var observer player.Observer
	var alerts player.AlertSource
	measuring := f.Capture != "" || f.Summary != "" || f.FrameStats != ""
	// The build that runs: this one, or an installed update it starts in
	// its place (startChosen does not return then).
	running := cli.Version
	var updates *update.Dir
	if cfg.Content.Cache != "" && !f.Demo && !measuring {
		if updates, err = update.Open(updateDir(cfg), runtime.GOOS, log); err != nil {
			log.Error("player updates off", "err", err)
			updates = nil
		} else {
			running = startChosen(updates, log)
			if err := updates.Collect(time.Now()); err != nil {
				log.Warn("old player builds not removed", "err", err)
			}
		}
	}
	log.Info("player starting", "version", running)
	// The player stops to start a new build, and a build on trial stops
	// when it has failed.
	ctx, restart := context.WithCancelCause(ctx)
	defer restart(nil)
	// When systemd or `kiosk supervise` watches the player, its drawing
	// loop pings them.
	wd, err := watchdog.FromEnvironment(log)
	if err != nil {
		log.Error("the supervisor's watchdog is not answered", "err", err)
	}
	var site *agent.Site
	if cfg.Content.Cache != "" && !f.Demo {
		// The sync agent keeps the cache current; the player plays it
		// and reports what it shows through the site's spool.
		site, err = agent.Open(cfg, log)
		if err != nil {
			return err
		}
		if updates != nil {
			if in := installer(updates, cfg, site, running, wd != nil, restart, log); in != nil {
				site.Agent.Updates = in
			}
		}
		rec := report.NewRecorder(report.RecorderOptions{
			Interval: cfg.Reports.Interval, Schedule: report.ScheduleOf(cfg), Started: started,
			Health: func() report.Health {
				h := site.Health()
				h.RSS = report.ResidentBytes()
				h.Player, h.Update = updateHealth(updates, running)
				h.Audio = narr.audio()
				if p := unmapped.Load(); p != nil {
					h.Unmapped = p.UnmappedGlyphs()
				}
				return h
			},
		})
		if !measuring {
			// Captures and measurements run on a clock of their own;
			// what they show is not reported.
			observer = rec
		}
		// Sync and reports stop after the player, in order: the last
		// play is recorded, the recorder hands everything to the spool,
		// the uploader seals and tries once more, the spool closes.
		recCtx, stopRec := context.WithCancel(context.Background())
		siteCtx, stopSite := context.WithCancel(context.Background())
		recDone, siteDone := make(chan struct{}), make(chan struct{})
		go func() { defer close(recDone); rec.Run(recCtx, site.Record) }()
		go func() {
			defer close(siteDone)
			if err := site.Run(siteCtx, cfg.Resolve(cfg.Sync.ImportDir)); err != nil {
				log.Error("sync stopped", "err", err)
			}
		}()
		defer func() {
			if observer != nil {
				rec.Stop(time.Now())
			}
			stopRec()
			<-recDone
			stopSite()
			<-siteDone
			if err := site.Close(); err != nil {
				log.Error("report spool not closed cleanly", "err", err)
			}
		}()
		src = site.Cache
		if site.Alerts != nil {
			alerts = site.Alerts
		}
	} else if src, err = openSource(cfg, f.Demo, log); err != nil {
		return err
	}
	if updates != nil {
		if updates.OnTrial(running) {
			observer = watchTrial(updates, running, update.TrialWindow, observer, src, restart, log)
		}
		// A build that runs this long is not the one crashing a site.
		stable := time.AfterFunc(update.StableAfter, func() {
			if err := updates.Stable(running); err != nil {
				log.Error("update state not saved", "err", err)
			}
		})
		defer stable.Stop()
	}
	opts := player.Options{
		Config:   cfg,
		Source:   src,
		Fonts:    fonts.NewLoader(log, f.FontCache),
		Log:      log,
		Observer: observer,
		Alerts:   alerts,
		Narrator: narr.narrator(),
		// The sound's setting is read at the start: a config turning it
		// on later takes effect at the next start.
		VideoSound: narr.videoSound(cfg),
	}
	if f.Capture != "" || f.Summary != "" {
		if f.Capture != "" {
			if err := os.MkdirAll(f.Capture, 0o755); err != nil {
				return err
			}
		}
		opts.Capture = &player.CaptureOptions{Dir: f.Capture, SummaryPath: f.Summary, Cycles: f.Cycles}
	}
	if f.FrameStats != "" {
		opts.FrameStats = &player.FrameStatsOptions{Path: f.FrameStats, Warmup: 3 * time.Second, Span: f.StatsSpan, StartedAt: started}
	}
	if wd != nil {
		opts.Watchdog = wd
		wdCtx, stopWD := context.WithCancel(context.Background())
		wdDone := make(chan struct{})
		go func() { defer close(wdDone); wd.Run(wdCtx) }()
		defer func() { stopWD(); <-wdDone }()
	}
	p, err := player.New(opts)
	if err != nil {
		return err
	}
	unmapped.Store(p)
	if site != nil && !measuring {
		// Screenshots stop before the player does.
		shotCtx, stopShots := context.WithCancel(context.Background())
		shotsDone := make(chan struct{})
		go func() { defer close(shotsDone); site.Screens.Run(shotCtx, p) }()
		defer func() { stopShots(); <-shotsDone }()
	}
	if f.Config != "" && opts.Capture == nil && opts.FrameStats == nil {
		reload := func() {
			next, err := siteconfig.Load(f.Config)
			if err != nil {
				log.Error("new site config refused; the running one stays", "err", err)
				return
			}
			demoMode(next, f)
			if next.Mode == siteconfig.ModeInteractive && narr == nil {
				log.Warn("the sound device for narration is looked for at the next start")
			}
			if !reflect.DeepEqual(next.Sync, cfg.Sync) || next.Content != cfg.Content {
				log.Warn("content and sync settings take effect at the next start; the rest applies now")
			}
			p.Reconfigure(next)
		}
		if err := watch.File(ctx, f.Config, watch.DefaultDebounce, log, reload); err != nil {
			log.Warn("site config changes will need a restart", "err", err)
		}
	}
	if err := p.Run(ctx); err != nil {
		return err
	}
	cause := context.Cause(ctx)
	if cause != nil {
		log.Info("player stopping", "why", cause)
	}
	if wd != nil {
		// Said before sync and reports close, so that the time they take
		// is not taken for a hang.
		if err := wd.Stopping(); err != nil {
			log.Warn("the supervisor was not told of the stop", "err", err)
		}
	}
	if errors.Is(cause, errTrialFailed) {
		return cause // exits non-zero; the start after goes back
	}
	return nil
}

// runSupervise is `kiosk supervise`: it runs the player and restarts it
// when it exits or hangs, until a stop signal. With a log file, what the
// player writes goes there too, a record for each line.
func runSupervise(ctx context.Context, f *cli.SuperviseFlags, stderr io.Writer) error {
	logOut, closeLog, logProblem := logWriter(f.LogFile, stderr)
	defer closeLog()
	log, err := newLogger(f.LogFormat, f.LogLevel, logOut)
	if err != nil {
		return err
	}
	if logProblem != nil {
		log.Error("log file unusable; logging to standard error and playing on", "err", logProblem)
	}
	prog := f.Player
	if prog == "" {
		if prog, err = os.Executable(); err != nil {
			return fmt.Errorf("the player program: %w", err)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	cmd := supervise.Command{Path: prog, Args: f.PlayerArgs, Stdout: os.Stdout, Stderr: stderr,
		LogOutput: f.LogFile != "", StopByStdin: f.StopByStdin}
	return supervise.Run(ctx, supervise.Options{
		Start:        chooseEachStart(cmd, f, log),
		PingTimeout:  f.PingTimeout,
		StartTimeout: f.StartTimeout,
		StopTimeout:  f.StopTimeout,
		MinBackoff:   f.MinBackoff,
		MaxBackoff:   f.MaxBackoff,
		Signals:      sigs,
		Log:          log.With("supervisor", filepath.Base(prog)),
	})
}

// logWriter is where the log goes: the rotated log file at path, or
// stderr when there is none or it cannot be opened (problem says why).
func logWriter(path string, stderr io.Writer) (w io.Writer, closeLog func(), problem error) {
	if path == "" {
		return stderr, func() {}, nil
	}
	file, err := logfile.Open(path, logfile.Options{})
	if err != nil {
		// A screen nobody visits plays on without its log file (a folder
		// planted at its name must not keep it dark): the log goes to
		// standard error, and the problem is its first record.
		return stderr, func() {}, fmt.Errorf("--log-file: %w", err)
	}
	return file, func() { _ = file.Close() }, nil
}

// newLogger returns the logger the flags ask for, writing to w.
func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log: want text or json, not %q", format)
}

func loadConfig(path string) (*siteconfig.Config, error) {
	if path == "" {
		return siteconfig.Parse(configs.Demo, configs.DemoName)
	}
	return siteconfig.Load(path)
}

// staticSource is a bundle loaded once at start. Sync replaces it with the
// verified cache, which changes.
type staticSource struct{ b *content.Bundle }

func (s staticSource) Current() *content.Bundle { return s.b }
func (s staticSource) Changed() <-chan struct{} { return nil }

// demoMode adjusts cfg to the flags: --window keeps the player in a
// window; --demo, a demonstration of the site on someone's desk, also opens
// a window and ignores the site's office hours, so that it shows its
// content (and takes input, at an interactive site) at any hour.
func demoMode(cfg *siteconfig.Config, f *cli.Flags) {
	if f.Window || f.Demo {
		cfg.Display.Fullscreen = false
	}
	if f.Demo {
		cfg.Hours = nil
	}
}

func openSource(cfg *siteconfig.Config, forceDemo bool, log *slog.Logger) (player.Source, error) {
	if forceDemo || cfg.Content.Demo {
		b, err := demo.Load()
		if err != nil {
			return nil, fmt.Errorf("built-in demo: %w", err)
		}
		return staticSource{b}, nil
	}
	dir := cfg.Resolve(cfg.Content.Dir)
	b, err := content.LoadDir(dir)
	if err != nil {
		// The player still starts and shows its standby slide.
		if errors.Is(err, os.ErrNotExist) {
			log.Warn("no bundle in the content folder yet", "dir", dir)
		} else {
			log.Error("content bundle refused", "dir", dir, "err", err)
		}
		return staticSource{}, nil
	}
	return staticSource{b}, nil
}
