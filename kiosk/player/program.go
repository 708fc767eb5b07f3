package player

import (
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/schedule"
)

// slideSpec is one entry of the loop, as the sequencer chose it: an item in
// one language, or in two side by side.
type slideSpec struct {
	item     *content.Item
	langs    []string
	duration time.Duration
	// anyLang: an image with one picture for every language, shown once
	// (in langs[0]) and reported as shown in content.AnyLanguage.
	anyLang bool
	// since and until bound when the slide may be on screen (zero: no
	// bound): it leaves the screen at until, to the second, when its
	// window ends or a higher-priority item takes over.
	since, until time.Time
	// chosen is the sequencer's slide, after which the loop goes on when
	// the bundle or the config changes.
	chosen schedule.Slide
}

func specOf(s schedule.Slide) slideSpec {
	return slideSpec{item: s.Item, langs: s.Langs, duration: s.Duration, anyLang: s.AnyLang,
		since: s.Since, until: s.Until, chosen: s}
}

// shownLangs are the languages the slide is reported in.
func (s slideSpec) shownLangs() []string { return s.chosen.ShownLangs() }

// playableAt reports whether the slide may be on screen at now.
func (s slideSpec) playableAt(now time.Time) bool { return s.chosen.PlayableAt(now) }

// place is where the loop stands: prog is the sequencer's slide of the
// content slide handed to the game or on screen, nil before any; idx is
// its index in the loop.
type place struct {
	prog *schedule.Slide
	idx  int
}
