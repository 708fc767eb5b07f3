package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnict/kiosk/cmd/kiosk/internal/cli"
	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/supervise"
	"github.com/vnict/kiosk/kiosk/update"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/playerbuild"
)

// Causes of a stop: a new build to start, or a build on trial that failed.
var (
	errUpdate      = errors.New("a new player build is installed")
	errTrialFailed = errors.New("the new player build failed its trial")
)

// updateDir is where a site's player builds are kept: beside its cache,
// in the kiosk's own folder, which the kiosk user can write (the packaged
// program's folder is the system's).
func updateDir(cfg *siteconfig.Config) string {
	return filepath.Join(cfg.Resolve(cfg.Content.Cache), "player")
}

// startChosen runs Boot for a player started directly (by systemd), and
// executes the build it chooses in this process's place, so that systemd
// watches the same process. It returns the version this process runs as:
// its own, or, when a supervisor or the packaged program chose it, the
// version it was installed as.
func startChosen(d *update.Dir, log *slog.Logger) string {
	if chosen := os.Getenv(update.BootedEnv); chosen != "" {
		os.Unsetenv(update.BootedEnv) // not for the programs the player starts
		if chosen != cli.Version {
			log.Warn("this build was installed under another version than it was built with", "installed_as", chosen, "built_as", cli.Version)
		}
		return chosen
	}
	if !canExec {
		// Windows: updates start under `kiosk supervise`, which chooses.
		return cli.Version
	}
	self, err := os.Executable()
	if err != nil {
		log.Error("player updates off: this program's path is unknown", "err", err)
		return cli.Version
	}
	c := d.Boot(update.Packaged{Path: self, Version: cli.Version}, time.Now())
	if !c.Installed {
		return cli.Version
	}
	log.Info("starting the installed player build", "version", c.Version, "program", c.Path, "trial", c.Trial)
	err = execProgram(c.Path, os.Args, append(os.Environ(), update.BootedEnv+"="+c.Version))
	// Only reached when the build could not be started.
	log.Error("the installed player build could not be started; the packaged one plays", "version", c.Version, "err", err)
	if c.Trial {
		if ferr := d.Fail(c.Version, fmt.Sprintf("could not be started: %v", err)); ferr != nil {
			log.Error("update state not saved", "err", ferr)
		}
	}
	return cli.Version
}

// installer installs the player builds the site's publications offer, if
// this player can be restarted into them (systemd or `kiosk supervise`
// watches it) and knows its own version.
func installer(d *update.Dir, cfg *siteconfig.Config, site *agent.Site, running string, supervised bool,
	restart func(error), log *slog.Logger) *update.Installer {
	switch {
	case !supervised:
		log.Info("player updates off: nothing would start the new build (run under systemd or kiosk supervise)")
		return nil
	case playerbuild.CheckVersion(running) != nil:
		log.Info("player updates off: this build has no version", "version", running)
		return nil
	}
	return &update.Installer{
		Dir: d, Running: running, OS: runtime.GOOS, Arch: runtime.GOARCH,
		Site: cfg.Site.ID, Tags: slices.Concat(cfg.Site.Tags, cfg.Site.Groups),
		Get: site.Agent.Trust, Source: site.Agent.Fetch.Source, Limit: site.Agent.Fetch.Limit,
		Log: log,
		Installed: func(v string) {
			restart(fmt.Errorf("%w: %s", errUpdate, v))
		},
	}
}

// updateHealth is what heartbeats say of the player's version and its
// last update.
func updateHealth(d *update.Dir, running string) (string, *report.UpdateOutcome) {
	if d == nil {
		return running, nil
	}
	return running, d.State().Last
}

// trialWatch ends a new build's trial: it confirms the build at its first
// frame that shows what the site should show (a slide, or the screen an
// alert or the off-hours leave), or at its first frame at all when the
// site has nothing to play yet; otherwise, after update.TrialWindow, it
// records the failure and stops the player, so that the previous build
// is started.
type trialWatch struct {
	next    player.Observer // may be nil
	source  player.Source
	done    atomic.Bool
	confirm func()
}

