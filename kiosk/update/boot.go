package update

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/playerbuild"
)

// BootedEnv is set in the environment of the program Boot chose, so that
// it does not choose again.
const BootedEnv = "KIOSK_UPDATE_BOOTED"

// Packaged is the program the site's package installed: the floor of
// what runs.
type Packaged struct {
	Path string
	// Version is its version; "" or "dev" when unknown, which any
	// installed build is newer than.
	Version string
}

// Choice is the program to run now.
type Choice struct {
	// Path is the program: the packaged one, or an installed build.
	Path    string
	Version string
	// Installed is true for an installed build, false for the packaged
	// program.
	Installed bool
	// Trial is true while the build has not shown content yet.
	Trial bool
}

// Boot chooses the program to start now, and records the start: a build
// on trial that failed, or has had TrialStarts starts without showing
// content, is marked bad and the previous build is chosen; an installed
// build whose file is missing or altered is not run. The packaged program
// runs when nothing installed is newer. Boot never fails: when in doubt,
// the packaged program runs.
func (d *Dir) Boot(packaged Packaged, now time.Time) Choice {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.load()
	choice := Choice{Path: packaged.Path, Version: packaged.Version}
	var obsolete []string
	for st.Current != nil {
		cur := *st.Current
		if !playerbuild.Newer(cur.Version, packaged.Version) {
			// The package was upgraded past the installed builds: they
			// are of no more use.
			d.log.Info("the packaged player is as new as the installed build; it runs, and the installed builds go", "packaged", packaged.Version, "installed", cur.Version)
			for _, b := range []*Build{st.Current, st.Previous} {
				if b != nil {
					obsolete = append(obsolete, b.Version)
				}
			}
			st.Current, st.Previous, st.Trial, st.Restarts = nil, nil, nil, 0
			st.Last = &report.UpdateOutcome{Time: now, Version: packaged.Version, Result: report.UpdateRunning,
				Detail: "the package was upgraded past the installed build " + cur.Version}
			break
		}
		if why := failedTrial(st, now); why != "" {
			d.rollBack(&st, why, now)
			continue
		}
		if err := d.check(cur); err != nil {
			// Marked bad all the same: a build the disk (or a virus
			// scanner) keeps taking away would otherwise be downloaded
			// and started again without end.
			d.log.Error("installed player build damaged; going back", "version", cur.Version, "err", err)
			d.rollBack(&st, "the program on disk is not the one installed: "+err.Error(), now)
			continue
		}
		choice = Choice{Path: d.Program(cur.Version), Version: cur.Version, Installed: true}
		switch {
		case st.Trial != nil:
			st.Trial.Starts++
			choice.Trial = true
			d.log.Info("starting a new player build on trial", "version", cur.Version, "start", st.Trial.Starts, "of", TrialStarts)
		case onProbation(st, now):
			st.Restarts++
		}
		break
	}
	if err := d.save(st); err != nil {
		d.log.Error("update state not saved", "err", err)
		if choice.Trial {
			// Its starts could not be counted: a build that fails at
			// start would be started without end.
			d.log.Error("the build on trial is not started while its starts cannot be counted; the packaged player runs", "version", choice.Version)
			return Choice{Path: packaged.Path, Version: packaged.Version}
		}
	}
	for _, v := range obsolete {
		if err := os.RemoveAll(filepath.Join(d.path, v)); err != nil {
			d.log.Warn("old player build not removed", "version", v, "err", err)
		}
	}
	return choice
}

// failedTrial says why the current build is to be given up, or "": it
// failed its trial, or has had TrialStarts starts without showing content,
// or, in the KeepPrevious after it first showed content, has been started
// MaxRestarts times without once running for StableAfter.
func failedTrial(st State, now time.Time) string {
	switch {
	case st.Trial != nil && st.Trial.Failed != "":
		return st.Trial.Failed
	case st.Trial != nil && st.Trial.Starts >= TrialStarts:
		return fmt.Sprintf("no content on screen after %d starts", st.Trial.Starts)
	case onProbation(st, now) && st.Restarts >= MaxRestarts:
		return fmt.Sprintf("started %d times without running %v, %v after it first showed content",
			st.Restarts, StableAfter, now.Sub(st.Since).Round(time.Minute))
	}
	return ""
}

// onProbation reports whether the current build, past its trial, is still
// watched: within KeepPrevious of first showing content.
func onProbation(st State, now time.Time) bool {
	return st.Current != nil && st.Trial == nil && !st.Since.IsZero() && now.Sub(st.Since) < KeepPrevious
}

