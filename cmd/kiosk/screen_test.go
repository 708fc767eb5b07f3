package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content/contenttest"
)

// xScreen is an X server of the test's own whose screen the test reads
// from outside the player, as a viewer would see it: Xvfb keeps its
// framebuffer in a file (-fbdir) in the XWD format.
type xScreen struct {
	Display string // ":N", for DISPLAY
	fb      string // the framebuffer file
	frames  string // where grabs are saved
}

// startXScreen starts Xvfb with one w×h screen on a free display number
// and stops it at the end of the test.
func startXScreen(t testing.TB, w, h int) *xScreen {
	t.Helper()
	dir := t.TempDir()
	// -displayfd has the server pick a free display and write its number.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-fbdir", dir, "-nolisten", "tcp", "-nolisten", "unix")
	cmd.ExtraFiles = []*os.File{wr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	wr.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
		r.Close()
	}()
	select {
	case n := <-line:
		if _, err := strconv.Atoi(n); err != nil {
			t.Fatalf("Xvfb gave no display number (%q)", n)
		}
		return &xScreen{Display: ":" + n, fb: filepath.Join(dir, "Xvfb_screen0"), frames: frameDir(t, t.Name())}
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start in 30 s")
	}
	return nil
}

// Grab returns what the screen shows now.
func (x *xScreen) Grab() (*image.RGBA, error) {
	data, err := os.ReadFile(x.fb)
	if err != nil {
		return nil, err
	}
	return decodeXWD(data)
}

// Pixel reads one pixel of the screen without reading the rest: fast
// enough to watch for a change every few milliseconds.
func (x *xScreen) Pixel(px, py int) (color.RGBA, error) {
	f, err := os.Open(x.fb)
	if err != nil {
		return color.RGBA{}, err
	}
	defer f.Close()
	var h [100]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return color.RGBA{}, err
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(h[4*i:]) }
	if u(2) != 2 || u(11) != 32 || u(7) != 0 || u(14) != 0xff0000 || u(15) != 0xff00 || u(16) != 0xff {
		return color.RGBA{}, errors.New("xwd: not the 32-bit little-endian RGB layout Xvfb writes")
	}
	var b [4]byte
	if _, err := f.ReadAt(b[:], int64(u(0))+12*int64(u(19))+int64(py)*int64(u(12))+4*int64(px)); err != nil {
		return color.RGBA{}, err
	}
	return color.RGBA{b[2], b[1], b[0], 255}, nil
}

// decodeXWD reads a ZPixmap XWD image of 24 or 32 bits a pixel, as Xvfb
// writes its framebuffer.
func decodeXWD(data []byte) (*image.RGBA, error) {
	if len(data) < 100 {
		return nil, errors.New("xwd: short header")
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(data[4*i:]) }
	headerSize, format, w, h := int(u(0)), u(2), int(u(4)), int(u(5))
	byteOrder, bpp, stride := u(7), int(u(11)), int(u(12))
	rm, gm, bm := u(14), u(15), u(16)
	ncolors := int(u(19))
	if format != 2 || (bpp != 32 && bpp != 24) || w <= 0 || h <= 0 || w > 1<<14 || h > 1<<14 {
		return nil, fmt.Errorf("xwd: format %d, %d bits a pixel, %dx%d: not a true-colour ZPixmap", format, bpp, w, h)
	}
	off := headerSize + 12*ncolors
	if off < 0 || stride < w*bpp/8 || len(data) < off+stride*h {
		return nil, errors.New("xwd: short image")
	}
	chan8 := func(px, mask uint32) uint8 {
		if mask == 0 {
			return 0
		}
		v := (px & mask) >> bits.TrailingZeros32(mask)
		return uint8(v * 255 / (mask >> bits.TrailingZeros32(mask)))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	n := bpp / 8
	for y := range h {
		row := data[off+y*stride:]
		for x := range w {
			b := row[x*n : x*n+n]
			var px uint32
			for i := range n {
				if byteOrder == 0 { // least significant byte first
					px |= uint32(b[i]) << (8 * i)
				} else {
					px = px<<8 | uint32(b[i])
				}
			}
			img.SetRGBA(x, y, color.RGBA{chan8(px, rm), chan8(px, gm), chan8(px, bm), 255})
		}
	}
	return img, nil
}

// waitScreen grabs the screen until ok accepts it, saving the frame it
// accepts (or the last one it saw) as name.png in the test's frame folder.
func (x *xScreen) waitScreen(t *testing.T, name string, within time.Duration, ok func(*image.RGBA) bool) *image.RGBA {
	t.Helper()
	deadline := time.Now().Add(within)
	var last *image.RGBA
	for {
		img, err := x.Grab()
		if err == nil {
			last = img
			if ok(img) {
				x.save(t, name, img)
				return img
			}
		}
		if time.Now().After(deadline) {
			if last != nil {
				x.save(t, name, last)
			}
			t.Fatalf("screen %s: not as expected within %v (last grab: %v)", name, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (x *xScreen) save(t *testing.T, name string, img image.Image) {
	t.Helper()
	f, err := os.Create(filepath.Join(x.frames, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// share is the fraction of the image's pixels near c (each channel within
// 40).
func share(img *image.RGBA, c color.RGBA) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			p := img.RGBAAt(x, y)
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				n++
			}
		}
	}
	return float64(n) / float64((b.Dx()+1)/2*((b.Dy()+1)/2))
}

func near(a, b uint8) bool { return max(a, b)-min(a, b) <= 40 }

func TestXScreenSeesThePlayer(t *testing.T) {
	x := startXScreen(t, 1536, 768)
	cfg := writeConfig(t, contenttest.CopyDemo(t), "ticker: {edge: none}")
	cmd, log := startKioskEnv(t, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "first content slide", 1)
	x.waitScreen(t, "demo", 20*time.Second, func(img *image.RGBA) bool {
		return share(img, color.RGBA{0x0b, 0x25, 0x45, 255}) > 0.3 // the default background
	})
	if cmd.ProcessState != nil {
		t.Fatal("the player stopped")
	}
}
