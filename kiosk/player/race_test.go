package player

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestScreensLaidOutWhileSlidesPrepare runs the real loader (slides and
// the ticker laid out, a new publication now and then) while this
// goroutine does what the game goroutine does between frames with the
// same fonts: it draws the slides handed over, lays out and draws the
// standby slide and the off-hours clock each minute, and alerts full
// screen and as a banner. The two share the parsed fonts; under the race
// detector (go test -race) this fails when the game goroutine's use of
// them is not ordered with the loader's.
func TestScreensLaidOutWhileSlidesPrepare(t *testing.T) {
	base, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := siteconfig.Parse([]byte(`
site: {id: t, name: Cửa khẩu Tịnh Biên}
display: {resolution: 960x540}
languages: [vi, km, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
content: {demo: true}
ticker: {edge: bottom, height: 48}
off_hours: clock
playback: {item_duration: 7s, transition: 1s}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	src := &publisher{b: version(base, 1), changed: make(chan struct{}, 1)}
	clock := &manualClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, cfg.Location())}
	p, err := New(Options{Config: cfg, Source: src, Fonts: fonts.NewLoader(discard, t.TempDir()), Log: discard, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if p.standbyT == nil {
		t.Fatal("no site font for the standby slide")
	}
	p.load.wake = func() {}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.load.run(ctx)
	}()
	defer func() { cancel(); <-done }()

	warn := alert.Alert{ID: "flood", Serial: 1, Severity: alert.Severe, Expires: clock.Now().Add(24 * time.Hour),
		Text: map[string]alert.Text{
			"vi": {Headline: "Cảnh báo lũ trên sông Hậu", Body: "Mực nước dâng nhanh tại khu vực cửa khẩu.", Instruction: "Di chuyển lên vùng cao ngay."},
			"km": {Headline: "ការព្រមាន​ទឹកជំនន់", Body: "ទឹក​កំពុង​ឡើង​យ៉ាង​លឿន​នៅ​តំបន់​ច្រកទ្វារ។"},
			"en": {Headline: "Flood warning on the Hau River"},
		}}
	const rounds = 24
	slides, tickers := 0, 0
	for i := range rounds {
		// Each round is a minute later, so the clock's text is new to
		// the fonts and the standby and off-hours screens are set again.
		now := clock.Now().Add(time.Minute)
		clock.Set(now)
		if i%8 == 7 {
			src.publish(version(base, 2+i)) // the loader sets the ticker again
		}
		select {
		case s := <-p.load.out:
			if !s.standby {
				p.ready(s) // the slide's text drawn into its canvas
				if s.canvas == nil {
					t.Fatalf("round %d: slide %s has no canvas", i, s.itemID())
				}
				s.release()
				slides++
			}
		case <-time.After(time.Minute):
			t.Fatalf("round %d: no slide from the loader within a minute", i)
		}
		select {
		case job := <-p.load.ticker:
			p.tick.set(job.layout(), now)
			if !p.tick.active() {
				t.Fatalf("round %d: the ticker has nothing to show", i)
			}
			tickers++
		default:
		}
		standby, redrawn := p.standbyAt(now)
		if !redrawn {
			t.Fatalf("round %d: the standby slide was not set again for a new minute", i)
		}
		if len(standby.texts) == 0 {
			t.Fatalf("round %d: the standby slide has no text", i)
		}
		p.off.minute = -1
		if !p.refreshOff(now) || len(p.off.regions) == 0 {
			t.Fatalf("round %d: the off-hours clock has no text", i)
		}
		warn.Serial = int64(i + 1)
		for _, full := range []bool{true, false} {
			v := p.layoutAlert(&warn, full, now)
			if len(v.panels) == 0 {
				t.Fatalf("round %d: alert (full %v) not laid out", i, full)
			}
			if !v.refresh(now, p.standbyAt) {
				t.Fatalf("round %d: alert (full %v) not drawn", i, full)
			}
			v.release()
		}
	}
	if slides == 0 || tickers == 0 {
		t.Errorf("%d slides and %d tickers taken from the loader in %d rounds, want some of each", slides, tickers, rounds)
	}
	p.standby.release()
	p.tick.set(nil, clock.Now())
}

// TestMeasurerMetricsAgreeWithEbiten: layout takes a face's extents from
// the measurer, drawing places lines with Ebiten's; they must be the same
// numbers in every script the sites show.
func TestMeasurerMetricsAgreeWithEbiten(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	links := []siteconfig.Font{{Family: "Noto Sans"}, {Family: "Noto Sans Khmer"}, {Family: "Noto Sans Lao"}, {Family: "Noto Sans CJK SC"}}
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(nil, links)
	if err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{log: log, chain: chain, sources: &sourceCache{}, measure: newMeasurer(), unmapped: new(atomic.Int64)}
	tests := []struct{ lang, s string }{
		{"vi", "Cửa khẩu Quốc tế Tịnh Biên"},
		{"km", "សូមស្វាគមន៍"},
		{"lo", "ຍິນດີຕ້ອນຮັບ"},
		{"zh", "欢迎来到越南"},
		{"en", "Tiếng Việt, ភាសាខ្មែរ, ພາສາລາວ, 中文"},
	}
	for _, tc := range tests {
		for _, bold := range []bool{false, true} {
			for _, size := range []float64{12, 37.5, 96} {
				gfs, primary := ts.goTextFaces(tc.lang, tc.s, bold, size)
				if len(gfs) == 0 {
					t.Fatalf("%s %q: no face", tc.lang, tc.s)
				}
				for i, gf := range gfs {
					got, want := ts.measure.metrics(gf), gf.Metrics()
					// Only the extents: the x-height and cap height
					// are Ebiten's alone.
					want.XHeight, want.CapHeight = 0, 0
					if got != want {
						t.Errorf("%s %q bold %v at %g px, face %d: measurer %+v, Ebiten %+v", tc.lang, tc.s, bold, size, i, got, want)
					}
					if i == 0 && primary != got {
						t.Errorf("%s %q bold %v at %g px: primary metrics %+v, want the first face's %+v", tc.lang, tc.s, bold, size, primary, got)
					}
				}
			}
		}
	}
}
