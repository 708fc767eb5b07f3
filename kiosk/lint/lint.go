// Package lint checks a content bundle against a site before it is
// approved: can this site play every item, in every language it shows, with
// the fonts it has?
//
// Errors make the bundle unplayable at the site or unsafe: a manifest that
// does not validate, a file that does not match its hash, an image that does
// not decode, text that the site's fonts (the bundle's own fonts first, then
// the site's fallback chain, exactly as the player resolves them) cannot
// draw. Warnings are for a person to judge: images far from the screen's
// shape, Khmer or Lao runs that the word lists cannot divide and that are
// longer than a line may be (the player must break them inside; the ticker,
// one line, is not checked for this), items missing one of the site's
// languages, unknown manifest fields, targets that look mistyped, items that never play at the
// site (always preempted, or only outside its hours), a bundle of which
// nothing plays there. An item whose schedule never plays anywhere is an
// error. Notes (Info) say which items, or whether the bundle, are for other
// sites: one bundle serves many sites, so that asks for nothing; such items
// are not checked against the site's fonts, languages and screen.
//
// Guides are checked for an interactive site (a wall leaves them out, which
// a note says): the guide's title and every step in each of the site's
// languages (fonts, and a warning for a missing language), pictures that
// decode, narration files the site's speaker plays (16-bit PCM WAV, read
// by a small bounded parser of its header; Ogg and other compressed
// formats are refused undecoded), QR URLs (a warning for a host outside
// .gov.vn), and
// narration missing per guide and language (a warning where espeak-ng has
// a voice, so kioskctl narrate can render it; a note for Khmer, Lao and
// Hmong, which take recorded files). An interactive site's config must give
// text a contrast of at least 7:1 (an error) and the screen's size, for
// touch targets (a warning).
//
// Videos are checked for a rendition made for the site's output size,
// rotation and frame rate (an error without one), from the manifest alone:
// lint runs no FFmpeg, on any platform.
package lint

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // image decoders
	_ "image/png"
	"io/fs"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// Finding is one problem found.
type Finding struct {
	// Error is true for a problem that must block approval.
	Error bool
	// Info is true for a note that asks for nothing, such as an item
	// targeted at other sites.
	Info bool
	// Item, Lang and File locate the problem where they apply.
	Item, Lang, File string
	Message          string
}

func (f Finding) String() string {
	level := "warning"
	switch {
	case f.Error:
		level = "error"
	case f.Info:
		level = "info"
	}
	loc := ""
	if f.Item != "" {
		loc += " item " + f.Item
	}
	if f.Lang != "" {
		loc += " lang " + f.Lang
	}
	if f.File != "" {
		loc += " file " + f.File
	}
	if loc != "" {
		loc = loc[1:] + ": "
	}
	return fmt.Sprintf("%s: %s%s", level, loc, f.Message)
}

// Report is the result of linting one bundle for one site.
type Report struct {
	Findings []Finding
}

// Errors counts the findings that block approval.
func (r *Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Error {
			n++
		}
	}
	return n
}

// Warnings counts the findings for a person to judge: neither errors nor
// notes.
func (r *Report) Warnings() int {
	n := 0
	for _, f := range r.Findings {
		if !f.Error && !f.Info {
			n++
		}
	}
	return n
}

func (r *Report) add(f Finding) { r.Findings = append(r.Findings, f) }

// FontLoader builds the font chain of a bundle at a site; *fonts.Loader is one.
type FontLoader interface {
	Load(b *content.Bundle, links []siteconfig.Font) (*fonts.Chain, error)
}

// Thresholds for warnings.
const (
	// MaxUnbreakableClusters is the longest Khmer or Lao run, in grapheme
	// clusters, without a break opportunity (U+200B, a space, or a word
	// boundary of the word lists) before a warning: about a line of a
	// title on a portrait wall.
	MaxUnbreakableClusters = 16
	// MaxAspectRatioDiff is how far an image's aspect ratio may be from
	// the screen's (as a ratio of ratios) before a warning.
	MaxAspectRatioDiff = 1.5
	// MinImageCoverage is the smallest share of the screen's width or
	// height an image may cover at its own size before a warning that it
	// will be blown up.
	MinImageCoverage = 0.5
)

