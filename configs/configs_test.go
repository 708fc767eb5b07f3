package configs_test

import (
	"math"
	"slices"
	"testing"

	"github.com/vnict/kiosk/configs"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestModes holds each example to its kind of site: the walls and the
// built-in demo play slides, the commune support point is interactive.
func TestModes(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"demo.yaml", siteconfig.ModeSignage},
		{"tinh-bien-gate.yaml", siteconfig.ModeSignage},
		{"vinh-xuong-gate.yaml", siteconfig.ModeSignage},
		{"commune-support-point.yaml", siteconfig.ModeInteractive},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			c, err := siteconfig.Load(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if c.Mode != tc.want {
				t.Errorf("mode %q, want %q", c.Mode, tc.want)
			}
		})
	}
	demo, err := siteconfig.Parse(configs.Demo, configs.DemoName)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Mode != siteconfig.ModeSignage {
		t.Errorf("built-in demo: mode %q; `make run` plays the wall demo", demo.Mode)
	}
}

// TestSupportPoint checks what the commune support point's config says of
// its screen and its residents.
func TestSupportPoint(t *testing.T) {
	c, err := siteconfig.Load("commune-support-point.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"km", "vi", "en"}; !slices.Equal(c.Languages, want) {
		t.Errorf("languages %v, want %v (Khmer first)", c.Languages, want)
	}
	// The diagonal and the reading pixel pitch describe one screen: they
	// must agree, or touch targets and text are sized for different ones.
	ppmm, known := c.Display.PixelsPerMM()
	if !known || c.Display.DiagonalInches == 0 || c.Display.Reading == nil {
		t.Fatalf("screen size: diagonal %v, reading %+v, known %v", c.Display.DiagonalInches, c.Display.Reading, known)
	}
	fromPitch := 1 / float64(c.Display.Reading.PixelPitch)
	if math.Abs(ppmm-fromPitch)/fromPitch > 0.02 {
		t.Errorf("diagonal gives %.3f px/mm, pixel pitch %.3f: more than 2%% apart", ppmm, fromPitch)
	}
	// At 1080p a 15 mm target on a 55-inch screen is about 24 px.
	if got := c.Display.TouchTarget(); got < 20 || got > 30 {
		t.Errorf("touch target %v px, want about 24 on a 55-inch 1080p screen", got)
	}
	if c.Interactive.Idle != siteconfig.DefaultIdle || c.Interactive.Countdown != siteconfig.DefaultCountdown {
		t.Errorf("idle %v, countdown %v: the example gives the defaults", c.Interactive.Idle, c.Interactive.Countdown)
	}
}
