package player

import (
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// slideSpec is one entry of the playlist: an item in one language, or in two
// side by side.
type slideSpec struct {
	item     *content.Item
	langs    []string
	duration time.Duration
}

// buildProgram expands the bundle's items into the playlist for the site:
// each item once per site language it has, in the site's order. A
// side-by-side item pairs the site's first language with each other one.
// An image item with one picture for every language is shown once.
func buildProgram(b *content.Bundle, cfg *siteconfig.Config) []slideSpec {
	var out []slideSpec
	for i := range b.Manifest.Items {
		it := &b.Manifest.Items[i]
		d := time.Duration(it.Duration)
		if d == 0 {
			d = cfg.Playback.ItemDuration
		}
		langs := it.Languages(cfg.Languages)
		if len(langs) == 0 {
			continue
		}
		if it.Kind == content.KindImage && len(it.Images) == 1 && it.Images[content.AnyLanguage] != "" {
			langs = langs[:1]
		}
		first := cfg.Languages[0]
		if it.Layout == content.LayoutSideBySide && len(langs) > 1 && langs[0] == first {
			for _, l := range langs[1:] {
				out = append(out, slideSpec{item: it, langs: []string{first, l}, duration: d})
			}
			continue
		}
		for _, l := range langs {
			out = append(out, slideSpec{item: it, langs: []string{l}, duration: d})
		}
	}
	return out
}

// tickerMessages lists the ticker's texts in play order: each message in
// each site language it has.
type tickerText struct {
	lang, text string
}

func tickerMessages(b *content.Bundle, cfg *siteconfig.Config) []tickerText {
	var out []tickerText
	if b == nil || cfg.Ticker.Edge == siteconfig.EdgeNone {
		return nil
	}
	for _, msg := range b.Manifest.Ticker {
		for _, l := range cfg.Languages {
			if s, ok := msg[l]; ok {
				out = append(out, tickerText{lang: l, text: s})
			}
		}
	}
	return out
}
