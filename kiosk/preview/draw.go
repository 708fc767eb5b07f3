package preview

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/slides"
)

// maxSegmentWidth is the player's bound on one ticker message's width.
const maxSegmentWidth = 8000

// outlineCache keeps glyph outlines, in font units, by font and glyph.
// Guarded by the Renderer's mu.
type outlineCache struct {
	faces  map[*font.Font]*font.Face
	glyphs map[glyphKey][]font.Segment
}

type glyphKey struct {
	f   *font.Font
	gid font.GID
}

func newOutlineCache() *outlineCache {
	return &outlineCache{faces: map[*font.Font]*font.Face{}, glyphs: map[glyphKey][]font.Segment{}}
}

// outline is the glyph's outline; nil for a glyph without one (a space,
// or a bitmap glyph, which the site's fonts do not have).
func (c *outlineCache) outline(f *font.Font, gid font.GID) []font.Segment {
	k := glyphKey{f, gid}
	if segs, ok := c.glyphs[k]; ok {
		return segs
	}
	face, ok := c.faces[f]
	if !ok {
		face = font.NewFace(f)
		c.faces[f] = face
	}
	var segs []font.Segment
	if o, ok := face.GlyphData(gid).(font.GlyphOutline); ok {
		segs = o.Segments
	}
	c.glyphs[k] = segs
	return segs
}

// path is a line's glyph outlines in screen pixels.
type path struct {
	ops  []ot.SegmentOp
	pts  [][3][2]float32
	minX float32
	minY float32
	maxX float32
	maxY float32
}

func (p *path) add(op ot.SegmentOp, pts [3][2]float32, n int) {
	p.ops = append(p.ops, op)
	p.pts = append(p.pts, pts)
	for _, q := range pts[:n] {
		p.minX, p.maxX = min(p.minX, q[0]), max(p.maxX, q[0])
		p.minY, p.maxY = min(p.minY, q[1]), max(p.maxY, q[1])
	}
}

// drawLine draws one line of text set in faces with its baseline at
// baseline, from x or centred across w, within clip, placing each glyph
// where Ebiten's text.Draw places it for the player: the line is laid out
// from a local origin, each face's run starting where the previous one's
// advance ends, each glyph's origin snapped down to a whole pixel
// vertically and to the face's subpixel step horizontally (see
// glyphStep), and the whole moved to the line's place, which Ebiten does
// with linear filtering: a fractional move blurs the line as it does on
// the screen (see shift).
func (r *Renderer) drawLine(dst *image.RGBA, faces []slides.Face, line string, x, w float64, center bool, baseline float64, c color.RGBA, clip image.Rectangle) {
	m := r.fonts.Measurer()
	runs := m.Shape(faces, line)
	var adv float64
	for _, run := range runs {
		adv += float64(run.Advance) / 64
	}
	if center {
		x += (w - adv) / 2
	}
	// Ebiten's MultiFace ascent: the largest of its faces'.
	var ascent float64
	for _, f := range faces {
		ascent = max(ascent, m.Metrics(f).HAscent)
	}
	top := baseline - ascent
	// The line is rasterised on the whole-pixel grid at (ix, iy) and
	// moved by the fraction left, as Ebiten draws its glyph images.
	ix, iy := math.Floor(x), math.Floor(top)
	p := path{minX: math.MaxFloat32, minY: math.MaxFloat32, maxX: -math.MaxFloat32, maxY: -math.MaxFloat32}
	local := 0.0
	for _, run := range runs {
		scale := float32(run.Face.Size / float64(run.Face.Font.Upem()))
		step := glyphStep(m.Metrics(run.Face))
		origin := fixed.Int26_6(local * 64)
		for _, g := range run.Glyphs {
			if g.GlyphID == 0 {
				r.notdef.Add(1) // a missing-glyph box: the chain should have left it out
			}
			gx := (origin + g.XOffset) / step * step
			gy := (fixed.Int26_6(ascent*64) - g.YOffset) &^ 63
			ox := float32(ix + float64(gx)/64)
			oy := float32(iy + float64(gy)/64)
			addGlyph(&p, r.outlines.outline(run.Face.Font, g.GlyphID), ox, oy, scale, float32(run.Face.Size), clip)
			origin += g.XAdvance
		}
		local += float64(run.Advance) / 64
	}
	r.fillPath(dst, &p, c, clip, float32(x-ix), float32(top-iy))
}

// maxGlyphEm bounds, in ems of its face, how far a glyph's outline may
// reach from its origin. Real glyphs stay within about two; a font that
// draws further (a crafted bundle font) has that glyph left out rather
// than rasterised.
const maxGlyphEm = 4

