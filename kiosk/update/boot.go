package update

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	for st.Current != nil {
		cur := *st.Current
		if !playerbuild.Newer(cur.Version, packaged.Version) {
			d.log.Info("the packaged player is as new as the installed build; it runs", "packaged", packaged.Version, "installed", cur.Version)
			break
		}
		if st.Trial != nil {
			why := st.Trial.Failed
			if why == "" && st.Trial.Starts >= TrialStarts {
				why = fmt.Sprintf("no content on screen after %d starts", st.Trial.Starts)
			}
			if why != "" {
				d.rollBack(&st, why, now)
				continue
			}
		}
		if err := d.check(cur); err != nil {
			// Not the build's fault: it is not marked bad, and may be
			// installed again.
			d.log.Error("installed player build damaged; going back", "version", cur.Version, "err", err)
			st.Last = &report.UpdateOutcome{Time: now, Version: cur.Version, Result: report.UpdateFailed, Detail: err.Error()}
			st.Current, st.Previous, st.Trial = st.Previous, nil, nil
			continue
		}
		choice = Choice{Path: d.Program(cur.Version), Version: cur.Version, Installed: true}
		if st.Trial != nil {
			st.Trial.Starts++
			choice.Trial = true
			d.log.Info("starting a new player build on trial", "version", cur.Version, "start", st.Trial.Starts, "of", TrialStarts)
		}
		break
	}
	if err := d.save(st); err != nil {
		d.log.Error("update state not saved", "err", err)
	}
	return choice
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
	st.Current, st.Previous, st.Trial = st.Previous, nil, nil
	st.Since = now
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
		st.Trial, st.Since = nil, now
		st.Last = &report.UpdateOutcome{Time: now, Version: version, Result: report.UpdateRunning}
	})
	if ended {
		d.log.Info("new player build shows content; its trial is over", "version", version)
	}
	return ended, err
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
	keep := map[string]bool{}
	for _, b := range []*Build{st.Current, st.Previous} {
		if b != nil {
			keep[b.Version] = true
		}
	}
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || keep[name] || name == downloadDir || strings.HasPrefix(name, ".") {
			continue
		}
		if playerbuild.CheckVersion(name) != nil {
			continue // not a build's folder
		}
		if err := os.RemoveAll(filepath.Join(d.path, name)); err != nil {
			d.log.Warn("old player build not removed", "version", name, "err", err)
		}
	}
	return nil
}
