package typeset

import (
	"math"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/segmenter"
)

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
