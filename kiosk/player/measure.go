package player

import (
	"github.com/go-text/typesetting/font"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/vnict/kiosk/kiosk/slides"
)

// measurer gives the advance width and metrics Ebiten's text package gives
// for a GoTextFace or a MultiFace of them, through kiosk/slides' Measurer
// (go-text shaping as GoTextFace shapes, without Ebiten's cache of shaped
// strings; see slides.Measurer for why), over the fonts Ebiten parsed.
//
// Layout reads the fonts only through the measurer (widths and metrics),
// so the loader and the interactive screens' worker lay text out beside
// the game goroutine drawing with the same parsed fonts. Ebiten's own
// faces are for the game goroutine alone: its shaping sets the variations
// of the source's font.Face (which clears that face's glyph cache) while
// GoTextFace.Metrics reads them without Ebiten's lock, and it stamps its
// caches with a frame counter the game loop advances without one.
type measurer struct {
	m *slides.Measurer
}

func newMeasurer() *measurer { return &measurer{m: slides.NewMeasurer()} }

// fontOf is the parsed font behind an Ebiten font source.
func fontOf(src *text.GoTextFaceSource) *font.Font {
	return src.UnsafeInternal().(*font.Face).Font
}

// slideFace is gf as kiosk/slides knows it.
func slideFace(gf *text.GoTextFace) slides.Face {
	return slides.Face{Font: fontOf(gf.Source), Size: gf.Size, Language: gf.Language, Script: gf.Script}
}

// advance is text.Advance(s, MultiFace(faces...)) for horizontal,
// left-to-right faces.
func (m *measurer) advance(faces []*text.GoTextFace, s string) float64 {
	fs := make([]slides.Face, len(faces))
	for i, gf := range faces {
		fs[i] = slideFace(gf)
	}
	return m.m.Advance(fs, s)
}

// metrics is gf.Metrics() without its x-height and cap height.
func (m *measurer) metrics(gf *text.GoTextFace) text.Metrics {
	mt := m.m.Metrics(slideFace(gf))
	return text.Metrics{
		HLineGap: mt.HLineGap, HAscent: mt.HAscent, HDescent: mt.HDescent,
		VLineGap: mt.VLineGap, VAscent: mt.VAscent, VDescent: mt.VDescent,
	}
}
