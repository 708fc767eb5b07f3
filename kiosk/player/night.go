package player

import (
	"image"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// offDrift is how often the off-hours clock moves, against burn-in.
const offDrift = 5 * time.Minute

// offScreen is the dim clock shown outside the hours.
type offScreen struct {
	canvas  *ebiten.Image
	minute  int64
	regions []Region
}

// refreshOff draws the dim clock for now's minute, and reports whether it
// changed. The clock, the date and the site's name are drawn at a quarter
// of the foreground's brightness on black, in a block that moves to one
// of a few places every offDrift.
func (p *Player) refreshOff(now time.Time) bool {
	o := &p.off
	minute := now.Unix() / 60
	if o.minute == minute && o.canvas != nil {
		return false
	}
	o.minute = minute
	w, h := p.lay.W, p.lay.H
	if o.canvas == nil {
		o.canvas = newCanvas(w, h)
	}
	o.canvas.Fill(color.Black)
	o.regions = o.regions[:0]
	ts := p.standbyT
	if ts == nil {
		return true
	}
	short := float64(min(w, h))
	// Nine places on a 3×3 grid, visited in a fixed scrambled order.
	slot := (now.Unix() / int64(offDrift/time.Second) * 5) % 9
	box := Rect{W: float64(w) * 0.6, H: float64(h) * 0.6}
	box.X = (float64(w) - box.W) * float64(slot%3) / 2
	box.Y = (float64(h) - box.H) * float64(slot/3) / 2
	dim := scaleColor(p.cfg.Display.Foreground, 0.25)
	rows := []infoRow{
		{"clock", now.Format("15:04"), true, 0.5, 0.2},
		{"date", dateLine(now), false, 0.25, 0.05},
		{"site", p.cfg.Site.Name, false, 0.25, 0.04},
	}
	for _, b := range layoutRows(ts, "off-hours", p.firstLang(), box, short, rows, dim) {
		b.draw(o.canvas)
		o.regions = append(o.regions, b.region)
	}
	return true
}

// firstLang is the language of the player's own screens: Vietnamese where
// the site shows it, else the site's first.
func (p *Player) firstLang() string {
	if contains(p.cfg.Languages, "vi") {
		return "vi"
	}
	return p.cfg.Languages[0]
}

// dim darkens r of the screen to level (1: unchanged) by drawing black
// over it with alpha 1-level: one blended pass over the part of the screen
// drawn this frame, and none at full brightness.
func (p *Player) dim(screen *ebiten.Image, r Rect, level float64) {
	if level >= 1 || r.W <= 0 || r.H <= 0 {
		return
	}
	a := uint8(math.Round(255 * (1 - math.Max(0, level))))
	drawRect(screen, p.pixel, r, color.RGBA{A: a}, p.base)
}

func scaleColor(c color.Color, k float64) color.RGBA {
	r, g, b, _ := c.RGBA()
	f := func(v uint32) uint8 { return uint8(math.Round(float64(v>>8) * k)) }
	return color.RGBA{R: f(r), G: f(g), B: f(b), A: 0xff}
}

// newCanvas is an opaque image of its own, off Ebiten's shared atlas (see
// slide.render).
func newCanvas(w, h int) *ebiten.Image {
	return ebiten.NewImageWithOptions(image.Rect(0, 0, w, h), &ebiten.NewImageOptions{Unmanaged: true})
}
