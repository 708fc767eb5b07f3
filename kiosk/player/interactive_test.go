package player

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/sound"
)

// The interactive tests run the real player as the drawing tests do (a
// process of its own under Xvfb, captured by steps on a manual clock), and
// drive it through the entries the input handler uses (inputPointer and
// inputKey), with touches given in output pixels as a window system would.

const interactiveEnv = "KIOSK_INTERACTIVE_SCENARIO"

const (
	portalURL = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
	vneidURL  = "https://vneid.gov.vn/"
)

// guideBundle writes the interactive tests' bundle to dir and loads it: a
// text slide for the attract loop, two guides for this site in Khmer,
// Vietnamese and English, one in Vietnamese only, and one for another
// commune.
func guideBundle(dir string) (*content.Bundle, error) { return guideBundleWith(dir, nil) }

// guideBundleWith is guideBundle changed by edit (which may also name
// files to leave out of dir while the manifest still lists them).
func guideBundleWith(dir string, edit func(m *content.Manifest) (absent []string)) (*content.Bundle, error) {
	return guideBundleFiles(dir, nil, edit)
}

// guideBundleFiles is guideBundleWith with extra files (bundle path:
// bytes) written to dir and listed.
func guideBundleFiles(dir string, extra map[string][]byte, edit func(m *content.Manifest) (absent []string)) (*content.Bundle, error) {
	files := map[string]string{ // bundle path: testdata file
		"images/phone.png":      "phone.png",
		"narration/1-km.wav":    "tone.wav",
		"narration/1-vi.wav":    "tone.wav",
		"narration/2-vi.wav":    "tone.wav",
		"images/phone-tile.png": "phone.png",
	}
	m := content.Manifest{Format: content.FormatVersion, ID: "lac-quoi-guides", Version: 3, Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Requires: []string{content.FeatureGuides, content.FeatureSchedule}}
	m.Items = []content.Item{
		{ID: "welcome", Kind: content.KindText, Text: map[string]content.Text{
			"vi": {Title: "Điểm hỗ trợ dịch vụ công", Body: "Chạm vào màn hình để xem hướng dẫn."},
			"km": {Title: "ចំណុចជំនួយសេវាសាធារណៈ", Body: "ប៉ះអេក្រង់ដើម្បីមើលការណែនាំ។"},
			"en": {Title: "Public service support point", Body: "Touch the screen to see the guides."},
		}},
		{ID: "vneid", Kind: content.KindGuide, Images: map[string]string{"*": "images/phone-tile.png"},
			Text: map[string]content.Text{
				"vi": {Title: "Cài đặt ứng dụng VNeID"},
				"km": {Title: "ដំឡើងកម្មវិធី VNeID"},
				"en": {Title: "Install the VNeID app"},
			},
			Guide: &content.Guide{Steps: []content.Step{
				{Picture: "images/phone.png", QR: vneidURL,
					Narration: map[string]string{"km": "narration/1-km.wav", "vi": "narration/1-vi.wav"},
					Text: map[string]content.Text{
						"vi": {Title: "Tải ứng dụng VNeID", Body: "Mở CH Play hoặc App Store, tìm «VNeID» của Bộ Công an và cài đặt. Ứng dụng miễn phí."},
						"km": {Title: "ទាញយកកម្មវិធី VNeID", Body: "បើក CH Play ឬ App Store ស្វែងរក «VNeID» ហើយដំឡើង។ កម្មវិធីនេះឥតគិតថ្លៃ។"},
						"en": {Title: "Download the VNeID app", Body: "Open CH Play or the App Store, search for “VNeID” from the Ministry of Public Security and install it. It is free."},
					}},
				{QR: portalURL, Narration: map[string]string{"vi": "narration/2-vi.wav"},
					Text: map[string]content.Text{
						"vi": {Title: "Đăng nhập Cổng Dịch vụ công", Body: "Quét mã QR để mở dichvucong.gov.vn và đăng nhập bằng VNeID."},
						"km": {Title: "ចូលគេហទំព័រសេវាសាធារណៈ", Body: "ស្កេនកូដ QR ដើម្បីបើក dichvucong.gov.vn ហើយចូលដោយ VNeID។"},
						"en": {Title: "Sign in to the public service portal", Body: "Scan the QR code to open dichvucong.gov.vn and sign in with VNeID."},
					}},
				{Text: map[string]content.Text{
					"vi": {Title: "Hoàn tất", Body: "Khi cần hỗ trợ, hãy hỏi cán bộ xã tại điểm hỗ trợ."},
					"km": {Title: "រួចរាល់", Body: "បើត្រូវការជំនួយ សូមសួរមន្ត្រីឃុំនៅចំណុចជំនួយ។"},
					"en": {Title: "All done", Body: "If you need help, ask the commune officer at the support point."},
				}},
			}}},
		{ID: "health-insurance", Kind: content.KindGuide,
			Text: map[string]content.Text{
				"vi": {Title: "Tra cứu thẻ bảo hiểm y tế"},
				"km": {Title: "ពិនិត្យប័ណ្ណធានារ៉ាប់រងសុខភាព"},
				"en": {Title: "Check your health insurance card"},
			},
			Guide: &content.Guide{Steps: []content.Step{{QR: "https://baohiemxahoi.gov.vn/", Text: map[string]content.Text{
				"vi": {Title: "Quét mã QR", Body: "Mở trang Bảo hiểm xã hội Việt Nam để tra cứu thẻ."},
				"km": {Title: "ស្កេនកូដ QR", Body: "បើកគេហទំព័រធានារ៉ាប់រងសង្គមវៀតណាម ដើម្បីពិនិត្យប័ណ្ណ។"},
				"en": {Title: "Scan the QR code", Body: "Open the Vietnam Social Security site to look up your card."},
			}}}}},
		{ID: "land-records", Kind: content.KindGuide,
			Text:  map[string]content.Text{"vi": {Title: "Tra cứu thông tin đất đai"}},
			Guide: &content.Guide{Steps: []content.Step{{Text: map[string]content.Text{"vi": {Title: "Hỏi cán bộ địa chính xã"}}}}}},
		{ID: "elsewhere", Kind: content.KindGuide, Targets: &content.Targets{Sites: []string{"an-giang-tinh-bien"}},
			Text:  map[string]content.Text{"vi": {Title: "Hướng dẫn của xã khác"}, "km": {Title: "ការណែនាំឃុំផ្សេង"}, "en": {Title: "Another commune's guide"}},
			Guide: &content.Guide{Steps: []content.Step{{Text: map[string]content.Text{"vi": {Title: "Không dành cho xã này"}, "km": {Title: "មិនមែនសម្រាប់ឃុំនេះ"}, "en": {Title: "Not for this commune"}}}}}},
	}
	for _, p := range slices.Sorted(mapKeys(files)) {
		data, err := os.ReadFile(filepath.Join("testdata", "guides", files[p]))
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			return nil, err
		}
		m.Files = append(m.Files, content.Describe(p, data))
	}
	for p, data := range extra {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			return nil, err
		}
		m.Files = append(m.Files, content.Describe(p, data))
	}
	if edit != nil {
		for _, p := range edit(&m) {
			if err := os.Remove(filepath.Join(dir, p)); err != nil {
				return nil, err
			}
		}
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		return nil, err
	}
	return content.LoadDir(dir)
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const interactiveConfig = `
site: {id: an-giang-lac-quoi, name: "Điểm hỗ trợ xã Lạc Quới"}
mode: interactive
languages: [km, vi, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
content: {demo: true}
interactive: {idle: 60s, countdown: 10s}
playback: {transition: 1s}
`

