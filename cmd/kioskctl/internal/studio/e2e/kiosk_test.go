//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// xScreen is an X server of the test's own (Xvfb), whose framebuffer the
// test reads from a file: what the kiosk shows, read outside the kiosk.
type xScreen struct {
	display string
	fb      string // Xvfb_screen0, an XWD image
}

// startXScreen starts Xvfb with one w×h screen on a free display number,
// and stops it when the test ends.
func startXScreen(t testing.TB, w, h int) *xScreen {
	t.Helper()
	dir := t.TempDir()
	// -displayfd has the server pick a free display and write its number.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-fbdir", dir, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{wr}
	start(t, "Xvfb", cmd)
	wr.Close()
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
		return &xScreen{display: ":" + n, fb: filepath.Join(dir, "Xvfb_screen0")}
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start in 30 s")
	}
	return nil
}

// grab returns what the screen shows now.
func (x *xScreen) grab() (*image.RGBA, error) {
	data, err := os.ReadFile(x.fb)
	if err != nil {
		return nil, err
	}
	return decodeXWD(data)
}

// decodeXWD reads the framebuffer Xvfb keeps at depth 24: an XWD ZPixmap
// of 32 bits a pixel, least significant byte first, red in the high bits.
func decodeXWD(data []byte) (*image.RGBA, error) {
	if len(data) < 100 {
		return nil, errors.New("xwd: short header")
	}
	u := func(i int) int { return int(binary.BigEndian.Uint32(data[4*i:])) }
	headerSize, w, h, stride, ncolors := u(0), u(4), u(5), u(12), u(19)
	if u(2) != 2 || u(11) != 32 || u(7) != 0 || u(14) != 0xff0000 || u(15) != 0xff00 || u(16) != 0xff {
		return nil, errors.New("xwd: not the 32-bit little-endian RGB layout Xvfb writes")
	}
	off := headerSize + 12*ncolors
	if w <= 0 || h <= 0 || w > 1<<14 || h > 1<<14 || stride < 4*w || len(data) < off+stride*h {
		return nil, fmt.Errorf("xwd: %dx%d, stride %d: short or impossible image", w, h, stride)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := data[off+y*stride:]
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{row[4*x+2], row[4*x+1], row[4*x], 255})
		}
	}
	return img, nil
}

// kiosk is the site's player, run as the site runs it, on an X screen.
type kiosk struct {
	bin  string
	site site
	x    *xScreen
	p    *process
}

// startKiosk runs the kiosk program with the site's config in a window on
// x, with a JSON log at debug level.
func startKiosk(t testing.TB, bin string, s site, x *xScreen) *kiosk {
	t.Helper()
	cmd := exec.Command(bin, "--config", s.config, "--window", "--log", "json", "--log-level", "debug")
	cmd.Env = kioskEnv(t, x)
	return &kiosk{bin: bin, site: s, x: x, p: start(t, "kiosk", cmd)}
}

