package player

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// The drawing tests run the real player under the X server (Xvfb) with
// Mesa's software OpenGL. Ebiten must own the main thread, so each run is
// this test binary started again as a process of its own, which plays a
// scenario (see scenarios) as a capture by steps and exits.
func TestMain(m *testing.M) {
	if after := os.Getenv(stallEnv); after != "" {
		if err := runStallingPlayer(after); err != nil {
			fmt.Fprintln(os.Stderr, "stalling player:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if name := os.Getenv(fitEnv); name != "" {
		if err := runFit(name, os.Getenv("KIOSK_PLAYER_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "fit run", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if name := os.Getenv(previewEnv); name != "" {
		if err := runPreviewCapture(name, os.Getenv("KIOSK_PLAYER_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "preview capture", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if name := os.Getenv(interactiveEnv); name != "" {
		if err := runInteractive(name, os.Getenv("KIOSK_PLAYER_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "interactive scenario", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if name := os.Getenv(videoEnv); name != "" {
		if err := runVideo(name, os.Getenv("KIOSK_PLAYER_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "video scenario", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if name := os.Getenv("KIOSK_PLAYER_SCENARIO"); name != "" {
		if err := runScenario(name, os.Getenv("KIOSK_PLAYER_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "scenario", name+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// book is an AlertSource the scenarios change as they go, as the sync
// agent's alert book changes when alerts are published and cancelled.
type book struct {
	mu      sync.Mutex
	alerts  []alert.Alert
	changed chan struct{}
}

func (b *book) Active(now time.Time) []alert.Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []alert.Alert
	for _, a := range b.alerts {
		if now.Before(a.Expires) {
			out = append(out, a)
		}
	}
	return out
}

func (b *book) Changed() <-chan struct{} { return b.changed }

func (b *book) put(a alert.Alert) {
	b.mu.Lock()
	b.alerts = append(b.alerts, a)
	b.mu.Unlock()
	b.notify()
}

func (b *book) cancel(id string) {
	b.mu.Lock()
	for i := range b.alerts {
		if b.alerts[i].ID == id {
			b.alerts = append(b.alerts[:i], b.alerts[i+1:]...)
			break
		}
	}
	b.mu.Unlock()
	b.notify()
}

func (b *book) notify() {
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

var (
	saigon = time.FixedZone("ICT", 7*3600)
	day    = time.Date(2026, 3, 2, 0, 0, 0, 0, saigon)
)

func at(hms string) time.Time {
	t, err := time.ParseInLocation("15:04:05", hms, saigon)
	if err != nil {
		panic(err)
	}
	return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
}

// Alerts of the scenarios, in the five scripts the border walls show.
var (
	flood = alert.Alert{ID: "flood-2026-03", Serial: 1, Severity: alert.Severe, Start: at("10:00:10"), Expires: at("10:00:30"),
		Text: map[string]alert.Text{
			"vi": {Headline: "Cảnh báo lũ trên sông Hậu", Body: "Mực nước dâng nhanh tại khu vực cửa khẩu Tịnh Biên.", Instruction: "Di chuyển lên vùng cao ngay."},
			"km": {Headline: "ការព្រមាន​ទឹកជំនន់", Body: "ទឹក​កំពុង​ឡើង​យ៉ាង​លឿន​នៅ​តំបន់​ច្រកទ្វារ។", Instruction: "សូម​ផ្លាស់ទី​ទៅ​កន្លែង​ខ្ពស់​ភ្លាម។"},
			"en": {Headline: "Flood warning on the Hau River", Body: "Water is rising fast around Tinh Bien border gate.", Instruction: "Move to higher ground now."},
		}}
	roadworks = alert.Alert{ID: "road-n91", Serial: 3, Severity: alert.Moderate, Start: at("10:00:40"), Expires: at("11:00:00"),
		Text: map[string]alert.Text{
			"vi": {Headline: "Quốc lộ 91 đóng một làn từ 14 giờ"},
			"km": {Headline: "ផ្លូវជាតិ ៩១ បិទ​មួយ​ខ្សែ"},
			"lo": {Headline: "ທາງຫຼວງ 91 ປິດໜຶ່ງຊ່ອງທາງ"},
			"zh": {Headline: "91号国道下午两点起封闭一条车道"},
			"en": {Headline: "Highway 91: one lane closed from 14:00"},
		}}
	closure = alert.Alert{ID: "gate-closed", Serial: 1, Severity: alert.Extreme, Start: at("10:01:10"), Expires: at("12:00:00"),
		Text: map[string]alert.Text{
			"zh": {Headline: "口岸临时关闭", Body: "请听从边防人员指挥。"},
			"lo": {Headline: "ດ່ານປິດຊົ່ວຄາວ", Body: "ກະລຸນາປະຕິບັດຕາມເຈົ້າໜ້າທີ່."},
		}}
	storm = alert.Alert{ID: "storm-night", Serial: 1, Severity: alert.Severe, Start: at("23:00:10"), Expires: at("23:30:00"),
		Text: map[string]alert.Text{"vi": {Headline: "Bão số 3 đổ bộ", Body: "Không ra khỏi nhà."}}}
	unlaid = alert.Alert{ID: "no-font", Serial: 1, Severity: alert.Extreme, Start: at("23:50:00"), Expires: at("23:55:00"),
		Text: map[string]alert.Text{"am": {Headline: "ማስጠንቀቂያ"}}}
)

// scenarios are the runs of the drawing tests: a site config and the
// steps to capture.
var scenarios = map[string]struct {
	config string
	steps  func(b *book) []CaptureStep
}{
	"clock": {
		config: "off_hours: clock\n",
		steps: func(b *book) []CaptureStep {
			return []CaptureStep{
				{At: at("10:00:00"), File: "day.png"},
				{At: at("10:00:10"), File: "severe-vi.png", Before: func() { b.put(flood) }},
				{At: at("10:00:17"), File: "severe-km.png"},
				{At: at("10:00:23"), File: "severe-en.png"},
				{At: at("10:00:29"), File: "severe-last.png"},
				{At: at("10:00:30"), File: "expired.png"},
				{At: at("10:00:40"), File: "banner-vi.png", Before: func() { b.put(roadworks) }},
				{At: at("10:00:47"), File: "banner-km.png"},
				{At: at("10:00:53"), File: "banner-lo.png"},
				{At: at("10:00:59"), File: "banner-zh.png"},
				{At: at("10:01:05"), File: "banner-en.png"},
				{At: at("10:01:10"), File: "extreme.png", Before: func() { b.put(closure) }},
				{At: at("10:01:20"), File: "cancelled.png", Before: func() { b.cancel(closure.ID) }},
				{At: at("10:01:30"), File: "clear.png", Before: func() { b.cancel(roadworks.ID) }},
				{At: at("21:30:00"), File: "dim.png"},
				{At: at("23:00:00"), File: "off-clock.png"},
				{At: at("23:00:10"), File: "night-alert.png", Before: func() { b.put(storm) }},
				{At: at("23:40:00"), File: "off-clock-later.png"},
				{At: at("23:50:00"), File: "unlaid.png", Before: func() { b.put(unlaid) }},
			}
		},
	},
	"window": {
		config: "off_hours: clock\n",
		steps: func(b *book) []CaptureStep {
			return []CaptureStep{
				{At: at("10:00:00"), File: "campaign.png"},
				{At: at("10:00:19"), File: "campaign-last.png"},
				{At: at("10:00:20"), File: "after-campaign.png"},
			}
		},
	},
	"black": {
		config: "off_hours: black\n",
		steps: func(b *book) []CaptureStep {
			return []CaptureStep{
				{At: at("10:00:00"), File: "day.png"},
				{At: at("23:00:00"), File: "off-black.png"},
			}
		},
	},
}

const scenarioConfig = `
site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
display: {resolution: 960x540}
languages: [vi, km, lo, zh, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {demo: true}
ticker: {edge: bottom, height: 54}
playback: {transition: 1s}
hours: {open: "06:00", close: "22:00"}
brightness:
  - {from: "06:00", level: 100}
  - {from: "18:30", level: 60}
  - {from: "21:00", level: 40}
`

// runScenario plays a scenario in this process and writes its frames and
// summary.json to dir.
func runScenario(name, dir string) error {
	sc, ok := scenarios[name]
	if !ok {
		return fmt.Errorf("no scenario %q", name)
	}
	cfg, err := siteconfig.Parse([]byte(scenarioConfig+sc.config), name+".yaml")
	if err != nil {
		return err
	}
	b, err := demo.Load()
	if err != nil {
		return err
	}
	// One picture for every language, on screen for an hour: the slide
	// under the alerts stays the same from step to step.
	var items []content.Item
	for _, it := range b.Manifest.Items {
		switch {
		case it.ID == "border-map":
			it.Duration = content.Duration(time.Hour)
			items = append(items, it)
		case it.ID == "welcome" && name == "window":
			// A campaign that replaces the loop until 10:00:20, its
			// slides an hour long: it must leave at that second.
			it.Duration = content.Duration(time.Hour)
			it.Schedule = &content.Schedule{Until: "2026-03-02T10:00:20", Priority: 1}
			items = append(items, it)
		}
	}
	b.Manifest.Items = items
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	alerts := &book{changed: make(chan struct{}, 1)}
	p, err := New(Options{Config: cfg, Source: staticBundle{b}, Fonts: fonts.NewLoader(log, filepath.Join(dir, "fonts")), Log: log,
		Clock: fixedClock(at("09:59:00")), Alerts: alerts,
		Capture: &CaptureOptions{Dir: dir, Steps: sc.steps(alerts)}})
	if err != nil {
		return err
	}
	return p.Run(context.Background())
}

type staticBundle struct{ b *content.Bundle }

func (s staticBundle) Current() *content.Bundle { return s.b }
func (s staticBundle) Changed() <-chan struct{} { return nil }

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// capture runs a scenario in a process of its own and returns its summary
// and frames by file name.
func capture(t *testing.T, name string) (CaptureSummary, map[string]CapturedFrame, string) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIOSK_PLAYER_SCENARIO="+name, "KIOSK_PLAYER_DIR="+dir, "XDG_CACHE_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("scenario %s: %v\n%s", name, err, out.String())
	}
	t.Logf("frames of %s in %s", name, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var s CaptureSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	frames := map[string]CapturedFrame{}
	for _, f := range s.Frames {
		frames[f.File] = f
	}
	if keep := os.Getenv("KIOSK_KEEP_FRAMES"); keep != "" {
		// For looking at the frames after the run.
		_ = os.CopyFS(filepath.Join(keep, name), os.DirFS(dir))
	}
	return s, frames, dir
}

func TestAlertsHoursAndBrightnessOnScreen(t *testing.T) {
	s, frames, dir := capture(t, "clock")
	// Only the Ethiopic headline no site font can draw is left out.
	if want := int64(len([]rune(unlaid.Text["am"].Headline))); s.UnmappedGlyphs != want {
		t.Errorf("%d characters had no glyph, want %d (the Ethiopic headline's)", s.UnmappedGlyphs, want)
	}
	img := func(name string) *image.RGBA {
		t.Helper()
		if _, ok := frames[name]; !ok {
			t.Fatalf("no frame %s in the summary", name)
		}
		return loadRGBA(t, filepath.Join(dir, name))
	}
	whole := image.Rect(0, 0, 960, 540)
	slideArea := image.Rect(0, 0, 960, 486) // above the ticker
	dayImg := img("day.png")
	dayLum := meanLuminance(dayImg, slideArea)

	type want struct {
		alert, banner string
		off           bool
		level         float64
		lang          string
		// colour covering at least share of the screen (or, for a
		// banner, of its band), at the frame's brightness
		colour color.RGBA
		share  float64
	}
	tests := []struct {
		file string
		want want
	}{
		{"day.png", want{level: 1}},
		{"severe-vi.png", want{alert: "flood-2026-03#1", level: 1, lang: "vi", colour: severeOrange, share: 0.5}},
		{"severe-km.png", want{alert: "flood-2026-03#1", level: 1, lang: "km", colour: severeOrange, share: 0.5}},
		{"severe-en.png", want{alert: "flood-2026-03#1", level: 1, lang: "en", colour: severeOrange, share: 0.5}},
		{"severe-last.png", want{alert: "flood-2026-03#1", level: 1, colour: severeOrange, share: 0.5}},
		{"expired.png", want{level: 1}},
		{"banner-vi.png", want{banner: "road-n91#3", level: 1, lang: "vi", colour: moderateAmber, share: 0.5}},
		{"banner-km.png", want{banner: "road-n91#3", level: 1, lang: "km", colour: moderateAmber, share: 0.5}},
		{"banner-lo.png", want{banner: "road-n91#3", level: 1, lang: "lo", colour: moderateAmber, share: 0.5}},
		{"banner-zh.png", want{banner: "road-n91#3", level: 1, lang: "zh", colour: moderateAmber, share: 0.5}},
		{"banner-en.png", want{banner: "road-n91#3", level: 1, lang: "en", colour: moderateAmber, share: 0.5}},
		{"extreme.png", want{alert: "gate-closed#1", level: 1, lang: "lo", colour: extremeRed, share: 0.5}},
		{"cancelled.png", want{banner: "road-n91#3", level: 1, colour: moderateAmber, share: 0.5}},
		{"clear.png", want{level: 1}},
		{"dim.png", want{level: 0.4}},
		{"off-clock.png", want{off: true, level: 0.4}},
		{"night-alert.png", want{alert: "storm-night#1", level: 0.4, lang: "vi", colour: severeOrange, share: 0.5}},
		{"off-clock-later.png", want{off: true, level: 0.4}},
		{"unlaid.png", want{alert: "no-font#1", level: 0.4, colour: extremeRed, share: 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f := frames[tc.file]
			m := img(tc.file)
			w := tc.want
			if f.Alert != w.alert || f.Banner != w.banner || f.OffHours != w.off || f.Brightness != w.level {
				t.Errorf("alert %q banner %q off %v brightness %v; want %q %q %v %v", f.Alert, f.Banner, f.OffHours, f.Brightness, w.alert, w.banner, w.off, w.level)
			}
			if w.lang != "" && !hasLang(f.Regions, w.lang) {
				t.Errorf("no region in %s: %+v", w.lang, f.Regions)
			}
			area := whole
			if w.banner != "" && w.alert == "" {
				area = bannerBand(t, f.Regions)
			}
			if w.share > 0 {
				if got := colourShare(m, area, scaleColor(w.colour, w.level)); got < w.share {
					t.Errorf("%v covers %.0f%% of %v, want at least %.0f%%", w.colour, 100*got, area, 100*w.share)
				}
			} else {
				for _, c := range []color.RGBA{severeOrange, extremeRed, moderateAmber} {
					if got := colourShare(m, whole, scaleColor(c, w.level)); got > 0.02 {
						t.Errorf("alert colour %v still covers %.0f%% of the screen", c, 100*got)
					}
				}
			}
			if len(f.Regions) == 0 && !(w.off && w.alert == "") {
				t.Error("no regions")
			}
			for _, r := range f.Regions {
				if ink := regionInk(m, r.Rect); ink < 0.01 {
					t.Errorf("region %s (%s) at %v has no ink (%.2f%%)", r.Name, r.Lang, r.Rect, 100*ink)
				}
			}
			switch {
			case w.off && w.alert == "":
				// A dim clock: some light, far less than the day's.
				lum := meanLuminance(m, whole)
				if lum == 0 || lum > dayLum*0.15 {
					t.Errorf("off-hours mean luminance %.4f, want above 0 and at most 15%% of the day's %.4f", lum, dayLum)
				}
				if len(f.Regions) < 2 {
					t.Errorf("off-hours clock has regions %+v", f.Regions)
				}
			case w.alert == "" && w.banner == "":
				if f.Item != "border-map" {
					t.Errorf("item %q on screen, want the slide border-map", f.Item)
				}
				ratio := meanLuminance(m, slideArea) / dayLum
				if ratio < w.level-0.04 || ratio > w.level+0.04 {
					t.Errorf("mean luminance %.3f of the day's, want %.2f", ratio, w.level)
				}
			}
		})
	}
	if a, b := frames["off-clock.png"], frames["off-clock-later.png"]; len(a.Regions) > 0 && len(b.Regions) > 0 && a.Regions[0].Rect == b.Regions[0].Rect {
		t.Errorf("the off-hours clock did not move in 40 minutes: %v", a.Regions[0].Rect)
	}
}

// TestSlideLeavesAtItsWindowEnd: a slide whose item's window ends leaves
// the screen at that second, not at the end of its hour-long duration.
func TestSlideLeavesAtItsWindowEnd(t *testing.T) {
	_, frames, _ := capture(t, "window")
	for file, want := range map[string]string{"campaign.png": "welcome", "campaign-last.png": "welcome", "after-campaign.png": "border-map"} {
		if got := frames[file].Item; got != want {
			t.Errorf("%s shows %q, want %q", file, got, want)
		}
	}
}

func TestOffHoursBlack(t *testing.T) {
	_, frames, dir := capture(t, "black")
	f, ok := frames["off-black.png"]
	if !ok || !f.OffHours {
		t.Fatalf("frame off-black.png: %+v", f)
	}
	m := loadRGBA(t, filepath.Join(dir, "off-black.png"))
	if share := colourShare(m, m.Bounds(), color.RGBA{A: 0xff}); share != 1 {
		t.Errorf("black covers %.2f%% of the off-hours screen, want all", 100*share)
	}
	day := loadRGBA(t, filepath.Join(dir, "day.png"))
	if meanLuminance(day, day.Bounds()) < 0.05 {
		t.Error("the day's frame is dark")
	}
}

func hasLang(rs []Region, lang string) bool {
	for _, r := range rs {
		if r.Lang == lang {
			return true
		}
	}
	return false
}

// bannerBand is the band of the banner, from its region: the full width,
// a band as tall as the text's region with room above and below.
func bannerBand(t *testing.T, rs []Region) image.Rectangle {
	t.Helper()
	for _, r := range rs {
		if r.Name == "banner" {
			return image.Rect(0, 0, 960, int(r.Rect.Y+r.Rect.H))
		}
	}
	t.Fatalf("no banner region in %+v", rs)
	return image.Rectangle{}
}

func loadRGBA(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rgba, ok := m.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(m.Bounds())
		for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
			for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
				rgba.Set(x, y, m.At(x, y))
			}
		}
	}
	return rgba
}

// colourShare is the share of r's pixels within a few levels of c.
func colourShare(m *image.RGBA, r image.Rectangle, c color.RGBA) float64 {
	r = r.Intersect(m.Bounds())
	n, hit := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := m.RGBAAt(x, y)
			n++
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				hit++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

func near(a, b uint8) bool { return int(a)-int(b) <= 4 && int(b)-int(a) <= 4 }

// meanLuminance is the mean relative luminance (0 to 1) of r, in the
// frame's own (gamma-encoded) levels, which the dimming scales.
func meanLuminance(m *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(m.Bounds())
	sum, n := 0.0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := m.RGBAAt(x, y)
			sum += (0.2126*float64(p.R) + 0.7152*float64(p.G) + 0.0722*float64(p.B)) / 255
			n++
		}
	}
	return sum / float64(max(n, 1))
}

// regionInk is the share of the region's pixels that differ from its most
// common colour: text or picture drawn there.
func regionInk(m *image.RGBA, rr Rect) float64 {
	r := image.Rect(int(rr.X), int(rr.Y), int(rr.X+rr.W), int(rr.Y+rr.H)).Intersect(m.Bounds())
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[m.RGBAAt(x, y)]++
		}
	}
	top, total := 0, 0
	for _, c := range counts {
		total += c
		top = max(top, c)
	}
	if total == 0 {
		return 0
	}
	return 1 - float64(top)/float64(total)
}
