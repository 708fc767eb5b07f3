package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/time/rate"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/playerbuild"
	"github.com/vnict/kiosk/sync/trust"
)

// downloadDir holds partial downloads, <sha256>.partial.
const downloadDir = "download"

// Getter reads a target of a verified publication: its bytes, checked
// against the signed length and hashes. *trust.Client's Fetch is one.
type Getter interface {
	Fetch(ctx context.Context, rel *trust.Release, path string) ([]byte, error)
}

// Installer installs the builds a site's verified publications offer.
type Installer struct {
	Dir *Dir
	// Running is the version of the program running now.
	Running string
	// OS and Arch are the site's platform, as GOOS and GOARCH.
	OS, Arch string
	// Site and Tags select the builds meant for this site, as the
	// targets' signed targeting names them.
	Site string
	Tags []string
	// Get reads the build documents, verified; Source is the store the
	// programs are downloaded from (media/<sha>).
	Get    Getter
	Source fetch.Source
	// Limit caps the download rate (shared with content); nil for none.
	Limit *rate.Limiter
	Now   func() time.Time
	Log   *slog.Logger
	// Installed, if set, is told of a build placed and made current: the
	// player is to stop so that it starts.
	Installed func(version string)
}

// Consider installs the newest build in rel that is meant for this site,
// newer than the running one and not known bad, if there is one. A build
// that is not what was signed is refused (the error wraps the trust or
// fetch error saying so) and nothing changes; an interrupted download
// resumes at the next call.
func (in *Installer) Consider(ctx context.Context, rel *trust.Release) error {
	st := in.Dir.State()
	if st.Trial != nil && st.Current != nil && st.Current.Version == in.Running {
		return nil // the running build's trial comes first
	}
	path, version := in.choose(rel, st)
	if path == "" {
		return nil
	}
	if st.Current != nil && st.Current.Version == version {
		if st.Trial != nil && st.Trial.Starts == 0 {
			in.tell(version) // placed before, and not started yet
		} else {
			// Started before, yet another program runs (it could not be
			// started, or the package supersedes it): a restart would
			// change nothing.
			in.Log.Debug("the current player build is not the one running; no restart", "current", version, "running", in.Running)
		}
		return nil
	}
	in.Log.Info("new player build offered", "version", version, "running", in.Running, "target", path)
	data, err := in.Get.Fetch(ctx, rel, path)
	if err != nil {
		return in.failed(version, fmt.Errorf("player build %s: %w", path, err))
	}
	b, err := playerbuild.Parse(path, data)
	if err != nil {
		return in.failed(version, fmt.Errorf("player build: %w: %w", trust.ErrTampered, err))
	}
	file := content.File{Path: playerbuild.ProgramName(b.OS) + " " + b.Version, SHA256: b.SHA256, Size: b.Size}
	f := fetch.Fetcher{Source: in.Source, Objects: placement{in.Dir, b}, Concurrency: 1, Limit: in.Limit}
	if err := f.FetchAll(ctx, []content.File{file}); err != nil {
		return in.failed(version, fmt.Errorf("player build %s: %w", b.Version, err))
	}
	if err := in.Dir.install(b, in.Running, in.now()); err != nil {
		return in.failed(version, err)
	}
	in.Log.Info("new player build installed; the player restarts into it", "version", b.Version, "previous", in.Running,
		"program", in.Dir.Program(b.Version), "bytes", b.Size, "downloaded", f.Downloaded.Load())
	in.tell(b.Version)
	return nil
}

func (in *Installer) tell(version string) {
	if in.Installed != nil {
		in.Installed(version)
	}
}

func (in *Installer) now() time.Time {
	if in.Now == nil {
		return time.Now()
	}
	return in.Now()
}

// failed records a build that was not installed, and returns err.
func (in *Installer) failed(version string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the player is stopping: nothing to report
	}
	result := report.UpdateFailed
	if errors.Is(err, fetch.ErrTampered) || errors.Is(err, trust.ErrTampered) || errors.Is(err, trust.ErrTooLarge) {
		result = report.UpdateRefused
	}
	if _, serr := in.Dir.change(func(st *State) {
		st.Last = &report.UpdateOutcome{Time: in.now(), Version: version, Result: result, Detail: err.Error()}
	}); serr != nil {
		in.Log.Error("update state not saved", "err", serr)
	}
	return err
}

// choose returns the target and version of the newest build for this
// site, or "".
func (in *Installer) choose(rel *trust.Release, st State) (path, version string) {
	for p, info := range rel.Targets {
		platform, v, ok := playerbuild.Of(p)
		if !ok || platform != playerbuild.Platform(in.OS, in.Arch) {
			continue
		}
		var to layout.Targeting
		if len(info.Custom) > 0 && json.Unmarshal(info.Custom, &to) != nil {
			in.Log.Warn("player build with unreadable targeting; skipped", "target", p)
			continue
		}
		if !to.Includes(in.Site, in.Tags) || !playerbuild.Newer(v, in.Running) {
			continue
		}
		if why, bad := st.Bad[v]; bad {
			in.Log.Debug("player build failed here before; not installed again", "version", v, "why", why)
			continue
		}
		if version == "" || playerbuild.Compare(v, version) > 0 {
			path, version = p, v
		}
	}
	return path, version
}

// install makes the placed program of b the current build, on trial; the
// build running now (version running) becomes the previous one.
func (d *Dir) install(b playerbuild.Build, running string, now time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := Build{Version: b.Version, SHA256: b.SHA256, Size: b.Size}
	if err := d.check(rec); err != nil {
		_ = os.Remove(d.Program(b.Version))
		return fmt.Errorf("player build %s: %w", b.Version, err)
	}
	st := d.load()
	var prev *Build
	for _, c := range []*Build{st.Current, st.Previous} {
		if c != nil && c.Version == running {
			prev = c
			break
		}
	}
	st.Previous, st.Current = prev, &rec
	st.Trial, st.Since = &Trial{}, time.Time{}
	st.Last = &report.UpdateOutcome{Time: now, Version: b.Version, Result: report.UpdateInstalled}
	return d.save(st)
}

// placement is where fetch puts a build's program: downloads in
// <dir>/download, the verified program at <dir>/<version>/<program>.
type placement struct {
	d *Dir
	b playerbuild.Build
}

// Has reports whether the program is placed already with its size (a
// restart between placing and recording it); install checks its hash.
func (p placement) Has(f content.File) bool {
	st, err := os.Stat(p.d.Program(p.b.Version))
	return err == nil && st.Mode().IsRegular() && st.Size() == f.Size
}

func (p placement) PartialPath(sha string) string {
	dir := filepath.Join(p.d.path, downloadDir)
	_ = os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, sha+".partial")
}

// Adopt moves the verified download into place, executable.
func (p placement) Adopt(_ content.File, path string, _ os.FileInfo) error {
	dest := p.d.Program(p.b.Version)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := os.Chmod(path, 0o755); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := os.Rename(path, dest); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dest)); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}
