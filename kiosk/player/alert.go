package player

import (
	"context"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/kiosk/slides"
)

// AlertSource gives the player the emergency alerts in force. The sync
// agent's alert book implements it over the verified alerts it holds.
type AlertSource interface {
	// Active returns the alerts that may be on screen at now (the player
	// still shows each only from its start until its expiry).
	Active(now time.Time) []alert.Alert
	// Changed receives a value each time the alerts change (a new alert,
	// an update, a cancel). It may be nil for a source that never changes.
	Changed() <-chan struct{}
}

// alertObserver is an Observer that is also told which alert is on
// screen; a *report.Recorder is one.
type alertObserver interface {
	Alerting(now time.Time, id string)
}

// alertCycle is how long an alert shows in one language before the next.
const alertCycle = 6 * time.Second

// Alert colours: the background by severity, and the text on it.
var (
	extremeRed      = color.RGBA{0xc6, 0x28, 0x28, 0xff}
	severeOrange    = color.RGBA{0xe6, 0x51, 0x00, 0xff}
	moderateAmber   = color.RGBA{0xff, 0xb3, 0x00, 0xff}
	minorYellow     = color.RGBA{0xfd, 0xd8, 0x35, 0xff}
	unknownBlue     = color.RGBA{0x15, 0x65, 0xc0, 0xff}
	alertWhite      = color.RGBA{0xff, 0xff, 0xff, 0xff}
	alertInk        = color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
	instructionTint = color.RGBA{0xff, 0xe0, 0x82, 0xff}
)

// severityColors returns the background and text colours of an alert.
func severityColors(s alert.Severity) (bg, fg color.RGBA) {
	switch s {
	case alert.Extreme:
		return extremeRed, alertWhite
	case alert.Severe:
		return severeOrange, alertWhite
	case alert.Moderate:
		return moderateAmber, alertInk
	case alert.Minor:
		return minorYellow, alertInk
	}
	return unknownBlue, alertWhite
}

// watchAlerts marks the alerts stale and asks for a frame each time the
// source says they changed, until ctx ends.
func watchAlerts(ctx context.Context, changed <-chan struct{}, stale *atomic.Bool, wake func()) {
	if changed == nil {
		return
	}
	for {
		select {
		case <-changed:
			stale.Store(true)
			wake()
		case <-ctx.Done():
			return
		}
	}
}

// alertView is an alert laid out for the screen, full screen or as a band
// over the top of the slide area, in each of its languages in turn.
type alertView struct {
	id     string
	serial int64
	full   bool
	box    Rect // on the logical screen
	bg, fg color.RGBA
	langs  []string
	panels [][]textBlock // per language; empty when none could be laid out
	start  time.Time     // languages cycle from here
	canvas *ebiten.Image
	shown  int // the language drawn in canvas; -1 for none yet
}

