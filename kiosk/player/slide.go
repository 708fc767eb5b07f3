package player

import (
	"image"
	"image/color"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/slides"
)

// Rect is a rectangle in logical screen pixels (as viewers see the screen).
type Rect = slides.Rect

// Region is a part of a slide that must show something: a title, a body of
// text, an image, the ticker. Frame captures list them so tests can check
// each has ink.
type Region = slides.Region

// slide is one prepared slide. The loader fills in everything but canvas;
// the game goroutine draws it into canvas once, then shows canvas.
type slide struct {
	spec    slideSpec
	index   int             // position in the loop playing, of total
	prog    *schedule.Slide // the sequencer's slide, to go on after it
	gen     int             // config generation it was laid out for
	total   int             // length of the loop playing
	standby bool
	bundle  string // "id@version" of the bundle it comes from
	problem string // why a standby slide stands in for content, if not a lack of it

	picture   *image.RGBA // scaled image, for image slides
	pictureAt image.Point
	texts     []textBlock
	regions   []Region
	rules     []Rect // accent rules under titles

	// Of a video slide: its clip, its decoding once started (see
	// startVideo), why it could not start, and how long before its last
	// frame it fades out.
	video    *videoClip
	vp       *videoPlay
	videoErr error
	fadeOut  time.Duration
	over     bool      // its video failed while on screen: it leaves now
	endAt    time.Time // its video ended early: it leaves then
	// tex holds the video's last frame (stride bytes a row), kept while
	// the video stops under an alert, until it starts again.
	tex       *ebiten.Image
	texStride int
	texPool   *frameTextures // where tex goes when the slide leaves

	canvas *ebiten.Image
	start  time.Time
	minute int // for the standby slide: the minute it shows
}

// itemID names the slide's item in logs and captures.
func (s *slide) itemID() string {
	if s.standby {
		return "standby"
	}
	return s.spec.item.ID
}

// render draws the slide into a new canvas of the logical size. Called on
// the game goroutine.
func (s *slide) render(w, h int, bg, accent color.Color) {
	if s.canvas == nil {
		// A texture of its own: a full-screen slide would otherwise grow
		// Ebiten's shared atlas, which software OpenGL keeps in memory.
		s.canvas = ebiten.NewImageWithOptions(image.Rect(0, 0, w, h), &ebiten.NewImageOptions{Unmanaged: true})
	}
	s.canvas.Fill(bg)
	if s.picture != nil {
		// Straight into the canvas, with no intermediate texture.
		r := s.picture.Bounds().Sub(s.picture.Bounds().Min).Add(s.pictureAt)
		s.canvas.SubImage(r).(*ebiten.Image).WritePixels(s.picture.Pix)
		s.picture = nil // the canvas holds it now; let the memory go
	}
	for _, r := range s.rules {
		fillRect(s.canvas, r, accent)
	}
	for i := range s.texts {
		s.texts[i].draw(s.canvas)
	}
}

// release frees the slide's GPU memory, and stops its video and closes
// its file. A slide dropped before it was drawn (by the loader, say) is
// released too, for its file.
func (s *slide) release() {
	s.stopVideo("ended")
	s.texPool.put(s.tex)
	s.tex = nil
	if s.video != nil && s.video.f != nil {
		s.video.f.Close()
		s.video.f = nil
	}
	if s.canvas != nil {
		s.canvas.Deallocate()
		s.canvas = nil
	}
}

// fillRect fills r on dst with c through a scaled 1×1 image.
func fillRect(dst *ebiten.Image, r Rect, c color.Color) {
	sub := dst.SubImage(image.Rect(int(r.X), int(r.Y), int(r.X+r.W+0.5), int(r.Y+r.H+0.5))).(*ebiten.Image)
	sub.Fill(c)
}
