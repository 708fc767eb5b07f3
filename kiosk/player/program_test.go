package player

import (
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/siteconfig"
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

func TestBuildProgram(t *testing.T) {
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	describe := func(prog []slideSpec) string {
		var parts []string
		for _, s := range prog {
			parts = append(parts, s.item.ID+":"+strings.Join(s.langs, "+"))
		}
		return strings.Join(parts, " ")
	}
	tests := []struct {
		langs []string
		want  string
	}{
		{[]string{"vi", "km"}, "welcome:vi+km border-map:vi passport:vi passport:km passport-picture:vi " +
			"eservices:vi eservices:km online-services-picture:vi programmes:vi rice-fields:vi help:vi+km"},
		// An item with none of the site's languages (programmes) is left
		// out; one lacking the first language (passport) shows alone.
		{[]string{"lo", "en"}, "welcome:lo+en border-map:lo passport:en passport-picture:lo " +
			"eservices:lo eservices:en online-services-picture:lo rice-fields:lo help:lo+en"},
	}
	for _, tc := range tests {
		got := describe(buildProgram(b, testConfig(t, tc.langs...)))
		if got != tc.want {
			t.Errorf("languages %v:\n got %s\nwant %s", tc.langs, got, tc.want)
		}
	}
	// An image with one picture for every language is shown once and
	// reported as shown in every language; the rest in their languages.
	anyLang := 0
	for _, s := range buildProgram(b, testConfig(t, "vi", "km")) {
		everyLang := s.item.Kind == content.KindImage && len(s.item.Images) == 1 && s.item.Images[content.AnyLanguage] != ""
		want := strings.Join(s.langs, "+")
		if everyLang {
			want, anyLang = content.AnyLanguage, anyLang+1
		}
		if got := strings.Join(s.shownLangs(), "+"); got != want {
			t.Errorf("%s:%v reported in %s, want %s", s.item.ID, s.langs, got, want)
		}
	}
	if anyLang == 0 {
		t.Error("the demo has no image for every language; the check above checked nothing")
	}
	prog := buildProgram(b, testConfig(t, "vi"))
	for _, s := range prog {
		want := time.Duration(s.item.Duration)
		if want == 0 {
			want = 7 * time.Second
		}
		if s.duration != want {
			t.Errorf("%s: duration %v, want %v", s.item.ID, s.duration, want)
		}
	}
}

func TestTickerOrder(t *testing.T) {
	b := &content.Bundle{Manifest: content.Manifest{Ticker: []content.Message{
		{"vi": "một", "en": "one", "zh": "一"},
		{"en": "two"},
	}}}
	var got []string
	for _, m := range tickerMessages(b, testConfig(t, "en", "vi")) {
		got = append(got, m.lang+"="+m.text)
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
			pic, at := scalePicture(image.NewRGBA(tc.src), 1920, 960, tc.fit)
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
	l := newLayout(cfg)
	if l.ticker.H != float64(cfg.Ticker.Height) || l.area.H+l.ticker.H != 1080 || l.ticker.Y != l.area.H {
		t.Errorf("area %+v ticker %+v", l.area, l.ticker)
	}
	cfg.Ticker.Edge = siteconfig.EdgeTop
	l = newLayout(cfg)
	if l.ticker.Y != 0 || l.area.Y != l.ticker.H {
		t.Errorf("top ticker: area %+v ticker %+v", l.area, l.ticker)
	}
}

// progOf builds a program from "item:lang+lang" words, with items of its
// own, as a new bundle would have.
func progOf(words string) []slideSpec {
	items := map[string]*content.Item{}
	var prog []slideSpec
	for _, w := range strings.Fields(words) {
		id, langs, _ := strings.Cut(w, ":")
		if items[id] == nil {
			items[id] = &content.Item{ID: id}
		}
		prog = append(prog, slideSpec{item: items[id], langs: strings.Split(langs, "+")})
	}
	return prog
}

func TestResume(t *testing.T) {
	old := "a:vi a:km b:vi c:vi+km c:vi+en d:vi"
	tests := []struct {
		name      string
		old       string
		at        int
		new       string
		wantIndex int
	}{
		{"same program: the next slide", old, 2, old, 3},
		{"next language of the same item", old, 0, old, 1},
		{"the last slide wraps round", old, 5, old, 0},
		{"an item inserted after the one shown comes next", old, 2, "a:vi a:km b:vi x:vi c:vi+km c:vi+en d:vi", 3},
		{"items moved: after the one shown, where it is now", old, 2, "b:vi d:vi a:vi a:km c:vi+km c:vi+en", 1},
		{"the one shown was removed: the next that survives", old, 2, "a:vi a:km d:vi", 2},
		{"the one shown and the next were removed", old, 2, "x:vi a:vi d:vi", 2},
		{"the last was removed: round to the first that survives", old, 5, "x:vi b:vi c:vi+km", 1},
		{"languages changed: the item's last slide, then on", old, 3, "a:km b:km c:km d:km", 3},
		{"everything replaced: from the start", old, 3, "x:vi y:vi", 0},
		{"nothing shown yet", "", 0, old, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := place{prog: progOf(tc.old), idx: tc.at}
			if tc.old == "" {
				at = place{}
			}
			if got := resume(at, progOf(tc.new)); got != tc.wantIndex {
				t.Errorf("resume after %d of %q in %q = %d, want %d", tc.at, tc.old, tc.new, got, tc.wantIndex)
			}
		})
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
