package preview

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

var outDir = flag.String("out", "", "also save the rendered slides as PNG in this folder")

// exampleSites are the example site configs of configs/.
var exampleSites = []string{"tinh-bien-gate.yaml", "vinh-xuong-gate.yaml", "commune-support-point.yaml", "demo.yaml"}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestRenderDemo draws every slide of the demo bundle at each example site
// and checks the pictures: the site's size, its background, ink in every
// text region, no missing-glyph box and no character left out.
func TestRenderDemo(t *testing.T) {
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	shared := NewFontCache() // the sites share their parsed fonts, as in the studio
	for _, file := range exampleSites {
		t.Run(file, func(t *testing.T) {
			cfg, err := siteconfig.Load(filepath.Join("..", "..", "configs", file))
			if err != nil {
				t.Fatal(err)
			}
			log := testLog(t)
			chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewWith(cfg, b, chain, log, Options{At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Fonts: shared})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Slides()) == 0 {
				t.Fatal("no slide in the loop")
			}
			dir := t.TempDir()
			if *outDir != "" {
				dir = filepath.Join(*outDir, strings.TrimSuffix(file, ".yaml"))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range r.Slides() {
				img, regions, err := r.Render(s.Index)
				if err != nil {
					t.Fatalf("slide %d (%s): %v", s.Index, s.ItemID, err)
				}
				name := fmt.Sprintf("%02d-%s-%s.png", s.Index, s.ItemID, strings.Join(s.Langs, "+"))
				if err := savePNG(img, filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
				checkPicture(t, name, cfg, img, regions)
			}
			if n := r.notdef.Load(); n != 0 {
				t.Errorf("%d missing-glyph boxes drawn", n)
			}
			if n := r.LeftOut(); n != 0 {
				t.Errorf("%d characters left out for want of a font", n)
			}
		})
	}
}

// checkPicture holds one rendered slide to what it must show.
func checkPicture(t *testing.T, name string, cfg *siteconfig.Config, img *image.RGBA, regions []slides.Region) {
	t.Helper()
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != cfg.Display.Resolution.W || h != cfg.Display.Resolution.H {
		t.Errorf("%s: %dx%d, want the site's %dx%d", name, w, h, cfg.Display.Resolution.W, cfg.Display.Resolution.H)
	}
	bg := color.RGBA(cfg.Display.Background)
	if got := img.RGBAAt(1, cfg.Display.Resolution.H/2); got != bg && cfg.Ticker.Edge == siteconfig.EdgeNone {
		t.Errorf("%s: background %v, want the site's %v", name, got, bg)
	}
	if len(regions) == 0 {
		t.Errorf("%s: no region", name)
	}
	fg := color.RGBA(cfg.Display.Foreground)
	for _, rg := range regions {
		if rg.Name != "title" && rg.Name != "body" {
			continue
		}
		// Text is ink of the foreground colour over the background:
		// count the pixels closer to the foreground.
		r := image.Rect(int(rg.Rect.X), int(rg.Rect.Y), int(rg.Rect.X+rg.Rect.W), int(rg.Rect.Y+rg.Rect.H))
		ink, all := 0, 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				all++
				if dist(img.RGBAAt(x, y), fg) < dist(img.RGBAAt(x, y), bg) {
					ink++
				}
			}
		}
		if share := float64(ink) / float64(max(all, 1)); share < 0.03 || share > 0.6 {
			t.Errorf("%s: %s %s: %.1f%% of its pixels are ink; text is some 5-40%%", name, rg.Lang, rg.Name, 100*share)
		}
	}
}

func dist(a, b color.RGBA) int {
	d := func(x, y uint8) int { return (int(x) - int(y)) * (int(x) - int(y)) }
	return d(a.R, b.R) + d(a.G, b.G) + d(a.B, b.B)
}

