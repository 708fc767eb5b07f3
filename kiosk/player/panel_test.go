package player

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"math"
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
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

var updateFit = flag.Bool("update", false, "rewrite the golden sizes in testdata/fit")

// fitEnv names the run of the text-fitting captures a re-started test
// binary plays (see TestMain).
const fitEnv = "KIOSK_PLAYER_FIT"

const fitSite = `
site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
languages: [vi, km, lo, zh, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {demo: true}
playback: {transition: 1s}
`

// fitRuns are the walls the text slides are captured on: the border gate's
// landscape wall, the portrait column turned on its side, and the
// landscape wall read from twice the default distance.
var fitRuns = map[string]string{
	"landscape":     fitSite + "display: {resolution: 1536x768}\nticker: {edge: bottom, height: 80}\n",
	"portrait":      fitSite + "display: {resolution: 768x1536, rotation: 90}\nticker: {edge: bottom, height: 72}\n",
	"landscape-far": fitSite + "display: {resolution: 1536x768, reading: {distance: 30m, pixel_pitch: 5mm}}\nticker: {edge: bottom, height: 80}\n",
}

// fitBundle is the demo's text items and those of testdata/fit/items.json.
func fitBundle() (*content.Bundle, error) {
	b, err := demo.Load()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "fit", "items.json"))
	if err != nil {
		return nil, err
	}
	var extra []content.Item
	if err := json.Unmarshal(raw, &extra); err != nil {
		return nil, fmt.Errorf("testdata/fit/items.json: %w", err)
	}
	var items []content.Item
	for _, it := range b.Manifest.Items {
		if it.Kind == content.KindText {
			items = append(items, it)
		}
	}
	b.Manifest.Items = append(items, extra...)
	return b, nil
}

func fitConfig(name string) (*siteconfig.Config, error) {
	y, ok := fitRuns[name]
	if !ok {
		return nil, fmt.Errorf("no fit run %q", name)
	}
	return siteconfig.Parse([]byte(y), name+".yaml")
}

// runFit plays a fit run through once in this process, saving its frames
// and summary.json in dir.
func runFit(name, dir string) error {
	cfg, err := fitConfig(name)
	if err != nil {
		return err
	}
	b, err := fitBundle()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := New(Options{Config: cfg, Source: staticBundle{b}, Fonts: fonts.NewLoader(log, filepath.Join(dir, "fonts")), Log: log,
		Clock: fixedClock(at("10:00:00")), Capture: &CaptureOptions{Dir: dir}})
	if err != nil {
		return err
	}
	return p.Run(context.Background())
}

// captureFit runs a fit run in a process of its own and returns its
// summary and the folder of its frames.
func captureFit(t *testing.T, name string) (CaptureSummary, string) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fitEnv+"="+name, "KIOSK_PLAYER_DIR="+dir, "XDG_CACHE_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("fit run %s: %v\n%s", name, err, out.String())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var s CaptureSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("KIOSK_KEEP_FRAMES"); keep != "" {
		_ = os.CopyFS(filepath.Join(keep, "fit-"+name), os.DirFS(dir))
	}
	return s, dir
}

// panelText is the title and body regions of one language of a slide.
type panelText struct {
	lang        string
	title, body *Region
}

