package slides

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
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

// PictureLimits bound what decoding one picture may take.
type PictureLimits struct {
	// MaxPixels bounds its width times height; 0: MaxPicturePixels.
	MaxPixels int
	// MaxBytes bounds the bytes of the decoded image, as its colour
	// model stores it (see DecodedBytes): a 16-bit PNG takes eight bytes
	// a pixel where a photo takes three. 0: no bound but MaxPixels.
	MaxBytes int64
}

// Check refuses the picture name of cfg's size and colour model if it
// is beyond the limits.
func (l PictureLimits) Check(name string, cfg image.Config) error {
	maxPixels := l.MaxPixels
	if maxPixels == 0 {
		maxPixels = MaxPicturePixels
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("%s: %dx%d has no pixels", name, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return fmt.Errorf("%s: %dx%d is too large to show (more than %d pixels)", name, cfg.Width, cfg.Height, maxPixels)
	}
	if n := DecodedBytes(cfg); l.MaxBytes > 0 && n > l.MaxBytes {
		return fmt.Errorf("%s: %dx%d takes %d MB decoded, more than the %d MB allowed: save it with 8 bits a channel or fewer pixels", name, cfg.Width, cfg.Height, n>>20, l.MaxBytes>>20)
	}
	return nil
}

// DecodedBytes is how many bytes the image of cfg takes decoded, from its
// colour model: one a pixel for grey or a palette, three for a JPEG's
// YCbCr (at most, unsubsampled), four for RGBA or CMYK, eight for 16-bit
// RGBA and for a model it does not know.
func DecodedBytes(cfg image.Config) int64 {
	per := int64(8)
	switch m := cfg.ColorModel; m {
	case color.GrayModel, color.AlphaModel:
		per = 1
	case color.Gray16Model, color.Alpha16Model:
		per = 2
	case color.YCbCrModel:
		per = 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		per = 4
	default:
		if _, ok := m.(color.Palette); ok {
			per = 1
		}
	}
	return per * int64(cfg.Width) * int64(cfg.Height)
}

// ImageSlide reads, decodes and scales item's picture for lang from b into
// the screen's slide area, refusing one of more than MaxPicturePixels.
func ImageSlide(scr Screen, b *content.Bundle, item *content.Item, lang string) (Picture, error) {
	return ImageSlideWithin(scr, b, item, lang, PictureLimits{})
}

// ImageSlideWithin is ImageSlide refusing a picture beyond lim before it
// is decoded.
func ImageSlideWithin(scr Screen, b *content.Bundle, item *content.Item, lang string, lim PictureLimits) (Picture, error) {
	name := item.Image(lang)
	data, err := b.ReadFile(name)
	if err != nil {
		return Picture{}, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Picture{}, fmt.Errorf("%s: not a readable image: %w", name, err)
	}
	if err := lim.Check(name, cfg); err != nil {
		return Picture{}, err
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
