package player

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"net/url"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// QR codes of guide steps are encoded by github.com/yeqown/go-qrcode/v2: a
// maintained, pure Go encoder (releases into 2024, where skip2/go-qrcode
// last changed in 2020) whose core module needs nothing but a Reed-Solomon
// package. Only its module matrix is used: the player draws the modules
// itself, each a whole number of pixels, dark on white, inside a quiet
// zone of qrQuietZone modules, so the code stays crisp at any size and
// through a rotated screen.

// qrQuietZone is the white border around a QR code, in modules, as the
// standard asks (ISO/IEC 18004: four modules).
const qrQuietZone = 4

// maxQRText bounds the text encoded: a URL longer than this would need
// modules too small to scan from a step's corner of the screen.
const maxQRText = 1024

// qrModules encodes text at error-correction level M and returns its
// modules, [y][x], true for dark, without the quiet zone.
func qrModules(text string) ([][]bool, error) {
	if text == "" {
		return nil, errors.New("qr: nothing to encode")
	}
	if len(text) > maxQRText {
		return nil, fmt.Errorf("qr: %d bytes, more than %d", len(text), maxQRText)
	}
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("qr %q: %w", text, err)
	}
	var w matrixWriter
	if err := code.Save(&w); err != nil {
		return nil, fmt.Errorf("qr %q: %w", text, err)
	}
	if len(w.bits) == 0 {
		return nil, fmt.Errorf("qr %q: empty matrix", text)
	}
	return w.bits, nil
}

// matrixWriter keeps the matrix the encoder writes.
type matrixWriter struct{ bits [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.bits = m.Bitmap()
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// qrImage draws text as a QR code at most side pixels square: the modules
// and the quiet zone at the largest whole number of pixels per module that
// fits (at least one). The image is as large as that makes it.
func qrImage(text string, side int) (*image.RGBA, error) {
	bits, err := qrModules(text)
	if err != nil {
		return nil, err
	}
	n := len(bits) + 2*qrQuietZone
	px := max(1, side/n)
	img := image.NewRGBA(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff // white, opaque
	}
	dark := color.RGBA{A: 0xff}
	for y, row := range bits {
		for x, on := range row {
			if !on {
				continue
			}
			x0, y0 := (x+qrQuietZone)*px, (y+qrQuietZone)*px
			for yy := y0; yy < y0+px; yy++ {
				for xx := x0; xx < x0+px; xx++ {
					img.SetRGBA(xx, yy, dark)
				}
			}
		}
	}
	return img, nil
}

// qr draws link as a QR code, as large as fits in box, with the link's
// host under it in the screens' smallest text, the two centred together:
// a resident (or the officer beside them) sees where the code leads before
// scanning it. A link with no host to show gets the code alone.
func (l *screenLayout) qr(link string, box Rect) {
	host := qrHost(link)
	var hostH, gap float64
	if host != "" {
		// One line of the smallest text, with room for the tallest
		// face of the chain.
		hostH, gap = math.Round(2*l.m.text), l.m.pad
	}
	side := math.Min(box.W, box.H-hostH-gap)
	img, err := qrImage(link, int(side))
	if err != nil {
		l.w.warnOnce("qr/"+link, "QR code left out of a guide screen", "url", link, "err", err)
		return
	}
	b := img.Bounds()
	if side < 1 || float64(b.Dx()) > box.W || float64(b.Dy())+gap+hostH > box.H {
		l.w.warnOnce("qr-small/"+link, "no room for the QR code", "url", link)
		return
	}
	top := box.Y + (box.H-float64(b.Dy())-gap-hostH)/2
	at := image.Pt(int(box.X)+(int(box.W)-b.Dx())/2, int(top))
	l.s.pics = append(l.s.pics, placedPic{img: img, at: at})
	l.s.regions = append(l.s.regions, Region{Name: "qr", Rect: Rect{X: float64(at.X), Y: float64(at.Y), W: float64(b.Dx()), H: float64(b.Dy())}})
	if host != "" {
		hostBox := Rect{X: box.X, Y: float64(at.Y+b.Dy()) + gap, W: box.W, H: hostH}
		l.text("qr-host", "en", host, false, hostBox, l.m.text, l.m.text, 0, l.c.fg)
	}
}

// qrHost is the host a QR code's link leads to, lower case and without
// port, user or path ("dichvucong.gov.vn"); "" when link has none.
// Punycode stays as it is: "xn--" shows a look-alike for what it is.
func qrHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