func (p panelText) parts() []*Region {
	var out []*Region
	for _, r := range []*Region{p.title, p.body} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// fill is the share of the panel's height its title and body take.
func (p panelText) fill() float64 {
	top, bottom := math.Inf(1), math.Inf(-1)
	for _, r := range p.parts() {
		top, bottom = math.Min(top, r.Rect.Y), math.Max(bottom, r.Rect.Y+r.Rect.H)
	}
	return (bottom - top) / p.parts()[0].Space.H
}

func panelsOf(f CapturedFrame) []panelText {
	var out []panelText
	for i := range f.Regions {
		r := &f.Regions[i]
		if r.Name != "title" && r.Name != "body" {
			continue
		}
		j := slices.IndexFunc(out, func(p panelText) bool { return p.lang == r.Lang })
		if j < 0 {
			out = append(out, panelText{lang: r.Lang})
			j = len(out) - 1
		}
		if r.Name == "title" {
			out[j].title = r
		} else {
			out[j].body = r
		}
	}
	return out
}

// TestTextFitsTheScreen plays the demo's text slides and those of
// testdata/fit on the landscape and portrait walls and checks, from the
// capture summary and the frames, that titles and bodies use the slide's
// space: the same size for a role in every language of a slide, titles
// larger than bodies, nothing cut or drawn outside its panel, and text
// either at its largest size or filling most of the panel's height.
func TestTextFitsTheScreen(t *testing.T) {
	var golden strings.Builder
	bodies := map[string]map[string]float64{} // run → "item langs" → body size
	for _, run := range []string{"landscape", "portrait", "landscape-far"} {
		t.Run(run, func(t *testing.T) {
			cfg, err := fitConfig(run)
			if err != nil {
				t.Fatal(err)
			}
			s, dir := captureFit(t, run)
			t.Logf("frames of %s in %s", run, dir)
			if s.UnmappedGlyphs != 0 {
				t.Errorf("%d characters had no glyph", s.UnmappedGlyphs)
			}
			// The studio's preview draws the same slides the same way.
			if b, err := fitBundle(); err != nil {
				t.Error(err)
			} else {
				comparePreview(t, "fit-"+run, cfg, b, s, dir)
			}
			prep := &preparer{cfg: cfg, lay: slides.NewScreen(cfg)}
			inner := slides.Inset(prep.lay.Area, prep.lay.Margin)
			bodies[run] = map[string]float64{}
			fmt.Fprintf(&golden, "# %s\n", run)
			n := 0
			for _, f := range s.Frames {
				panels := panelsOf(f)
				if f.Fade || f.File == "" || len(panels) == 0 {
					continue
				}
				n++
				key := f.Item + " " + strings.Join(f.Langs, "+")
				m := logicalFrame(loadRGBA(t, filepath.Join(dir, f.File)), s.Rotation, s.Logical)
				checkPanels(t, f.File, m, panels, prep, inner, cfg)
				if b := panels[0].body; b != nil {
					bodies[run][key] = b.Size
				}
				if len(f.Langs) == 1 && f.Langs[0] != "km" && f.Langs[0] != "lo" {
					for _, r := range panels[0].parts() {
						fmt.Fprintf(&golden, "%s %s %s %.0fpx %d lines\n", key, r.Name, r.Lang, r.Size, r.Lines)
					}
				}
			}
			if n < 15 {
				t.Errorf("%d text slides captured, want every text item's", n)
			}
		})
	}
	t.Run("grows with the reading distance", func(t *testing.T) {
		grew := 0
		for key, near := range bodies["landscape"] {
			far, ok := bodies["landscape-far"][key]
			switch {
			case !ok:
				t.Errorf("%s: not captured from afar", key)
			case far < near:
				t.Errorf("%s: body %v from 30m, smaller than %v from the default distance", key, far, near)
			case far > near:
				grew++
			}
		}
		if grew < len(bodies["landscape"])/3 {
			t.Errorf("%d of %d slides have larger bodies from 30m; want a third at least", grew, len(bodies["landscape"]))
		}
	})
	path := filepath.Join("testdata", "fit", "sizes.golden")
	if *updateFit {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got := golden.String(); got != string(want) {
		t.Errorf("sizes differ from %s (run with -update after checking the frames); got:\n%s", path, got)
	}
}

// checkPanels checks the text of one slide.
func checkPanels(t *testing.T, file string, m *image.RGBA, panels []panelText, prep *preparer, inner Rect, cfg *siteconfig.Config) {
	t.Helper()
	var title, body float64
	bestFill, atMax, shortTitles := 0.0, false, true
	for _, p := range panels {
		for _, r := range p.parts() {
			switch {
			case r.Size <= 0 || r.Lines <= 0 || r.Space == nil:
				t.Fatalf("%s: %s %s has no size, lines or space: %+v", file, p.lang, r.Name, r)
			case r.Cut:
				t.Errorf("%s: %s %s was cut", file, p.lang, r.Name)
			case !within(r.Rect, *r.Space) || !within(*r.Space, inner):
				t.Errorf("%s: %s %s at %+v is outside its panel %+v (slide %+v)", file, p.lang, r.Name, r.Rect, *r.Space, inner)
			}
			if ink := regionInk(m, r.Rect); ink < 0.01 {
				t.Errorf("%s: %s %s has no ink (%.2f%%)", file, p.lang, r.Name, 100*ink)
			}
		}
		if p.title != nil && p.body != nil && p.title.Size <= p.body.Size {
			t.Errorf("%s: %s title %vpx, not larger than its body %vpx", file, p.lang, p.title.Size, p.body.Size)
		}
		for _, c := range []struct {
			r    *Region
			size *float64
		}{{p.title, &title}, {p.body, &body}} {
			switch {
			case c.r == nil:
			case *c.size == 0:
				*c.size = c.r.Size
			case c.r.Size != *c.size:
				t.Errorf("%s: %s %s is %vpx, another language's %vpx", file, p.lang, c.r.Name, c.r.Size, *c.size)
			}
		}
		space := *p.parts()[0].Space
		sc := slides.TextScale(prep.lay, prep.cfg, space.W, space.H, 0)
		if p.body != nil && p.body.Size == sc.MaxBody || p.body == nil && p.title.Size == sc.MaxTitle {
			atMax = true
		}
		if p.title != nil && p.title.Lines >= sc.TitleLines && (p.body == nil || p.title.Size <= math.Floor(sc.MinTitleRatio*p.body.Size)+1) {
			// The body was kept smaller so that a title at its least
			// size keeps to few lines (or, alone, the title was).
			shortTitles = false
		}
		bestFill = math.Max(bestFill, p.fill())
		if stray := strayInk(m, space, p.parts(), cfg.Display.Accent); stray > 0.001 {
			t.Errorf("%s: %.2f%% of %s's panel has ink outside its title and body: a line drawn outside its block", file, 100*stray, p.lang)
		}
	}
	// Text not at its largest size fills most of the height, unless a
	// title at its least size was kept to sc.TitleLines lines or so at a
	// smaller body.
	if !atMax && shortTitles && bestFill < 0.75 {
		t.Errorf("%s: text below its largest size takes %.0f%% of the panel's height, want at least 75%%", file, 100*bestFill)
	}
}

func within(r, outer Rect) bool {
	return r.X >= outer.X-1 && r.Y >= outer.Y-1 && r.X+r.W <= outer.X+outer.W+1 && r.Y+r.H <= outer.Y+outer.H+1
}

// strayInk is the share of space's pixels that differ from its background
// outside the given regions (widened a little for glyphs that overhang
// their lines) and the accent rules.
func strayInk(m *image.RGBA, space Rect, parts []*Region, accent color.Color) float64 {
	r := image.Rect(int(space.X), int(space.Y), int(space.X+space.W), int(space.Y+space.H)).Intersect(m.Bounds())
	bg := m.RGBAAt(r.Min.X, r.Min.Y)
	ac := color.RGBAModel.Convert(accent).(color.RGBA)
	var allowed []image.Rectangle
	for _, p := range parts {
		d := p.Size * 0.3
		allowed = append(allowed, image.Rect(int(p.Rect.X-d), int(p.Rect.Y-d), int(p.Rect.X+p.Rect.W+d+1), int(p.Rect.Y+p.Rect.H+d+1)))
	}
	n, stray := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
	pixel:
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			c := m.RGBAAt(x, y)
			if c == bg || near(c.R, ac.R) && near(c.G, ac.G) && near(c.B, ac.B) {
				continue
			}
			for _, a := range allowed {
				if image.Pt(x, y).In(a) {
					continue pixel
				}
			}
			stray++
		}
	}
	return float64(stray) / float64(max(n, 1))
}

// logicalFrame turns a saved frame, as sent to a screen turned by rot, back
// to the logical picture viewers see.
func logicalFrame(m *image.RGBA, rot int, logical [2]int) *image.RGBA {
	if rot == 0 {
		return m
	}
	w, h := logical[0], logical[1]
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var ox, oy int
			switch rot {
			case 90:
				ox, oy = h-1-y, x
			case 180:
				ox, oy = w-1-x, h-1-y
			case 270:
				ox, oy = y, w-1-x
			}
			out.SetRGBA(x, y, m.RGBAAt(ox, oy))
		}
	}
	return out
}
