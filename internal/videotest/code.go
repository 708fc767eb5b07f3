package videotest

import (
	"image"
)

// The code's layout; the package doc describes it in fractions.
const (
	codeBits  = 14
	codeCells = codeBits + 4 // a white and a black marker at each end
	// codeTop8 is the row's top in eighths of the height; it is one eighth
	// high.
	codeTop8 = 1
	// white and black are the luminance (0 to 1) a cell's middle must be
	// above or below.
	white = 0.7
	black = 0.3
)

// bitCell returns the cell holding bit k (0 the least significant).
func bitCell(k int) int { return codeCells - 3 - k }

// ReadFrameNumber reads the frame number a clip's code shows in img, an
// upright picture of the clip at any scale filling the whole image. ok is
// false when the markers are not where they belong or any cell is neither
// clearly white nor clearly black, as in a crossfade between different
// frames, a black or faded picture, or a picture that is not a clip.
func ReadFrameNumber(img image.Image) (n int, ok bool) {
	var cells [codeCells]bool // true: white
	for i := range cells {
		l := cellLuminance(img, i)
		switch {
		case l >= white:
			cells[i] = true
		case l <= black:
			cells[i] = false
		default:
			return 0, false
		}
	}
	if !cells[0] || cells[1] || cells[codeCells-2] || !cells[codeCells-1] {
		return 0, false
	}
	for k := 0; k < codeBits; k++ {
		if cells[bitCell(k)] {
			n |= 1 << k
		}
	}
	return n, true
}

// cellLuminance returns the mean luminance (0 to 1) of the middle of cell
// i: the central 40% of its width and height.
func cellLuminance(img image.Image, i int) float64 {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	cx := (float64(i) + 1.5) / 20 * w
	cy := (float64(codeTop8) + 0.5) / 8 * h
	rx, ry := max(0.2/20*w, 0.5), max(0.2/8*h, 0.5)
	x0, x1 := b.Min.X+int(cx-rx), b.Min.X+int(cx+rx+0.5)
	y0, y1 := b.Min.Y+int(cy-ry), b.Min.Y+int(cy+ry+0.5)
	var sum float64
	var count int
	for y := max(y0, b.Min.Y); y < min(y1, b.Max.Y); y++ {
		for x := max(x0, b.Min.X); x < min(x1, b.Max.X); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
			count++
		}
	}
	if count == 0 {
		return 0.5 // too small an image to read: neither white nor black
	}
	return sum / float64(count) / 0xffff
}

// Upright turns img, a frame of a clip turned clockwise by rotation (0,
// 90, 180 or 270), back upright. It panics on any other rotation.
func Upright(img image.Image, rotation int) image.Image {
	b := img.Bounds()
	rw, rh := b.Dx(), b.Dy()
	// at returns the rotated image's pixel shown at (x, y) of the upright one.
	var at func(x, y int) (int, int)
	w, h := rw, rh
	switch rotation {
	case 0:
		return img
	case 90:
		w, h = rh, rw
		at = func(x, y int) (int, int) { return rw - 1 - y, x }
	case 180:
		at = func(x, y int) (int, int) { return rw - 1 - x, rh - 1 - y }
	case 270:
		w, h = rh, rw
		at = func(x, y int) (int, int) { return y, rh - 1 - x }
	default:
		panic("videotest.Upright: rotation must be 0, 90, 180 or 270")
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := at(x, y)
			out.Set(x, y, img.At(b.Min.X+sx, b.Min.Y+sy))
		}
	}
	return out
}