// kioskEnv is a kiosk's environment: the X screen, a font cache of the
// test's own, and an ALSA device that takes sound and plays none (Xvfb
// has no sound card; the test's slides have no sound anyway).
func kioskEnv(t testing.TB, x *xScreen) []string {
	t.Helper()
	alsa := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(alsa, []byte("pcm.!default { type null }\nctl.!default { type hw card 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	return append(env, "DISPLAY="+x.display, "XDG_CACHE_HOME="+t.TempDir(), "ALSA_CONFIG_PATH="+alsa)
}

// logRecord is one record of the kiosk's JSON log, its values as text.
type logRecord map[string]string

// records returns the records of message msg in the kiosk's log whose
// fields include want.
func (k *kiosk) records(msg string, want map[string]string) []logRecord {
	var out []logRecord
	for _, line := range strings.Split(k.p.out.String(), "\n") {
		if !strings.Contains(line, `"msg":"`+msg+`"`) {
			continue
		}
		var raw map[string]any
		if json.Unmarshal([]byte(line), &raw) != nil || raw["msg"] != msg {
			continue
		}
		r := logRecord{}
		for k, v := range raw {
			r[k] = fmt.Sprint(v)
		}
		match := true
		for k, v := range want {
			match = match && r[k] == v
		}
		if match {
			out = append(out, r)
		}
	}
	return out
}

// waitRecord waits up to d for a record of message msg whose fields
// include want, and returns it.
func (k *kiosk) waitRecord(t testing.TB, msg string, want map[string]string, d time.Duration) logRecord {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if rs := k.records(msg, want); len(rs) > 0 {
			return rs[0]
		}
		if k.p.exited() {
			t.Fatalf("the kiosk exited (%v) before logging %q %v:\n%s", k.p.err, msg, want, tail(k.p.out.String(), 60))
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kiosk logged no %q %v within %v:\n%s", msg, want, d, tail(k.p.out.String(), 60))
		}
		select {
		case <-k.p.out.more:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// captureRegion is a region of a slide as the player's capture summary
// tells it (the fields of kiosk/player.Region the test reads).
type captureRegion struct {
	Name string   `json:"name"`
	Lang string   `json:"lang"`
	Size float64  `json:"size"`
	Text []string `json:"text"`
}

// captureSummary is what `kiosk --capture` writes in summary.json.
type captureSummary struct {
	Frames []struct {
		File    string          `json:"file"`
		Item    string          `json:"item"`
		Langs   []string        `json:"langs"`
		Fade    bool            `json:"fade"`
		Regions []captureRegion `json:"regions"`
	} `json:"frames"`
	UnmappedGlyphs int64 `json:"unmapped_glyphs"`
}

// capture plays the site's cached content once with `kiosk --capture`,
// each slide saved as PNG in dir, and returns the summary. The kiosk that
// runs the site must be stopped first: both would open its cache.
func capture(t testing.TB, bin string, s site, x *xScreen, dir string) captureSummary {
	t.Helper()
	cmd := exec.Command(bin, "--config", s.config, "--window", "--capture", dir)
	cmd.Env = kioskEnv(t, x)
	p := start(t, "kiosk --capture", cmd)
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("kiosk --capture did not end in 2 minutes:\n%s", tail(p.out.String(), 40))
	}
	if p.err != nil {
		t.Fatalf("kiosk --capture: %v\n%s", p.err, tail(p.out.String(), 40))
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum captureSummary
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return sum
}

// inkShare is the share of img's pixels (every other one, each way) that
// are not its background bg: text or pictures drawn on it.
func inkShare(img *image.RGBA, bg color.RGBA) float64 {
	b := img.Bounds()
	n, ink := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			p := img.RGBAAt(x, y)
			n++
			if !near(p.R, bg.R) || !near(p.G, bg.G) || !near(p.B, bg.B) {
				ink++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(ink) / float64(n)
}

// siteBackground is the background colour of the test's site.
var siteBackground = color.RGBA{0x0b, 0x25, 0x45, 255}

// closest grabs the screen every quarter second for d, or until a grab
// differs from want in at most maxPreviewDiffer of its pixels, and
// returns the grab that differs least and that share. Only a screen at
// rest counts, the same in two grabs in a row: not a crossfade.
func (x *xScreen) closest(want image.Image, d time.Duration) (*image.RGBA, float64) {
	deadline := time.Now().Add(d)
	var best, last *image.RGBA
	least := 2.0
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if img, err := x.grab(); err == nil {
			if last != nil && bytes.Equal(img.Pix, last.Pix) {
				if differ := differingShare(want, img); differ < least {
					best, least = img, differ
				}
			}
			last = img
		}
		if least <= maxPreviewDiffer || time.Now().After(deadline) {
			if best == nil {
				best = image.NewRGBA(image.Rect(0, 0, 1, 1))
			}
			return best, least
		}
		<-tick.C
	}
}

func near(a, b uint8) bool { return max(a, b)-min(a, b) <= 24 }
