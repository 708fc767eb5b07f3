package player

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// publisher is a Source whose bundle is replaced while the player runs, as
// sync replaces the cache's.
type publisher struct {
	mu      sync.Mutex
	b       *content.Bundle
	changed chan struct{}
}

func (s *publisher) Current() *content.Bundle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b
}

func (s *publisher) Changed() <-chan struct{} { return s.changed }

func (s *publisher) publish(b *content.Bundle) {
	s.mu.Lock()
	s.b = b
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default: // one notice is pending already
	}
}

// version returns b as a new publication: version v, with extra items
// after its own.
func version(b *content.Bundle, v int, extra ...content.Item) *content.Bundle {
	nb := *b
	nb.Manifest.Version = int64(v)
	nb.Manifest.Items = append(slices.Clone(b.Manifest.Items), extra...)
	return &nb
}

func loaderConfig(t *testing.T) *siteconfig.Config {
	t.Helper()
	cfg, err := siteconfig.Parse([]byte(`
site: {id: t, name: T}
display: {resolution: 960x540}
languages: [vi, km]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
content: {demo: true}
ticker: {edge: none}
playback: {item_duration: 7s, transition: 1s}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPlaceKeptAcrossPublications runs the real loader (files read, images
// decoded, text laid out) while a new publication arrives every three
// seconds of the screen's clock, a fraction of a slide's time. The screen
// takes each slide the loader hands over, for the slide's time and its
// crossfade. Every item of the bundle must show in every stretch of the
// screen as long as one loop: a publication must not send the loop back
// to its first item.
func TestPlaceKeptAcrossPublications(t *testing.T) {
	base, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	alert := content.Item{ID: "alert", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "Thông báo khẩn"}}}
	tests := []struct {
		name string
		// next is publication number n.
		next func(n int) *content.Bundle
	}{
		{"each publication a new version", func(n int) *content.Bundle { return version(base, n) }},
		{"an alert added and withdrawn in turn", func(n int) *content.Bundle {
			if n%2 == 0 {
				return version(base, n, alert)
			}
			return version(base, n)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loaderConfig(t)
			src := &publisher{b: version(base, 1), changed: make(chan struct{}, 1)}
			p, err := New(Options{Config: cfg, Source: src, Fonts: fonts.NewLoader(slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir()),
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			p.load.wake = func() {}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go p.load.run(ctx)

			prog := buildProgram(base, cfg)
			var ids []string
			for _, s := range prog {
				if !slices.Contains(ids, s.item.ID) {
					ids = append(ids, s.item.ID)
				}
			}
			loop := len(prog) + 1 // the alert's slide, when it is in
			clock := &manualClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
			every := 3 * time.Second
			nextPub, n := clock.Now().Add(every), 1
			var shown []string
			deadline := time.After(2 * time.Minute)
			for len(shown) < 3*loop {
				var s *slide
				select {
				case s = <-p.load.out:
				case <-deadline:
					t.Fatalf("no slide from the loader within 2 minutes; shown %v", shown)
				}
				if s.standby {
					t.Fatalf("standby slide after %v", shown)
				}
				shown = append(shown, s.spec.item.ID+":"+strings.Join(s.spec.langs, "+"))
				clock.Set(clock.Now().Add(s.spec.duration + cfg.Playback.Transition))
				for !clock.Now().Before(nextPub) {
					n++
					src.publish(tc.next(n))
					nextPub = nextPub.Add(every)
				}
			}
			if n < len(shown) {
				t.Fatalf("only %d publications for %d slides", n, len(shown))
			}
			for i := 0; i+loop <= len(shown); i++ {
				window := strings.Join(shown[i:i+loop], " ")
				for _, id := range ids {
					if !strings.Contains(" "+window, " "+id+":") {
						t.Fatalf("item %s missing from slides %d to %d: %s\nall shown: %v", id, i, i+loop-1, window, shown)
					}
				}
			}
		})
	}
}
