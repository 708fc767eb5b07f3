//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// TestGuideBundleRefusedWithoutGuides: a site whose player was built
// without guides (the noguides build tag, as a player of before) plays a
// bundle, then the department publishes the next version, which requires
// guides. The player refuses it, naming requires and the feature, and goes
// on playing the last good bundle: its log shows slides after the refusal,
// its heartbeat still names the old version, and its screen still shows
// content. The same site with the normal build then activates the bundle.
func TestGuideBundleRefusedWithoutGuides(t *testing.T) {
	x := startXScreen(t, 1536, 768)
	d := publishtest.New(t)
	old := buildKioskTags(t, t.TempDir(), "noguides")
	cfg := writeUpdateSite(t, d, 0) // heartbeats every 5 s, uploaded every second

	bundle := signageBundle(t)
	d.Release(t, bundle, layout.Targeting{})
	cmd, log := startProgram(t, old, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "version=1 schedule=", 1)
	log.waitFor(t, "first content slide", 1)
	id := manifestID(t, bundle)
	waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool {
		return hb.Bundle == id+"@1" && hb.State == report.Content
	})

	addGuide(t, bundle, 2)
	d.Release(t, bundle, layout.Targeting{})
	log.waitFor(t, "publication refused", 1)
	refusal := lineWith(log.String(), "publication refused")
	for _, want := range []string{"requires[", `\"` + content.FeatureGuides + `\"`, content.ErrUnsupportedFeature.Error()} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the refusal does not say %s:\n%s", want, refusal)
		}
	}
	refusedAt := time.Now()

	// The last good bundle keeps playing: slides go on, from version 1.
	log.waitFor(t, "msg=slide", strings.Count(log.String(), "msg=slide")+3)
	hb := waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool { return hb.Time.After(refusedAt) })
	if hb.Bundle != id+"@1" || hb.State != report.Content {
		t.Errorf("after the refusal the heartbeat says bundle %q, state %q; want %s@1 content (%s)", hb.Bundle, hb.State, id, hb.Detail)
	}
	stillScreen(t, x) // between crossfades
	img, err := x.Grab()
	if err != nil {
		t.Fatal(err)
	}
	x.save(t, "old-build-after-refusal", img)
	if s := dominantShare(img, img.Bounds()); s > 0.97 {
		t.Errorf("after the refusal the screen is one colour over %.0f%% of it", 100*s)
	}
	if strings.Contains(log.String(), "version=2 schedule=") {
		t.Errorf("the build without guides played version 2:\n%s", tail(log.String(), 40))
	}
	stopProgram(t, cmd)

	// The normal build, started on the same site (its cache holds
	// version 1), activates the guide bundle.
	_, log = startKioskEnv(t, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "version=2 schedule=", 1)
	waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool {
		return hb.Bundle == id+"@2" && hb.State == report.Content
	})
	if strings.Contains(log.String(), "publication refused") {
		t.Errorf("the normal build refused the guide bundle:\n%s", lineWith(log.String(), "publication refused"))
	}
}

// buildKioskTags builds the kiosk command with the given build tags into
// dir and returns the program's path.
func buildKioskTags(t testing.TB, dir string, tags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, "kiosk-"+strings.Join(tags, "-"))
	out, err := exec.Command("go", "build", "-tags", strings.Join(tags, ","), "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -tags %s: %v\n%s", strings.Join(tags, ","), err, out)
	}
	return bin
}

// startProgram runs the kiosk program bin (a build of its own) with the
// config at cfg as startKioskEnv runs this one: in a window, at debug
// level, its log watched. The process is killed at the end of the test.
func startProgram(t testing.TB, bin, cfg string, env ...string) (*exec.Cmd, *logWatcher) {
	t.Helper()
	cmd := exec.Command(bin, "--config", cfg, "--window", "--log-level", "debug")
	cmd.Env = append(append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, watchLog(t, stderr)
}

// stopProgram stops a player as a service manager does (SIGTERM) and
// waits for it to exit.
func stopProgram(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("still running 20 s after SIGTERM")
	}
}

// lineWith is the first line of log that holds s, or "" when none does.
func lineWith(log, s string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// manifestID is the ID of the bundle in dir.
func manifestID(t testing.TB, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ ID string }
	if err := json.Unmarshal(raw, &m); err != nil || m.ID == "" {
		t.Fatalf("%s: no bundle id (%v)", dir, err)
	}
	return m.ID
}
