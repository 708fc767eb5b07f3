package update

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/playerbuild"
	"github.com/vnict/kiosk/sync/trust"
)

// docs serves build documents as a verified publication would.
type docs map[string][]byte

func (g docs) Fetch(_ context.Context, _ *trust.Release, p string) ([]byte, error) { return g[p], nil }

// offer is a publication holding one build of prog as version.
func offer(t *testing.T, version string, prog []byte) (*trust.Release, docs) {
	t.Helper()
	sum := sha256.Sum256(prog)
	b := playerbuild.Build{Version: version, OS: "linux", Arch: "amd64", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(prog))}
	doc, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rel := &trust.Release{Version: 7, Targets: map[string]trust.TargetInfo{b.Target(): {Length: int64(len(doc))}}}
	return rel, docs{b.Target(): doc}
}

// failingSource answers every read with an error of the given text, as a
// store (or whatever answers in its place) may: its message can be large.
type failingSource struct{ msg string }

func (s failingSource) GetRange(context.Context, string, int64) (io.ReadCloser, error) {
	return nil, errors.New(s.msg)
}

// TestLargeErrorKeepsState: a download error of 100 KB is recorded cut
// short; the installed build, its previous one and the bad list stay.
func TestLargeErrorKeepsState(t *testing.T) {
	d := openDir(t)
	place(t, d, "1.1.0", "1.0.0")
	d.Confirm("1.1.0", t0)
	place(t, d, "1.2.0", "1.1.0")
	d.Fail("1.2.0", "crashed")
	d.Boot(packaged, t0)
	rel, get := offer(t, "1.3.0", []byte("program 1.3.0"))
	in := &Installer{Dir: d, Running: "1.1.0", OS: "linux", Arch: "amd64", Get: get,
		Source: failingSource{strings.Repeat("A", 100<<10)}, Log: quiet()}
	if err := in.Consider(context.Background(), rel); err == nil {
		t.Fatal("want the download error")
	}
	st := d.State()
	if st.Current == nil || st.Current.Version != "1.1.0" || st.Bad["1.2.0"] == "" {
		t.Fatalf("state after a large error: %+v", st)
	}
	if n := len(st.Last.Detail); n > maxDetail+len("…") || st.Last.Result != report.UpdateFailed {
		t.Fatalf("last: %d bytes of detail, result %s", n, st.Last.Result)
	}
	if c := d.Boot(packaged, t0); c.Version != "1.1.0" {
		t.Fatalf("Boot = %+v, want 1.1.0", c)
	}
}

