// Package update installs signed player builds at a site, and decides at
// each start which build runs, going back to the previous one when a new
// build fails.
//
// A build is published by the department as a TUF target like content
// (package playerbuild; `kioskctl release-player`), approved by the same
// threshold, so a store in an attacker's hands cannot forge, replay or
// freeze one. The site's sync agent offers every verified publication to
// an Installer, which picks the newest build meant for this site (its
// platform, its ID or tags) that is newer than the running one and not
// known bad, downloads it like media (resumable, hashed against the signed
// document, rate-capped), places it in the kiosk's own folder
// (<cache>/player/<version>/kiosk), and records it as the current build on
// trial, with one atomic write of the state file. The player then exits to
// be started again.
//
// Whoever starts the player runs Boot first: systemd's `kiosk` (the
// packaged program, which then executes the chosen build in its place, so
// systemd still watches the same process) or `kiosk supervise` (which
// starts the chosen build). Boot counts the starts of a build on trial;
// a build that has not shown content after TrialStarts starts, or that
// said it failed (no content frame within TrialWindow), is marked bad,
// never tried again, and the previous build runs. A build shows it works by
// Confirm, on its first content frame. The previous build is kept until
// the new one has run for KeepPrevious.
//
// The packaged program is the floor: when the package is upgraded past the
// installed build, the package runs. Nothing here ever runs a version lower
// than the one the site runs, except by going back from a failed trial.
//
// The state is small JSON written atomically (internal/atomicfile), so a
// power cut at any moment leaves either the old or the new state, and a
// program file is in place (fsync'd, renamed) before any state names it.
package update

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/playerbuild"
)

// Policy of trials.
const (
	// TrialStarts is how many starts a new build gets to show content.
	TrialStarts = 3
	// TrialWindow is how long, in one start, a new build has to draw its
	// first content frame.
	TrialWindow = 2 * time.Minute
	// KeepPrevious is how long the previous build is kept after a new one
	// first showed content. In that time the new build is still watched:
	// MaxRestarts starts in a row without running StableAfter (it crashes
	// later, on some content) give it up too.
	KeepPrevious = 24 * time.Hour
	MaxRestarts  = 5
	StableAfter  = 10 * time.Minute
)

// Build is an installed build.
type Build struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
}

// Trial is the current build's trial, until it shows content.
type Trial struct {
	// Starts counts the starts Boot gave it.
	Starts int `json:"starts"`
	// Failed, when set, says why the build gave up (Fail).
	Failed string `json:"failed,omitempty"`
}

// State is what the site records of its builds, in <dir>/state.json.
type State struct {
	// Current is the installed build to run; nil: the packaged program.
	Current *Build `json:"current,omitempty"`
	// Previous is the build to go back to; nil: the packaged program.
	Previous *Build `json:"previous,omitempty"`
	// Trial is set while Current has not shown content yet.
	Trial *Trial `json:"trial,omitempty"`
	// Since is when Current first showed content.
	Since time.Time `json:"since,omitzero"`
	// Restarts counts the starts of Current since it last ran for
	// StableAfter, while it is on probation (KeepPrevious after Since).
	Restarts int `json:"restarts,omitempty"`
	// Bad names the versions that failed, and why; they are not
	// installed again.
	Bad map[string]string `json:"bad,omitempty"`
	// Last is what the last update did.
	Last *report.UpdateOutcome `json:"last,omitempty"`
}

// maxState bounds the state file; Bad is pruned, and every reason and
// detail cut to maxDetail, to stay well under it.
const (
	maxState  = 64 << 10
	maxBad    = 32
	maxDetail = 512
)

// clipDetail cuts text for the state (a store's error message may be a
// megabyte) at a character boundary.
func clipDetail(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	s = s[:maxDetail]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Dir is a site's folder of builds and its state. Its methods are safe for
// use by several goroutines of one process; processes take turns (the
// supervisor chooses only while no player runs).
type Dir struct {
	path string
	goos string
	log  *slog.Logger
	mu   sync.Mutex
	// write writes a file atomically (atomicfile.Write; tests fill the
	// disk).
	write func(path string, data []byte) error
}

// Open returns the folder of builds at path (made if missing) for programs
// of the platform goos. It refuses a folder that is a link, belongs to
// another user, or that others may write to: a program placed there would
// be run.
func Open(path, goos string, log *slog.Logger) (*Dir, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	if err := checkOwned(path); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	return &Dir{path: path, goos: goos, log: log, write: atomicfile.Write}, nil
}

// Path is the folder.
func (d *Dir) Path() string { return d.path }

func (d *Dir) statePath() string { return filepath.Join(d.path, "state.json") }

// Program is where the program of version is placed.
func (d *Dir) Program(version string) string {
	return filepath.Join(d.path, version, playerbuild.ProgramName(d.goos))
}

// State reads the state. A missing state is the zero State; a damaged one
// is moved aside (state.json.bad) and taken as the zero State, so the
// packaged program runs.
func (d *Dir) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.load()
}

func (d *Dir) load() State {
	var st State
	data, err := readBounded(d.statePath(), maxState)
	if errors.Is(err, fs.ErrNotExist) {
		return st
	}
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err == nil {
		err = st.validate()
	}
	if err != nil {
		d.log.Error("update state unreadable; moved aside, the packaged player runs", "file", d.statePath(), "err", err)
		_ = os.Rename(d.statePath(), d.statePath()+".bad")
		return State{}
	}
	return st
}

// validate refuses a state naming a version or hash that could not have
// been installed (the file is the site's own, but a damaged disk or a
// hand edit must not name a path outside the folder).
func (st State) validate() error {
	for _, b := range []*Build{st.Current, st.Previous} {
		if b == nil {
			continue
		}
		if err := playerbuild.CheckVersion(b.Version); err != nil {
			return err
		}
		if err := playerbuild.CheckProgram(b.SHA256, b.Size); err != nil {
			return fmt.Errorf("build %s: %w", b.Version, err)
		}
	}
	if st.Trial != nil && st.Current == nil {
		return errors.New("a trial without a current build")
	}
	return nil
}

func (d *Dir) save(st State) error {
	if st.Last != nil {
		last := *st.Last
		last.Detail = clipDetail(last.Detail)
		st.Last = &last
	}
	if st.Trial != nil {
		trial := *st.Trial
		trial.Failed = clipDetail(trial.Failed)
		st.Trial = &trial
	}
	for v, why := range st.Bad {
		st.Bad[v] = clipDetail(why)
	}
	for len(st.Bad) > maxBad {
		// Forget the oldest-sorting version: a build that old is not
		// offered again anyway.
		var oldest string
		for v := range st.Bad {
			if oldest == "" || playerbuild.Compare(v, oldest) < 0 {
				oldest = v
			}
		}
		delete(st.Bad, oldest)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if len(data) > maxState {
		return fmt.Errorf("update: the state would be %d bytes, more than %d", len(data), maxState)
	}
	if err := d.write(d.statePath(), data); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

// change applies fn to the state and saves it.
func (d *Dir) change(fn func(*State)) (State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.load()
	fn(&st)
	return st, d.save(st)
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes", path, max)
	}
	return data, nil
}