// fakeNarrator records what it is asked to play (the bundle path and the
// SHA-256 of the bytes); Playing is set by the scenario. It checks
// narration as the site's speaker does.
type fakeNarrator struct {
	mu      sync.Mutex
	played  []string
	playing bool
}

func (n *fakeNarrator) Play(name string, wav []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	sum := sha256.Sum256(wav)
	n.played = append(n.played, name+" "+hex.EncodeToString(sum[:]))
	return nil
}
func (n *fakeNarrator) Check(wav []byte) error {
	_, err := sound.CheckWAV(wav)
	return err
}
func (n *fakeNarrator) Stop() {}
func (n *fakeNarrator) Playing() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.playing
}
func (n *fakeNarrator) set(playing bool) {
	n.mu.Lock()
	n.playing = playing
	n.mu.Unlock()
}

// useLog is an Observer that keeps the uses it is told of.
type useLog struct {
	mu    sync.Mutex
	uses  []report.Use
	shown []string // items shown, each run of one once
}

func (u *useLog) Frame(time.Time) {}
func (u *useLog) Shown(_ time.Time, s report.Showing) {
	u.mu.Lock()
	if len(u.shown) == 0 || u.shown[len(u.shown)-1] != s.Item {
		u.shown = append(u.shown, s.Item)
	}
	u.mu.Unlock()
}
func (u *useLog) Used(x report.Use) {
	u.mu.Lock()
	u.uses = append(u.uses, x)
	u.mu.Unlock()
}

// driver sends a scenario's inputs to the player, as the input handler
// does, and publishes new versions of the bundle.
type driver struct {
	p   *Player
	src *swapSource
	dir string
}

// swapSource is a Source whose bundle the scenario replaces.
type swapSource struct {
	mu      sync.Mutex
	b       *content.Bundle
	changed chan struct{}
}

func (s *swapSource) Current() *content.Bundle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b
}

func (s *swapSource) Changed() <-chan struct{} { return s.changed }

