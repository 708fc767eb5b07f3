package player

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

func testConfig(t *testing.T, langs ...string) *siteconfig.Config {
	t.Helper()
	cfg, err := siteconfig.Parse([]byte(fmt.Sprintf(`
site: {id: t, name: T}
display: {resolution: 1920x1080}
languages: [%s]
fonts: [{family: Noto Sans}]
content: {demo: true}
playback: {item_duration: 7s}
`, strings.Join(langs, ", "))), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// buildProgram returns one loop of the bundle at the site from its start,
// as the loader's sequencer plays it at 08:00 on a Monday.
func buildProgram(b *content.Bundle, cfg *siteconfig.Config) []slideSpec {
	site, err := schedule.NewSite(cfg)
	if err != nil {
		panic(err)
	}
	q := schedule.NewSequencer(b.Manifest.Slideshow(), site, cfg.Languages, cfg.Playback.ItemDuration)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, site.Zone)
	var prog []slideSpec
	for {
		s, ok := q.Next(now)
		if !ok {
			return prog
		}
		prog = append(prog, specOf(s))
		if s.Index == s.Total-1 {
			return prog
		}
	}
}

func TestBuildProgram(t *testing.T) {
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog := buildProgram(b, testConfig(t, "vi", "km"))
	var parts []string
	for _, s := range prog {
		parts = append(parts, s.item.ID+":"+strings.Join(s.langs, "+"))
	}
	want := "welcome:vi+km border-map:vi passport:vi passport:km passport-picture:vi " +
		"eservices:vi eservices:km online-services-picture:vi programmes:vi rice-fields:vi help:vi+km"
	if got := strings.Join(parts, " "); got != want {
		t.Errorf("loop:\n got %s\nwant %s", got, want)
	}
	for _, s := range prog {
		if s.chosen.Item != s.item || !s.since.IsZero() || !s.until.IsZero() || !s.playableAt(time.Now()) {
			t.Errorf("%s: spec %+v does not carry the sequencer's unbounded slide", s.item.ID, s)
		}
	}
}

func TestTickerOrder(t *testing.T) {
	b := &content.Bundle{Manifest: content.Manifest{Ticker: []content.Message{
		{"vi": "một", "en": "one", "zh": "一"},
		{"en": "two"},
	}}}
	var got []string
	for _, m := range slides.TickerMessages(b, testConfig(t, "en", "vi")) {
		got = append(got, m.Lang+"="+m.Text)
	}
	if want := "en=one vi=một en=two"; strings.Join(got, " ") != want {
		t.Errorf("ticker = %v, want %s", got, want)
	}
}

func TestScalePicture(t *testing.T) {
	tests := []struct {
		name             string
		src              image.Rectangle
		fit              string
		wantSize, wantAt image.Point
	}{
		{"same size", image.Rect(0, 0, 1920, 960), content.FitContain, image.Pt(1920, 960), image.Pt(0, 0)},
		{"square letterboxed", image.Rect(0, 0, 1080, 1080), content.FitContain, image.Pt(960, 960), image.Pt(480, 0)},
		{"small one grows", image.Rect(0, 0, 480, 240), content.FitContain, image.Pt(1920, 960), image.Pt(0, 0)},
		{"tall pillarboxed", image.Rect(0, 0, 500, 1000), content.FitContain, image.Pt(480, 960), image.Pt(720, 0)},
		{"fill crops", image.Rect(0, 0, 1080, 1080), content.FitFill, image.Pt(1920, 960), image.Pt(0, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pic, at := slides.ScalePicture(image.NewRGBA(tc.src), 1920, 960, tc.fit)
			if pic.Bounds().Size() != tc.wantSize || at != tc.wantAt {
				t.Errorf("got %v at %v, want %v at %v", pic.Bounds().Size(), at, tc.wantSize, tc.wantAt)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	// Logical 768x1536 (portrait) onto a 1536x768 output.
	w, h := 768.0, 1536.0
	tests := []struct {
		deg        int
		x, y       float64
		outX, outY float64
	}{
		{0, 10, 20, 10, 20},
		{90, 0, 0, h, 0}, // top-left goes to the top-right
		{90, 0, h, 0, 0}, // bottom-left goes to the top-left
		{180, 0, 0, w, h},
		{270, 0, 0, 0, w}, // top-left goes to the bottom-left
	}
	for _, tc := range tests {
		g := rotation(tc.deg, w, h)
		x, y := g.Apply(tc.x, tc.y)
		if math.Abs(x-tc.outX) > 1e-6 || math.Abs(y-tc.outY) > 1e-6 {
			t.Errorf("rotation %d: (%v,%v) -> (%v,%v), want (%v,%v)", tc.deg, tc.x, tc.y, x, y, tc.outX, tc.outY)
		}
	}
}

func TestLayoutLeavesRoomForTheTicker(t *testing.T) {
	cfg := testConfig(t, "vi")
	l := slides.NewScreen(cfg)
	if l.Ticker.H != float64(cfg.Ticker.Height) || l.Area.H+l.Ticker.H != 1080 || l.Ticker.Y != l.Area.H {
		t.Errorf("area %+v ticker %+v", l.Area, l.Ticker)
	}
	cfg.Ticker.Edge = siteconfig.EdgeTop
	l = slides.NewScreen(cfg)
	if l.Ticker.Y != 0 || l.Area.Y != l.Ticker.H {
		t.Errorf("top ticker: area %+v ticker %+v", l.Area, l.Ticker)
	}
}

// TestTickerKey: a publication that leaves the ticker as it was keeps its
// images and crawl (same key); a changed message, language or layout does
// not.
func TestTickerKey(t *testing.T) {
	seg := func(lang, s string, w float64) tickerSeg {
		return tickerSeg{block: textBlock{region: Region{Name: "ticker", Lang: lang}, lines: []string{s}}, width: w}
	}
	base := []tickerSeg{seg("vi", "Lũ trên sông Hậu", 900), seg("km", "ទឹកជំនន់", 400)}
	tests := []struct {
		name string
		segs []tickerSeg
		same bool
	}{
		{"unchanged", []tickerSeg{seg("vi", "Lũ trên sông Hậu", 900), seg("km", "ទឹកជំនន់", 400)}, true},
		{"text changed", []tickerSeg{seg("vi", "Lũ trên sông Tiền", 900), seg("km", "ទឹកជំនន់", 400)}, false},
		{"language changed", []tickerSeg{seg("en", "Lũ trên sông Hậu", 900), seg("km", "ទឹកជំនន់", 400)}, false},
		{"width changed", []tickerSeg{seg("vi", "Lũ trên sông Hậu", 901), seg("km", "ទឹកជំនន់", 400)}, false},
		{"one message fewer", base[:1], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tickerKey(tc.segs) == tickerKey(base); got != tc.same {
				t.Errorf("same key = %v, want %v", got, tc.same)
			}
		})
	}
}

// TestLoaderFollowsTheSchedule runs the real loader on a bundle whose only
// item plays from 08:00: before it the loader hands over the standby
// marker and looks again at 08:00 by the player's clock; then the slide
// comes with its window's end.
func TestLoaderFollowsTheSchedule(t *testing.T) {
	base, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := version(base, 2)
	b.Manifest.Items = []content.Item{{ID: "morning", Kind: content.KindText, Layout: content.LayoutSingle,
		Text:     map[string]content.Text{"vi": {Title: "Buổi sáng"}},
		Schedule: &content.Schedule{Hours: []content.Window{{From: "08:00", Until: "09:00"}}}}}
	cfg := loaderConfig(t)
	zone := cfg.Location()
	clock := &manualClock{t: time.Date(2026, 3, 2, 7, 59, 59, 900_000_000, zone)}
	src := &publisher{b: b, changed: make(chan struct{}, 1)}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := New(Options{Config: cfg, Source: src, Fonts: fonts.NewLoader(discard, t.TempDir()), Log: discard, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	p.load.wake = func() {}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.load.run(ctx)

	next := func() *slide {
		t.Helper()
		select {
		case s := <-p.load.out:
			return s
		case <-time.After(time.Minute):
			t.Fatal("no slide from the loader within a minute")
			return nil
		}
	}
	if s := next(); !s.standby || s.problem != "" {
		t.Fatalf("before 08:00: %s (problem %q), want the standby marker without a fault", s.itemID(), s.problem)
	}
	clock.Set(time.Date(2026, 3, 2, 8, 0, 0, 0, zone))
	s := next()
	if s.standby || s.spec.item.ID != "morning" {
		t.Fatalf("at 08:00: %s, want morning", s.itemID())
	}
	if want := time.Date(2026, 3, 2, 9, 0, 0, 0, zone); !s.spec.until.Equal(want) || !s.spec.playableAt(want.Add(-time.Second)) || s.spec.playableAt(want) {
		t.Errorf("morning until %v, want %v", s.spec.until, want)
	}
}