func savePNG(img image.Image, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// TestCharactersNoFontDraws: a character no font of the chain has is left
// out and counted, as the player does, never drawn as a missing-glyph box;
// the text around it still shows.
func TestCharactersNoFontDraws(t *testing.T) {
	cfg, err := siteconfig.Parse([]byte(`
site: {id: t, name: T}
display: {resolution: 1280x720}
languages: [vi]
fonts: [{family: Noto Sans}]
content: {demo: true}
ticker: {edge: none}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := &content.Bundle{Manifest: content.Manifest{ID: "t", Items: []content.Item{{
		ID: "tamil", Kind: content.KindText,
		// Tamil and Khmer letters, which Noto Sans does not have.
		Text: map[string]content.Text{"vi": {Title: "Xin chào தமிழ்", Body: "Điểm hỗ trợ ខ្មែរ mở cửa"}},
	}}}}
	log := testLog(t)
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, b, chain, log)
	if err != nil {
		t.Fatal(err)
	}
	img, regions, err := r.Render(0)
	if err != nil {
		t.Fatal(err)
	}
	checkPicture(t, "tamil", cfg, img, regions)
	if r.notdef.Load() != 0 {
		t.Errorf("%d missing-glyph boxes drawn", r.notdef.Load())
	}
	if got, want := r.LeftOut(), int64(len([]rune("தமிழ்"))+len([]rune("ខ្មែរ"))); got != want {
		t.Errorf("%d characters left out, want %d", got, want)
	}
	for _, rg := range regions {
		if strings.ContainsAny(strings.Join(rg.Text, " "), "தខ") {
			t.Errorf("%s: %q keeps a character no font draws", rg.Name, rg.Text)
		}
	}
}

// TestRenderConcurrently renders a loop's slides from several goroutines
// at once (run with -race) and gets the pictures one at a time gives.
func TestRenderConcurrently(t *testing.T) {
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := siteconfig.Load(filepath.Join("..", "..", "configs", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	log := testLog(t)
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, b, chain, log)
	if err != nil {
		t.Fatal(err)
	}
	n := min(len(r.Slides()), 6)
	want := make([][]byte, n)
	for i := range n {
		img, _, err := r.Render(i)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = img.Pix
	}
	errs := make(chan error, 3*n)
	for k := range 3 * n {
		go func() {
			i := k % n
			img, _, err := r.Render(i)
			switch {
			case err != nil:
				errs <- err
			case !bytes.Equal(img.Pix, want[i]):
				errs <- fmt.Errorf("slide %d drawn concurrently differs", i)
			default:
				errs <- nil
			}
		}()
	}
	for range 3 * n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestVideoPlaceholder: a video slide shows a placeholder naming its item
// in the slide area, and says when the site has no rendition of it (the
// player then skips it).
func TestVideoPlaceholder(t *testing.T) {
	cfg, err := siteconfig.Parse([]byte(`
site: {id: t, name: T}
display: {resolution: 1280x720}
languages: [vi]
fonts: [{family: Noto Sans}]
content: {demo: true}
ticker: {edge: bottom, height: 60}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := &content.Bundle{Manifest: content.Manifest{ID: "t", Items: []content.Item{{
		ID: "clip", Kind: content.KindVideo,
		Text:  map[string]content.Text{"vi": {Title: "Hướng dẫn"}},
		Video: &content.Video{Duration: content.Duration(30 * time.Second), Renditions: []content.Rendition{{File: "clip-1920.mp4", Width: 1920, Height: 1080, FPS: 25}}},
	}}}}
	log := testLog(t)
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, b, chain, log)
	if err != nil {
		t.Fatal(err)
	}
	img, regions, err := r.Render(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(regions) != 1 || regions[0].Name != "video" || regions[0].Rect != (slides.Rect{W: 1280, H: 660}) {
		t.Errorf("regions %+v, want the video's over the slide area", regions)
	}
	fg := color.RGBA(cfg.Display.Foreground)
	ink := 0
	for y := 0; y < 660; y++ {
		for x := 0; x < 1280; x++ {
			if img.RGBAAt(x, y) == fg {
				ink++
			}
		}
	}
	if ink < 500 {
		t.Errorf("%d pixels of text in the placeholder", ink)
	}
	if *outDir != "" {
		if err := savePNG(img, filepath.Join(*outDir, "video.png")); err != nil {
			t.Fatal(err)
		}
	}
}