// TestNoRestartWhenTheBuildCannotRun: the current build was started
// before, yet the packaged program runs (the build could not be executed):
// syncs do not restart the player again and again.
func TestNoRestartWhenTheBuildCannotRun(t *testing.T) {
	d := openDir(t)
	b := place(t, d, "1.1.0", "1.0.0")
	d.Boot(packaged, t0)
	d.Confirm("1.1.0", t0)
	prog, err := os.ReadFile(d.Program("1.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	rel, get := offer(t, b.Version, prog)
	restarts := 0
	in := &Installer{Dir: d, Running: "1.0.0", OS: "linux", Arch: "amd64", Get: get, Log: quiet(),
		Installed: func(string) { restarts++ }}
	for range 5 {
		if err := in.Consider(context.Background(), rel); err != nil {
			t.Fatal(err)
		}
	}
	if restarts != 0 {
		t.Fatalf("told to restart %d times in 5 syncs", restarts)
	}
}

// TestBootOnFullDisk: when the start of a build on trial cannot be
// counted, it is not started.
func TestBootOnFullDisk(t *testing.T) {
	d := openDir(t)
	place(t, d, "1.1.0", "1.0.0")
	d.write = func(string, []byte) error { return syscall.ENOSPC }
	for range 2 * TrialStarts {
		if c := d.Boot(packaged, t0); c.Trial || c.Path != packaged.Path {
			t.Fatalf("Boot on a full disk = %+v, want the packaged program", c)
		}
	}
}

// TestCollect: a newer build placed but not recorded stays (the next sync
// records it), as does the previous one for a day; failed and older builds
// go, and so do downloads unfinished for a week.
func TestCollect(t *testing.T) {
	d := openDir(t)
	running(t, d, "1.1.0", "1.0.0")
	running(t, d, "1.2.0", "1.1.0")
	for _, v := range []string{"1.0.5", "1.3.0", "1.9.0"} { // old; placed, not recorded; failed
		if err := os.MkdirAll(filepath.Dir(d.Program(v)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d.Program(v), []byte(v), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d.change(func(st *State) { st.Bad = map[string]string{"1.9.0": "failed"} })
	fresh := placement{d: d}.PartialPath(strings.Repeat("ab", 32))
	stale := placement{d: d}.PartialPath(strings.Repeat("cd", 32))
	for _, p := range []string{fresh, stale} {
		if err := os.WriteFile(p, []byte("part"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(time.Hour)
	if err := os.Chtimes(stale, now.Add(-8*24*time.Hour), now.Add(-8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(fresh, now.Add(-time.Hour), now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := d.Collect(now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		kept bool
	}{
		{d.Program("1.2.0"), true}, {d.Program("1.1.0"), true}, {d.Program("1.3.0"), true},
		{d.Program("1.0.5"), false}, {d.Program("1.9.0"), false},
		{fresh, true}, {stale, false},
	} {
		_, err := os.Stat(tc.path)
		if kept := err == nil; kept != tc.kept {
			t.Errorf("%s: kept %v, want %v", strings.TrimPrefix(tc.path, d.Path()), kept, tc.kept)
		}
	}
}

// TestFolderOthersCouldWrite: a folder of builds that is a link, that
// others may write, or that another user owns is refused: a program placed
// there would be run.
func TestFolderOthersCouldWrite(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"a link to a folder", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			os.Mkdir(target, 0o755)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"writable by every user", func(t *testing.T, path string) {
			os.Mkdir(path, 0o755)
			os.Chmod(path, 0o777)
		}},
		{"writable by its group", func(t *testing.T, path string) {
			os.Mkdir(path, 0o755)
			os.Chmod(path, 0o775)
		}},
	}
	if os.Geteuid() == 0 {
		cases = append(cases, struct {
			name string
			make func(t *testing.T, path string)
		}{"another user's", func(t *testing.T, path string) {
			os.Mkdir(path, 0o755)
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "player")
			tc.make(t, path)
			_, err := Open(path, "linux", quiet())
			if err == nil || !strings.Contains(err.Error(), "folder of the kiosk's own") {
				t.Fatalf("Open = %v, want a refusal", err)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "player"), "linux", quiet()); err != nil {
		t.Fatalf("a folder of its own refused: %v", err)
	}
}

// TestPackageUpgradedPastTheBuilds: a package newer than the installed
// builds runs, and the installed builds (one of them on trial) go.
func TestPackageUpgradedPastTheBuilds(t *testing.T) {
	d := openDir(t)
	running(t, d, "1.1.0", "1.0.0")
	place(t, d, "1.2.0", "1.1.0")
	upgraded := Packaged{Path: "/usr/bin/kiosk", Version: "1.3.0"}
	if c := d.Boot(upgraded, t0); c.Installed {
		t.Fatalf("Boot = %+v, want the packaged 1.3.0", c)
	}
	st := d.State()
	if st.Current != nil || st.Previous != nil || st.Trial != nil || st.Last.Version != "1.3.0" || st.Last.Result != report.UpdateRunning {
		t.Fatalf("state: %+v, last %+v", st, st.Last)
	}
	for _, v := range []string{"1.1.0", "1.2.0"} {
		if _, err := os.Stat(d.Program(v)); !os.IsNotExist(err) {
			t.Errorf("%s kept: %v", v, err)
		}
	}
}

// TestCrashesAfterTheTrial: a build that showed content but then keeps
// being started without running StableAfter is given up while the
// previous build is kept; one that runs that long now and then is not.
func TestCrashesAfterTheTrial(t *testing.T) {
	for _, stable := range []bool{false, true} {
		t.Run("stable "+strconv.FormatBool(stable), func(t *testing.T) {
			d := openDir(t)
			place(t, d, "1.1.0", "1.0.0")
			d.Boot(packaged, t0)
			d.Confirm("1.1.0", t0)
			at := t0.Add(3 * time.Hour)
			for i := range 3 * MaxRestarts {
				c := d.Boot(packaged, at)
				if c.Version != "1.1.0" {
					if stable {
						t.Fatalf("start %d: Boot = %+v; a build that runs now and then is kept", i, c)
					}
					if st := d.State(); !strings.Contains(st.Bad["1.1.0"], "started 5 times without running 10m0s") {
						t.Fatalf("bad: %v", st.Bad)
					}
					return
				}
				if stable && i%3 == 2 {
					d.Stable("1.1.0")
				}
			}
			if !stable {
				t.Fatal("never given up")
			}
			// Past KeepPrevious, restarts no longer count.
			d.Collect(t0.Add(KeepPrevious))
			for range 2 * MaxRestarts {
				if c := d.Boot(packaged, t0.Add(KeepPrevious+time.Hour)); c.Version != "1.1.0" {
					t.Fatalf("Boot after probation = %+v", c)
				}
			}
		})
	}
}
