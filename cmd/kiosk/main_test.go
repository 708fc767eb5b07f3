package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// The tests run the real player: this test binary re-runs itself as the
// kiosk command under the X server that `make test` starts (Xvfb), with
// Mesa's software OpenGL. Ebiten must own the main thread, so each run is a
// process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("KIOSK_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"kiosk"}, strings.Fields(os.Getenv("KIOSK_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runKiosk runs the kiosk command with args and returns its log.
func runKiosk(t *testing.T, args ...string) string {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the player tests need an X server; run them with `make test`, which starts Xvfb")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"KIOSK_TEST_RUN_MAIN=1",
		"KIOSK_TEST_ARGS="+strings.Join(args, " "),
		"XDG_CACHE_HOME="+t.TempDir(),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("kiosk %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

func readSummary(t *testing.T, path string) player.CaptureSummary {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s player.CaptureSummary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func TestPlayerFramesOfTheDemo(t *testing.T) {
	tests := []struct {
		name   string
		config string
		output [2]int
	}{
		{"border gate wall 1536x768", "../../configs/tinh-bien-gate.yaml", [2]int{1536, 768}},
		{"portrait wall 768x1536 turned 90", "../../configs/vinh-xuong-gate.yaml", [2]int{1536, 768}},
		{"demo, five languages", "../../configs/demo.yaml", [2]int{1536, 768}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := siteconfig.Load(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			dir := frameDir(t, tc.name)
			log := runKiosk(t, "--config", tc.config, "--demo", "--window", "--capture", dir)
			s := readSummary(t, filepath.Join(dir, "summary.json"))
			if s.UnmappedGlyphs != 0 {
				t.Errorf("%d characters had no glyph\n%s", s.UnmappedGlyphs, log)
			}
			if s.Output != tc.output || s.Rotation != cfg.Display.Rotation {
				t.Errorf("output %v rotation %d, want %v rotation %d", s.Output, s.Rotation, tc.output, cfg.Display.Rotation)
			}
			items := map[string]bool{}
			regions := map[string]int{}
			for _, f := range s.Frames {
				if f.File == "" || f.Fade {
					continue
				}
				items[f.Item] = true
				img := loadPNG(t, filepath.Join(dir, f.File))
				if img.Bounds().Dx() != tc.output[0] || img.Bounds().Dy() != tc.output[1] {
					t.Errorf("%s is %v, want %v", f.File, img.Bounds().Size(), tc.output)
				}
				if share := dominantShare(img, img.Bounds()); share > 0.97 {
					t.Errorf("%s is blank: one colour covers %.1f%% of it", f.File, 100*share)
				}
				for _, r := range f.Regions {
					regions[r.Name]++
					out := toOutput(r.Rect, s.Rotation, s.Logical)
					if ink := inkShare(img, out); ink < 0.01 {
						t.Errorf("%s: region %s (%s) at %v has no ink (%.2f%%)", f.File, r.Name, r.Lang, out, 100*ink)
					}
				}
			}
			b, err := demo.Load()
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range b.Manifest.Slideshow().Items {
				if len(it.Languages(cfg.Languages)) > 0 && !items[it.ID] {
					t.Errorf("item %s was never shown", it.ID)
				}
			}
			for _, name := range []string{"title", "body", "image", "ticker"} {
				if regions[name] == 0 {
					t.Errorf("no frame had a %s region", name)
				}
			}
		})
	}
}

// TestBrokenItemsAreSkipped alters one image and removes another: the player
// must skip those items, log them, and go on with the rest.
func TestBrokenItemsAreSkipped(t *testing.T) {
	dir := contenttest.CopyDemo(t)
	corrupt(t, filepath.Join(dir, "images/border-map.png"))
	if err := os.Remove(filepath.Join(dir, "images/passport.png")); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, "ticker: {edge: bottom}")
	frames := frameDir(t, "broken items")
	log := runKiosk(t, "--config", cfg, "--window", "--capture", frames)
	s := readSummary(t, filepath.Join(frames, "summary.json"))
	shown := map[string]bool{}
	for _, f := range s.Frames {
		shown[f.Item] = true
	}
	for _, id := range []string{"border-map", "passport-picture"} {
		if shown[id] {
			t.Errorf("broken item %s was shown", id)
		}
		if !strings.Contains(log, "item skipped") || !strings.Contains(log, id) {
			t.Errorf("log does not say item %s was skipped:\n%s", id, log)
		}
	}
	for _, id := range []string{"welcome", "rice-fields", "programmes"} {
		if !shown[id] {
			t.Errorf("intact item %s was not shown", id)
		}
	}
	if !strings.Contains(log, content.ErrHashMismatch.Error()) {
		t.Errorf("log does not name the hash mismatch:\n%s", log)
	}
}

// TestNothingPlayableShowsStandby: with no bundle at all, and with a bundle
// whose every file is broken, the screen shows the standby slide, not black.
func TestNothingPlayableShowsStandby(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the content folder
	}{
		{"no bundle", func(t *testing.T) string { return t.TempDir() }},
		{"every file broken", func(t *testing.T) string {
			dir := contenttest.CopyDemo(t)
			// Keep only the image items, all broken, and no text.
			contenttest.EditManifest(t, dir, func(m map[string]any) {
				var keep []any
				for _, it := range m["items"].([]any) {
					if it.(map[string]any)["kind"] == "image" {
						keep = append(keep, it)
					}
				}
				m["items"] = keep
				delete(m, "ticker")
			})
			for _, f := range []string{"border-map.png", "passport.png", "online-services.png", "rice-fields.jpg"} {
				corrupt(t, filepath.Join(dir, "images", f))
			}
			return dir
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeConfig(t, tc.setup(t), "ticker: {edge: none}")
			frames := frameDir(t, "standby "+tc.name)
			log := runKiosk(t, "--config", cfg, "--window", "--capture", frames)
			s := readSummary(t, filepath.Join(frames, "summary.json"))
			if len(s.Frames) != 1 || s.Frames[0].Item != "standby" {
				t.Fatalf("frames = %+v, want the standby slide alone\n%s", s.Frames, log)
			}
			img := loadPNG(t, filepath.Join(frames, s.Frames[0].File))
			if share := dominantShare(img, img.Bounds()); share > 0.97 {
				t.Errorf("standby frame is blank: %.1f%% one colour", 100*share)
			}
			names := map[string]bool{}
			for _, r := range s.Frames[0].Regions {
				names[r.Name] = true
				if ink := inkShare(img, toOutput(r.Rect, s.Rotation, s.Logical)); ink < 0.01 {
					t.Errorf("standby region %s has no ink", r.Name)
				}
			}
			if !names["site"] || !names["clock"] || !names["date"] {
				t.Errorf("standby regions = %v, want site, clock and date", names)
			}
		})
	}
}

// frameDir is where a test's frames go: under KIOSK_FRAMES_DIR when set (to
// look at them afterwards), else a temporary folder.
func frameDir(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv("KIOSK_FRAMES_DIR")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer(" ", "-", ",", "", "/", "-").Replace(name))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func corrupt(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+64 && i < len(data); i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes a 1536x768 site config playing the bundle in dir.
func writeConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`site: {id: test-site, name: "Điểm thử nghiệm"}
display: {resolution: 1536x768}
languages: [vi, km, lo, zh, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {dir: %q}
%s
`, dir, extra)
	path := filepath.Join(t.TempDir(), "site.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// toOutput maps a logical rectangle to the output picture turned by rot.
func toOutput(r player.Rect, rot int, logical [2]int) image.Rectangle {
	w, h := float64(logical[0]), float64(logical[1])
	x0, y0, x1, y1 := r.X, r.Y, r.X+r.W, r.Y+r.H
	var out [4]float64
	switch rot {
	case 90:
		out = [4]float64{h - y1, x0, h - y0, x1}
	case 180:
		out = [4]float64{w - x1, h - y1, w - x0, h - y0}
	case 270:
		out = [4]float64{y0, w - x1, y1, w - x0}
	default:
		out = [4]float64{x0, y0, x1, y1}
	}
	return image.Rect(int(out[0]), int(out[1]), int(out[2]+0.5), int(out[3]+0.5))
}

func key(c color.Color) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 11), uint8(g >> 11), uint8(b >> 11)} // 5 bits a channel
}

