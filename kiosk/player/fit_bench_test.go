package player

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// BenchmarkPrepareTextSlide measures the loader's work for one text slide
// (the text made drawable, fitted to the slide and positioned, faces
// made): every text slide of the demo and of testdata/fit, in each of its
// languages (side by side with Vietnamese where the item says so), on the
// landscape and portrait walls. The fonts are parsed before the clock
// starts, as the player parses them once per bundle.
func BenchmarkPrepareTextSlide(b *testing.B) {
	walls := []struct{ name, display string }{
		{"1536x768", "display: {resolution: 1536x768}\nticker: {edge: bottom, height: 80}\n"},
		{"768x1536", "display: {resolution: 768x1536, rotation: 90}\nticker: {edge: bottom, height: 72}\n"},
	}
	bundle, err := demo.Load()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "fit", "items.json"))
	if err != nil {
		b.Fatal(err)
	}
	var items []content.Item
	if err := json.Unmarshal(raw, &items); err != nil {
		b.Fatal(err)
	}
	for _, it := range bundle.Manifest.Items {
		if it.Kind == content.KindText {
			items = append(items, it)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, wall := range walls {
		b.Run(wall.name, func(b *testing.B) {
			cfg, err := siteconfig.Parse([]byte(`
site: {id: bench, name: "Cửa khẩu Quốc tế Tịnh Biên"}
languages: [vi, km, lo, zh, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {demo: true}
`+wall.display), "bench.yaml")
			if err != nil {
				b.Fatal(err)
			}
			chain, err := fonts.NewLoader(log, b.TempDir()).Load(bundle, cfg.Fonts)
			if err != nil {
				b.Fatal(err)
			}
			ts := &typesetter{log: log, chain: chain, sources: &sourceCache{}, measure: newMeasurer(), unmapped: new(atomic.Int64)}
			p := &preparer{cfg: cfg, lay: slides.NewScreen(cfg), ts: ts, bundle: bundle, fg: cfg.Display.Foreground}
			var specs []slideSpec
			for i := range items {
				it := &items[i]
				for _, lang := range cfg.Languages {
					if _, ok := it.Text[lang]; !ok {
						continue
					}
					langs := []string{lang}
					if it.Layout == content.LayoutSideBySide {
						if _, ok := it.Text["vi"]; lang == "vi" || !ok {
							continue
						}
						langs = []string{"vi", lang}
					}
					specs = append(specs, slideSpec{item: it, langs: langs})
				}
			}
			for _, s := range specs { // fonts parsed, as after a bundle's first slides
				if _, err := p.prepare(s); err != nil {
					b.Fatalf("%s %v: %v", s.item.ID, s.langs, err)
				}
			}
			b.ResetTimer()
			n := 0
			for b.Loop() {
				if _, err := p.prepare(specs[n%len(specs)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(len(specs)), "slides")
		})
	}
}