// Bundle lints the bundle at the root of fsys for the site cfg.
func Bundle(fsys fs.FS, source string, cfg *siteconfig.Config, fl FontLoader) *Report {
	r := &Report{}
	b, err := content.Load(fsys, source)
	if err != nil {
		for _, e := range flatten(err) {
			// The finding names the manifest; its message names the field.
			r.add(Finding{Error: true, File: content.ManifestName, Message: strings.TrimPrefix(e.Error(), content.ManifestName+": ")})
		}
		return r
	}
	if raw, err := fs.ReadFile(fsys, content.ManifestName); err == nil {
		for _, u := range content.UnknownFields(raw) {
			r.add(Finding{File: content.ManifestName, Message: u + " (ignored by players)"})
		}
	}
	if err := b.Verify(); err != nil {
		for _, e := range flatten(err) {
			r.add(Finding{Error: true, Message: e.Error()})
		}
	}
	chain, err := fl.Load(b, cfg.Fonts)
	if err != nil {
		r.add(Finding{Error: true, Message: fmt.Sprintf("no font of the bundle or of site %s could be loaded: %v", cfg.Site.ID, err)})
	}
	targeted := checkSchedule(r, &b.Manifest, cfg)
	interactive := cfg.Mode == siteconfig.ModeInteractive
	if interactive {
		checkInteractiveSite(r, cfg)
	}
	checkedImages := map[string]bool{}
	guides := &guideChecks{r: r, b: b, chain: chain, cfg: cfg, done: map[string]bool{}}
	var offered, wallGuides []string
	for i := range b.Manifest.Items {
		it := &b.Manifest.Items[i]
		if targeted != nil && !targeted[it.ID] {
			continue // for other sites; the info above says so
		}
		if it.Kind == content.KindGuide {
			if !interactive {
				wallGuides = append(wallGuides, it.ID)
				continue
			}
			offered = append(offered, it.ID)
			guides.checkGuide(it)
			continue
		}
		if it.Kind == content.KindVideo {
			// The same clip in every language; its titles are for the
			// department's tools, never drawn.
			checkVideo(r, b, it, cfg, source)
			continue
		}
		langs := it.Languages(cfg.Languages)
		if len(langs) == 0 {
			r.add(Finding{Item: it.ID, Message: fmt.Sprintf("has none of the site's languages %v; the site will not show it", cfg.Languages)})
		} else if it.Kind == content.KindText && len(langs) < len(cfg.Languages) {
			r.add(Finding{Item: it.ID, Message: fmt.Sprintf("shows in %v but the site also shows %v", langs, missingFrom(cfg.Languages, langs))})
		}
		for _, lang := range langs {
			switch it.Kind {
			case content.KindText:
				t := it.Text[lang]
				checkText(r, chain, it.ID, lang, t.Title+"\n"+t.Body, true)
			case content.KindImage:
				p := it.Image(lang)
				if !checkedImages[p] {
					checkedImages[p] = true
					checkImage(r, b, it.ID, p, cfg)
				}
			}
		}
	}
	switch {
	case len(wallGuides) > 0:
		r.add(Finding{Info: true, File: cfg.Path, Message: fmt.Sprintf(
			"site %s is a wall (mode %s): it leaves out the guides %s, which interactive sites offer",
			cfg.Site.ID, cfg.Mode, strings.Join(wallGuides, ", "))})
	case interactive && len(offered) == 0:
		r.add(Finding{File: content.ManifestName, Message: fmt.Sprintf(
			"site %s is interactive, but the bundle offers it no guide: its menu is empty", cfg.Site.ID)})
	}
	for i, msg := range b.Manifest.Ticker {
		for _, lang := range cfg.Languages {
			if s, ok := msg[lang]; ok {
				checkText(r, chain, fmt.Sprintf("ticker[%d]", i), lang, s, false)
			}
		}
	}
	return r
}

