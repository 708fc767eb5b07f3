package slides

import (
	"strings"

	"github.com/go-text/typesetting/font"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// Notes hears what a layout had to give up, for the log: characters no
// font draws, text set smaller than legible or cut, a font that would not
// parse. Keys name each compromise, so a caller can report each once.
type Notes interface {
	Warn(key, msg string, args ...any)
	// LeftOut counts characters left out because no font draws them.
	LeftOut(n int)
}

// ParseFunc gives the parsed font of a font file. The player passes the
// fonts Ebiten parsed; a font is parsed once however many read it.
type ParseFunc func(fonts.Data) (*font.Font, error)

// Fonts lays text out in a site's font chain. It is safe for concurrent
// use when its ParseFunc and Notes are.
type Fonts struct {
	chain   *fonts.Chain
	parse   ParseFunc
	measure *Measurer
	notes   Notes
}

// NewFonts lays text out in chain, whose fonts parse gives, measured by m,
// telling notes what it gives up.
func NewFonts(chain *fonts.Chain, parse ParseFunc, m *Measurer, notes Notes) *Fonts {
	return &Fonts{chain: chain, parse: parse, measure: m, notes: notes}
}

// Chain is the font chain text is set in.
func (f *Fonts) Chain() *fonts.Chain { return f.chain }

// Measurer is what measures the text.
func (f *Fonts) Measurer() *Measurer { return f.measure }

// Faces are the faces that draw s in lang at size, the language's own
// script first, and the first one's metrics. Only fonts s uses are parsed;
// a font that will not parse is skipped (and noted).
func (f *Fonts) Faces(lang, s string, bold bool, size float64) ([]Face, Metrics) {
	chain := f.chain.For(lang).Needed(s)
	tag, _ := language.Parse(lang)
	var faces []Face
	var primary Metrics
	for _, cf := range chain.Faces {
		d := cf.Regular
		if bold {
			d = cf.Bold
		}
		ft, err := f.parse(d)
		if err != nil {
			f.notes.Warn("font:"+d.Path, "font unusable for drawing", "font", cf.Name, "err", err)
			continue
		}
		face := Face{Font: ft, Size: size, Language: tag}
		if sc, err := language.ParseScript(cf.Script); err == nil && cf.Script != "Zyyy" {
			face.Script = sc
		}
		if len(faces) == 0 {
			primary = f.measure.Metrics(face)
		}
		faces = append(faces, face)
	}
	return faces, primary
}

// Sizer measures pieces of s (and the ellipsis a cut line ends in) in lang,
// for typeset's fitting.
func (f *Fonts) Sizer(lang, s string, bold bool) typeset.Sizer {
	s += "…"
	return func(size float64) (typeset.Measure, float64) {
		faces, m := f.Faces(lang, s, bold, size)
		if len(faces) == 0 {
			return func(string) float64 { return 0 }, size
		}
		return func(s string) float64 { return f.measure.Advance(faces, s) }, LineHeight(m)
	}
}

// Drawable normalises s and drops (and notes, once for where and lang) the
// characters no font of the chain can draw, so that none is drawn as a
// missing-glyph box.
func (f *Fonts) Drawable(where, lang, s string) string {
	s = norm.NFC.String(s)
	missing := f.chain.For(lang).Missing(s)
	if len(missing) == 0 {
		return s
	}
	n := 0
	out := strings.Map(func(r rune) rune {
		for _, m := range missing {
			if r == m {
				n++
				return -1
			}
		}
		return r
	}, s)
	f.notes.LeftOut(n)
	f.notes.Warn(where+"/"+lang, "characters no font can draw were left out",
		"where", where, "lang", lang, "count", n, "chars", fonts.FormatRunes(missing))
	return out
}
