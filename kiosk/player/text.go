package player

import (
	"fmt"
	"image/color"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/go-text/typesetting/font"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/text/language"

	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/slides"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// typesetter turns a font chain into Ebiten faces per language and lays text
// out with them. It is safe for use by the loader and game goroutines:
// layout measures through the measurer, never through Ebiten, so the faces
// it returns may be built anywhere but are drawn and measured with Ebiten's
// text functions on the game goroutine only (see measurer).
type typesetter struct {
	log      *slog.Logger
	chain    *fonts.Chain
	sources  *sourceCache
	measure  *measurer
	unmapped *atomic.Int64

	mu     sync.Mutex
	warned map[string]bool
}

// sourceCache keeps parsed Ebiten font sources across bundles, so a new
// bundle does not parse the 16 MB CJK face again.
type sourceCache struct {
	mu sync.Mutex
	m  map[string]*text.GoTextFaceSource
}

// get parses d once. The font is parsed from its file, not from a copy of
// its bytes: the parser keeps a copy of every table it uses, so reading the
// file into memory first only doubled the memory of a CJK face while it
// loaded (16 MB more for each weight).
func (c *sourceCache) get(d fonts.Data) (*text.GoTextFaceSource, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[d.Path]; ok {
		return s, nil
	}
	r, err := d.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// r reads at offsets and seeks (go-text's font.Resource), so Ebiten
	// parses it as it is rather than reading it all into memory first.
	src, err := text.NewGoTextFaceSource(r)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", d.Path, err)
	}
	if c.m == nil {
		c.m = map[string]*text.GoTextFaceSource{}
	}
	c.m[d.Path] = src
	return src, nil
}

// face returns the faces that draw s in lang at size, the language's own
// script first, and the first one's metrics (its extents only: see
// measurer.metrics). Only fonts s uses are loaded.
func (t *typesetter) face(lang, s string, bold bool, size float64) (text.Face, text.Metrics) {
	gfs, primary := t.goTextFaces(lang, s, bold, size)
	if len(gfs) == 0 {
		return nil, text.Metrics{}
	}
	faces := make([]text.Face, len(gfs))
	for i, gf := range gfs {
		faces[i] = gf
	}
	mf, err := text.NewMultiFace(faces...)
	if err != nil {
		return faces[0], primary
	}
	return mf, primary
}

// goTextFaces are the faces of face, in order, with the first one's
// metrics.
func (t *typesetter) goTextFaces(lang, s string, bold bool, size float64) ([]*text.GoTextFace, text.Metrics) {
	chain := t.chain.For(lang).Needed(s)
	tag, _ := language.Parse(lang)
	var faces []*text.GoTextFace
	var primary text.Metrics
	for i, f := range chain.Faces {
		d := f.Regular
		if bold {
			d = f.Bold
		}
		src, err := t.sources.get(d)
		if err != nil {
			t.warnOnce("font:"+d.Path, "font unusable for drawing", "font", f.Name, "err", err)
			continue
		}
		gf := &text.GoTextFace{Source: src, Size: size, Language: tag}
		if s, err := language.ParseScript(f.Script); err == nil && f.Script != "Zyyy" {
			gf.Script = s
		}
		if i == 0 || len(faces) == 0 {
			primary = t.measure.metrics(gf)
		}
		faces = append(faces, gf)
	}
	return faces, primary
}

// layoutFonts lays text out in the typesetter's chain through kiosk/slides,
// with the fonts Ebiten parsed, measured by the typesetter's measurer.
func (t *typesetter) layoutFonts() *slides.Fonts {
	return slides.NewFonts(t.chain, t.parseFont, t.measure.m, t)
}

// parseFont is Ebiten's parsed font of d: parsed once, for drawing and
// for layout.
func (t *typesetter) parseFont(d fonts.Data) (*font.Font, error) {
	src, err := t.sources.get(d)
	if err != nil {
		return nil, err
	}
	return fontOf(src), nil
}

// sizer measures pieces of s (and the ellipsis a cut line ends in).
func (t *typesetter) sizer(lang, s string, bold bool) typeset.Sizer {
	return t.layoutFonts().Sizer(lang, s, bold)
}

// drawable normalises s and drops, counts and logs the characters no font
// of the chain can draw, so that none is drawn as a missing-glyph box.
func (t *typesetter) drawable(where, lang, s string) string {
	return t.layoutFonts().Drawable(where, lang, s)
}

// Warn logs a compromise of the layout once per key (slides.Notes).
func (t *typesetter) Warn(key, msg string, args ...any) { t.warnOnce(key, msg, args...) }

// LeftOut counts characters no font draws (slides.Notes).
func (t *typesetter) LeftOut(n int) { t.unmapped.Add(int64(n)) }

func (t *typesetter) warnOnce(key, msg string, args ...any) {
	t.mu.Lock()
	seen := t.warned[key]
	if t.warned == nil {
		t.warned = map[string]bool{}
	}
	t.warned[key] = true
	t.mu.Unlock()
	if !seen {
		t.log.Warn(msg, args...)
	}
}

// textBlock is laid-out text at a position, ready to draw.
type textBlock struct {
	region  Region
	lines   []string
	face    text.Face
	ascent  float64 // of the primary face
	lineH   float64
	x, y, w float64 // the block's box; lines are drawn from (x, y)
	center  bool    // centre each line in the box, or start-align
	color   color.Color
	size    float64 // the font size, in pixels
}

// layoutBlock fits s into the box and positions it: horizontally centred as a
// block, vertically at top (valign 0), centre (0.5) or bottom (1).
func (t *typesetter) layoutBlock(name, where, lang, s string, bold bool, box Rect, minSize, maxSize, valign float64, center bool, col color.Color) (textBlock, bool) {
	s = t.drawable(where, lang, s)
	b := typeset.Fit(s, box.W, box.H, minSize, maxSize, t.sizer(lang, s, bold))
	f, m := t.face(lang, s+"…", bold, b.Size)
	if f == nil || len(b.Lines) == 0 {
		return textBlock{}, false
	}
	if !b.Fits {
		t.warnOnce("cut/"+where+"/"+lang+"/"+name, "text does not fit even at the smallest size; cut",
			"where", where, "lang", lang, "region", name, "size", b.Size)
	}
	h := b.Height()
	x := box.X + (box.W-b.Width)/2
	y := box.Y + (box.H-h)*valign
	return textBlock{
		region: Region{Name: name, Lang: lang, Rect: Rect{X: x, Y: y, W: b.Width, H: h}},
		lines:  b.Lines, face: f, ascent: m.HAscent, lineH: b.LineHeight,
		x: x, y: y, w: b.Width, center: center, color: col, size: b.Size,
	}, true
}

// draw renders the block onto dst. Called on the game goroutine.
func (b *textBlock) draw(dst *ebiten.Image) { b.drawGeo(dst, ebiten.GeoM{}) }

// drawGeo renders the block onto dst through geo (such as the screen's
// rotation).
func (b *textBlock) drawGeo(dst *ebiten.Image, geo ebiten.GeoM) {
	multiAscent := b.face.Metrics().HAscent
	for i, line := range b.lines {
		if line == "" {
			continue
		}
		x := b.x
		if b.center {
			x += (b.w - text.Advance(line, b.face)) / 2
		}
		baseline := b.y + b.ascent + float64(i)*b.lineH
		op := &text.DrawOptions{}
		op.GeoM.Translate(x, baseline-multiAscent)
		op.GeoM.Concat(geo)
		op.ColorScale.ScaleWithColor(b.color)
		op.Filter = ebiten.FilterLinear
		text.Draw(dst, line, b.face, op)
	}
}
