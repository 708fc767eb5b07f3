package slides_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/go-text/typesetting/font"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

func TestNewScreen(t *testing.T) {
	tests := []struct {
		name, yaml   string
		area, ticker slides.Rect
		margin       float64
	}{
		{"bottom ticker", "display: {resolution: 1920x1080}\nticker: {edge: bottom, height: 80}\n",
			slides.Rect{W: 1920, H: 1000}, slides.Rect{Y: 1000, W: 1920, H: 80}, 49},
		{"top ticker", "display: {resolution: 1920x1080}\nticker: {edge: top, height: 80}\n",
			slides.Rect{Y: 80, W: 1920, H: 1000}, slides.Rect{W: 1920, H: 80}, 49},
		{"no ticker, portrait", "display: {resolution: 768x1536, rotation: 90}\nticker: {edge: none}\n",
			slides.Rect{W: 768, H: 1536}, slides.Rect{}, 35},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(t, tc.yaml)
			s := slides.NewScreen(cfg)
			if s.Area != tc.area || s.Ticker != tc.ticker || s.Margin != tc.margin {
				t.Errorf("area %+v ticker %+v margin %v, want %+v %+v %v", s.Area, s.Ticker, s.Margin, tc.area, tc.ticker, tc.margin)
			}
		})
	}
}

// TestTextSlide lays a two-language slide out in the site's fonts, parsed
// by go-text alone (no Ebiten): the panels sit side by side within the
// slide area, titles and bodies share one size each across languages,
// and a character no font draws is left out and noted, not kept.
func TestTextSlide(t *testing.T) {
	cfg := config(t, `display: {resolution: 1536x768}
ticker: {edge: bottom, height: 80}
languages: [vi, km]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
`)
	chain, err := fonts.NewLoader(slog.New(slog.DiscardHandler), t.TempDir()).Load(nil, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	notes := &recorder{}
	f := slides.NewFonts(chain, parser(), slides.NewMeasurer(), notes)
	item := &content.Item{ID: "welcome", Kind: content.KindText, Text: map[string]content.Text{
		"vi": {Title: "Chào mừng quý khách", Body: "Cửa khẩu Quốc tế Tịnh Biên, tỉnh An Giang, mở cửa từ 6 giờ đến 22 giờ hằng ngày"},
		"km": {Title: "សូមស្វាគមន៍", Body: "ច្រកទ្វារ​ព្រំដែន​អន្តរជាតិ​ទិញបៀន ✈"},
	}}
	scr := slides.NewScreen(cfg)
	s, err := f.TextSlide(scr, cfg, item, []string{"vi", "km"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Regions) != 4 || len(s.Texts) != 4 {
		t.Fatalf("%d regions, %d blocks, want a title and a body in each language", len(s.Regions), len(s.Texts))
	}
	sizes := map[string]float64{}
	for _, r := range s.Regions {
		if r.Rect.X < scr.Area.X || r.Rect.Y < scr.Area.Y || r.Rect.X+r.Rect.W > scr.Area.X+scr.Area.W || r.Rect.Y+r.Rect.H > scr.Area.Y+scr.Area.H {
			t.Errorf("%s %s at %+v, outside the slide area %+v", r.Lang, r.Name, r.Rect, scr.Area)
		}
		if r.Space == nil || r.Space.W > scr.Area.W/2 {
			t.Errorf("%s %s: space %+v is not half the screen", r.Lang, r.Name, r.Space)
		}
		if sz, ok := sizes[r.Name]; ok && sz != r.Size {
			t.Errorf("%s %s at %vpx, the other language's at %vpx", r.Lang, r.Name, r.Size, sz)
		}
		sizes[r.Name] = r.Size
		if r.Lines != len(r.Text) || r.Lines == 0 {
			t.Errorf("%s %s: %d lines counted, %d given", r.Lang, r.Name, r.Lines, len(r.Text))
		}
		if strings.Contains(strings.Join(r.Text, ""), "✈") {
			t.Errorf("%s %s keeps a character no font draws: %q", r.Lang, r.Name, r.Text)
		}
	}
	if sizes["title"] <= sizes["body"] {
		t.Errorf("title %vpx, body %vpx: titles are larger", sizes["title"], sizes["body"])
	}
	if notes.leftOut != 1 || !notes.warned("welcome/km") {
		t.Errorf("notes: %d left out, warnings %v; want the airplane noted", notes.leftOut, notes.keys)
	}
	// The same slide laid out again is the same, to the pixel.
	again, err := f.TextSlide(scr, cfg, item, []string{"vi", "km"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(again.Regions)
	b, _ := json.Marshal(s.Regions)
	if string(a) != string(b) {
		t.Errorf("a second layout differs:\n%s\n%s", a, b)
	}
}

func config(t *testing.T, extra string) *siteconfig.Config {
	t.Helper()
	base := "site: {id: t, name: T}\ncontent: {demo: true}\n"
	if !strings.Contains(extra, "languages:") {
		base += "languages: [vi]\nfonts: [{family: Noto Sans}]\n"
	}
	cfg, err := siteconfig.Parse([]byte(base+extra), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// parser parses each font once, as the player's Ebiten sources do.
func parser() slides.ParseFunc {
	var mu sync.Mutex
	m := map[string]*font.Font{}
	return func(d fonts.Data) (*font.Font, error) {
		mu.Lock()
		defer mu.Unlock()
		if f, ok := m[d.Path]; ok {
			return f, nil
		}
		r, err := d.Open()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		face, err := font.ParseTTF(r)
		if err != nil {
			return nil, err
		}
		m[d.Path] = face.Font
		return face.Font, nil
	}
}

type recorder struct {
	mu      sync.Mutex
	keys    []string
	leftOut int
}

func (r *recorder) Warn(key, msg string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, key)
}

func (r *recorder) LeftOut(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leftOut += n
}

func (r *recorder) warned(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k == key {
			return true
		}
	}
	return false
}