// checkText checks text the site shows; breaksLines is false for text set
// on one line (the ticker), which never breaks.
func checkText(r *Report, chain *fonts.Chain, item, lang, s string, breaksLines bool) {
	if chain != nil {
		if missing := chain.For(lang).Missing(s); len(missing) > 0 {
			r.add(Finding{Error: true, Item: item, Lang: lang,
				Message: "the site's fonts cannot draw " + fonts.FormatRunes(missing)})
		}
	}
	if breaksLines && usesWordLists(lang, s) {
		if words := typeset.Unbreakable(s, MaxUnbreakableClusters); len(words) > 0 {
			r.add(Finding{Item: item, Lang: lang, Message: fmt.Sprintf(
				"the word list cannot break %s (more than %d characters with no break opportunity); put U+200B ZERO WIDTH SPACE between its words, or the player breaks it between characters",
				quoteSome(words), MaxUnbreakableClusters)})
		}
	}
}

// usesWordLists reports whether text in lang is broken with the word
// lists: Khmer or Lao (km-KH too), or text of any language that holds
// Khmer or Lao letters.
func usesWordLists(lang, s string) bool {
	if base, _, _ := strings.Cut(lang, "-"); base == "km" || base == "lo" {
		return true
	}
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Khmer, unicode.Lao) })
}

// quoteSome quotes the first few runs, each cut short, so that a finding
// stays a line however long the text.
func quoteSome(runs []string) string {
	const most, long = 5, 40
	var quoted []string
	for _, w := range runs[:min(len(runs), most)] {
		if r := []rune(w); len(r) > long {
			w = string(r[:long]) + "…"
		}
		quoted = append(quoted, fmt.Sprintf("%q", w))
	}
	if len(runs) > most {
		quoted = append(quoted, fmt.Sprintf("and %d more", len(runs)-most))
	}
	return strings.Join(quoted, ", ")
}

func checkImage(r *Report, b *content.Bundle, item, p string, cfg *siteconfig.Config) {
	data, err := b.ReadFile(p)
	if err != nil {
		return // Verify already reported it
	}
	img, err := decodeImage(data)
	if err != nil {
		r.add(Finding{Error: true, Item: item, File: p, Message: "not a readable image: " + err.Error()})
		return
	}
	iw, ih := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	sw, sh := float64(cfg.Display.Resolution.W), float64(cfg.Display.Resolution.H)
	ratio := (iw / ih) / (sw / sh)
	if ratio > MaxAspectRatioDiff || ratio < 1/MaxAspectRatioDiff {
		r.add(Finding{Item: item, File: p, Message: fmt.Sprintf(
			"%.0fx%.0f is far from the shape of the %v screen; it will be letterboxed or cropped", iw, ih, cfg.Display.Resolution)})
	}
	if math.Max(iw/sw, ih/sh) < MinImageCoverage {
		r.add(Finding{Item: item, File: p, Message: fmt.Sprintf(
			"%.0fx%.0f is small for the %v screen; it will look blurred", iw, ih, cfg.Display.Resolution)})
	}
}

// MaxImagePixels bounds the pixels of an image that is decoded, as the
// player bounds them (content.MaxImagePixels): an 8K picture has 33
// million; a small file claiming far more would take the player's memory.
const MaxImagePixels = content.MaxImagePixels

// decodeImage decodes a PNG or JPEG file whole, refusing one whose header
// claims more than MaxImagePixels before decoding it.
func decodeImage(data []byte) (image.Image, error) {
	c, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if c.Width <= 0 || c.Height <= 0 || int64(c.Width)*int64(c.Height) > MaxImagePixels {
		return nil, fmt.Errorf("%dx%d pixels; at most %d in all are decoded", c.Width, c.Height, MaxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	return img, err
}

func missingFrom(all, have []string) []string {
	var out []string
	for _, l := range all {
		found := false
		for _, h := range have {
			found = found || h == l
		}
		if !found {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	// Load wraps the joined FieldErrors once with the bundle's name.
	if u := errors.Unwrap(err); u != nil {
		if _, ok := u.(interface{ Unwrap() []error }); ok {
			return flatten(u)
		}
	}
	return []error{err}
}