// addGlyph adds the glyph outline segs, in font units scaled by scale to
// pixels, at origin (ox, oy) to p, unless it reaches further than
// maxGlyphEm ems of size from its origin or lies wholly outside clip (a
// stack of thousands of combining marks climbs far above the slide).
func addGlyph(p *path, segs []font.Segment, ox, oy, scale, size float32, clip image.Rectangle) {
	if len(segs) == 0 {
		return
	}
	reach := maxGlyphEm * size
	g := path{minX: math.MaxFloat32, minY: math.MaxFloat32, maxX: -math.MaxFloat32, maxY: -math.MaxFloat32}
	for _, s := range segs {
		var pts [3][2]float32
		n := 1
		switch s.Op {
		case ot.SegmentOpQuadTo:
			n = 2
		case ot.SegmentOpCubeTo:
			n = 3
		}
		for k := 0; k < n; k++ {
			dx, dy := s.Args[k].X*scale, -s.Args[k].Y*scale
			if !(dx >= -reach && dx <= reach && dy >= -reach && dy <= reach) { // NaN too
				return
			}
			pts[k] = [2]float32{ox + dx, oy + dy}
		}
		g.add(s.Op, pts, n)
	}
	if g.maxX < float32(clip.Min.X)-2 || g.minX > float32(clip.Max.X)+2 ||
		g.maxY < float32(clip.Min.Y)-2 || g.minY > float32(clip.Max.Y)+2 {
		return
	}
	p.ops = append(p.ops, g.ops...)
	p.pts = append(p.pts, g.pts...)
	p.minX, p.maxX = min(p.minX, g.minX), max(p.maxX, g.maxX)
	p.minY, p.maxY = min(p.minY, g.minY), max(p.maxY, g.maxY)
}

// glyphStep is the horizontal step, in 26.6 fixed point, Ebiten places a
// face's glyphs at: finer for small text, whole pixels from 80 px of
// ascent and descent (its glyphVariationCount).
func glyphStep(m slides.Metrics) fixed.Int26_6 {
	n := 1
	switch s := m.HAscent + m.HDescent; {
	case s < 20:
		n = 8
	case s < 40:
		n = 4
	case s < 80:
		n = 2
	}
	return (1 << 6) / fixed.Int26_6(n)
}

// fillPath fills p, antialiased, in c, moved right and down by fx and fy
// of a pixel with linear filtering.
func (r *Renderer) fillPath(dst *image.RGBA, p *path, c color.RGBA, clip image.Rectangle, fx, fy float32) {
	if len(p.ops) == 0 {
		return
	}
	x0, y0 := int(math.Floor(float64(p.minX)))-1, int(math.Floor(float64(p.minY)))-1
	x1, y1 := int(math.Ceil(float64(p.maxX)))+1, int(math.Ceil(float64(p.maxY)))+1
	// Only the part of the path's box that can reach clip is rasterised:
	// clip itself, and the row and column before it, which the shift
	// below blends in. The rasterizer accumulates what lies left of or
	// above its window, so the part drawn is the same.
	box := image.Rect(x0, y0, x1, y1).Intersect(image.Rect(clip.Min.X-1, clip.Min.Y-1, clip.Max.X, clip.Max.Y))
	if box.Empty() {
		return
	}
	ox, oy := float32(box.Min.X), float32(box.Min.Y)
	z := vector.NewRasterizer(box.Dx(), box.Dy())
	open := false
	for i, op := range p.ops {
		q := p.pts[i]
		switch op {
		case ot.SegmentOpMoveTo:
			if open {
				z.ClosePath()
			}
			z.MoveTo(q[0][0]-ox, q[0][1]-oy)
			open = true
		case ot.SegmentOpLineTo:
			z.LineTo(q[0][0]-ox, q[0][1]-oy)
		case ot.SegmentOpQuadTo:
			z.QuadTo(q[0][0]-ox, q[0][1]-oy, q[1][0]-ox, q[1][1]-oy)
		case ot.SegmentOpCubeTo:
			z.CubeTo(q[0][0]-ox, q[0][1]-oy, q[1][0]-ox, q[1][1]-oy, q[2][0]-ox, q[2][1]-oy)
		}
	}
	if open {
		z.ClosePath()
	}
	mask := image.NewAlpha(image.Rect(0, 0, box.Dx(), box.Dy()))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	if fx != 0 || fy != 0 {
		mask = shift(mask, fx, fy)
		box.Max = box.Max.Add(image.Pt(1, 1))
	}
	to := box.Intersect(clip)
	draw.DrawMask(dst, to, image.NewUniform(c), image.Point{}, mask, to.Min.Sub(box.Min), draw.Over)
}

// shift moves m right and down by fx and fy (each in [0, 1)) of a pixel,
// sampling it bilinearly as a GPU's linear filter does; the result is a
// pixel wider and taller.
func shift(m *image.Alpha, fx, fy float32) *image.Alpha {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewAlpha(image.Rect(0, 0, w+1, h+1))
	at := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 0
		}
		return float32(m.Pix[y*m.Stride+x])
	}
	w00, w10 := (1-fx)*(1-fy), fx*(1-fy)
	w01, w11 := (1-fx)*fy, fx*fy
	for y := 0; y <= h; y++ {
		for x := 0; x <= w; x++ {
			v := w00*at(x, y) + w10*at(x-1, y) + w01*at(x, y-1) + w11*at(x-1, y-1)
			out.Pix[y*out.Stride+x] = uint8(min(255, v+0.5))
		}
	}
	return out
}

