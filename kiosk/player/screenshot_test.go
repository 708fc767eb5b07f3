package player

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// TestEncodeScreenshot: screens of the shapes walls have come out 480
// wide in their own proportions (a narrower one as it is), as JPEGs whose
// colours are those of the screen.
func TestEncodeScreenshot(t *testing.T) {
	tests := []struct {
		w, h, wantW, wantH int
	}{
		{1536, 768, 480, 240},
		{1920, 1080, 480, 270},
		{768, 1536, 480, 960},
		{3840, 1080, 480, 135},
		{320, 200, 320, 200},
	}
	red, blue := color.RGBA{0xc6, 0x28, 0x28, 0xff}, color.RGBA{0x0b, 0x25, 0x45, 0xff}
	for _, tc := range tests {
		img := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
		for y := range tc.h {
			for x := range tc.w {
				c := blue
				if x < tc.w/2 {
					c = red
				}
				img.SetRGBA(x, y, c)
			}
		}
		data, err := EncodeScreenshot(img)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%dx%d: %v", tc.w, tc.h, err)
		}
		if b := got.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
			t.Errorf("%dx%d: screenshot %v, want %dx%d", tc.w, tc.h, b.Size(), tc.wantW, tc.wantH)
		}
		for _, p := range []struct {
			x    int
			want color.RGBA
		}{{tc.wantW / 4, red}, {tc.wantW * 3 / 4, blue}} {
			r, g, b, _ := got.At(p.x, tc.wantH/2).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
			if diff(c.R, p.want.R) > 8 || diff(c.G, p.want.G) > 8 || diff(c.B, p.want.B) > 8 {
				t.Errorf("%dx%d: pixel at x=%d is %v, want near %v", tc.w, tc.h, p.x, c, p.want)
			}
		}
		if len(data) > 64<<10 {
			t.Errorf("%dx%d: %d bytes", tc.w, tc.h, len(data))
		}
	}
}

func diff(a, b uint8) uint8 { return max(a, b) - min(a, b) }