// rollBack marks the current build bad and makes the previous one current.
func (d *Dir) rollBack(st *State, why string, now time.Time) {
	v := st.Current.Version
	d.log.Error("new player build failed; going back to the previous one, and never trying it again", "version", v, "why", why)
	if st.Bad == nil {
		st.Bad = map[string]string{}
	}
	st.Bad[v] = why
	st.Last = &report.UpdateOutcome{Time: now, Version: v, Result: report.UpdateRolledBack, Detail: why}
	st.Current, st.Previous, st.Trial, st.Restarts = st.Previous, nil, nil, 0
	// The build gone back to ran before; it is not on probation.
	st.Since = time.Time{}
}

// check verifies an installed build's program against its record.
func (d *Dir) check(b Build) error {
	f, err := os.Open(d.Program(b.Version))
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, b.Size+1))
	if err != nil {
		return fmt.Errorf("%s: %w", d.Program(b.Version), err)
	}
	if n != b.Size || hex.EncodeToString(h.Sum(nil)) != b.SHA256 {
		return fmt.Errorf("%s: not the program installed (%d bytes read, %d recorded, or another SHA-256)", d.Program(b.Version), n, b.Size)
	}
	return nil
}

// OnTrial reports whether version is the current build on trial: the
// player running it must Confirm within TrialWindow, or Fail.
func (d *Dir) OnTrial(version string) bool {
	st := d.State()
	return st.Trial != nil && st.Current != nil && st.Current.Version == version
}

// Confirm records that version showed content: its trial is over. It
// reports whether a trial ended.
func (d *Dir) Confirm(version string, now time.Time) (bool, error) {
	ended := false
	_, err := d.change(func(st *State) {
		if st.Trial == nil || st.Current == nil || st.Current.Version != version {
			return
		}
		ended = true
		st.Trial, st.Since, st.Restarts = nil, now, 0
		st.Last = &report.UpdateOutcome{Time: now, Version: version, Result: report.UpdateRunning}
	})
	if ended {
		d.log.Info("new player build shows content; its trial is over", "version", version)
	}
	return ended, err
}

// Stable records that version has run for StableAfter: its restarts
// since no longer count against it.
func (d *Dir) Stable(version string) error {
	_, err := d.change(func(st *State) {
		if st.Current != nil && st.Current.Version == version {
			st.Restarts = 0
		}
	})
	return err
}

// Fail records that version, on trial, gave up: the next Boot goes back.
func (d *Dir) Fail(version, why string) error {
	_, err := d.change(func(st *State) {
		if st.Trial != nil && st.Current != nil && st.Current.Version == version {
			st.Trial.Failed = why
		}
	})
	return err
}

// Collect forgets the previous build once the current one has shown
// content for KeepPrevious, and removes the folders of builds the state
// no longer names.
func (d *Dir) Collect(now time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.load()
	if st.Trial == nil && st.Previous != nil && !st.Since.IsZero() && now.Sub(st.Since) >= KeepPrevious {
		d.log.Info("the previous player build is no longer kept", "version", st.Previous.Version, "current_since", st.Since)
		st.Previous = nil
		if err := d.save(st); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || playerbuild.CheckVersion(name) != nil || !unwanted(st, name) {
			continue // not a build's folder, or one to keep
		}
		if err := os.RemoveAll(filepath.Join(d.path, name)); err != nil {
			d.log.Warn("old player build not removed", "version", name, "err", err)
		}
	}
	d.collectPartials(now)
	return nil
}

// unwanted reports whether the folder of version may go: a build that
// failed, or one older than the current build that is not the previous
// one. A newer build the state does not name is kept: a power cut between
// placing it and recording it left it, and the next sync records it.
func unwanted(st State, version string) bool {
	for _, b := range []*Build{st.Current, st.Previous} {
		if b != nil && b.Version == version {
			return false
		}
	}
	if _, bad := st.Bad[version]; bad {
		return true
	}
	return st.Current != nil && !playerbuild.Newer(version, st.Current.Version)
}

// maxPartialAge is how long an unfinished download is kept for resuming.
const maxPartialAge = 7 * 24 * time.Hour

// collectPartials removes downloads left unfinished for maxPartialAge.
func (d *Dir) collectPartials(now time.Time) {
	dir := filepath.Join(d.path, downloadDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || now.Sub(fi.ModTime()) < maxPartialAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			d.log.Warn("old partial download not removed", "file", e.Name(), "err", err)
		}
	}
}
