package update

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/playerbuild"
)

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openDir(t *testing.T) *Dir {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "player"), "linux", quiet())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// place puts a program for version into d as Installer would, and makes
// it current on trial with the running version as previous.
func place(t *testing.T, d *Dir, version, running string) playerbuild.Build {
	t.Helper()
	prog := []byte("#!/bin/sh\necho kiosk " + version + "\n")
	sum := sha256.Sum256(prog)
	b := playerbuild.Build{Version: version, OS: "linux", Arch: "amd64", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(prog))}
	if err := os.MkdirAll(filepath.Dir(d.Program(version)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.Program(version), prog, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := d.install(b, running, t0); err != nil {
		t.Fatal(err)
	}
	return b
}

var packaged = Packaged{Path: "/usr/bin/kiosk", Version: "1.0.0"}

// running places version as place does, starts it and ends its trial: the
// build the site runs.
func running(t *testing.T, d *Dir, version, previous string) {
	t.Helper()
	place(t, d, version, previous)
	if c := d.Boot(packaged, t0); c.Version != version || !c.Trial {
		t.Fatalf("Boot = %+v, want %s on trial", c, version)
	}
	if ended, err := d.Confirm(version, t0); !ended || err != nil {
		t.Fatalf("Confirm(%s) = %v, %v", version, ended, err)
	}
}

func TestBootWithNothingInstalled(t *testing.T) {
	d := openDir(t)
	if c := d.Boot(packaged, t0); c.Path != packaged.Path || c.Installed || c.Trial {
		t.Fatalf("Boot = %+v, want the packaged program", c)
	}
}

func TestTrialConfirmed(t *testing.T) {
	d := openDir(t)
	place(t, d, "1.1.0", "1.0.0")
	c := d.Boot(packaged, t0)
	if c.Path != d.Program("1.1.0") || !c.Installed || !c.Trial || c.Version != "1.1.0" {
		t.Fatalf("Boot = %+v, want 1.1.0 on trial", c)
	}
	if !d.OnTrial("1.1.0") || d.OnTrial("1.0.0") {
		t.Fatal("OnTrial wrong")
	}
	if ended, err := d.Confirm("1.0.0", t0); ended || err != nil {
		t.Fatalf("Confirm of another version = %v, %v", ended, err)
	}
	if ended, err := d.Confirm("1.1.0", t0.Add(time.Minute)); !ended || err != nil {
		t.Fatalf("Confirm = %v, %v", ended, err)
	}
	st := d.State()
	if st.Trial != nil || st.Last.Result != report.UpdateRunning || !st.Since.Equal(t0.Add(time.Minute)) {
		t.Fatalf("state after Confirm: %+v", st)
	}
	// Later starts run it, without counting.
	for range 5 {
		if c := d.Boot(packaged, t0.Add(time.Hour)); c.Version != "1.1.0" || c.Trial {
			t.Fatalf("Boot after the trial = %+v", c)
		}
	}
}

func TestRollBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fail runs the trial's starts; it returns the number of Boots
		// that chose the new build.
		fail func(d *Dir) int
		why  string
	}{
		{"exits at every start", func(d *Dir) int {
			n := 0
			for range TrialStarts {
				if d.Boot(packaged, t0).Version == "1.1.0" {
					n++
				}
			}
			return n
		}, "no content on screen after 3 starts"},
		{"no content frame in time", func(d *Dir) int {
			d.Boot(packaged, t0)
			if err := d.Fail("1.1.0", "no content frame within 2m0s"); err != nil {
				panic(err)
			}
			return 1
		}, "no content frame within 2m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openDir(t)
			place(t, d, "1.1.0", "1.0.0")
			if n := tc.fail(d); n < 1 {
				t.Fatalf("the new build was started %d times", n)
			}
			c := d.Boot(packaged, t0.Add(time.Minute))
			if c.Path != packaged.Path || c.Installed {
				t.Fatalf("Boot after failure = %+v, want the packaged program", c)
			}
			st := d.State()
			if st.Bad["1.1.0"] != tc.why || st.Last.Result != report.UpdateRolledBack || st.Last.Version != "1.1.0" || st.Last.Detail != tc.why {
				t.Fatalf("state after roll back: bad %v, last %+v", st.Bad, st.Last)
			}
			if st.Current != nil || st.Trial != nil {
				t.Fatalf("state after roll back: %+v", st)
			}
		})
	}
}

func TestRollBackToThePreviousBuild(t *testing.T) {
	d := openDir(t)
	place(t, d, "1.1.0", "1.0.0")
	d.Boot(packaged, t0)
	if _, err := d.Confirm("1.1.0", t0); err != nil {
		t.Fatal(err)
	}
	place(t, d, "1.2.0", "1.1.0")
	if st := d.State(); st.Previous == nil || st.Previous.Version != "1.1.0" {
		t.Fatalf("previous = %+v, want 1.1.0", st.Previous)
	}
	for range TrialStarts {
		d.Boot(packaged, t0)
	}
	c := d.Boot(packaged, t0)
	if c.Version != "1.1.0" || c.Path != d.Program("1.1.0") || c.Trial {
		t.Fatalf("Boot = %+v, want 1.1.0, not on trial", c)
	}
	// The failed build's folder goes; the one running stays.
	if err := d.Collect(t0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Program("1.2.0")); !os.IsNotExist(err) {
		t.Errorf("1.2.0 still there: %v", err)
	}
	if _, err := os.Stat(d.Program("1.1.0")); err != nil {
		t.Errorf("1.1.0 removed: %v", err)
	}
}

