package slides

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // decoders for image slides
	_ "image/png"
	"math"

	xdraw "golang.org/x/image/draw"

	"github.com/vnict/kiosk/content"
)

// MaxPicturePixels bounds an image's decoded size: a bigger one would need
// hundreds of megabytes to decode and is refused as unplayable.
const MaxPicturePixels = 40_000_000

// Picture is an image slide's picture, scaled and placed on the screen.
type Picture struct {
	Image  *image.RGBA
	At     image.Point // its top-left corner on the screen
	Region Region
}

// ImageSlide reads, decodes and scales item's picture for lang from b into
// the screen's slide area.
func ImageSlide(scr Screen, b *content.Bundle, item *content.Item, lang string) (Picture, error) {
	name := item.Image(lang)
	data, err := b.ReadFile(name)
	if err != nil {
		return Picture{}, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Picture{}, fmt.Errorf("%s: not a readable image: %w", name, err)
	}
	if cfg.Width*cfg.Height > MaxPicturePixels {
		return Picture{}, fmt.Errorf("%s: %dx%d is too large to show (more than %d pixels)", name, cfg.Width, cfg.Height, MaxPicturePixels)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Picture{}, fmt.Errorf("%s: not a readable image: %w", name, err)
	}
	area := scr.Area
	pic, at := ScalePicture(src, int(area.W), int(area.H), item.Fit)
	p := Picture{Image: pic, At: image.Pt(int(area.X)+at.X, int(area.Y)+at.Y)}
	bd := pic.Bounds()
	p.Region = Region{Name: "image", Rect: Rect{X: float64(p.At.X), Y: float64(p.At.Y), W: float64(bd.Dx()), H: float64(bd.Dy())}}
	return p, nil
}

// ScalePicture scales src to fit in (or fill) a w×h area and returns the
// result and its offset in the area.
func ScalePicture(src image.Image, w, h int, fit string) (*image.RGBA, image.Point) {
	sb := src.Bounds()
	sw, sh := float64(sb.Dx()), float64(sb.Dy())
	if fit == content.FitFill {
		scale := math.Max(float64(w)/sw, float64(h)/sh)
		cw, ch := float64(w)/scale, float64(h)/scale
		crop := image.Rect(0, 0, int(math.Round(cw)), int(math.Round(ch))).
			Add(sb.Min).Add(image.Pt(int((sw-cw)/2), int((sh-ch)/2)))
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.BiLinear.Scale(dst, dst.Bounds(), src, crop, xdraw.Src, nil)
		return dst, image.Point{}
	}
	scale := math.Min(float64(w)/sw, float64(h)/sh)
	dw, dh := max(1, int(math.Round(sw*scale))), max(1, int(math.Round(sh*scale)))
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	if dw == sb.Dx() && dh == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Src)
	} else {
		xdraw.BiLinear.Scale(dst, dst.Bounds(), src, sb, xdraw.Src, nil)
	}
	return dst, image.Pt((w-dw)/2, (h-dh)/2)
}
