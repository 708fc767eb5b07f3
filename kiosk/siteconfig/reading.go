package siteconfig

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Reading says where viewers read the screen from, for the size of its
// text:
//
//	display:
//	  reading: {distance: 15m, pixel_pitch: 5mm}
//
// The player sizes text by the distance measured in the screen's own
// pixels (distance over pitch), so both are needed.
type Reading struct {
	// Distance is how far most viewers stand from the screen.
	Distance Length `yaml:"distance"`
	// PixelPitch is the distance between the centres of neighbouring
	// pixels: an LED wall's pitch (P5 is 5mm), or a screen's height
	// divided by its rows (a 55-inch 1920x1080 TV: 685mm / 1080, 0.63mm).
	PixelPitch Length `yaml:"pixel_pitch"`
}

// DefaultReadingScreens is the reading distance when the config gives
// none, in the screen's shorter sides: four. A border-gate LED wall (about
// 3.8 m high at 768 rows of 5 mm) is read from across its plaza, 15 m or
// so; a support point's TV (about 0.7 m high) from the benches of the
// room, 2.5 to 3 m; both are about four times the screen's shorter side.
const DefaultReadingScreens = 4

// Length is a physical length in millimetres, written with its unit:
// "15m", "2.5 m", "40cm", "5mm".
type Length float64

var lengthPattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*(mm|cm|m)$`)

// UnmarshalYAML reads a number and a unit (mm, cm or m).
func (l *Length) UnmarshalYAML(n *yaml.Node) error {
	m := lengthPattern.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("line %d: length %q: want a number and a unit, such as 15m or 5mm", n.Line, n.Value)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return fmt.Errorf("line %d: length %q: %w", n.Line, n.Value, err)
	}
	*l = Length(v * map[string]float64{"mm": 1, "cm": 10, "m": 1000}[m[2]])
	return nil
}

// MarshalYAML writes the length in metres or millimetres.
func (l Length) MarshalYAML() (any, error) { return l.String(), nil }

func (l Length) String() string {
	if l >= 1000 {
		return strconv.FormatFloat(float64(l)/1000, 'f', -1, 64) + "m"
	}
	return strconv.FormatFloat(float64(l), 'f', -1, 64) + "mm"
}

// ReadingDistance is how far viewers read the screen from, in the
// screen's pixels: the configured distance over the pixel pitch, or
// DefaultReadingScreens times the screen's shorter side.
func (d Display) ReadingDistance() float64 {
	if r := d.Reading; r != nil && r.PixelPitch > 0 {
		return float64(r.Distance / r.PixelPitch)
	}
	return DefaultReadingScreens * float64(min(d.Resolution.W, d.Resolution.H))
}

// validateReading checks display.reading.
func (c *Config) validateReading(bad func(field, format string, args ...any)) {
	r := c.Display.Reading
	if r == nil {
		return
	}
	if r.Distance < 300 || r.Distance > 500_000 {
		bad("display.reading.distance", "%v: want 0.3m to 500m", r.Distance)
	}
	if r.PixelPitch < 0.1 || r.PixelPitch > 50 {
		bad("display.reading.pixel_pitch", "%v: want 0.1mm to 50mm", r.PixelPitch)
	}
	if r.Distance <= 0 || r.PixelPitch <= 0 {
		return
	}
	// Text legible from the distance must fit on the screen: a distance
	// of more than about 40 of the screen's shorter sides leaves a
	// line of body text taller than a tenth of the screen.
	short := float64(min(c.Display.Resolution.W, c.Display.Resolution.H))
	if px := float64(r.Distance / r.PixelPitch); short > 0 && (px > 40*short || px < short/2) {
		bad("display.reading", "distance %v over pitch %v is %.0f pixels: want between half and 40 times the screen's shorter side (%.0f pixels)",
			r.Distance, r.PixelPitch, px, short)
	}
}
