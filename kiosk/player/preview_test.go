package player

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/preview"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// previewEnv names the run a re-started test binary captures for the
// comparison with the studio's preview (see TestMain).
const previewEnv = "KIOSK_PLAYER_PREVIEW"

// previewRuns are the example sites of configs/ the preview of the demo
// is held to the player at. (The sample texts of testdata/fit, in every
// language, are compared on TestTextFitsTheScreen's captures.)
var previewRuns = []string{"tinh-bien-gate.yaml", "vinh-xuong-gate.yaml", "commune-support-point.yaml", "demo.yaml"}

// previewCase is a run's config and bundle. An interactive site's
// slideshow is captured as a signage site's: its slides are laid out the
// same, and a capture walks a slideshow only.
func previewCase(name string) (*siteconfig.Config, *content.Bundle, error) {
	cfg, err := siteconfig.Load(filepath.Join("..", "..", "configs", name))
	if err != nil {
		return nil, nil, err
	}
	cfg.Mode = siteconfig.ModeSignage
	b, err := demo.Load()
	return cfg, b, err
}

// previewAt is the moment both the player and the preview sequence the
// loop at.
func previewAt() time.Time { return at("10:00:00") }

// runPreviewCapture plays a preview run through once in this process,
// saving its frames and summary.json in dir.
func runPreviewCapture(name, dir string) error {
	cfg, b, err := previewCase(name)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := New(Options{Config: cfg, Source: staticBundle{b}, Fonts: fonts.NewLoader(log, filepath.Join(dir, "fonts")), Log: log,
		Clock: fixedClock(previewAt()), Capture: &CaptureOptions{Dir: dir}})
	if err != nil {
		return err
	}
	return p.Run(context.Background())
}

// TestPreviewMatchesPlayer captures each run with the real player and
// draws the same slides with kiosk/preview: the preview's loop is the
// player's, slide for slide, and every region (each title's and body's
// lines, font size, line count and place; images, the ticker) is the one
// the player captured.
func TestPreviewMatchesPlayer(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	for _, name := range previewRuns {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			summary, dir := capturePreviewRun(t, name)
			cfg, b, err := previewCase(name)
			if err != nil {
				t.Fatal(err)
			}
			comparePreview(t, name, cfg, b, summary, dir)
		})
	}
}

// comparePreview draws with kiosk/preview the slides the player captured
// (summary, and its frames in dir) of bundle b at the site cfg, and checks
// that the preview's loop is the player's, slide for slide, that every
// region is the one the player captured, and that the pictures agree but
// for antialiasing.
func comparePreview(t *testing.T, name string, cfg *siteconfig.Config, b *content.Bundle, summary CaptureSummary, dir string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := preview.NewWith(cfg, b, chain, log, preview.Options{At: previewAt()})
	if err != nil {
		t.Fatal(err)
	}
	var frames []CapturedFrame
	for _, f := range summary.Frames {
		if !f.Fade && f.Item != "standby" {
			frames = append(frames, f)
		}
	}
	list := r.Slides()
	if len(frames) != len(list) {
		t.Errorf("the player showed %d slides, the preview has %d", len(frames), len(list))
	}
	keep := os.Getenv("KIOSK_KEEP_FRAMES")
	for i, f := range frames[:min(len(frames), len(list))] {
		s := list[i]
		if f.Item != s.ItemID || !slices.Equal(f.Langs, s.Langs) {
			t.Errorf("slide %d: the player showed %s %v, the preview %s %v", i, f.Item, f.Langs, s.ItemID, s.Langs)
			continue
		}
		img, regions, err := r.Render(i)
		if err != nil {
			t.Errorf("slide %d (%s): %v", i, s.ItemID, err)
			continue
		}
		got, _ := json.MarshalIndent(regions, "", "  ")
		want, _ := json.MarshalIndent(f.Regions, "", "  ")
		if !bytes.Equal(got, want) {
			t.Errorf("slide %d (%s %v): the preview's regions differ from the player's\npreview: %s\nplayer:  %s", i, s.ItemID, s.Langs, got, want)
		}
		if f.File == "" {
			continue
		}
		checkPreviewPixels(t, fmt.Sprintf("slide %d (%s)", i, s.ItemID), cfg, img, filepath.Join(dir, f.File))
		if keep != "" {
			out := filepath.Join(keep, "preview-"+strings.ReplaceAll(name, ":", "-"))
			if err := os.MkdirAll(out, 0o755); err == nil {
				_ = writePNG(img, filepath.Join(out, "preview-"+f.File))
				if raw, err := os.ReadFile(filepath.Join(dir, f.File)); err == nil {
					_ = os.WriteFile(filepath.Join(out, "player-"+f.File), raw, 0o644)
				}
			}
		}
	}
	if n := r.LeftOut(); n != summary.UnmappedGlyphs {
		t.Errorf("the preview left out %d characters, the player %d", n, summary.UnmappedGlyphs)
	}
}

// checkPreviewPixels compares the preview with the player's frame of the
// same slide, read through the player's rotation of the output: away from
// the ticker band (which crawls: the player's frame catches it somewhere
// along its way, the preview shows it from its start), the pictures are
// the same but where two rasterisers antialias glyph edges differently.
func checkPreviewPixels(t *testing.T, what string, cfg *siteconfig.Config, img *image.RGBA, playerPNG string) {
	t.Helper()
	f, err := os.Open(playerPNG)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	defer f.Close()
	frame, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %s: %v", what, playerPNG, err)
		return
	}
	scr := slides.NewScreen(cfg)
	geo := rotation(cfg.Display.Rotation, float64(scr.W), float64(scr.H))
	fb := frame.Bounds()
	band := image.Rect(int(scr.Ticker.X), int(scr.Ticker.Y), int(scr.Ticker.X+scr.Ticker.W), int(scr.Ticker.Y+scr.Ticker.H))
	off, all := 0, 0
	for y := 0; y < scr.H; y++ {
		for x := 0; x < scr.W; x++ {
			if image.Pt(x, y).In(band) {
				continue
			}
			ox, oy := geo.Apply(float64(x)+0.5, float64(y)+0.5)
			q := image.Pt(fb.Min.X+int(ox), fb.Min.Y+int(oy))
			if !q.In(fb) {
				t.Errorf("%s: the player's frame is %v, too small for a %dx%d screen turned %d°", what, fb.Size(), scr.W, scr.H, cfg.Display.Rotation)
				return
			}
			r, g, b, _ := frame.At(q.X, q.Y).RGBA()
			p := img.RGBAAt(x, y)
			all++
			if max(absDiff(p.R, uint8(r>>8)), absDiff(p.G, uint8(g>>8)), absDiff(p.B, uint8(b>>8))) > 64 {
				off++
			}
		}
	}
	if share := float64(off) / float64(max(all, 1)); share > 0.005 {
		t.Errorf("%s: %.2f%% of the pixels differ from the player's frame %s", what, 100*share, playerPNG)
	} else {
		t.Logf("%s: %.3f%% of the pixels differ from the player's frame", what, 100*share)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func writePNG(img image.Image, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// capturePreviewRun runs a preview run in a process of its own and returns
// its summary and the folder of its frames.
func capturePreviewRun(t *testing.T, name string) (CaptureSummary, string) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), previewEnv+"="+name, "KIOSK_PLAYER_DIR="+dir, "XDG_CACHE_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("preview run %s: %v\n%s", name, err, out.String())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var s CaptureSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s, dir
}