// alertLangs are the languages to show a in: the site's, in its order,
// that the alert has; an alert in none of them shows in all of its own.
func alertLangs(a *alert.Alert, site []string) []string {
	var out []string
	for _, l := range site {
		if t, ok := a.Text[l]; ok && t.Headline != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		for _, l := range slices.Sorted(maps.Keys(a.Text)) {
			if a.Text[l].Headline != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// layoutAlert lays a out, full screen or as a banner. Called on the game
// goroutine when an alert comes on screen or changes; the standby slide's
// typesetter (the site's fonts) sets its text.
func (p *Player) layoutAlert(a *alert.Alert, full bool, now time.Time) *alertView {
	v := &alertView{id: a.ID, serial: a.Serial, full: full, start: now, shown: -1, langs: alertLangs(a, p.cfg.Languages)}
	v.bg, v.fg = severityColors(a.Severity)
	w, h := float64(p.lay.W), float64(p.lay.H)
	short := math.Min(w, h)
	if full {
		v.box = Rect{W: w, H: h}
	} else {
		v.box = Rect{Y: p.lay.Area.Y, W: w, H: math.Round(math.Max(short*0.12, p.lay.Area.H*0.15))}
	}
	ts := p.standbyT
	for _, l := range v.langs {
		var blocks []textBlock
		if ts != nil {
			if full {
				blocks = p.alertPanel(ts, a, l, v)
			} else {
				blocks = p.bannerLine(ts, a, l, v)
			}
		}
		if len(blocks) > 0 {
			v.panels = append(v.panels, blocks)
		}
	}
	if len(v.panels) == 0 {
		p.log.Error("alert text could not be laid out; showing its colour and the clock", "alert", a.ID, "langs", v.langs)
	}
	return v
}

// alertPanel lays out the headline, body and instruction of a in lang over
// the whole screen; nil when the headline cannot be laid out.
func (p *Player) alertPanel(ts *typesetter, a *alert.Alert, lang string, v *alertView) []textBlock {
	t := a.Text[lang]
	short := math.Min(v.box.W, v.box.H)
	inner := slides.Inset(v.box, p.lay.Margin+short*0.02)
	inner.H -= short * 0.05 // room for the language marks
	parts := []struct {
		name, text string
		bold       bool
		weight     float64
		min, max   float64
		col        color.Color
	}{
		{"headline", t.Headline, true, 0.36, short * 0.04, short * 0.12, v.fg},
		{"body", t.Body, false, 0.40, short * 0.025, short * 0.065, v.fg},
		{"instruction", t.Instruction, true, 0.24, short * 0.025, short * 0.06, instructionTint},
	}
	total := 0.0
	for _, pt := range parts {
		if pt.text != "" {
			total += pt.weight
		}
	}
	where := "alert " + a.ID
	var out []textBlock
	y := inner.Y
	for i, pt := range parts {
		if pt.text == "" {
			continue
		}
		box := Rect{X: inner.X, Y: y, W: inner.W, H: inner.H * pt.weight / total}
		y += box.H
		b, ok := ts.layoutBlock(pt.name, where, lang, pt.text, pt.bold, box, math.Max(12, pt.min), math.Max(12, pt.max), 0.5, true, pt.col)
		if !ok || b.region.Rect.W < 1 { // nothing left that a font can draw
			if i == 0 {
				return nil
			}
			continue
		}
		out = append(out, b)
	}
	return out
}

// bannerLine lays out a's headline in lang in the banner's band.
func (p *Player) bannerLine(ts *typesetter, a *alert.Alert, lang string, v *alertView) []textBlock {
	pad := math.Round(v.box.H * 0.12)
	box := Rect{X: v.box.X + p.lay.Margin, Y: v.box.Y + pad, W: v.box.W - 2*p.lay.Margin, H: v.box.H - 2*pad}
	b, ok := ts.layoutBlock("banner", "alert "+a.ID, lang, a.Text[lang].Headline, true, box, 12, box.H*0.7, 0.5, true, v.fg)
	if !ok || b.region.Rect.W < 1 {
		return nil
	}
	return []textBlock{b}
}

// current is the index of the language on screen at now.
func (v *alertView) current(now time.Time) int {
	if len(v.panels) < 2 {
		return 0
	}
	return int(max(0, now.Sub(v.start))/alertCycle) % len(v.panels)
}

// nextTurn is when the next language comes; zero with only one.
func (v *alertView) nextTurn(now time.Time) time.Time {
	if len(v.panels) < 2 {
		return time.Time{}
	}
	n := max(0, now.Sub(v.start))/alertCycle + 1
	return v.start.Add(n * alertCycle)
}

// refresh draws the language on screen at now into the canvas, if it is
// not there yet, and reports whether it drew. standbyAt gives the standby
// slide at now and whether it was just drawn again; its clock stands in
// for text that could not be laid out, and it is asked for only then.
func (v *alertView) refresh(now time.Time, standbyAt func(time.Time) (*slide, bool)) bool {
	i := v.current(now)
	var standby *slide
	if len(v.panels) == 0 {
		// The colour and the clock: redrawn when the minute changes.
		var redrawn bool
		standby, redrawn = standbyAt(now)
		if !redrawn && v.canvas != nil && v.shown == standby.minute {
			return false
		}
		i = standby.minute
	} else if v.canvas != nil && v.shown == i {
		return false
	}
	if v.canvas == nil {
		v.canvas = newCanvas(int(math.Ceil(v.box.W)), int(math.Ceil(v.box.H)))
	}
	v.shown = i
	v.canvas.Fill(v.bg)
	short := math.Min(v.box.W, v.box.H)
	if v.full {
		// White bands at the top and bottom edges mark the screen as an
		// alert even from afar, and keep it from being one flat colour.
		bar := math.Max(4, math.Round(short*0.018))
		fillRect(v.canvas, Rect{W: v.box.W, H: bar}, alertWhite)
		fillRect(v.canvas, Rect{Y: v.box.H - bar, W: v.box.W, H: bar}, alertWhite)
	} else {
		fillRect(v.canvas, Rect{Y: v.box.H - math.Max(3, math.Round(v.box.H*0.05)), W: v.box.W, H: math.Max(3, math.Round(v.box.H*0.05))}, darken(v.bg))
	}
	if len(v.panels) == 0 {
		for k := range standby.texts {
			b := standby.texts[k] // drawn at its place on the screen
			if b.region.Name == "notice" {
				continue // "content is being updated" is not what an alert means
			}
			b.y -= v.box.Y
			b.x -= v.box.X
			b.draw(v.canvas)
		}
		return true
	}
	for k := range v.panels[i] {
		b := v.panels[i][k]
		b.x -= v.box.X
		b.y -= v.box.Y
		b.draw(v.canvas)
	}
	if v.full && len(v.panels) > 1 {
		// One mark per language along the bottom, the one on screen bright.
		d := math.Max(6, math.Round(short*0.018))
		gap := d * 1.5
		x := (v.box.W - float64(len(v.panels))*d - float64(len(v.panels)-1)*gap) / 2
		y := v.box.H - short*0.06
		for k := range v.panels {
			c := scaleColor(v.fg, 0.5)
			if k == i {
				c = v.fg
			}
			fillRect(v.canvas, Rect{X: x, Y: y, W: d, H: d}, c)
			x += d + gap
		}
	}
	return true
}

// regions are the parts of the view on screen at now that must have ink.
func (v *alertView) regions(now time.Time, standby *slide) []Region {
	if len(v.panels) == 0 {
		if standby == nil {
			return nil
		}
		return slices.DeleteFunc(slices.Clone(standby.regions), func(r Region) bool { return r.Name == "notice" })
	}
	var out []Region
	for _, b := range v.panels[v.current(now)] {
		out = append(out, b.region)
	}
	return out
}

// draw puts the view on the screen through base.
func (v *alertView) draw(screen *ebiten.Image, base ebiten.GeoM) {
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(v.box.X, v.box.Y)
	op.GeoM.Concat(base)
	screen.DrawImage(v.canvas, op)
}

func (v *alertView) release() {
	if v != nil && v.canvas != nil {
		v.canvas.Deallocate()
		v.canvas = nil
	}
}

// lang is the language on screen at now, for logs and captures.
func (v *alertView) lang(now time.Time) string {
	if len(v.panels) == 0 {
		return ""
	}
	return v.panels[v.current(now)][0].region.Lang
}

func (v *alertView) String() string { return fmt.Sprintf("%s#%d", v.id, v.serial) }