func TestPreviousKeptForADay(t *testing.T) {
	d := openDir(t)
	running(t, d, "1.1.0", "1.0.0")
	running(t, d, "1.2.0", "1.1.0")
	for _, tc := range []struct {
		at       time.Duration
		previous bool
	}{{time.Hour, true}, {KeepPrevious - time.Second, true}, {KeepPrevious, false}} {
		if err := d.Collect(t0.Add(tc.at)); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(d.Program("1.1.0"))
		if kept := err == nil; kept != tc.previous || (d.State().Previous != nil) != tc.previous {
			t.Errorf("after %v: previous kept = %v (state %+v), want %v", tc.at, kept, d.State().Previous, tc.previous)
		}
	}
	if c := d.Boot(packaged, t0.Add(KeepPrevious)); c.Version != "1.2.0" {
		t.Fatalf("Boot = %+v", c)
	}
}

func TestDamagedProgramNotRun(t *testing.T) {
	for _, damage := range []struct {
		name string
		do   func(path string) error
	}{
		{"removed", os.Remove},
		{"truncated", func(p string) error { return os.Truncate(p, 3) }},
		{"altered", func(p string) error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data[0] ^= 0xff
			return os.WriteFile(p, data, 0o755)
		}},
	} {
		t.Run(damage.name, func(t *testing.T) {
			d := openDir(t)
			place(t, d, "1.1.0", "1.0.0")
			if err := damage.do(d.Program("1.1.0")); err != nil {
				t.Fatal(err)
			}
			c := d.Boot(packaged, t0)
			if c.Path != packaged.Path {
				t.Fatalf("Boot = %+v, want the packaged program", c)
			}
			// Marked bad, so that a program something keeps taking
			// away is not downloaded and started without end.
			st := d.State()
			if st.Last.Result != report.UpdateRolledBack || !strings.Contains(st.Bad["1.1.0"], "not the one installed") || st.Current != nil {
				t.Fatalf("state: %+v (bad %v, last %+v); want rolled back, marked bad", st, st.Bad, st.Last)
			}
		})
	}
}

func TestPackagedUpgradeSupersedes(t *testing.T) {
	d := openDir(t)
	running(t, d, "1.1.0", "1.0.0")
	for _, tc := range []struct {
		packaged string
		want     string
	}{{"1.0.0", "1.1.0"}, {"dev", "1.1.0"}, {"", "1.1.0"}, {"1.1.0", "1.1.0-packaged"}, {"1.2.0", "1.2.0-packaged"}} {
		c := d.Boot(Packaged{Path: "/usr/bin/kiosk", Version: tc.packaged}, t0)
		got := c.Version
		if !c.Installed {
			got += "-packaged"
		}
		if got != tc.want {
			t.Errorf("packaged %q: Boot = %+v, want %s", tc.packaged, c, tc.want)
		}
	}
}

func TestDamagedState(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"not JSON", "{"},
		{"a path outside the folder", `{"current": {"version": "../../bin", "sha256": "` + strings.Repeat("a", 64) + `", "size": 1}}`},
		{"a bad hash", `{"current": {"version": "1.1.0", "sha256": "x", "size": 1}}`},
		{"a trial of nothing", `{"trial": {"starts": 1}}`},
		{"huge", `{"bad": {"` + strings.Repeat("x", maxState) + `": ""}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := openDir(t)
			if err := os.WriteFile(d.statePath(), []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			if c := d.Boot(packaged, t0); c.Path != packaged.Path {
				t.Fatalf("Boot = %+v, want the packaged program", c)
			}
			if _, err := os.Stat(d.statePath() + ".bad"); err != nil {
				t.Errorf("damaged state not kept aside: %v", err)
			}
		})
	}
}

func TestBadListBounded(t *testing.T) {
	d := openDir(t)
	for i := range maxBad + 10 {
		v := fmt.Sprintf("1.%d.0", 10+i)
		place(t, d, v, "1.0.0")
		if err := d.Fail(v, "failed"); err != nil {
			t.Fatal(err)
		}
		d.Boot(packaged, t0)
	}
	st := d.State()
	if len(st.Bad) != maxBad {
		t.Fatalf("%d bad versions kept, want %d", len(st.Bad), maxBad)
	}
	if _, ok := st.Bad["1.10.0"]; ok {
		t.Error("the oldest bad version was kept")
	}
	if _, ok := st.Bad["1.51.0"]; !ok {
		t.Error("the newest bad version was forgotten")
	}
}
