package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/update"
)

// trialDir is a folder of builds whose current build, 1.1.0, is on trial.
func trialDir(t *testing.T) *update.Dir {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "player")
	d, err := update.Open(dir, "linux", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st := `{"current": {"version": "1.1.0", "sha256": "` + strings.Repeat("ab", 32) + `", "size": 10}, "trial": {"starts": 1}}`
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(st), 0o644); err != nil {
		t.Fatal(err)
	}
	if !d.OnTrial("1.1.0") {
		t.Fatal("not on trial")
	}
	return d
}

type fixedSource struct{ b *content.Bundle }

func (s fixedSource) Current() *content.Bundle { return s.b }
func (s fixedSource) Changed() <-chan struct{} { return nil }

// recordingObserver counts what it is told is shown.
type recordingObserver struct{ n *int }

func (recordingObserver) Frame(time.Time)                   {}
func (o recordingObserver) Shown(time.Time, report.Showing) { *o.n++ }

// TestTrialWatch: a build on trial is confirmed by the first frame that
// shows what it should (a slide, a covered screen, or anything when the
// site has nothing to play), and failed, and stopped, when no such frame
// comes in time.
func TestTrialWatch(t *testing.T) {
	bundle := &content.Bundle{}
	for _, tc := range []struct {
		name    string
		src     fixedSource
		show    func(w *trialWatch)
		confirm bool
	}{
		{"a slide", fixedSource{bundle}, func(w *trialWatch) {
			w.Frame(time.Now())
			w.Shown(time.Now(), report.Showing{Bundle: "demo@1", Item: "welcome", Langs: []string{"vi"}})
		}, true},
		{"covered by the off-hours screen", fixedSource{bundle}, func(w *trialWatch) {
			w.Shown(time.Now(), report.Showing{Standby: true})
		}, true},
		{"nothing published yet", fixedSource{nil}, func(w *trialWatch) { w.Frame(time.Now()) }, true},
		{"frames but no slide", fixedSource{bundle}, func(w *trialWatch) {
			for range 10 {
				w.Frame(time.Now())
			}
		}, false},
		{"a problem on screen", fixedSource{bundle}, func(w *trialWatch) {
			w.Shown(time.Now(), report.Showing{Standby: true, Problem: "no font draws Khmer"})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := trialDir(t)
			stopped := make(chan error, 1)
			shown := 0
			w := watchTrial(d, "1.1.0", 300*time.Millisecond, recordingObserver{&shown}, tc.src,
				func(err error) { stopped <- err }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			tc.show(w)
			var err error
			if tc.confirm {
				// The trial ends on the disk (fsync'd) a moment later;
				// the deadline must not stop the player meanwhile.
				for deadline := time.Now().Add(10 * time.Second); d.State().Trial != nil && time.Now().Before(deadline); {
					time.Sleep(20 * time.Millisecond)
				}
				select {
				case err = <-stopped:
				case <-time.After(500 * time.Millisecond):
				}
			} else {
				select {
				case err = <-stopped:
				case <-time.After(10 * time.Second):
				}
			}
			st := d.State()
			if tc.confirm {
				if err != nil || st.Trial != nil || st.Last == nil || st.Last.Result != report.UpdateRunning {
					t.Fatalf("stopped %v; state %+v, last %+v; want the trial over", err, st, st.Last)
				}
			} else {
				if !errors.Is(err, errTrialFailed) || st.Trial == nil || !strings.Contains(st.Trial.Failed, "no content frame within 300ms") {
					t.Fatalf("stopped %v; trial %+v; want it failed and the player stopped", err, st.Trial)
				}
				d.Boot(update.Packaged{Path: "/usr/bin/kiosk", Version: "1.0.0"}, time.Now())
				if why := d.State().Bad["1.1.0"]; !strings.Contains(why, "no content frame") {
					t.Fatalf("after the next Boot, 1.1.0 is bad for %q; want the failure", why)
				}
			}
			if tc.name == "a slide" && shown != 1 {
				t.Errorf("the recorder was told %d times, want 1", shown)
			}
		})
	}
}
