// Package typeset breaks text into lines and fits it to a region.
//
// Break opportunities come from go-text's segmenter
// (github.com/go-text/typesetting/segmenter), which implements the Unicode
// line breaking algorithm (UAX #14) and grapheme clusters (UAX #29): spaces
// in Vietnamese and English, between ideographs in Chinese, and at U+200B
// ZERO WIDTH SPACE in Khmer and Lao, which do not put spaces between words.
// A run with no break opportunity wider than the line (a Khmer sentence typed
// without U+200B, say) is broken between grapheme clusters, never inside one,
// and never right after a Khmer or Lao subscript sign (coeng), which belongs
// with the consonant after it.
//
// The package measures text through a function the caller passes, so it
// runs without a screen: the player passes Ebiten's text.Advance, tests pass
// any measure they like.
package typeset

import (
	"strings"
	"unicode"

	"github.com/go-text/typesetting/segmenter"
	"golang.org/x/text/unicode/norm"
)

// Measure returns the advance width of s in pixels.
type Measure func(s string) float64

// ZWSP is U+200B ZERO WIDTH SPACE, a break opportunity that draws nothing.
const ZWSP = '\u200b'

// Wrap breaks text into lines no wider than width, as far as the text allows.
// Newlines in text are kept as line breaks. Each line is returned without
// trailing spaces and without U+200B.
func Wrap(text string, width float64, measure Measure) []string {
	text = norm.NFC.String(text)
	var w wrapper
	w.width, w.measure = width, measure
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		w.paragraph(para)
	}
	return w.lines
}

type wrapper struct {
	width   float64
	measure Measure
	seg     segmenter.Segmenter
	lines   []string
	cur     []rune
}

func (w *wrapper) fits(rs []rune) bool {
	return w.measure(clean(rs)) <= w.width
}

func (w *wrapper) flush() {
	w.lines = append(w.lines, clean(w.cur))
	w.cur = w.cur[:0]
}

func (w *wrapper) paragraph(para string) {
	runes := []rune(para)
	if len(runes) == 0 {
		w.lines = append(w.lines, "")
		return
	}
	w.seg.Init(runes)
	it := w.seg.LineIterator()
	for it.Next() {
		piece := it.Line().Text
		if w.fits(append(w.cur[:len(w.cur):len(w.cur)], piece...)) {
			w.cur = append(w.cur, piece...)
			continue
		}
		if len(w.cur) > 0 {
			w.flush()
		}
		if w.fits(piece) {
			w.cur = append(w.cur, piece...)
			continue
		}
		w.graphemes(piece)
	}
	w.flush()
}

// graphemes places a piece wider than a line, cluster by cluster.
func (w *wrapper) graphemes(piece []rune) {
	var seg segmenter.Segmenter
	seg.Init(piece)
	it := seg.GraphemeIterator()
	var clusters [][]rune
	for it.Next() {
		g := it.Grapheme().Text
		// A cluster ending in a subscript sign stays with the next one.
		if n := len(clusters); n > 0 && joinsNext(clusters[n-1]) {
			clusters[n-1] = append(clusters[n-1], g...)
			continue
		}
		clusters = append(clusters, append([]rune(nil), g...))
	}
	for _, g := range clusters {
		if len(w.cur) > 0 && !w.fits(append(w.cur[:len(w.cur):len(w.cur)], g...)) {
			w.flush()
		}
		w.cur = append(w.cur, g...)
	}
}

// joinsNext reports whether a cluster ends in a sign that stacks the next
// consonant under it (Khmer coeng U+17D2, Lao and Thai viramas).
func joinsNext(g []rune) bool {
	switch g[len(g)-1] {
	case '\u17d2', '\u0eba', '\u0e3a':
		return true
	}
	return false
}

// clean drops U+200B and trailing spaces.
func clean(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if r != ZWSP {
			b.WriteRune(r)
		}
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// LongestUnbreakable returns the longest run of text, in grapheme clusters,
// with no line break opportunity: the linter warns when Khmer or Lao text
// has one that will need breaking inside a word.
func LongestUnbreakable(text string) (run string, clusters int) {
	var seg segmenter.Segmenter
	for _, para := range strings.Split(norm.NFC.String(text), "\n") {
		runes := []rune(para)
		if len(runes) == 0 {
			continue
		}
		seg.Init(runes)
		it := seg.LineIterator()
		for it.Next() {
			piece := []rune(strings.TrimRightFunc(string(it.Line().Text), func(r rune) bool {
				return unicode.IsSpace(r) || r == ZWSP
			}))
			if len(piece) == 0 {
				continue
			}
			var gs segmenter.Segmenter
			gs.Init(piece)
			n := 0
			for g := gs.GraphemeIterator(); g.Next(); {
				n++
			}
			if n > clusters {
				run, clusters = string(piece), n
			}
		}
	}
	return run, clusters
}