// publish puts version v of the test bundle in place and waits until the
// player's loader has read it (it lays the ticker out again each time).
func (d *driver) publish(v int64) {
	b, err := guideBundleWith(filepath.Join(d.dir, fmt.Sprint("bundle-", v)), func(m *content.Manifest) []string {
		m.Version = v
		switch v {
		case 4:
			vneid := &m.Items[1]
			vneid.Guide.Steps[1].Text["vi"] = content.Text{Title: "Đăng nhập bằng VNeID", Body: "Quét mã QR, chọn «Đăng nhập» rồi chọn VNeID."}
			// New files for the first step, listed but lost on the way.
			vneid.Guide.Steps[0].Picture = "images/phone-v4.png"
			vneid.Guide.Steps[0].Narration["vi"] = "narration/1-vi-v4.wav"
			m.Files = append(m.Files,
				content.File{Path: "images/phone-v4.png", SHA256: strings.Repeat("ab", 32), Size: 2048},
				content.File{Path: "narration/1-vi-v4.wav", SHA256: strings.Repeat("cd", 32), Size: 8044})
		case 5:
			m.Items = slices.DeleteFunc(m.Items, func(it content.Item) bool { return it.ID == "vneid" })
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	d.src.mu.Lock()
	d.src.b = b
	d.src.mu.Unlock()
	d.src.changed <- struct{}{}
	for deadline := time.Now().Add(20 * time.Second); len(d.p.load.ticker) == 0; {
		if time.Now().After(deadline) {
			panic("the loader did not read the new bundle")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tap touches the centre of the target name as the screen shows it, in
// output pixels (as the log gives them).
func (d *driver) tap(name string) {
	for _, t := range parseTargets(d.p.outputTargets(d.p.ia.shown.targets)) {
		if t.name == name {
			d.p.inputPointer(t.r.X+t.r.W/2, t.r.Y+t.r.H/2, time.Now())
			return
		}
	}
	panic(fmt.Sprintf("no target %q on screen %s", name, d.p.ia.screen))
}

func (d *driver) touch(x, y float64) { d.p.inputPointer(x, y, time.Now()) }
func (d *driver) key(k ebiten.Key)   { d.p.inputKey(k, time.Now()) }

// parseTargets reads the targets attribute of an "interactive screen" log
// record.
func parseTargets(s string) []target {
	var out []target
	for _, part := range strings.Split(s, ";") {
		name, nums, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		// A name may hold a colon (lang:km); the numbers follow the last.
		if i := strings.LastIndex(part, ":"); i >= 0 {
			name, nums = part[:i], part[i+1:]
		}
		f := strings.Split(nums, ",")
		if len(f) != 4 {
			continue
		}
		var v [4]float64
		for i := range f {
			v[i], _ = strconv.ParseFloat(f[i], 64)
		}
		out = append(out, target{name: name, r: Rect{X: v[0], Y: v[1], W: v[2], H: v[3]}})
	}
	return out
}

// interactiveScenarios are the runs of the interactive tests.
var interactiveScenarios = map[string]struct {
	config string
	steps  func(d *driver, n *fakeNarrator) []CaptureStep
	edit   func(m *content.Manifest) []string // of the test bundle
	extra  map[string][]byte                  // files added to the test bundle
}{
	"narration": {
		config: "display: {resolution: 1280x720}\n",
		// The Khmer narration of the first step is an Ogg stream named
		// .wav: listed with its right hash, not a WAV file.
		extra: map[string][]byte{"narration/1-km-ogg.wav": append([]byte("OggS\x00\x02"), make([]byte, 200)...)},
		edit: func(m *content.Manifest) []string {
			m.Items[1].Guide.Steps[0].Narration["km"] = "narration/1-km-ogg.wav"
			return nil
		},
		steps: func(d *driver, n *fakeNarrator) []CaptureStep {
			t := at("10:00:00")
			s := func(ms int) time.Time { return t.Add(time.Duration(ms) * time.Millisecond) }
			return []CaptureStep{
				{At: s(1000), File: "home.png", Before: func() { d.key(ebiten.KeyEnter) }},
				{At: s(2000), File: "menu-km.png", Before: func() { d.tap("lang:km") }},
				{At: s(3000), File: "step1-km.png", Before: func() { d.tap("guide:vneid") }},
				{At: s(4000), File: "step2-km.png", Before: func() { d.key(ebiten.KeyPageDown) }},
				{At: s(5000), File: "step1-km-again.png", Before: func() { d.key(ebiten.KeyPageUp) }},
				{At: s(6000), File: "home-key.png", Before: func() { d.key(ebiten.KeyHome) }},
				{At: s(7000), File: "menu-vi.png", Before: func() { d.tap("lang:vi") }},
				{At: s(8000), File: "step1-vi.png", Before: func() { d.tap("guide:vneid") }},
				// Replay tapped three times at once, again 400 ms later,
				// then a second and a half after: two starts.
				{At: s(9000), File: "replayed.png", Before: func() { d.tap("replay"); d.tap("replay"); d.tap("replay") }},
				{At: s(9400), File: "replayed-fast.png", Before: func() { d.tap("replay") }},
				{At: s(10500), File: "replayed-again.png", Before: func() { d.tap("replay") }},
			}
		},
	},
	"pages": {
		config: "display: {resolution: 1920x1080}\n",
		edit:   manyGuides,
		steps: func(d *driver, n *fakeNarrator) []CaptureStep {
			t := at("10:00:00")
			s := func(sec int) time.Time { return t.Add(time.Duration(sec) * time.Second) }
			return []CaptureStep{
				{At: s(1), File: "home.png", Before: func() { d.key(ebiten.KeyEnter) }},
				{At: s(2), File: "menu-p1.png", Before: func() { d.tap("lang:vi") }},
				{At: s(3), File: "menu-p2.png", Before: func() { d.key(ebiten.KeyPageDown) }},
				{At: s(4), File: "step.png", Before: func() { d.key(ebiten.KeyEnter) }},
				{At: s(5), File: "menu-back.png", Before: func() { d.key(ebiten.KeyEscape) }},
			}
		},
	},
	"republished": {
		config: "display: {resolution: 1280x720}\n",
		steps: func(d *driver, n *fakeNarrator) []CaptureStep {
			t := at("10:00:00")
			s := func(sec int) time.Time { return t.Add(time.Duration(sec) * time.Second) }
			return []CaptureStep{
				{At: s(0), File: "attract.png"},
				{At: s(1), File: "home.png", Before: func() { d.key(ebiten.KeyEnter) }},
				{At: s(2), File: "menu-vi.png", Before: func() { d.tap("lang:vi") }},
				{At: s(3), File: "step1.png", Before: func() { d.tap("guide:vneid") }},
				{At: s(4), File: "step2.png", Before: func() { d.key(ebiten.KeyPageDown) }},
				// Version 4: the guide is still there, its second step
				// reworded, the first step's picture and narration lost.
				{At: s(5), File: "step2-v4.png", Before: func() { d.publish(4) }},
				{At: s(6), File: "step1-v4.png", Before: func() { d.key(ebiten.KeyPageUp) }},
				// Version 5: the guide is gone.
				{At: s(7), File: "gone.png", Before: func() { d.publish(5) }},
			}
		},
	},
	"guide": {
		config: "display: {resolution: 1920x1080}\n",
		steps: func(d *driver, n *fakeNarrator) []CaptureStep {
			t := at("10:00:00")
			s := func(sec int) time.Time { return t.Add(time.Duration(sec) * time.Second) }
			return []CaptureStep{
				{At: s(0), File: "attract.png"},
				{At: s(1), File: "home.png", Before: func() { d.touch(500, 500) }},
				{At: s(2), File: "menu-km.png", Before: func() { d.tap("lang:km") }},
				// Enter on the first guide, focused as the menu opens.
				{At: s(3), File: "step1-km.png", Before: func() { d.key(ebiten.KeyEnter) }},
				{At: s(4), File: "step2-km.png", Before: func() { d.key(ebiten.KeyPageDown) }},
				{At: s(5), File: "step1-again.png", Before: func() { d.tap("prev") }},
				{At: s(6), File: "focus-moved.png", Before: func() { d.key(ebiten.KeyArrowLeft) }},
				{At: s(7), File: "menu-again.png", Before: func() { d.key(ebiten.KeyEscape) }},
				{At: s(8), File: "step1-reopened.png", Before: func() { d.key(ebiten.KeyEnter) }},
				// Narration plays for two minutes: no countdown.
				{At: s(9), File: "narrating.png", Before: func() { n.set(true) }},
				{At: s(130), File: "narrated.png"},
				{At: s(131), File: "quiet.png", Before: func() { n.set(false) }},
				{At: s(189), File: "before-idle.png"},
				{At: s(192), File: "countdown.png"},
				{At: s(193), File: "cancelled.png", Before: func() { d.touch(10, 10) }},
				{At: s(254), File: "countdown-again.png"},
				{At: s(264), File: "attract-again.png"},
				// English, to the end of the guide.
				{At: s(270), File: "home-again.png", Before: func() { d.key(ebiten.KeySpace) }},
				{At: s(271), File: "menu-en.png", Before: func() { d.tap("lang:en") }},
				{At: s(272), File: "step1-en.png", Before: func() { d.tap("guide:vneid") }},
				{At: s(273), File: "step3-en.png", Before: func() { d.tap("next"); d.key(ebiten.KeyPageDown) }},
				{At: s(274), File: "done.png", Before: func() { d.tap("done") }},
				{At: s(275), File: "home-key.png", Before: func() { d.key(ebiten.KeyHome) }},
				{At: s(276), File: "back-to-attract.png", Before: func() { d.tap("back") }},
			}
		},
	},
	"rotated": {
		config: "display: {resolution: 1280x720, rotation: 90}\n",
		steps: func(d *driver, n *fakeNarrator) []CaptureStep {
			t := at("10:00:00")
			return []CaptureStep{
				{At: t, File: "attract.png"},
				{At: t.Add(time.Second), File: "home.png", Before: func() { d.key(ebiten.KeyA) }},
				{At: t.Add(2 * time.Second), File: "menu-vi.png", Before: func() { d.tap("lang:vi") }},
				{At: t.Add(3 * time.Second), File: "step1-vi.png", Before: func() { d.tap("guide:vneid") }},
			}
		},
	},
}

// interactiveRun is what a scenario's process leaves for the test.
type interactiveRun struct {
	Uses   []report.Use `json:"uses"`
	Played []string     `json:"played"`
	Shown  []string     `json:"shown"`
}

// runInteractive plays an interactive scenario in this process and writes
// its frames, summary.json, log.json and run.json to dir.
func runInteractive(name, dir string) error {
	sc, ok := interactiveScenarios[name]
	if !ok {
		return fmt.Errorf("no interactive scenario %q", name)
	}
	cfg, err := siteconfig.Parse([]byte(interactiveConfig+sc.config), name+".yaml")
	if err != nil {
		return err
	}
	b, err := guideBundleFiles(filepath.Join(dir, "bundle"), sc.extra, sc.edit)
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "log.json"))
	if err != nil {
		return err
	}
	defer logf.Close()
	log := slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	narrator, uses := &fakeNarrator{}, &useLog{}
	d := &driver{src: &swapSource{b: b, changed: make(chan struct{}, 1)}, dir: dir}
	p, err := New(Options{Config: cfg, Source: d.src, Fonts: fonts.NewLoader(log, filepath.Join(dir, "fonts")), Log: log,
		Clock: fixedClock(at("09:59:00")), Observer: uses, Narrator: narrator,
		Capture: &CaptureOptions{Dir: dir, Steps: sc.steps(d, narrator)}})
	if err != nil {
		return err
	}
	d.p = p
	if err := p.Run(context.Background()); err != nil {
		return err
	}
	raw, err := json.Marshal(interactiveRun{Uses: uses.uses, Played: narrator.played, Shown: uses.shown})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "run.json"), raw, 0o644)
}

// interactiveCapture runs a scenario in a process of its own.
type interactiveResult struct {
	dir     string
	summary CaptureSummary
	frames  map[string]CapturedFrame
	run     interactiveRun
	logs    []map[string]any
}

func captureInteractive(t *testing.T, name string) interactiveResult {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The player's temporary folder: empty before, and it must be after
	// (narration plays from memory; nothing of it is written anywhere).
	tmp := t.TempDir()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), interactiveEnv+"="+name, "KIOSK_PLAYER_DIR="+dir, "XDG_CACHE_HOME="+t.TempDir(), "TMPDIR="+tmp)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("scenario %s: %v\n%s", name, err, out.String())
	}
	if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("the player left %v in its temporary folder (%v)", names, err)
	}
	if keep := os.Getenv("KIOSK_FRAMES_DIR"); keep != "" {
		_ = os.CopyFS(filepath.Join(keep, "interactive-"+name), os.DirFS(dir))
	}
	r := interactiveResult{dir: dir, frames: map[string]CapturedFrame{}}
	readJSON(t, filepath.Join(dir, "summary.json"), &r.summary)
	readJSON(t, filepath.Join(dir, "run.json"), &r.run)
	for _, f := range r.summary.Frames {
		r.frames[f.File] = f
	}
	lf, err := os.Open(filepath.Join(dir, "log.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	sc := bufio.NewScanner(lf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		r.logs = append(r.logs, rec)
	}
	return r
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// frame returns a captured frame's summary and image.
func (r interactiveResult) frame(t *testing.T, file string) (CapturedFrame, *image.RGBA) {
	t.Helper()
	f, ok := r.frames[file]
	if !ok {
		t.Fatalf("no frame %s", file)
	}
	return f, loadRGBA(t, filepath.Join(r.dir, file))
}

// screens are the "interactive screen" log records, in order.
func (r interactiveResult) screens() []map[string]any {
	var out []map[string]any
	for _, rec := range r.logs {
		if rec["msg"] == "interactive screen" {
			out = append(out, rec)
		}
	}
	return out
}

func region(f CapturedFrame, name string) (Region, bool) {
	for _, r := range f.Regions {
		if r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// decodeQR reads the QR code in rect of m.
func decodeQR(t *testing.T, m *image.RGBA, rect Rect) string {
	t.Helper()
	sub := m.SubImage(image.Rect(int(rect.X), int(rect.Y), int(rect.X+rect.W), int(rect.Y+rect.H)))
	bmp, err := gozxing.NewBinaryBitmapFromImage(sub)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		res, err = gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	}
	if err != nil {
		t.Fatalf("QR code at %v does not decode: %v", rect, err)
	}
	return res.GetText()
}

func TestInteractiveGuide(t *testing.T) {
	r := captureInteractive(t, "guide")
	if r.summary.UnmappedGlyphs != 0 {
		t.Errorf("%d characters had no glyph", r.summary.UnmappedGlyphs)
	}
	wantScreen := map[string]string{
		"attract.png": "welcome", "home.png": "interactive:home", "menu-km.png": "interactive:menu",
		"step1-km.png": "interactive:step", "step2-km.png": "interactive:step", "step1-again.png": "interactive:step",
		"focus-moved.png": "interactive:step", "menu-again.png": "interactive:menu", "step1-reopened.png": "interactive:step",
		"narrating.png": "interactive:step", "narrated.png": "interactive:step", "quiet.png": "interactive:step",
		"before-idle.png": "interactive:step", "countdown.png": "interactive:countdown", "cancelled.png": "interactive:step",
		"countdown-again.png": "interactive:countdown", "attract-again.png": "welcome",
		"home-again.png": "interactive:home", "menu-en.png": "interactive:menu", "step1-en.png": "interactive:step",
		"step3-en.png": "interactive:step", "done.png": "interactive:menu", "home-key.png": "interactive:home",
		"back-to-attract.png": "welcome",
	}
	for file, want := range wantScreen {
		if got := r.frames[file].Item; got != want {
			t.Errorf("%s shows %q, want %q", file, got, want)
		}
	}

	t.Run("home names the languages in their own scripts", func(t *testing.T) {
		f, m := r.frame(t, "home.png")
		for _, name := range []string{"lang:km", "lang:vi", "lang:en", "target:back", "target:home", "heading"} {
			reg, ok := region(f, name)
			if !ok {
				t.Errorf("no region %s: %+v", name, f.Regions)
				continue
			}
			if ink := regionInk(m, reg.Rect); ink < 0.02 {
				t.Errorf("%s at %v has no ink (%.2f%%)", name, reg.Rect, 100*ink)
			}
		}
	})
	t.Run("the menu lists the guides for this site in Khmer", func(t *testing.T) {
		f, m := r.frame(t, "menu-km.png")
		var tiles []string
		for _, reg := range f.Regions {
			if strings.HasPrefix(reg.Name, "target:guide:") {
				tiles = append(tiles, strings.TrimPrefix(reg.Name, "target:guide:"))
			}
		}
		if want := []string{"vneid", "health-insurance"}; !slices.Equal(tiles, want) {
			t.Errorf("tiles %v, want %v (land-records has no Khmer, elsewhere is for another site)", tiles, want)
		}
		for _, name := range []string{"guide:vneid", "tile:vneid", "guide:health-insurance"} {
			reg, ok := region(f, name)
			if !ok {
				t.Errorf("no region %s", name)
				continue
			}
			if ink := regionInk(m, reg.Rect); ink < 0.02 {
				t.Errorf("%s has no ink", name)
			}
		}
	})
	t.Run("a Khmer step shows its text, picture and QR code", func(t *testing.T) {
		f, m := r.frame(t, "step1-km.png")
		for _, name := range []string{"title", "body", "picture", "qr", "step-of", "target:next", "target:replay", "target:back", "target:home"} {
			reg, ok := region(f, name)
			if !ok {
				t.Errorf("no region %s: %+v", name, f.Regions)
				continue
			}
			if ink := regionInk(m, reg.Rect); ink < 0.02 {
				t.Errorf("%s at %v has no ink (%.2f%%)", name, reg.Rect, 100*ink)
			}
			if reg.Lang != "" && reg.Lang != "km" {
				t.Errorf("%s in %s, want km", name, reg.Lang)
			}
		}
		if _, ok := region(f, "target:prev"); ok {
			t.Error("the first step offers Previous")
		}
		qr, _ := region(f, "qr")
		if got := decodeQR(t, m, qr.Rect); got != vneidURL {
			t.Errorf("QR code reads %q, want %q", got, vneidURL)
		}
		f2, m2 := r.frame(t, "step2-km.png")
		qr2, ok := region(f2, "qr")
		if !ok {
			t.Fatal("no QR code on step 2")
		}
		if got := decodeQR(t, m2, qr2.Rect); got != portalURL {
			t.Errorf("QR code of step 2 reads %q, want %q", got, portalURL)
		}
		if _, ok := region(f2, "target:replay"); ok {
			t.Error("step 2 has no Khmer narration but offers Replay")
		}
	})
	t.Run("the focus ring moves with the arrow keys", func(t *testing.T) {
		_, before := r.frame(t, "step1-again.png")
		f, after := r.frame(t, "focus-moved.png")
		next, _ := region(f, "target:next")
		replay, _ := region(f, "target:replay")
		ring := func(m *image.RGBA, reg Region) float64 { // the band just outside the target
			return colourShare(m, image.Rect(int(reg.Rect.X), int(reg.Rect.Y-9), int(reg.Rect.X+reg.Rect.W), int(reg.Rect.Y-5)), accentOf(t))
		}
		if ring(before, next) < 0.5 || ring(after, next) > 0.05 || ring(after, replay) < 0.5 {
			t.Errorf("focus ring: around Next before %.2f, after %.2f; around Replay after %.2f",
				ring(before, next), ring(after, next), ring(after, replay))
		}
	})
	t.Run("idle time is paused while narration plays; the countdown returns to the loop", func(t *testing.T) {
		f, m := r.frame(t, "countdown.png")
		if len(f.Langs) != 1 || f.Langs[0] != "km" {
			t.Errorf("countdown in %v", f.Langs)
		}
		// The box in the middle: the digits and both messages.
		box := image.Rect(760, 300, 1160, 780)
		if ink := regionInk(m, Rect{X: 760, Y: 300, W: 400, H: 480}); ink < 0.05 {
			t.Errorf("countdown box %v has little ink (%.2f%%)", box, 100*ink)
		}
		_, cancelled := r.frame(t, "cancelled.png")
		_, quiet := r.frame(t, "quiet.png")
		if d := diffShare(cancelled, quiet); d > 0.001 {
			t.Errorf("after the countdown was cancelled the step differs from before in %.2f%% of its pixels", 100*d)
		}
	})
	t.Run("proof of use", func(t *testing.T) {
		var got []string
		for _, u := range r.run.Uses {
			got = append(got, fmt.Sprintf("%s %s %s %d", u.Event, u.Guide, u.Lang, u.Step))
			if u.Bundle != "lac-quoi-guides@3" && u.Event != report.UseLanguage {
				t.Errorf("use %+v: bundle %q", u, u.Bundle)
			}
		}
		want := []string{
			"language  km 0", "opened vneid km 0", "step vneid km 1", "narration vneid km 1", "step vneid km 2",
			"step vneid km 1", "narration vneid km 1", "left vneid km 0",
			"opened vneid km 0", "step vneid km 1", "narration vneid km 1", "idle vneid km 0",
			"language  en 0", "opened vneid en 0", "step vneid en 1", "step vneid en 2", "step vneid en 3", "finished vneid en 0",
		}
		if !slices.Equal(got, want) {
			t.Errorf("uses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Narration in Khmer, the bundle's bytes.
		km := "narration/1-km.wav " + fileSHA(t, filepath.Join("testdata", "guides", "tone.wav"))
		if want := []string{km, km, km}; !slices.Equal(r.run.Played, want) {
			t.Errorf("played %v, want step 1's Khmer narration (%s) three times", r.run.Played, km)
		}
		// Proof of play: the slide stops being counted while a resident
		// uses the screen, and starts again after.
		if want := []string{"welcome", InteractiveItem, "welcome", InteractiveItem, "welcome"}; !slices.Equal(r.run.Shown, want) {
			t.Errorf("shown %v, want %v", r.run.Shown, want)
		}
	})
	t.Run("log records for end-to-end tests", func(t *testing.T) {
		var seq []string
		for _, rec := range r.screens() {
			seq = append(seq, fmt.Sprint(rec["screen"]))
			targets := parseTargets(fmt.Sprint(rec["targets"]))
			if len(targets) == 0 {
				t.Errorf("screen %v logged without targets: %v", rec["screen"], rec["targets"])
			}
			for _, tg := range targets {
				if tg.r.X < 0 || tg.r.Y < 0 || tg.r.X+tg.r.W > 1920 || tg.r.Y+tg.r.H > 1080 {
					t.Errorf("target %s at %v is off the screen", tg.name, tg.r)
				}
			}
		}
		want := []string{"attract", "home", "menu", "step", "step", "step", "menu", "step", "countdown", "step", "countdown", "attract",
			"home", "menu", "step", "step", "menu", "home", "attract"}
		if !slices.Equal(seq, want) {
			t.Errorf("screens logged %v, want %v", seq, want)
		}
		inputs := 0
		for _, rec := range r.logs {
			if rec["msg"] == "input frame" {
				inputs++
				if _, ok := rec["latency_ms"].(float64); !ok {
					t.Errorf("input frame without latency_ms: %v", rec)
				}
				if at, _ := rec["at_unix_ms"].(float64); at < 1e12 {
					t.Errorf("input frame at_unix_ms %v", rec["at_unix_ms"])
				}
			}
		}
		if inputs < 15 {
			t.Errorf("%d input frames logged, want one per input that changed the screen", inputs)
		}
	})
}

// TestInteractiveRotated: on a screen turned a quarter, targets are logged
// in the output's pixels, and a touch there reaches them.
func TestInteractiveRotated(t *testing.T) {
	r := captureInteractive(t, "rotated")
	if r.summary.Output != [2]int{720, 1280} {
		t.Fatalf("output %v, want 720x1280", r.summary.Output)
	}
	for file, want := range map[string]string{"home.png": "interactive:home", "menu-vi.png": "interactive:menu", "step1-vi.png": "interactive:step"} {
		if got := r.frames[file].Item; got != want {
			t.Errorf("%s shows %q, want %q", file, got, want)
		}
	}
	if f := r.frames["menu-vi.png"]; len(f.Langs) != 1 || f.Langs[0] != "vi" {
		t.Errorf("menu in %v, want vi", f.Langs)
	}
	// The Vietnamese tile as logged (output pixels) has the name's ink.
	var home []target
	for _, rec := range r.screens() {
		if rec["screen"] == "home" {
			home = parseTargets(fmt.Sprint(rec["targets"]))
		}
	}
	_, m := r.frame(t, "home.png")
	found := false
	for _, tg := range home {
		if tg.name == "lang:vi" {
			found = true
			if tg.r.H <= tg.r.W {
				t.Errorf("a landscape tile turned a quarter is %vx%v in the output", tg.r.W, tg.r.H)
			}
			if ink := regionInk(m, tg.r); ink < 0.02 {
				t.Errorf("lang:vi at %v in the output has no ink", tg.r)
			}
		}
	}
	if !found {
		t.Fatalf("no lang:vi in the home screen's log: %v", home)
	}
	f, m2 := r.frame(t, "step1-vi.png")
	qr, ok := region(f, "qr")
	if !ok {
		t.Fatal("no QR code")
	}
	// The frame is the output; the region logical: turn it.
	out := Rect{X: 720 - qr.Rect.Y - qr.Rect.H, Y: qr.Rect.X, W: qr.Rect.H, H: qr.Rect.W}
	if got := decodeQR(t, m2, out); got != vneidURL {
		t.Errorf("QR code reads %q", got)
	}
}

func accentOf(t *testing.T) color.RGBA {
	t.Helper()
	cfg, err := siteconfig.Parse([]byte(interactiveConfig+"display: {resolution: 1920x1080}\n"), "accent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return color.RGBA(cfg.Display.Accent)
}

// diffShare is the share of pixels that differ between two frames.
func diffShare(a, b *image.RGBA) float64 {
	if a.Bounds() != b.Bounds() {
		return 1
	}
	n := 0
	for i := 0; i+3 < len(a.Pix); i += 4 {
		if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
			n++
		}
	}
	return float64(n) / float64(len(a.Pix)/4)
}

// TestInteractiveLayout lays every screen of the test bundle out at the
// sizes support points use, and checks what the issue of readability asks:
// text at least 32 px at 1080 lines (scaled with the shorter side, never
// smaller), touch targets at least the site's 15 mm and 110 px at 1080
// lines, Back and Home in the same place on every screen, nothing off the
// screen or overlapping, no text cut and no character without a glyph.
func TestInteractiveLayout(t *testing.T) {
	b, err := guideBundle(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	loader := fonts.NewLoader(log, t.TempDir())
	tests := []struct {
		name, display string
	}{
		{"1080p TV", "display: {resolution: 1920x1080, diagonal_inches: 55}\n"},
		{"portrait kiosk", "display: {resolution: 1080x1920, diagonal_inches: 32}\n"},
		{"720p TV", "display: {resolution: 1280x720}\n"},
		{"laptop", "display: {resolution: 1366x768, diagonal_inches: 15.6}\n"},
		{"4K TV", "display: {resolution: 3840x2160, diagonal_inches: 65}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logBuf.Reset()
			cfg, err := siteconfig.Parse([]byte(interactiveConfig+tc.display), "layout.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var unmapped atomic.Int64
			newType := func(c *fonts.Chain) *typesetter {
				return &typesetter{log: log, chain: c, sources: &sourceCache{}, measure: newMeasurer(), unmapped: &unmapped}
			}
			w := newGuideWorker(log, staticBundle{b}, loader, newType)
			short := float64(min(cfg.Display.Resolution.W, cfg.Display.Resolution.H))
			minText := max(32, 32*short/1080)
			minTarget := max(cfg.Display.TouchTarget(), 110*short/1080)
			screen := Rect{W: float64(cfg.Display.Resolution.W), H: float64(cfg.Display.Resolution.H)}
			var bars []target
			reqs := []screenReq{{kind: scrHome}}
			for _, lang := range cfg.Languages {
				reqs = append(reqs, screenReq{kind: scrMenu, lang: lang})
				for step := range 3 {
					reqs = append(reqs, screenReq{kind: scrStep, lang: lang, guide: "vneid", step: step, voice: true})
				}
			}
			for _, r := range reqs {
				r.cfg, r.now = cfg, at("10:00:00")
				s := w.prepare(r)
				where := fmt.Sprintf("%s %s %s#%d", r.kind, r.lang, r.guide, r.step)
				if s.gone || len(s.targets) == 0 {
					t.Fatalf("%s: no screen: %+v", where, s)
				}
				for i, tg := range s.targets {
					if tg.r.W < minTarget || tg.r.H < minTarget {
						t.Errorf("%s: target %s is %vx%v, want at least %v each side", where, tg.name, tg.r.W, tg.r.H, minTarget)
					}
					if tg.r.X < 0 || tg.r.Y < 0 || tg.r.X+tg.r.W > screen.W || tg.r.Y+tg.r.H > screen.H {
						t.Errorf("%s: target %s at %v is off the screen", where, tg.name, tg.r)
					}
					for _, o := range s.targets[i+1:] {
						if overlap(tg.r, o.r) {
							t.Errorf("%s: targets %s and %s overlap", where, tg.name, o.name)
						}
					}
				}
				for _, reg := range s.regions {
					if reg.Size > 0 && reg.Size < minText-0.5 {
						t.Errorf("%s: %s set at %.0f px, want at least %.0f", where, reg.Name, reg.Size, minText)
					}
				}
				back, _ := s.target("back")
				home, _ := s.target("home")
				if bars == nil {
					bars = []target{back, home}
				} else if back.r != bars[0].r || home.r != bars[1].r {
					t.Errorf("%s: Back at %v and Home at %v, elsewhere at %v and %v", where, back.r, home.r, bars[0].r, bars[1].r)
				}
				if r.kind == scrStep {
					for _, name := range []string{"title", "body", "step-of"} {
						if _, ok := region(CapturedFrame{Regions: s.regions}, name); !ok {
							t.Errorf("%s: no %s", where, name)
						}
					}
				}
			}
			if n := unmapped.Load(); n != 0 {
				t.Errorf("%d characters without a glyph", n)
			}
			if strings.Contains(logBuf.String(), "does not fit") {
				t.Errorf("text cut:\n%s", logBuf.String())
			}
		})
	}
}

func overlap(a, b Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// TestSlideshowLeavesGuidesOut: a guide is never a slide, at any site.
func TestSlideshowLeavesGuidesOut(t *testing.T) {
	b, err := guideBundle(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{siteconfig.ModeSignage, siteconfig.ModeInteractive} {
		cfg, err := siteconfig.Parse([]byte(strings.Replace(interactiveConfig, "mode: interactive", "mode: "+mode, 1)+"display: {resolution: 1920x1080}\n"), "slides.yaml")
		if err != nil {
			t.Fatal(err)
		}
		site, err := schedule.NewSite(cfg)
		if err != nil {
			t.Fatal(err)
		}
		shares, _, _ := schedule.NewSequencer(b.Manifest.Slideshow(), site, cfg.Languages, time.Second).Loop(at("10:00:00"))
		var ids []string
		for _, s := range shares {
			ids = append(ids, s.Item.ID)
		}
		if !slices.Equal(ids, []string{"welcome"}) {
			t.Errorf("%s site plays %v, want only the text slide", mode, ids)
		}
	}
	if len(b.Manifest.Items) != 5 {
		t.Errorf("Slideshow changed the bundle's own manifest: %d items", len(b.Manifest.Items))
	}
}

// TestInteractiveRepublished: a bundle published while a resident is in a
// guide keeps the guide going when it is still there (laid out again from
// the new version, without a missing picture or narration file), and
// returns Home when it is gone.
func TestInteractiveRepublished(t *testing.T) {
	r := captureInteractive(t, "republished")
	for file, want := range map[string]string{"step2.png": "interactive:step", "step2-v4.png": "interactive:step",
		"step1-v4.png": "interactive:step", "gone.png": "interactive:home"} {
		if got := r.frames[file].Item; got != want {
			t.Errorf("%s shows %q, want %q", file, got, want)
		}
	}
	var steps []string
	for _, rec := range r.screens() {
		if rec["screen"] == "step" {
			steps = append(steps, fmt.Sprintf("%v#%v", rec["guide"], rec["step"]))
		}
	}
	if want := []string{"vneid#1", "vneid#2", "vneid#2", "vneid#1"}; !slices.Equal(steps, want) {
		t.Errorf("steps logged %v, want %v", steps, want)
	}
	_, before := r.frame(t, "step2.png")
	_, after := r.frame(t, "step2-v4.png")
	if diffShare(before, after) < 0.001 {
		t.Error("the reworded step looks the same after the new version")
	}
	f, m := r.frame(t, "step1-v4.png")
	if _, ok := region(f, "picture"); ok {
		t.Error("a picture shows whose file is missing")
	}
	if _, ok := region(f, "target:replay"); ok {
		t.Error("Replay shows for a missing narration file")
	}
	for _, name := range []string{"title", "body", "qr"} {
		reg, ok := region(f, name)
		if !ok || regionInk(m, reg.Rect) < 0.02 {
			t.Errorf("step 1 of version 4 lacks %s", name)
		}
	}
	warned := 0
	for _, rec := range r.logs {
		if rec["msg"] == "picture left out of a guide screen" {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("the missing picture was logged %d times, want once", warned)
	}
	var events []string
	for _, u := range r.run.Uses {
		events = append(events, fmt.Sprintf("%s %d %s", u.Event, u.Step, u.Bundle))
	}
	want := []string{"language 0 lac-quoi-guides@3", "opened 0 lac-quoi-guides@3", "step 1 lac-quoi-guides@3", "narration 1 lac-quoi-guides@3",
		"step 2 lac-quoi-guides@3", "narration 2 lac-quoi-guides@3", "step 1 lac-quoi-guides@4"}
	if !slices.Equal(events, want) {
		t.Errorf("uses %v, want %v", events, want)
	}
}

// TestPanelKeepsContrast: tiles and buttons keep the text on them at the
// contrast the site's colours give, up to 7:1.
func TestPanelKeepsContrast(t *testing.T) {
	tests := []struct {
		name, colours string
		lighter       bool // the panel can be told from the background
	}{
		{"default navy", "", true},
		{"support point green", "background: \"#1b4332\"\nforeground: \"#ffffff\"\naccent: \"#ffd166\"\n", true},
		{"just 7:1", "background: \"#595959\"\nforeground: \"#ffffff\"\naccent: \"#000000\"\n", false},
		{"dark on light", "background: \"#f5f5f5\"\nforeground: \"#1a1a1a\"\naccent: \"#0b2545\"\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := siteconfig.Parse([]byte(interactiveConfig+"display:\n  resolution: 1920x1080\n"+indent(tc.colours)), "colours.yaml")
			if err != nil {
				t.Fatal(err)
			}
			c := newUIColours(cfg)
			want := math.Min(7, siteconfig.Contrast(siteconfig.Color(c.fg), siteconfig.Color(c.bg)))
			if got := siteconfig.Contrast(siteconfig.Color(c.fg), siteconfig.Color(c.panel)); got < want {
				t.Errorf("text on a tile at %.2f:1, want at least %.2f:1", got, want)
			}
			if lighter := c.panel != c.bg; lighter != tc.lighter {
				t.Errorf("panel %v on background %v: told apart %v, want %v", c.panel, c.bg, lighter, tc.lighter)
			}
		})
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l != "" {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// manyGuides adds fourteen guides to the test bundle.
func manyGuides(m *content.Manifest) []string {
	for i := range 14 {
		g := m.Items[2] // health-insurance, with a QR step
		g.ID = fmt.Sprintf("service-%02d", i+1)
		g.Text = map[string]content.Text{"km": {Title: fmt.Sprintf("សេវា %d", i+1)}, "vi": {Title: fmt.Sprintf("Dịch vụ %d", i+1)}}
		m.Items = append(m.Items, g)
	}
	return nil
}

// TestMenuPages: a bundle with more guides than large tiles fit shows them
// on pages, each guide once, turned by buttons as large as the others.
func TestMenuPages(t *testing.T) {
	b, err := guideBundleWith(t.TempDir(), manyGuides)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	loader := fonts.NewLoader(log, t.TempDir())
	for _, res := range []string{"1920x1080", "1080x1920", "1280x720"} {
		t.Run(res, func(t *testing.T) {
			cfg, err := siteconfig.Parse([]byte(interactiveConfig+"display: {resolution: "+res+"}\n"), "pages.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var unmapped atomic.Int64
			w := newGuideWorker(log, staticBundle{b}, loader, func(c *fonts.Chain) *typesetter {
				return &typesetter{log: log, chain: c, sources: &sourceCache{}, measure: newMeasurer(), unmapped: &unmapped}
			})
			short := float64(min(cfg.Display.Resolution.W, cfg.Display.Resolution.H))
			minTarget := max(cfg.Display.TouchTarget(), 110*short/1080)
			var seen []string
			for page := 0; ; page++ {
				s := w.prepare(screenReq{cfg: cfg, kind: scrMenu, lang: "km", page: page, now: at("10:00:00")})
				if s.req.page != page {
					t.Fatalf("page %d laid out as %d", page, s.req.page)
				}
				_, hasPrev := s.target("page-prev")
				_, hasNext := s.target("page-next")
				if hasPrev != (page > 0) {
					t.Errorf("page %d: previous page button %v", page, hasPrev)
				}
				for _, tg := range s.targets {
					if g, ok := strings.CutPrefix(tg.name, "guide:"); ok {
						seen = append(seen, g)
					}
					if tg.r.W < minTarget || tg.r.H < minTarget {
						t.Errorf("page %d: %s is %vx%v, want at least %v", page, tg.name, tg.r.W, tg.r.H, minTarget)
					}
				}
				if !hasNext {
					break
				}
				if page > 10 {
					t.Fatal("more than ten pages")
				}
			}
			want := []string{"vneid", "health-insurance"}
			for i := range 14 {
				want = append(want, fmt.Sprintf("service-%02d", i+1))
			}
			if !slices.Equal(seen, want) {
				t.Errorf("guides over the pages %v, want %v", seen, want)
			}
			if n := unmapped.Load(); n != 0 {
				t.Errorf("%d characters without a glyph", n)
			}
		})
	}
}

// TestInteractiveMenuPages: Page Down turns the menu's page, and Back from
// a guide returns to the page it was opened from.
func TestInteractiveMenuPages(t *testing.T) {
	r := captureInteractive(t, "pages")
	if r.summary.UnmappedGlyphs != 0 {
		t.Errorf("%d characters had no glyph", r.summary.UnmappedGlyphs)
	}
	guides := func(file string) []string {
		var out []string
		for _, reg := range r.frames[file].Regions {
			if g, ok := strings.CutPrefix(reg.Name, "target:guide:"); ok {
				out = append(out, g)
			}
		}
		return out
	}
	p1, p2 := guides("menu-p1.png"), guides("menu-p2.png")
	if len(p1) == 0 || len(p2) == 0 || slices.Contains(p2, p1[0]) {
		t.Fatalf("pages %v and %v", p1, p2)
	}
	if back := guides("menu-back.png"); !slices.Equal(back, p2) {
		t.Errorf("back from the guide on page %v, want page %v", back, p2)
	}
	if got := r.frames["step.png"].Item; got != "interactive:step" {
		t.Errorf("step.png shows %s", got)
	}
	for _, use := range r.run.Uses {
		if use.Event == report.UseOpened && use.Guide != p2[0] {
			t.Errorf("opened %s, want the first guide of page 2, %s", use.Guide, p2[0])
		}
	}
	f, m := r.frame(t, "menu-p2.png")
	for _, name := range []string{"target:page-prev", "page-of"} {
		reg, ok := region(f, name)
		if !ok || regionInk(m, reg.Rect) < 0.02 {
			t.Errorf("page 2 lacks %s", name)
		}
	}
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestInteractiveNarration: narration the player cannot play (here an Ogg
// stream where a WAV file should be) is found out when its step is laid
// out: the step offers no Replay, plays nothing, and says so once, naming
// the bundle, file, guide, step and language; narration that loads is
// played from the bundle's verified bytes, and Replay tapped faster than
// once a second starts it once.
func TestInteractiveNarration(t *testing.T) {
	r := captureInteractive(t, "narration")
	for _, file := range []string{"step1-km.png", "step1-km-again.png"} {
		if f, _ := r.frame(t, file); f.Item != "interactive:step" {
			t.Fatalf("%s shows %q", file, f.Item)
		} else if _, ok := region(f, "target:replay"); ok {
			t.Errorf("%s offers Replay for narration that is not a WAV file", file)
		}
	}
	for _, file := range []string{"step1-vi.png", "replayed-again.png"} {
		if f, _ := r.frame(t, file); f.Item != "interactive:step" {
			t.Fatalf("%s shows %q", file, f.Item)
		} else if _, ok := region(f, "target:replay"); !ok {
			t.Errorf("%s offers no Replay", file)
		}
	}
	var warned []map[string]any
	for _, rec := range r.logs {
		if rec["msg"] == "narration left out of a guide step" {
			warned = append(warned, rec)
		}
	}
	if len(warned) != 1 {
		t.Fatalf("the broken narration was logged %d times, want once: %v", len(warned), warned)
	}
	w := warned[0]
	for k, want := range map[string]any{"bundle": "lac-quoi-guides@3", "file": "narration/1-km-ogg.wav", "guide": "vneid", "step": float64(1), "lang": "km"} {
		if w[k] != want {
			t.Errorf("the warning's %s is %v, want %v", k, w[k], want)
		}
	}
	if err := fmt.Sprint(w["err"]); !strings.Contains(err, "not a WAV file") {
		t.Errorf("the warning says %q, not that the file is not WAV", err)
	}
	vi := "narration/1-vi.wav " + fileSHA(t, filepath.Join("testdata", "guides", "tone.wav"))
	if want := []string{vi, vi, vi}; !slices.Equal(r.run.Played, want) {
		t.Errorf("played %v, want the Vietnamese narration on arrival and two Replays", r.run.Played)
	}
	var narrated int
	for _, u := range r.run.Uses {
		if u.Event == report.UseNarration {
			narrated++
		}
	}
	if narrated != 3 {
		t.Errorf("%d narration uses recorded, want 3", narrated)
	}
}
