package slides

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

// TestPictureLimits checks the decoded size counted from a picture's
// header and the limits: the player's (pixels only) keep accepting what
// they accepted, a bound on bytes refuses a 16-bit picture a byte-less
// bound lets through.
func TestPictureLimits(t *testing.T) {
	const w, h = 6300, 6300 // 39.7 million pixels, under MaxPicturePixels
	for _, tc := range []struct {
		name  string
		model color.Model
		per   int64
	}{
		{"grey", color.GrayModel, 1},
		{"palette", color.Palette{color.Black, color.White}, 1},
		{"16-bit grey", color.Gray16Model, 2},
		{"JPEG", color.YCbCrModel, 3},
		{"RGBA", color.NRGBAModel, 4},
		{"16-bit RGBA", color.NRGBA64Model, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := image.Config{ColorModel: tc.model, Width: w, Height: h}
			if got := DecodedBytes(cfg); got != tc.per*w*h {
				t.Errorf("DecodedBytes = %d, want %d", got, tc.per*w*h)
			}
			if err := (PictureLimits{}).Check("a.png", cfg); err != nil {
				t.Errorf("the player's limits refuse it: %v", err)
			}
			err := PictureLimits{MaxBytes: 128 << 20}.Check("a.png", cfg)
			if refused := tc.per*w*h > 128<<20; refused != (err != nil) {
				t.Errorf("128 MB bound: err = %v, want refused %v", err, refused)
			}
		})
	}
	big := image.Config{ColorModel: color.GrayModel, Width: 8000, Height: 5001}
	if err := (PictureLimits{}).Check("a.png", big); err == nil || !strings.Contains(err.Error(), "a.png: 8000x5001 is too large") {
		t.Errorf("over MaxPicturePixels: err = %v", err)
	}
}