func (w *trialWatch) Frame(now time.Time) {
	if w.next != nil {
		w.next.Frame(now)
	}
	if w.source.Current() == nil {
		w.end()
	}
}

func (w *trialWatch) Shown(now time.Time, s report.Showing) {
	if w.next != nil {
		w.next.Shown(now, s)
	}
	if s.Problem == "" {
		w.end()
	}
}

// Alerting passes alerts on to a recorder.
func (w *trialWatch) Alerting(now time.Time, id string) {
	if a, ok := w.next.(interface{ Alerting(time.Time, string) }); ok {
		a.Alerting(now, id)
	}
}

func (w *trialWatch) end() {
	if w.done.CompareAndSwap(false, true) {
		go w.confirm() // the drawing goroutine does not wait for the disk
	}
}

// watchTrial starts the trial's deadline, within (update.TrialWindow),
// and returns the observer that ends it; stop is called when the build
// failed.
func watchTrial(d *update.Dir, running string, within time.Duration, next player.Observer, src player.Source,
	stop func(error), log *slog.Logger) *trialWatch {
	confirmed := make(chan struct{})
	w := &trialWatch{next: next, source: src, confirm: func() {
		if _, err := d.Confirm(running, time.Now()); err != nil {
			log.Error("update state not saved", "err", err)
		}
		close(confirmed)
	}}
	go func() {
		select {
		case <-confirmed:
		case <-time.After(within):
			why := fmt.Sprintf("no content frame within %v", within)
			if w.done.CompareAndSwap(false, true) {
				log.Error("new player build on trial failed; stopping so that the previous one starts", "version", running, "why", why)
				if err := d.Fail(running, why); err != nil {
					log.Error("update state not saved", "err", err)
				}
				stop(fmt.Errorf("%w: %s", errTrialFailed, why))
			}
		}
	}()
	return w
}

// chooseEachStart makes `kiosk supervise` start, each time, the build
// Boot chooses for the site the player's flags name; without a site cache
// there are no updates and start is used as it is.
func chooseEachStart(cmd supervise.Command, f *cli.SuperviseFlags, log *slog.Logger) supervise.Starter {
	pf, err := cli.Parse(f.PlayerArgs, io.Discard)
	if err != nil || pf.Config == "" || pf.Demo {
		return cmd.Start
	}
	cfg, err := siteconfig.Load(pf.Config)
	if err != nil || cfg.Content.Cache == "" {
		return cmd.Start
	}
	d, err := update.Open(updateDir(cfg), runtime.GOOS, log)
	if err != nil {
		log.Error("player updates off", "err", err)
		return cmd.Start
	}
	packaged := update.Packaged{Path: cmd.Path, Version: cli.Version} // the player is this program
	if f.Player != "" {
		packaged.Version = programVersion(f.Player, log)
	}
	return func(env []string, log *slog.Logger) (supervise.Process, error) {
		c := d.Boot(packaged, time.Now())
		next := cmd
		next.Path = c.Path
		if c.Version != "" {
			env = append(env, update.BootedEnv+"="+c.Version)
		}
		if c.Installed {
			log.Info("starting an installed player build", "version", c.Version, "program", c.Path, "trial", c.Trial)
		}
		return next.Start(env, log)
	}
}

// programVersion asks the player program for its version, so that a
// package upgraded past the installed builds runs; "" when it does not
// say (then every installed build is newer).
func programVersion(path string, log *slog.Logger) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	v := strings.TrimSpace(string(out))
	if err != nil || playerbuild.CheckVersion(v) != nil {
		log.Warn("the player program does not say its version; any installed build is taken as newer", "player", path, "said", clipText(v), "err", err)
		return ""
	}
	return v
}

// clipText keeps a program's answer short for the log.
func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