// dominantShare is the share of r's pixels in its most common colour.
func dominantShare(img image.Image, r image.Rectangle) float64 {
	counts := map[[3]uint8]int{}
	best, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			k := key(img.At(x, y))
			counts[k]++
			best = max(best, counts[k])
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return float64(best) / float64(n)
}

// inkShare is the share of r's pixels that differ from r's most common
// colour: text or picture drawn on the background.
func inkShare(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	return 1 - dominantShare(img, r)
}

// TestStillSlidesAdvanceAndStop runs the player on the real clock with no
// ticker, so it draws frames only when a slide changes: slides must still
// change on time, and SIGTERM (a service manager stopping it) must end it
// promptly.
func TestStillSlidesAdvanceAndStop(t *testing.T) {
	cmd, _, log := startStillKiosk(t)
	// Three slides have come and gone, and the player has stopped drawing
	// frames.
	log.waitFor(t, "msg=slide", 3)
	log.waitFor(t, "still until", 1)
	stopProgram(t, cmd)
}

// startStillKiosk runs the player on the real clock, in a window, on the
// demo bundle with one-second slides and no ticker (so it draws frames only
// when a slide changes), at debug level. It returns the process, its config
// file and its log; the process is killed at the end of the test.
func startStillKiosk(t *testing.T) (*exec.Cmd, string, *logWatcher) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		contenttest.SetSlideDurations(m, "1s")
	})
	cfg := writeConfig(t, dir, "ticker: {edge: none}\nplayback: {transition: 200ms}")
	cmd, log := startKiosk(t, cfg)
	return cmd, cfg, log
}

