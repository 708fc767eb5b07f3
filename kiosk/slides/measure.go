package slides

import (
	"sync"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	glanguage "github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/language"
)

// Face is one parsed font at a size, for a language: what Ebiten's
// text.GoTextFace holds, without Ebiten.
type Face struct {
	Font *font.Font
	Size float64
	// Language and Script are given to the shaper; with no Script, the
	// language's own is used, as GoTextFace does.
	Language language.Tag
	Script   language.Script
}

// script is the script the face shapes with: its own, or its language's.
func (f Face) script() string {
	if f.Script != (language.Script{}) {
		return f.Script.String()
	}
	sc, _ := f.Language.Script()
	return sc.String()
}

// Metrics are a face's horizontal and vertical extents, in pixels.
type Metrics struct {
	HLineGap, HAscent, HDescent float64
	VLineGap, VAscent, VDescent float64
}

// LineHeight is the distance between baselines of a block of text set in
// a face with metrics m.
func LineHeight(m Metrics) float64 { return (m.HAscent + m.HDescent) * 1.12 }

// Measurer shapes text as Ebiten's text package does for a GoTextFace or a
// MultiFace of them (the same parsed fonts, the same face per character,
// the same shaping input), without Ebiten's cache of shaped strings.
//
// Fitting a text tries many sizes and wrapping measures many pieces of it;
// Ebiten keeps every string it shaped, with the outline of each glyph,
// until it has not been used for 60 frames, and a player showing a still
// slide draws few frames. Measured through Ebiten, the layout of a few
// Chinese and Khmer slides kept some 90 MB; only the lines actually drawn
// go through Ebiten.
//
// The parsed font (go-text's font.Font) is safe for concurrent use and may
// be shared with Ebiten; the font.Face over it and the shaper are the
// Measurer's own. A Measurer is safe for concurrent use.
type Measurer struct {
	mu     sync.Mutex
	shaper shaping.HarfbuzzShaper
	faces  map[*font.Font]*font.Face
}

// NewMeasurer returns a measurer with nothing cached.
func NewMeasurer() *Measurer {
	m := &Measurer{faces: map[*font.Font]*font.Face{}}
	m.shaper.SetFontCacheSize(4)
	return m
}

// face is the measurer's own face over f.
func (m *Measurer) face(f *font.Font) *font.Face {
	if ff, ok := m.faces[f]; ok {
		return ff
	}
	ff := font.NewFace(f)
	m.faces[f] = ff
	return ff
}

// Run is a piece of a line set in one face, shaped.
type Run struct {
	Face   Face
	Glyphs []shaping.Glyph
	// Advance is the run's width, in 26.6 fixed-point pixels.
	Advance fixed.Int26_6
}

// Advance is text.Advance(s, MultiFace(faces...)) for horizontal,
// left-to-right faces.
func (m *Measurer) Advance(faces []Face, s string) float64 {
	if len(faces) == 0 || s == "" {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var total fixed.Int26_6
	m.runs(faces, s, func(fi int, piece string) {
		total += m.shape(faces[fi], piece, nil)
	})
	return float64(total) / (1 << 6)
}

// Shape shapes s as a MultiFace of faces draws it: each character goes to
// the first face that has it (the last face takes the rest), and each run
// is shaped as GoTextFace shapes it.
func (m *Measurer) Shape(faces []Face, s string) []Run {
	if len(faces) == 0 || s == "" {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Run
	m.runs(faces, s, func(fi int, piece string) {
		r := Run{Face: faces[fi]}
		r.Advance = m.shape(faces[fi], piece, &r.Glyphs)
		out = append(out, r)
	})
	return out
}

// runs splits s into runs of characters the same face draws. Called with
// m.mu held.
func (m *Measurer) runs(faces []Face, s string, run func(face int, piece string)) {
	start, cur := 0, -1
	for i, r := range s {
		fi := len(faces) - 1
		for j, f := range faces[:len(faces)-1] {
			if _, ok := m.face(f.Font).Cmap.Lookup(r); ok {
				fi = j
				break
			}
		}
		if fi != cur {
			if cur >= 0 && i > start {
				run(cur, s[start:i])
			}
			start, cur = i, fi
		}
	}
	if cur >= 0 && len(s) > start {
		run(cur, s[start:])
	}
}

// shape is GoTextFace's shaping of s, summed; the glyphs are appended to
// glyphs when it is not nil. Called with m.mu held.
func (m *Measurer) shape(f Face, s string, glyphs *[]shaping.Glyph) fixed.Int26_6 {
	ff := m.face(f.Font)
	sc, err := glanguage.ParseScript(f.script())
	if err != nil {
		return 0
	}
	runes := []rune(s)
	input := shaping.Input{
		Text:      runes,
		RunStart:  0,
		RunEnd:    len(runes),
		Direction: di.DirectionLTR,
		Face:      ff,
		Size:      fixed.Int26_6(f.Size * (1 << 6)),
		Script:    sc,
		Language:  glanguage.Language(f.Language.String()),
	}
	var seg shaping.Segmenter
	var a fixed.Int26_6
	for _, in := range seg.Split(input, singleFace{ff}) {
		out := m.shaper.Shape(in)
		a += out.Advance
		if glyphs != nil {
			*glyphs = append(*glyphs, out.Glyphs...)
		}
	}
	return a
}

// Metrics are f's extents (GoTextFace.Metrics without its x-height and cap
// height).
func (m *Measurer) Metrics(f Face) Metrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	ff := m.face(f.Font)
	scale := f.Size / float64(ff.Upem())
	var mt Metrics
	if h, ok := ff.FontHExtents(); ok {
		mt.HLineGap = float64(h.LineGap) * scale
		mt.HAscent = float64(h.Ascender) * scale
		mt.HDescent = float64(-h.Descender) * scale
	}
	if v, ok := ff.FontVExtents(); ok {
		mt.VLineGap = float64(v.LineGap) * scale
		mt.VAscent = float64(v.Ascender) * scale
		mt.VDescent = float64(-v.Descender) * scale
	}
	return mt
}

type singleFace struct{ f *font.Face }

func (s singleFace) ResolveFace(rune) *font.Face { return s.f }
