package player

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"sync/atomic"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/draw"
)

// Screenshot sizes and quality.
const (
	// ScreenshotWidth is the width of a screenshot; a narrower screen
	// keeps its own.
	ScreenshotWidth = 480
	// screenshotQuality is the JPEG quality: text stays legible at a
	// few tens of KiB.
	screenshotQuality = 80
)

// screenshots hands frames read back from the screen to those who asked
// for one. The drawing goroutine reads the screen once per batch of
// requests, after drawing, and never when none is waiting.
type screenshots struct {
	wanted  atomic.Bool
	mu      sync.Mutex
	waiters []chan *image.RGBA
}

// ask registers a wait for the next frame.
func (s *screenshots) ask() chan *image.RGBA {
	ch := make(chan *image.RGBA, 1)
	s.mu.Lock()
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	s.wanted.Store(true)
	return ch
}

// take reads the screen and gives the frame to everyone waiting. Called
// on the drawing goroutine, after Draw has drawn.
func (s *screenshots) take(screen *ebiten.Image) {
	s.mu.Lock()
	waiters := s.waiters
	s.waiters = nil
	s.wanted.Store(false)
	s.mu.Unlock()
	if len(waiters) == 0 {
		return
	}
	img := image.NewRGBA(screen.Bounds())
	screen.ReadPixels(img.Pix)
	for _, ch := range waiters {
		ch <- img // buffered; each gets the same frame, read only
	}
}

// Frame returns the frame on the display now, as drawn: the whole output,
// rotation and dimming included. It asks for a frame, which reads the
// screen back after drawing; the caller's goroutine waits, so call it from
// anywhere but the drawing goroutine. It fails when ctx ends first (the
// player not running, or its drawing stalled).
func (p *Player) Frame(ctx context.Context) (*image.RGBA, error) {
	ch := p.shots.ask()
	ebiten.ScheduleFrame()
	select {
	case img := <-ch:
		return img, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("screenshot: no frame drawn: %w", ctx.Err())
	}
}

// Screenshot returns the frame on the display now as a JPEG
// ScreenshotWidth pixels wide (see Frame). The scaling and encoding run on
// the caller's goroutine, not the drawing one.
func (p *Player) Screenshot(ctx context.Context) ([]byte, error) {
	img, err := p.Frame(ctx)
	if err != nil {
		return nil, err
	}
	return EncodeScreenshot(img)
}

// EncodeScreenshot scales img to ScreenshotWidth (keeping its shape; a
// narrower image is not enlarged) with Catmull-Rom, which averages over
// the pixels it leaves out, so thin text does not alias, and encodes it as
// JPEG.
func EncodeScreenshot(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, ScaleScreenshot(img), &jpeg.Options{Quality: screenshotQuality}); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return b.Bytes(), nil
}

// ScaleScreenshot returns img at ScreenshotWidth wide, as EncodeScreenshot
// scales it.
func ScaleScreenshot(img image.Image) image.Image {
	r := img.Bounds()
	if r.Dx() <= ScreenshotWidth {
		return img
	}
	h := max(1, (r.Dy()*ScreenshotWidth+r.Dx()/2)/r.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, ScreenshotWidth, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, r, draw.Src, nil)
	return dst
}
