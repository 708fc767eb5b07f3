package preview

import (
	"log/slog"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// benchSite is a 1920x1080 wall in the five languages with a ticker, as
// bench/run.sh measures the player.
const benchSite = `
site: {id: bench, name: "Cửa khẩu Quốc tế Tịnh Biên"}
display: {resolution: 1920x1080}
languages: [vi, km, lo, zh, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {demo: true}
ticker: {edge: bottom}
`

func benchSetup(b *testing.B) (*siteconfig.Config, *fonts.Loader) {
	b.Helper()
	cfg, err := siteconfig.Parse([]byte(benchSite), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return cfg, fonts.NewLoader(slog.New(slog.DiscardHandler), b.TempDir())
}

// BenchmarkPreviewSlide renders the demo's slides in turn at 1920x1080,
// fonts already loaded: the time of one slide, as the studio draws a
// preview page's slides after the first.
func BenchmarkPreviewSlide(b *testing.B) {
	cfg, loader := benchSetup(b)
	bundle, err := demo.Load()
	if err != nil {
		b.Fatal(err)
	}
	chain, err := loader.Load(bundle, cfg.Fonts)
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewWith(cfg, bundle, chain, nil, Options{At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	n := len(r.Slides())
	for i := range n { // every font and glyph parsed once
		if _, _, err := r.Render(i); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("all", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; i < b.N; i++ {
			if _, _, err := r.Render(i % n); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, kind := range []string{content.KindText, content.KindImage} {
		var of []int
		for _, s := range r.Slides() {
			if s.Kind == kind {
				of = append(of, s.Index)
			}
		}
		b.Run(kind, func(b *testing.B) {
			defer reportCPU(b)()
			for i := 0; i < b.N; i++ {
				if _, _, err := r.Render(of[i%len(of)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		if kind == content.KindImage {
			// The first render of an image slide: its picture read,
			// decoded and scaled.
			b.Run("image-first", func(b *testing.B) {
				defer reportCPU(b)()
				for i := 0; i < b.N; i++ {
					r.mu.Lock()
					r.pictures, r.picturePixels = nil, 0
					r.mu.Unlock()
					if _, _, err := r.Render(of[i%len(of)]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPreviewFirstSlide is the first slide of a new preview: the
// site's font chain resolved by a new loader (the fonts index already on
// disk, as after the studio's first start), the loop sequenced, and the
// fonts the slide needs parsed.
func BenchmarkPreviewFirstSlide(b *testing.B) {
	cfg, _ := benchSetup(b)
	bundle, err := demo.Load()
	if err != nil {
		b.Fatal(err)
	}
	cache := b.TempDir()
	discard := slog.New(slog.DiscardHandler)
	if _, err := fonts.NewLoader(discard, cache).Load(bundle, cfg.Fonts); err != nil { // builds the index
		b.Fatal(err)
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		chain, err := fonts.NewLoader(discard, cache).Load(bundle, cfg.Fonts)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewWith(cfg, bundle, chain, nil, Options{At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := r.Render(0); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU, deferred at the start of the timed loop, reports the CPU
// time per operation (ms-cpu/op), which a busy machine inflates less than
// the wall time. Single-threaded work, so it is the time of one core.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if d := cpuTime() - start; d > 0 {
			b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), "ms-cpu/op")
		}
	}
}