// startKiosk runs the player on the real clock with the config at cfg, in a
// window, at debug level, and returns the process and its log; the process
// is killed at the end of the test.
func startKiosk(t testing.TB, cfg string) (*exec.Cmd, *logWatcher) {
	t.Helper()
	return startKioskEnv(t, cfg)
}

// startKioskEnv is startKiosk with more environment variables (a DISPLAY
// of the test's own).
func startKioskEnv(t testing.TB, cfg string, env ...string) (*exec.Cmd, *logWatcher) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIOSK_TEST_RUN_MAIN=1", "KIOSK_TEST_ARGS=--config "+cfg+" --window --log-level debug",
		"XDG_CACHE_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
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

// logWatcher collects a process's log and lets a test wait for a line.
type logWatcher struct {
	mu   sync.Mutex
	text strings.Builder
	more chan struct{}
}

func watchLog(t testing.TB, r io.Reader) *logWatcher {
	w := &logWatcher{more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			w.mu.Lock()
			w.text.Write(buf[:n])
			w.mu.Unlock()
			select {
			case w.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return w
}

func (w *logWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

// waitFor waits until the log holds n occurrences of s.
func (w *logWatcher) waitFor(t testing.TB, s string, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for strings.Count(w.String(), s) < n {
		select {
		case <-w.more:
		case <-deadline:
			t.Fatalf("log never had %d × %q:\n%s", n, s, w.String())
		}
	}
}

// TestConfigHotReload edits the site config the way editors save (a new
// file renamed over the old): an invalid config is refused with the field
// named and playback goes on; a valid one takes effect without a restart.
func TestConfigHotReload(t *testing.T) {
	_, cfg, log := startStillKiosk(t)
	log.waitFor(t, "first content slide", 1)

	replace := func(text string) {
		tmp := cfg + ".new"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfg); err != nil {
			t.Fatal(err)
		}
	}
	orig, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	replace(strings.Replace(string(orig), "display: {resolution: 1536x768}", "display: {resolution: 1536x768, rotation: 45}", 1))
	log.waitFor(t, "new site config refused", 1)
	if !strings.Contains(log.String(), "display.rotation") {
		t.Errorf("refusal does not name the field:\n%s", log.String())
	}
	slides := strings.Count(log.String(), "msg=slide")
	log.waitFor(t, "msg=slide", slides+2) // still playing

	replace(strings.Replace(string(orig), "languages: [vi, km, lo, zh, en]", "languages: [km]", 1))
	log.waitFor(t, "site config applied", 1)
	after := len(log.String())
	log.waitFor(t, "msg=slide", strings.Count(log.String(), "msg=slide")+3)
	for _, line := range strings.Split(log.String()[after:], "\n") {
		if strings.Contains(line, "msg=slide") && !strings.Contains(line, "lang=[km]") {
			t.Errorf("after the reload a slide shows another language: %s", line)
		}
	}
}
