package player

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// maxSegmentWidth keeps each ticker message within one texture.
const maxSegmentWidth = 8000

// tickerSeg is one ticker message in one language, laid out on one line.
type tickerSeg struct {
	block textBlock
	width float64 // the text and the gap after it
}

// layoutTicker lays each message out on one line at a size fitting the band.
// Runs on the game goroutine (it shapes with Ebiten's faces; see
// typesetter).
func layoutTicker(ts *typesetter, lay layout, cfg *siteconfig.Config, msgs []slides.TickerText) []tickerSeg {
	if lay.Ticker.H == 0 || len(msgs) == 0 {
		return nil
	}
	size, gap := slides.TickerSize(lay.Ticker.H)
	lf := ts.layoutFonts()
	var segs []tickerSeg
	for _, m := range msgs {
		s := lf.TickerLine(m.Lang, m.Text)
		face, metrics := ts.face(m.Lang, s+"…", false, size)
		if face == nil || s == "" {
			continue
		}
		w := text.Advance(s, face)
		if w > maxSegmentWidth {
			ts.warnOnce("ticker-long/"+m.Lang, "ticker message too long; cut", "lang", m.Lang, "width", w)
			var ok bool
			if s, w, ok = slides.CutTickerLine(s, maxSegmentWidth, func(s string) float64 { return text.Advance(s, face) }); !ok {
				continue // not even "…" fits: a font with absurd advances
			}
		}
		lh := metrics.HAscent + metrics.HDescent
		b := textBlock{
			region: Region{Name: "ticker", Lang: m.Lang},
			lines:  []string{s}, face: face, ascent: metrics.HAscent, lineH: lh,
			x: 0, y: (lay.Ticker.H - lh) / 2, w: w, color: cfg.Display.Foreground,
		}
		segs = append(segs, tickerSeg{block: b, width: math.Ceil(w + gap)})
	}
	return segs
}

// ticker crawls its segments right to left at a constant speed; its position
// comes from the clock, so a late frame does not slow it down.
type ticker struct {
	band   Rect
	speed  float64
	start  time.Time
	images []*ebiten.Image
	widths []float64
	total  float64
	bg     color.Color
	accent color.Color
	pixel  *ebiten.Image // 1×1 white, for filling rectangles
	key    string        // what the images show, to skip an unchanged set
}

// tickerKey names what segs show: messages, languages and layout.
func tickerKey(segs []tickerSeg) string {
	var b strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&b, "%s\x00%q\x00%g\x00%g\x00%v\x00", s.block.region.Lang, s.block.lines, s.width, s.block.y, s.block.color)
	}
	return b.String()
}

// set replaces the ticker's messages, drawing each into its own image.
// A set with the same messages (a new publication that did not change the
// ticker) keeps the images and the crawl where it is. Called on the game
// goroutine.
func (t *ticker) set(segs []tickerSeg, now time.Time) {
	key := tickerKey(segs)
	if key == t.key && len(t.images) > 0 {
		return
	}
	t.key = key
	for _, img := range t.images {
		img.Deallocate()
	}
	t.images, t.widths, t.total = nil, nil, 0
	h := int(math.Ceil(t.band.H))
	for _, s := range segs {
		// Images of their own, off Ebiten's shared atlas: a long message
		// would grow the atlas, which software OpenGL keeps in memory and
		// never shrinks, a little more with each publication.
		img := ebiten.NewImageWithOptions(image.Rect(0, 0, int(s.width), h), &ebiten.NewImageOptions{Unmanaged: true})
		s.block.draw(img)
		// A dot in the accent colour separates messages.
		d := t.band.H * 0.14
		fillRect(img, Rect{X: s.block.w + (s.width-s.block.w-d)/2, Y: (t.band.H - d) / 2, W: d, H: d}, t.accent)
		t.images = append(t.images, img)
		t.widths = append(t.widths, s.width)
		t.total += s.width
	}
	t.start = now
}

func (t *ticker) active() bool { return len(t.images) > 0 }

// position is how far the crawl has gone at now, in whole pixels: the
// picture changes only when it does.
func (t *ticker) position(now time.Time) float64 {
	if !t.active() {
		return 0
	}
	return math.Round(math.Mod(now.Sub(t.start).Seconds()*t.speed, t.total))
}

// draw paints the band and the messages at crawl position offset.
func (t *ticker) draw(dst *ebiten.Image, offset float64, base ebiten.GeoM) {
	if t.band.H == 0 {
		return
	}
	drawRect(dst, t.pixel, t.band, t.bg, base)
	if !t.active() {
		return
	}
	x := t.band.W - offset
	// Start from the segment at the crawl position, wrapping round.
	i := 0
	for x > 0 {
		i = (i + len(t.images) - 1) % len(t.images)
		x -= t.widths[i]
	}
	for x < t.band.W {
		if x+t.widths[i] > 0 {
			op := &ebiten.DrawImageOptions{}
			op.GeoM.Translate(math.Round(t.band.X+x), t.band.Y)
			op.GeoM.Concat(base)
			op.Filter = ebiten.FilterLinear
			dst.DrawImage(t.images[i], op)
		}
		x += t.widths[i]
		i = (i + 1) % len(t.images)
	}
}

// drawRect fills r, in logical coordinates, on the rotated screen, by
// scaling the 1×1 white image pixel.
func drawRect(dst, pixel *ebiten.Image, r Rect, c color.Color, base ebiten.GeoM) {
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(r.W, r.H)
	op.GeoM.Translate(r.X, r.Y)
	op.GeoM.Concat(base)
	op.ColorScale.ScaleWithColor(c)
	dst.DrawImage(pixel, op)
}
