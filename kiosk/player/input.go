package player

import (
	"image/color"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// keyActions are what keys do on the interactive screens: arrows move the
// focus, Enter (or Space) activates, Escape goes back, Page Down and Page
// Up (a presenter remote's buttons) go to the next and previous step, and
// Home goes Home. Any other key only wakes the screen.
var keyActions = map[ebiten.Key]actKind{
	ebiten.KeyArrowUp:     actUp,
	ebiten.KeyArrowDown:   actDown,
	ebiten.KeyArrowLeft:   actLeft,
	ebiten.KeyArrowRight:  actRight,
	ebiten.KeyEnter:       actEnter,
	ebiten.KeyNumpadEnter: actEnter,
	ebiten.KeySpace:       actEnter,
	ebiten.KeyEscape:      actBack,
	ebiten.KeyBackspace:   actBack,
	ebiten.KeyHome:        actHome,
	ebiten.KeyPageDown:    actNext,
	ebiten.KeyPageUp:      actPrev,
}

// readInput queues this frame's key presses, clicks and touches. A touch
// and a click act when they begin, as a press on a button would.
func (p *Player) readInput() {
	ia := p.ia
	seen := time.Now()
	ia.keys = inpututil.AppendJustPressedKeys(ia.keys[:0])
	for _, k := range ia.keys {
		p.inputKey(k, seen)
	}
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		x, y := ebiten.CursorPosition()
		p.inputPointer(float64(x), float64(y), seen)
	}
	ia.touches = inpututil.AppendJustPressedTouchIDs(ia.touches[:0])
	for _, id := range ia.touches {
		x, y := ebiten.TouchPosition(id)
		p.inputPointer(float64(x), float64(y), seen)
	}
}

// inputKey queues a key press seen at wall time seen.
func (p *Player) inputKey(k ebiten.Key, seen time.Time) {
	kind, ok := keyActions[k]
	if !ok {
		kind = actOther
	}
	p.push(uiAction{kind: kind, seen: seen})
}

// inputPointer queues a touch or click at (x, y) in output (window)
// pixels, mapped back through the site's rotation to the logical screen.
func (p *Player) inputPointer(x, y float64, seen time.Time) {
	inv := p.base
	inv.Invert()
	lx, ly := inv.Apply(x+0.5, y+0.5) // the pixel's centre

	p.push(uiAction{kind: actTap, x: lx, y: ly, seen: seen})
}

// colorAlpha is black or white (grey level g, 0 to 1) at opacity a.
func colorAlpha(g, a float64) color.Color {
	v := uint8(255 * g * a)
	return color.RGBA{R: v, G: v, B: v, A: uint8(255 * a)}
}