// drawTicker draws the ticker band with its messages as they stand once
// the first has crawled in, and reports whether it has messages (the
// player then lists its region).
func (r *Renderer) drawTicker(dst *image.RGBA) bool {
	band := r.scr.Ticker
	if band.H == 0 {
		return false
	}
	d := r.cfg.Display
	fill(dst, pixels(band), darken(color.RGBA(d.Background)))
	size, gap := slides.TickerSize(band.H)
	type seg struct {
		faces          []slides.Face
		line           string
		w, width, y, a float64
	}
	var segs []seg
	for _, m := range slides.TickerMessages(r.bundle, r.cfg) {
		s := r.fonts.TickerLine(m.Lang, m.Text)
		faces, mt := r.fonts.Faces(m.Lang, s+"…", false, size)
		if len(faces) == 0 || s == "" {
			continue
		}
		m := r.fonts.Measurer()
		s, w, ok := slides.CutTickerLine(s, maxSegmentWidth, func(s string) float64 { return m.Advance(faces, s) })
		if !ok {
			continue
		}
		lh := mt.HAscent + mt.HDescent
		segs = append(segs, seg{faces: faces, line: s, w: w, width: math.Ceil(w + gap), y: (band.H - lh) / 2, a: mt.HAscent})
	}
	if len(segs) == 0 {
		return false
	}
	clip := pixels(band)
	x := math.Round(band.X + r.scr.Margin)
	for i := 0; x < band.X+band.W; i = (i + 1) % len(segs) {
		s := segs[i]
		r.drawLine(dst, s.faces, s.line, x, s.w, false, band.Y+s.y+s.a, color.RGBA(d.Foreground), clip)
		dot := band.H * 0.14
		fill(dst, pixels(slides.Rect{X: x + s.w + (s.width-s.w-dot)/2, Y: band.Y + (band.H-dot)/2, W: dot, H: dot}).Intersect(clip), color.RGBA(d.Accent))
		x += s.width
	}
	return true
}

// drawVideo draws a video slide's placeholder: the slide area darkened, a
// play mark, and the item named.
func (r *Renderer) drawVideo(dst *image.RGBA, spec schedule.Slide) {
	d := r.cfg.Display
	area := r.scr.Area
	fill(dst, pixels(area), darken(color.RGBA(d.Background)))
	cx, cy := area.X+area.W/2, area.Y+area.H*0.42
	h := math.Min(area.W, area.H) * 0.18
	p := path{minX: math.MaxFloat32, minY: math.MaxFloat32, maxX: -math.MaxFloat32, maxY: -math.MaxFloat32}
	pt := func(x, y float64) [3][2]float32 { return [3][2]float32{{float32(x), float32(y)}} }
	p.add(ot.SegmentOpMoveTo, pt(cx-h*0.4, cy-h/2), 1)
	p.add(ot.SegmentOpLineTo, pt(cx+h*0.5, cy), 1)
	p.add(ot.SegmentOpLineTo, pt(cx-h*0.4, cy+h/2), 1)
	clip := pixels(area)
	r.fillPath(dst, &p, color.RGBA(d.Accent), clip, 0, 0)

	lang := spec.Langs[0]
	label := "video · " + spec.Item.ID
	if t := spec.Item.Text[lang].Title; t != "" {
		label += " · " + t
	}
	lines := []string{label}
	ow, oh := d.OutputSize()
	if v := spec.Item.Video; v == nil {
		lines = append(lines, "không có video (no clip)")
	} else if _, ok := v.Rendition(ow, oh, d.Rotation, r.cfg.Video.FPS); !ok {
		// The player skips it: say so where the author looks.
		lines = append(lines, fmt.Sprintf("không có bản %dx%d %d° %d fps: màn hình bỏ qua (no rendition for this screen: skipped)", ow, oh, d.Rotation, r.cfg.Video.FPS))
	}
	size := math.Round(math.Min(area.W, area.H) * 0.045)
	y := cy + h*0.5 + size*1.5
	for k, line := range lines {
		line = r.fonts.Drawable(spec.Item.ID, lang, line)
		bold := k == 0
		faces, mt := r.fonts.Faces(lang, line+"…", bold, size)
		if len(faces) == 0 {
			continue
		}
		r.drawLine(dst, faces, line, area.X+r.scr.Margin, area.W-2*r.scr.Margin, true, y+mt.HAscent, color.RGBA(d.Foreground), clip)
		y += slides.LineHeight(mt)
		size = math.Round(size * 0.7)
	}
}
