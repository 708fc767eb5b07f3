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
	"math"
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

// Sizer returns how to measure text at a font size, and that size's line
// height in pixels.
type Sizer func(size float64) (measure Measure, lineHeight float64)

// Block is text laid out at one size.
type Block struct {
	Size       float64
	LineHeight float64
	Lines      []string
	// Width is the width of the widest line.
	Width float64
	// Fits is false when even the smallest size overflowed the region; the
	// lines are then cut to the region's height and the last one ends in an
	// ellipsis.
	Fits bool
}

// Height is the height of the block's lines.
func (b Block) Height() float64 { return float64(len(b.Lines)) * b.LineHeight }

// Fit lays text out in a width×height region at the largest whole size
// between minSize and maxSize at which it fits.
func Fit(text string, width, height, minSize, maxSize float64, sizer Sizer) Block {
	layout := func(size float64) Block {
		m, lh := sizer(size)
		b := Block{Size: size, LineHeight: lh, Lines: Wrap(text, width, m)}
		for _, l := range b.Lines {
			b.Width = math.Max(b.Width, m(l))
		}
		b.Fits = b.Height() <= height && b.Width <= width+0.5
		return b
	}
	lo, hi := math.Floor(minSize), math.Floor(maxSize)
	if best := layout(hi); best.Fits {
		return best
	}
	best := layout(lo)
	if !best.Fits {
		return truncate(best, height, sizer)
	}
	// Invariant: lo fits, hi does not.
	for hi-lo > 1 {
		mid := math.Floor((lo + hi) / 2)
		if b := layout(mid); b.Fits {
			lo, best = mid, b
		} else {
			hi = mid
		}
	}
	return best
}

// truncate keeps the lines that fit in height and marks the cut.
func truncate(b Block, height float64, sizer Sizer) Block {
	n := max(int(height/b.LineHeight), 1)
	if n >= len(b.Lines) {
		return b
	}
	m, _ := sizer(b.Size)
	b.Lines = append([]string(nil), b.Lines[:n]...)
	// Drop whole grapheme clusters from the end until the ellipsis fits.
	last := []rune(b.Lines[n-1])
	var seg segmenter.Segmenter
	seg.Init(last)
	cuts := []int{0} // where the line may be cut, shortest first
	for it := seg.GraphemeIterator(); it.Next(); {
		g := it.Grapheme()
		if !joinsNext(g.Text) {
			cuts = append(cuts, g.Offset+len(g.Text))
		}
	}
	keep := 0
	for i := len(cuts) - 1; i >= 0; i-- {
		if keep = cuts[i]; m(string(last[:keep])+"…") <= b.Width {
			break
		}
	}
	b.Lines[n-1] = strings.TrimRightFunc(string(last[:keep]), unicode.IsSpace) + "…"
	return b
}
