package player

import (
	"slices"
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
	// anyLang: an image with one picture for every language, shown once
	// (in langs[0]) and reported as shown in content.AnyLanguage.
	anyLang bool
}

// shownLangs are the languages the slide is reported in.
func (s slideSpec) shownLangs() []string {
	if s.anyLang {
		return anyLanguage
	}
	return s.langs
}

var anyLanguage = []string{content.AnyLanguage}

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
			out = append(out, slideSpec{item: it, langs: langs[:1], duration: d, anyLang: true})
			continue
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

// place is a slide of a program: where the loop stands.
type place struct {
	prog []slideSpec
	idx  int
}

// resume returns the index in prog at which the loop goes on after the
// slide at, which came from an earlier program (the bundle or the site
// config has changed since), so that a change never sends the loop back
// to its start and every item shows once per loop however often content
// changes. Items are matched by ID:
//   - if at's item is still in prog, the loop goes on after it: with its
//     next language, or the next item;
//   - if it was removed, the loop goes on with the first item that
//     followed it in the old program and is still in prog;
//   - with nothing to go on from, at the start.
func resume(at place, prog []slideSpec) int {
	if len(prog) == 0 || at.prog == nil || at.idx < 0 || at.idx >= len(at.prog) {
		return 0
	}
	cur := at.prog[at.idx]
	last := -1 // the item's last slide in prog
	for i, s := range prog {
		if s.item.ID != cur.item.ID {
			continue
		}
		if slices.Equal(s.langs, cur.langs) {
			return (i + 1) % len(prog)
		}
		last = i
	}
	if last >= 0 {
		return (last + 1) % len(prog)
	}
	for k := 1; k < len(at.prog); k++ {
		next := at.prog[(at.idx+k)%len(at.prog)].item.ID
		if i := slices.IndexFunc(prog, func(s slideSpec) bool { return s.item.ID == next }); i >= 0 {
			return i
		}
	}
	return 0
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
