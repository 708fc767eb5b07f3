package schedule

import (
	"slices"
	"time"

	"github.com/vnict/kiosk/content"
)

// Slide is one entry of the loop: an item in one language, or in two side
// by side.
type Slide struct {
	Item *content.Item
	// Langs are the languages shown: one, or two side by side.
	Langs    []string
	Duration time.Duration
	// AnyLang marks an image with one picture for every language, or a
	// video, shown once (in Langs[0]) and reported as shown in
	// content.AnyLanguage.
	AnyLang bool
	// Since and Until bound when this slide may be on screen, around the
	// moment it was chosen: it leaves the screen at Until (its window
	// ends, or a higher-priority item takes over), to the second. A zero
	// Since or Until is no bound within the sequencer's horizon (days).
	Since, Until time.Time
	// Index is the slide's place in the loop playing when it was chosen,
	// of Total slides: the loop ends with Index Total-1.
	Index, Total int

	order *runOrder // the loop the slide's run came from
	pos   int       // the run's position in order
}

// ShownLangs are the languages the slide is reported as shown in.
func (s Slide) ShownLangs() []string {
	if s.AnyLang {
		return []string{content.AnyLanguage}
	}
	return s.Langs
}

// PlayableAt reports whether the slide may be on screen at now: now is in
// [Since, Until).
func (s Slide) PlayableAt(now time.Time) bool {
	return (s.Since.IsZero() || !now.Before(s.Since)) && (s.Until.IsZero() || now.Before(s.Until))
}

// runOrder is the item IDs of a priority level's loop, one per appearance,
// kept by the slides it hands out so that a later sequencer can go on
// after them.
type runOrder struct {
	ids []string
}

// expand returns an item's slides for a site showing langs: once per
// language the item has, in the site's order; a side-by-side item pairs
// the site's first language with each other one; an image with one
// picture for every language once; a video once, for its own length. Nil
// when the item has none of langs.
func expand(it *content.Item, langs []string, itemDuration time.Duration) []Slide {
	d := time.Duration(it.Duration)
	if d == 0 {
		d = itemDuration
	}
	have := it.Languages(langs)
	if len(have) == 0 {
		return nil
	}
	if it.Kind == content.KindVideo {
		if it.Video == nil || it.Video.Duration <= 0 {
			return nil // not a valid manifest's item
		}
		return []Slide{{Item: it, Langs: have[:1], Duration: time.Duration(it.Video.Duration), AnyLang: true}}
	}
	if it.Kind == content.KindImage && len(it.Images) == 1 && it.Images[content.AnyLanguage] != "" {
		return []Slide{{Item: it, Langs: have[:1], Duration: d, AnyLang: true}}
	}
	var out []Slide
	if first := langs[0]; it.Layout == content.LayoutSideBySide && len(have) > 1 && have[0] == first {
		for _, l := range have[1:] {
			out = append(out, Slide{Item: it, Langs: []string{first, l}, Duration: d})
		}
		return out
	}
	for _, l := range have {
		out = append(out, Slide{Item: it, Langs: []string{l}, Duration: d})
	}
	return out
}

// sameLangs finds langs among slides.
func sameLangs(slides []Slide, langs []string) int {
	return slices.IndexFunc(slides, func(s Slide) bool { return slices.Equal(s.Langs, langs) })
}
