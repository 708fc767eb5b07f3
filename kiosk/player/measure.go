package player

import (
	"sync"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	glanguage "github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/language"
)

// measurer gives the advance width Ebiten's text.Advance gives for a
// GoTextFace or a MultiFace of them, computed the same way (the same
// parsed fonts, the same face per character, the same shaping input), but
// without Ebiten's cache of shaped strings.
//
// Fitting a text tries many sizes and wrapping measures many pieces of it;
// Ebiten keeps every string it shaped, with the outline of each glyph,
// until it has not been used for 60 frames, and a player showing a still
// slide draws few frames. Measured through Ebiten, the layout of a few
// Chinese and Khmer slides kept some 90 MB; only the lines actually drawn
// go through Ebiten now.
//
// The parsed font (go-text's font.Font) is shared with Ebiten's source and
// is safe for concurrent use; the font.Face over it and the shaper are the
// measurer's own.
//
// Layout reads the fonts only through the measurer (widths and metrics),
// so the loader and the interactive screens' worker lay text out beside
// the game goroutine drawing with the same parsed fonts. Ebiten's own
// faces are for the game goroutine alone: its shaping sets the variations
// of the source's font.Face (which clears that face's glyph cache) while
// GoTextFace.Metrics reads them without Ebiten's lock, and it stamps its
// caches with a frame counter the game loop advances without one.
type measurer struct {
	mu     sync.Mutex
	shaper shaping.HarfbuzzShaper
	faces  map[*text.GoTextFaceSource]*font.Face
}

func newMeasurer() *measurer {
	m := &measurer{faces: map[*text.GoTextFaceSource]*font.Face{}}
	m.shaper.SetFontCacheSize(4)
	return m
}

// face is the measurer's own face over src's parsed font.
func (m *measurer) face(src *text.GoTextFaceSource) *font.Face {
	if f, ok := m.faces[src]; ok {
		return f
	}
	f := font.NewFace(src.UnsafeInternal().(*font.Face).Font)
	m.faces[src] = f
	return f
}

// advance is text.Advance(s, MultiFace(faces...)) for horizontal,
// left-to-right faces: each character goes to the first face that has it
// (the last face takes the rest), and each run is shaped as GoTextFace
// shapes it.
func (m *measurer) advance(faces []*text.GoTextFace, s string) float64 {
	if len(faces) == 0 || s == "" {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var total fixed.Int26_6
	start, cur := 0, -1
	flush := func(end int) {
		if cur >= 0 && end > start {
			total += m.shape(faces[cur], s[start:end])
		}
	}
	for i, r := range s {
		fi := len(faces) - 1
		for j, gf := range faces[:len(faces)-1] {
			if _, ok := m.face(gf.Source).Cmap.Lookup(r); ok {
				fi = j
				break
			}
		}
		if fi != cur {
			flush(i)
			start, cur = i, fi
		}
	}
	flush(len(s))
	return float64(total) / (1 << 6)
}

// shape is GoTextFace's shaping of s, summed.
func (m *measurer) shape(gf *text.GoTextFace, s string) fixed.Int26_6 {
	f := m.face(gf.Source)
	sc, err := glanguage.ParseScript(goTextScript(gf))
	if err != nil {
		return 0
	}
	runes := []rune(s)
	input := shaping.Input{
		Text:      runes,
		RunStart:  0,
		RunEnd:    len(runes),
		Direction: di.DirectionLTR,
		Face:      f,
		Size:      fixed.Int26_6(gf.Size * (1 << 6)),
		Script:    sc,
		Language:  glanguage.Language(gf.Language.String()),
	}
	var seg shaping.Segmenter
	var a fixed.Int26_6
	for _, in := range seg.Split(input, singleFace{f}) {
		a += m.shaper.Shape(in).Advance
	}
	return a
}

// metrics is gf.Metrics() without its x-height and cap height: the
// horizontal and vertical extents, read from the measurer's own face over
// the same parsed font (see measurer).
func (m *measurer) metrics(gf *text.GoTextFace) text.Metrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.face(gf.Source)
	scale := gf.Size / float64(f.Upem())
	var mt text.Metrics
	if h, ok := f.FontHExtents(); ok {
		mt.HLineGap = float64(h.LineGap) * scale
		mt.HAscent = float64(h.Ascender) * scale
		mt.HDescent = float64(-h.Descender) * scale
	}
	if v, ok := f.FontVExtents(); ok {
		mt.VLineGap = float64(v.LineGap) * scale
		mt.VAscent = float64(v.Ascender) * scale
		mt.VDescent = float64(-v.Descender) * scale
	}
	return mt
}

// goTextScript is the script GoTextFace shapes with: its own, or its
// language's.
func goTextScript(gf *text.GoTextFace) string {
	if gf.Script != (language.Script{}) {
		return gf.Script.String()
	}
	sc, _ := gf.Language.Script()
	return sc.String()
}

type singleFace struct{ f *font.Face }

func (s singleFace) ResolveFace(rune) *font.Face { return s.f }
