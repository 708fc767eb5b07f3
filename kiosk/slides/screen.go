package slides

import (
	"math"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Rect is a rectangle in logical screen pixels (as viewers see the screen).
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Inset is r shrunk by d on every side.
func Inset(r Rect, d float64) Rect {
	return Rect{X: r.X + d, Y: r.Y + d, W: r.W - 2*d, H: r.H - 2*d}
}

// Region is a part of a slide that must show something: a title, a body of
// text, an image, the ticker. Frame captures list them so tests can check
// each has ink.
type Region struct {
	Name string `json:"name"`
	Lang string `json:"lang,omitempty"`
	Rect Rect   `json:"rect"`
	// Of a slide's title and body: the font size in pixels, the number of
	// lines, whether the text was cut (it did not fit even at the smallest
	// size), and the space it was fitted in, which its language's title
	// and body share.
	Size  float64 `json:"size,omitempty"`
	Lines int     `json:"lines,omitempty"`
	Cut   bool    `json:"cut,omitempty"`
	Space *Rect   `json:"space,omitempty"`
	// Text is the text of those lines, as they break.
	Text []string `json:"text,omitempty"`
}

// Screen is the geometry of a site's logical screen.
type Screen struct {
	W, H   int
	Area   Rect // where slides go: the screen less the ticker band
	Ticker Rect // zero when the site has no ticker
	Margin float64
}

// NewScreen is the geometry of cfg's screen.
func NewScreen(cfg *siteconfig.Config) Screen {
	w, h := cfg.Display.Resolution.W, cfg.Display.Resolution.H
	s := Screen{W: w, H: h, Area: Rect{W: float64(w), H: float64(h)}}
	s.Margin = math.Round(0.045 * float64(min(w, h)))
	if cfg.Ticker.Edge != siteconfig.EdgeNone {
		th := float64(cfg.Ticker.Height)
		switch cfg.Ticker.Edge {
		case siteconfig.EdgeTop:
			s.Ticker = Rect{W: float64(w), H: th}
			s.Area.Y, s.Area.H = th, float64(h)-th
		default:
			s.Ticker = Rect{Y: float64(h) - th, W: float64(w), H: th}
			s.Area.H = float64(h) - th
		}
	}
	return s
}

// Short is the screen's shorter side.
func (s Screen) Short() float64 { return float64(min(s.W, s.H)) }
