package content

import (
	"encoding/json"
	"strings"
	"time"
)

// ManifestName is the file name of a bundle's manifest, at the bundle's root.
const ManifestName = "manifest.json"

// FormatVersion is the manifest format this package reads and writes.
const FormatVersion = 1

// Manifest is the parsed manifest.json of a bundle.
type Manifest struct {
	// Format is the manifest format version; this package reads FormatVersion.
	Format int `json:"format"`
	// ID names the bundle, such as "an-giang-border-2026-11".
	ID string `json:"id"`
	// Version increases with every publication of a bundle with this ID.
	Version int64 `json:"version"`
	// Title is a human description for the department's tools.
	Title string `json:"title,omitempty"`
	// Created is when the bundle was made.
	Created time.Time `json:"created"`
	// Requires lists features a player must understand to play the bundle
	// correctly. A player refuses a bundle that requires a feature it does
	// not know, instead of silently ignoring fields it cannot honour.
	Requires []string `json:"requires,omitempty"`
	// Fonts are font files carried by the bundle, tried before the site's
	// fallback chain.
	Fonts []Font `json:"fonts,omitempty"`
	// Targets are the sites the whole bundle is for; empty means every
	// site that receives it (see FeatureSchedule).
	Targets *Targets `json:"targets,omitempty"`
	// Items are played in order, each in each of the site's languages.
	Items []Item `json:"items"`
	// Ticker holds short messages crawled along one edge of the screen.
	Ticker []Message `json:"ticker,omitempty"`
	// Files lists every file of the bundle but the manifest itself.
	Files []File `json:"files"`
}

// Font is a font file carried by the bundle.
type Font struct {
	// File is the bundle path of a .ttf, .otf or .ttc file.
	File string `json:"file"`
}

// Item kinds.
const (
	KindImage = "image"
	KindText  = "text"
	// KindGuide is a guide residents step through at an interactive site
	// (see Guide and FeatureGuides); a wall's slideshow leaves it out.
	KindGuide = "guide"
)

// Item layouts.
const (
	// LayoutSingle shows one language at a time (the default).
	LayoutSingle = "single"
	// LayoutSideBySide shows the site's first language beside each other
	// language in turn.
	LayoutSideBySide = "side-by-side"
)

// Image fits.
const (
	// FitContain shows the whole image, letterboxed (the default).
	FitContain = "fit"
	// FitFill covers the whole area, cropping what overflows.
	FitFill = "fill"
)

// Item is one slide of the playlist, shown once per language.
type Item struct {
	// ID names the item in logs and reports; unique within the bundle.
	ID string `json:"id"`
	// Kind is KindImage, KindText, KindGuide or KindVideo.
	Kind string `json:"kind"`
	// Duration is how long each language is shown; zero means the site's
	// default. A video plays for its own length (Video.Duration).
	Duration Duration `json:"duration,omitempty"`
	// Layout is LayoutSingle or LayoutSideBySide.
	Layout string `json:"layout,omitempty"`
	// Text holds a title and body per language (BCP 47 tag).
	Text map[string]Text `json:"text,omitempty"`
	// Images maps a language, or "*" for every language, to an image file.
	Images map[string]string `json:"images,omitempty"`
	// Fit is FitContain or FitFill, for image items.
	Fit string `json:"fit,omitempty"`
	// Schedule says when the item plays; nil plays it at all times.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Targets are the sites the item is for; nil means every site the
	// bundle is for.
	Targets *Targets `json:"targets,omitempty"`
	// Guide holds the steps of a KindGuide item. The item's Text gives
	// the guide's title (and a short description) per language, and its
	// Images the picture of its tile on the menu.
	Guide *Guide `json:"guide,omitempty"`
	// Video holds the clip of a KindVideo item. The item's Text may give
	// the clip's title per language, for the department's tools; the
	// screen shows only the clip.
	Video *Video `json:"video,omitempty"`
}

// Slideshow returns the manifest without its guide items, for the
// slideshow: guides are stepped through on an interactive site's own
// screens, never played as slides, at any site. Videos are slides and
// stay. m itself is returned when
// it has none; m is never changed.
func (m *Manifest) Slideshow() *Manifest {
	guides := 0
	for i := range m.Items {
		if m.Items[i].Kind == KindGuide {
			guides++
		}
	}
	if guides == 0 {
		return m
	}
	c := *m
	c.Items = make([]Item, 0, len(m.Items)-guides)
	for _, it := range m.Items {
		if it.Kind != KindGuide {
			c.Items = append(c.Items, it)
		}
	}
	return &c
}

// FeatureGuides is the Manifest.Requires value of a bundle with
// KindGuide items: a player without interactive guides refuses it and
// keeps its last good bundle.
const FeatureGuides = "guides"

// Guide is a titled sequence of steps a resident follows, in their own
// language, at an interactive site.
type Guide struct {
	Steps []Step `json:"steps"`
}

// Step is one step of a guide.
type Step struct {
	// Text holds the step's title and body per language (BCP 47 tag).
	Text map[string]Text `json:"text"`
	// Picture is the bundle path of an image shown beside the text.
	Picture string `json:"picture,omitempty"`
	// QR is an https URL (such as the public service portal's page for
	// the procedure) the player draws as a QR code.
	QR string `json:"qr,omitempty"`
	// Narration maps a language to the bundle path of an audio file
	// (16-bit PCM WAV) reading the step aloud.
	Narration map[string]string `json:"narration,omitempty"`
}

// AnyLanguage is the Images key of an image shown in every language.
const AnyLanguage = "*"

// Text is the text of an item in one language.
type Text struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

// Message is one ticker message: its text per language.
type Message map[string]string

// File is one file of the bundle, identified by its content.
type File struct {
	// Path is slash-separated and relative to the bundle root.
	Path string `json:"path"`
	// SHA256 is the lower-case hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
}

// Duration is a time.Duration written in JSON as a Go duration string ("8s").
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "8s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// invalidDuration marks a duration that did not parse, so that Validate can
// name the field instead of the decoder failing without a field name.
const invalidDuration = Duration(-1)

// UnmarshalJSON reads a duration string such as "8s" or "1m30s". A value
// that does not parse becomes invalid, which Manifest.Validate reports.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		*d = invalidDuration
		return nil
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || v < 0 {
		*d = invalidDuration
		return nil
	}
	*d = Duration(v)
	return nil
}

// Languages returns the languages the item has content for, in the order of
// want, followed by no others. An image item with an AnyLanguage image has
// every language in want.
func (it *Item) Languages(want []string) []string {
	var out []string
	for _, l := range want {
		if it.HasLanguage(l) {
			out = append(out, l)
		}
	}
	return out
}

// HasLanguage reports whether the item can be shown in lang.
func (it *Item) HasLanguage(lang string) bool {
	switch it.Kind {
	case KindText:
		_, ok := it.Text[lang]
		return ok
	case KindImage:
		if _, ok := it.Images[lang]; ok {
			return true
		}
		_, ok := it.Images[AnyLanguage]
		return ok
	case KindGuide:
		_, ok := it.Text[lang]
		return ok
	case KindVideo:
		// The clip is the same in every language.
		return true
	}
	return false
}

// Image returns the image file for lang, falling back to the AnyLanguage one.
func (it *Item) Image(lang string) string {
	if p, ok := it.Images[lang]; ok {
		return p
	}
	return it.Images[AnyLanguage]
}
