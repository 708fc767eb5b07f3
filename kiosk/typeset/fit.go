package typeset

import (
	"math"
	"slices"
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

// At lays text out in a region width wide at one size; Fits reports
// whether the lines fit width×height.
func At(text string, width, height, size float64, sizer Sizer) Block {
	m, lh := sizer(size)
	b := Block{Size: size, LineHeight: lh, Lines: Wrap(text, width, m)}
	for _, l := range b.Lines {
		b.Width = math.Max(b.Width, m(l))
	}
	b.Fits = b.Height() <= height && b.Width <= width+0.5
	return b
}

// Fit lays text out in a width×height region at the largest whole size
// between minSize and maxSize at which it fits.
func Fit(text string, width, height, minSize, maxSize float64, sizer Sizer) Block {
	layout := func(size float64) Block { return At(text, width, height, size, sizer) }
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

// Text is one part of a panel, a title or a body, and how to measure it.
type Text struct {
	Text  string
	Sizer Sizer
}

// Panel is an item's text in one language: a title over a body. Either may
// be empty.
type Panel struct{ Title, Body Text }

// Scale bounds the sizes FitPanels chooses, in whole pixels.
type Scale struct {
	MinBody, MaxBody float64
	// TitleRatio is the title's size over the body's, kept while every
	// title takes at most TitleLines lines at it; a longer title comes
	// down towards MinTitleRatio to take fewer lines.
	TitleRatio, MinTitleRatio float64
	TitleLines                int
	// MoreTitleLines lets titles take up to that many lines (more than
	// TitleLines) where it sets bodies at least a tenth larger: on a tall
	// panel, a title of three lines leaves the body room to grow.
	MoreTitleLines int
	// ShortTitlesDownTo is the smallest body size worth taking so that
	// titles keep to TitleLines lines; where that needs a smaller body
	// still, titles may take one line more, and then as many as they
	// need.
	ShortTitlesDownTo  float64
	MinTitle, MaxTitle float64
	// Gap is the space between a title and its body.
	Gap float64
}

// Set is a panel laid out: its title and body blocks (a part the panel
// does not have has no lines).
type Set struct{ Title, Body Block }

// Height is the height the set takes with gap between title and body.
func (s Set) Height(gap float64) float64 {
	h := s.Title.Height() + s.Body.Height()
	if len(s.Title.Lines) > 0 && len(s.Body.Lines) > 0 {
		h += gap
	}
	return h
}

// Level is the height of panels laid out with their titles and bodies
// level: the tallest title, the gap, and the tallest body.
func Level(sets []Set, gap float64) (titles, bodies, total float64) {
	for _, s := range sets {
		titles, bodies = max(titles, s.Title.Height()), max(bodies, s.Body.Height())
	}
	total = titles + bodies
	if titles > 0 && bodies > 0 {
		total += gap
	}
	return titles, bodies, total
}

// FitPanels lays out the panels of one slide (an item in one or more
// languages, each given a width×height region) at one body size and one
// title size shared by all of them, so that the same role has the same
// size in every language. The body size is the largest whole size between
// MinBody and MaxBody at which the panels fit with their titles and bodies
// level (see Level); the title size goes with it (see Scale). When the
// panels do not fit even at MinBody, titles take their smallest size and
// bodies are cut to the height left under the tallest title (Fits false).
func FitPanels(panels []Panel, width, height float64, sc Scale) []Set {
	// The search wraps the same text at many sizes and widths. It first
	// runs on widths measured once and scaled to each size (shaped text
	// scales with its size, but for rounding); the sizes it finds are
	// then laid out with the exact measure, and when that does not fit
	// (rounding tipped a line over), the search runs again on exact
	// widths.
	exact, scaled := slices.Clone(panels), slices.Clone(panels)
	for i := range panels {
		exact[i].Title.Sizer, scaled[i].Title.Sizer = remember(panels[i].Title.Sizer), scaleOnce(panels[i].Title.Sizer)
		exact[i].Body.Sizer, scaled[i].Body.Sizer = remember(panels[i].Body.Sizer), scaleOnce(panels[i].Body.Sizer)
	}
	if sets, ok := newPanelFit(scaled, width, height, sc).fit(); ok {
		f := newPanelFit(exact, width, height, sc)
		title, body := 0.0, sets[0].Body.Size
		for _, s := range sets {
			if len(s.Title.Lines) > 0 {
				title = s.Title.Size
			}
		}
		if again, ok := f.with(title, body, sets); ok {
			return f.balance(again)
		}
	}
	f := newPanelFit(exact, width, height, sc)
	if sets, ok := f.fit(); ok {
		return f.balance(sets)
	}
	return f.overflow(math.Floor(sc.MinBody))
}

func newPanelFit(panels []Panel, width, height float64, sc Scale) *panelFit {
	f := &panelFit{panels: panels, width: width, height: height, sc: sc,
		titles: make([]map[float64]Block, len(panels)), bodies: make([]map[float64]Block, len(panels))}
	for i := range panels {
		f.titles[i], f.bodies[i] = map[float64]Block{}, map[float64]Block{}
	}
	return f
}

// fit searches for the sizes: first with titles of at most TitleLines
// lines, then one more, then as many as they take.
func (f *panelFit) fit() ([]Set, bool) {
	sc := f.sc
	lo, hi := math.Floor(sc.MinBody), math.Floor(max(sc.MaxBody, sc.MinBody))
	short := max(lo, min(hi, math.Floor(sc.ShortTitlesDownTo)))
	first := max(sc.TitleLines, 1)
	best, found := f.search(short, hi, first)
	for lines := first + 1; lines <= sc.MoreTitleLines; lines++ {
		if sets, ok := f.search(short, hi, lines); ok && (!found || bodySize(sets) >= 1.1*bodySize(best)) {
			best, found = sets, true
		}
	}
	if found {
		return best, true
	}
	if sets, ok := f.search(short, hi, max(first+1, sc.MoreTitleLines+1)); ok {
		return sets, true
	}
	return f.search(lo, hi, math.MaxInt)
}

// bodySize is the size the bodies of sets are set at (0 without bodies).
func bodySize(sets []Set) float64 {
	for _, s := range sets {
		if len(s.Body.Lines) > 0 {
			return s.Body.Size
		}
	}
	return 0
}

// with lays the panels out at the given sizes and reports whether they fit
// as well as like did: level within the height, and no title longer.
func (f *panelFit) with(title, body float64, like []Set) ([]Set, bool) {
	return f.layout(title, body, func(i int) int { return len(like[i].Title.Lines) })
}

// layout lays every panel out with the given sizes and reports whether all
// fit: no line wider than the panels, panel i's title in at most lines(i)
// lines, and the panels level within the height.
func (f *panelFit) layout(title, body float64, lines func(i int) int) ([]Set, bool) {
	sets := make([]Set, len(f.panels))
	for i, p := range f.panels {
		s := Set{Title: f.block(f.titles[i], p.Title, title), Body: f.block(f.bodies[i], p.Body, body)}
		if s.Title.Width > f.width+0.5 || s.Body.Width > f.width+0.5 || len(s.Title.Lines) > lines(i) {
			return nil, false
		}
		s.Title.Fits, s.Body.Fits = true, true
		sets[i] = s
	}
	if _, _, h := Level(sets, f.sc.Gap); h > f.height {
		return nil, false
	}
	return sets, true
}

// search finds the largest body size between lo and hi at which the panels
// fit with titles of at most lines lines.
func (f *panelFit) search(lo, hi float64, lines int) ([]Set, bool) {
	if sets, ok := f.at(hi, lines); ok {
		return sets, true
	}
	best, ok := f.at(lo, lines)
	if !ok {
		return nil, false
	}
	// Invariant: lo fits, hi does not.
	for hi-lo > 1 {
		mid := math.Floor((lo + hi) / 2)
		if sets, ok := f.at(mid, lines); ok {
			lo, best = mid, sets
		} else {
			hi = mid
		}
	}
	return best, true
}

// balance evens out the lines of titles, and of bodies of at most
// balanceLines lines: each is wrapped again at the narrowest width that
// keeps its number of lines, so that a last line does not hold one word.
// Longer bodies keep their lines, as a paragraph reads.
func (f *panelFit) balance(sets []Set) []Set {
	for i := range sets {
		sets[i].Title = f.balanced(sets[i].Title, f.panels[i].Title)
		if len(sets[i].Body.Lines) <= balanceLines {
			sets[i].Body = f.balanced(sets[i].Body, f.panels[i].Body)
		}
	}
	return sets
}

const balanceLines = 4

func (f *panelFit) balanced(b Block, t Text) Block {
	n := len(b.Lines)
	if n < 2 {
		return b
	}
	lo, hi := b.Width/float64(n), b.Width
	best := b
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if c := At(t.Text, mid, f.height, b.Size, t.Sizer); len(c.Lines) == n && c.Width <= mid+0.5 {
			hi, best = mid, c
		} else {
			lo = mid
		}
	}
	best.Fits = b.Fits
	return best
}

// scaleOnce is sizer measuring each piece once, at the first size asked
// for, and scaling that width to other sizes.
func scaleOnce(sizer Sizer) Sizer {
	if sizer == nil {
		return nil
	}
	var (
		ref     float64
		refM    Measure
		widths  = map[string]float64{} // at ref
		heights = map[float64]float64{}
	)
	return func(size float64) (Measure, float64) {
		lh, ok := heights[size]
		if !ok {
			var m Measure
			m, lh = sizer(size)
			heights[size] = lh
			if refM == nil {
				refM, ref = m, size
			}
		}
		return func(t string) float64 {
			w, ok := widths[t]
			if !ok {
				w = refM(t)
				widths[t] = w
			}
			return w * size / ref
		}, lh
	}
}

// remember is sizer with each size's measure remembering the widths it
// gave, for the length of one fit.
func remember(sizer Sizer) Sizer {
	if sizer == nil {
		return nil
	}
	type sized struct {
		measure    Measure
		lineHeight float64
	}
	sizes := map[float64]sized{}
	return func(size float64) (Measure, float64) {
		if s, ok := sizes[size]; ok {
			return s.measure, s.lineHeight
		}
		m, lh := sizer(size)
		widths := map[string]float64{}
		s := sized{func(t string) float64 {
			w, ok := widths[t]
			if !ok {
				w = m(t)
				widths[t] = w
			}
			return w
		}, lh}
		sizes[size] = s
		return s.measure, s.lineHeight
	}
}

// panelFit is the state of one FitPanels: the blocks laid out so far, by
// panel and size, as the search tries sizes more than once.
type panelFit struct {
	panels         []Panel
	width, height  float64
	sc             Scale
	titles, bodies []map[float64]Block
}

func (f *panelFit) block(cache map[float64]Block, t Text, size float64) Block {
	if t.Text == "" {
		return Block{Size: size, Fits: true}
	}
	if b, ok := cache[size]; ok {
		return b
	}
	b := At(t.Text, f.width, f.height, size, t.Sizer)
	cache[size] = b
	return b
}

// titleBounds are the least and greatest title sizes that go with a body
// size.
func (f *panelFit) titleBounds(body float64) (lo, hi float64) {
	hi = math.Floor(min(f.sc.MaxTitle, f.sc.TitleRatio*body))
	lo = math.Floor(min(hi, max(f.sc.MinTitle, f.sc.MinTitleRatio*body)))
	return lo, max(lo, hi)
}

// titleSize is the largest title size that goes with a body size at which
// every title keeps to TitleLines lines (or lines, if fewer), or the least
// when none does.
func (f *panelFit) titleSize(body float64, lines int) float64 {
	lines = min(lines, max(f.sc.TitleLines, 1))
	lo, hi := f.titleBounds(body)
	short := func(size float64) bool {
		for i, p := range f.panels {
			b := f.block(f.titles[i], p.Title, size)
			if len(b.Lines) > lines || b.Width > f.width+0.5 {
				return false
			}
		}
		return true
	}
	if short(hi) {
		return hi
	}
	if !short(lo) {
		return lo
	}
	for hi-lo > 1 {
		mid := math.Floor((lo + hi) / 2)
		if short(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// at lays every panel out with body size body and reports whether all fit
// with titles of at most lines lines.
func (f *panelFit) at(body float64, lines int) ([]Set, bool) {
	return f.layout(f.titleSize(body, lines), body, func(int) int { return lines })
}

// overflow lays the panels out when they do not fit at the smallest body
// size: titles at their smallest, cut to the region if need be, and bodies
// cut to the height left under the tallest title, which gives up lines so
// that a line of body shows.
func (f *panelFit) overflow(body float64) []Set {
	title, _ := f.titleBounds(body)
	sets := make([]Set, len(f.panels))
	room := f.height // for titles
	for _, p := range f.panels {
		if p.Body.Text != "" {
			_, lh := p.Body.Sizer(body)
			room = min(room, f.height-lh-f.sc.Gap)
		}
	}
	for i, p := range f.panels {
		if p.Title.Text != "" {
			t := f.block(f.titles[i], p.Title, title)
			t.Fits = t.Height() <= room
			sets[i].Title = truncate(t, max(room, 1), p.Title.Sizer)
		}
	}
	titles, _, _ := Level(sets, 0)
	for i, p := range f.panels {
		if p.Body.Text == "" {
			continue
		}
		left := f.height - titles
		if titles > 0 {
			left -= f.sc.Gap
		}
		b := f.block(f.bodies[i], p.Body, body)
		b.Fits = b.Height() <= left
		sets[i].Body = truncate(b, left, p.Body.Sizer)
	}
	return sets
}
