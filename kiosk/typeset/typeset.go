// Package typeset breaks text into lines and fits it to a region.
//
// Break opportunities come from go-text's segmenter
// (github.com/go-text/typesetting/segmenter), which implements the Unicode
// line breaking algorithm (UAX #14) and grapheme clusters (UAX #29): spaces
// in Vietnamese and English, between ideographs in Chinese, and at U+200B
// ZERO WIDTH SPACE. Khmer and Lao, which do not put spaces between words,
// also break between the words that the word lists of the browser's ICU
// (Chromium's Khmer list and ICU's Lao list, embedded from dict/) find in
// them, as browsers break them (see words.go). A run with no break
// opportunity wider than the line (a word the lists do not know, say) is
// broken between grapheme clusters, never inside one, and never right after
// a Khmer or Lao subscript sign (coeng), which belongs with the consonant
// after it.
//
// The word lists are indexed on first use, once per process, into a sorted
// table of four bytes a word (about 130 KB for both lists; the words stay in
// the program's read-only data); the tables are never changed after that.
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
	// curWidth is the width of cur, spaces included, as the sum of its
	// pieces' widths; starts are where its pieces begin in cur.
	curWidth float64
	starts   []int
	words    []int // word boundaries in the piece being placed
}

// MaxLineRunes bounds a line: no legible line holds more characters, and
// text that draws nothing (U+200B and combining marks, say) would
// otherwise make one line of a whole paragraph.
const MaxLineRunes = 1024

// fits reports whether piece fits after the current line, by the widths
// of the pieces added up: each piece is measured once, so breaking is
// linear in the text, however it is made. flush checks the sum.
func (w *wrapper) fits(piece []rune) bool {
	return len(w.cur)+len(piece) <= MaxLineRunes && w.curWidth+w.measure(clean(piece)) <= w.width
}

// add puts piece on the current line.
func (w *wrapper) add(piece []rune) {
	w.starts = append(w.starts, len(w.cur))
	w.cur = append(w.cur, piece...)
	w.curWidth += w.measure(withoutZWSP(piece))
}

// flush ends the current line. Should the line as a whole measure wider
// than the sum of its pieces (kerning across them), its last pieces go to
// the next line.
func (w *wrapper) flush() {
	var carried [][]rune
	for len(w.starts) > 1 && w.measure(clean(w.cur)) > w.width {
		last := w.starts[len(w.starts)-1]
		carried = append(carried, append([]rune(nil), w.cur[last:]...))
		w.cur, w.starts = w.cur[:last], w.starts[:len(w.starts)-1]
	}
	w.lines = append(w.lines, clean(w.cur))
	w.cur, w.starts, w.curWidth = w.cur[:0], w.starts[:0], 0
	for i := len(carried) - 1; i >= 0; i-- {
		w.place(carried[i])
	}
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
		// Between two break opportunities of the Unicode rules, Khmer and
		// Lao runs break between the words the dictionaries find.
		text := it.Line().Text
		w.words = append(wordBreaks(w.words[:0], text), len(text))
		last := 0
		for _, b := range w.words {
			w.place(text[last:b])
			last = b
		}
	}
	w.flush()
}

// place puts a piece with no break opportunity inside on the current line,
// or on the next, or cluster by cluster when it is wider than a line.
func (w *wrapper) place(piece []rune) {
	if w.fits(piece) {
		w.add(piece)
		return
	}
	if len(w.cur) > 0 {
		w.flush()
	}
	if w.fits(piece) {
		w.add(piece)
		return
	}
	w.graphemes(piece)
}

// graphemes places a piece wider than a line, cluster by cluster.
func (w *wrapper) graphemes(piece []rune) {
	var seg segmenter.Segmenter
	seg.Init(piece)
	it := seg.GraphemeIterator()
	var clusters [][]rune
	for it.Next() {
		g := it.Grapheme().Text
		// A cluster ending in a subscript sign, or a prefix vowel, stays
		// with the next one.
		if n := len(clusters); n > 0 && joinsNext(clusters[n-1]) {
			clusters[n-1] = append(clusters[n-1], g...)
			continue
		}
		clusters = append(clusters, append([]rune(nil), g...))
	}
	for _, g := range clusters {
		if len(w.cur) > 0 && !w.fits(g) {
			w.flush()
		}
		w.add(g)
	}
}

// joinsNext reports whether a cluster ends in a sign that stacks the next
// consonant under it (Khmer coeng U+17D2, Lao and Thai viramas), or is a
// vowel written before the consonant it follows in speech (Lao U+0EC0 to
// U+0EC4, Thai U+0E40 to U+0E44), which Unicode's clusters leave apart.
func joinsNext(g []rune) bool {
	switch r := g[len(g)-1]; {
	case r == '\u17d2', r == '\u0eba', r == '\u0e3a':
		return true
	case r >= '\u0ec0' && r <= '\u0ec4', r >= '\u0e40' && r <= '\u0e44':
		return true
	}
	return false
}

// clean drops U+200B and trailing spaces.
func clean(rs []rune) string {
	return strings.TrimRightFunc(withoutZWSP(rs), unicode.IsSpace)
}

// withoutZWSP drops U+200B.
func withoutZWSP(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if r != ZWSP {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LongestUnbreakable returns the longest run of text, in grapheme clusters,
// with no line break opportunity, counting the word boundaries the
// dictionaries find in Khmer and Lao: the linter warns when a run will need
// breaking inside a word.
func LongestUnbreakable(text string) (run string, clusters int) {
	for _, r := range Unbreakable(text, 0) {
		if n := countClusters(r); n > clusters {
			run, clusters = r, n
		}
	}
	return run, clusters
}

// Unbreakable returns, in order, the runs of text with no line break
// opportunity (words, in Khmer and Lao as the dictionaries divide them)
// longer than minClusters grapheme clusters.
func Unbreakable(text string, minClusters int) []string {
	var (
		seg   segmenter.Segmenter
		out   []string
		words []int
	)
	for _, para := range strings.Split(norm.NFC.String(text), "\n") {
		runes := []rune(para)
		if len(runes) == 0 {
			continue
		}
		seg.Init(runes)
		it := seg.LineIterator()
		for it.Next() {
			line := it.Line().Text
			words = append(wordBreaks(words[:0], line), len(line))
			last := 0
			for _, b := range words {
				piece := strings.TrimRightFunc(string(line[last:b]), func(r rune) bool {
					return unicode.IsSpace(r) || r == ZWSP
				})
				last = b
				if piece != "" && countClusters(piece) > minClusters {
					out = append(out, piece)
				}
			}
		}
	}
	return out
}

func countClusters(s string) int {
	var gs segmenter.Segmenter
	gs.Init([]rune(s))
	n := 0
	for g := gs.GraphemeIterator(); g.Next(); {
		n++
	}
	return n
}
