//go:build unix

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
)

// The test guide: three steps in Khmer, Vietnamese and English, the first
// with a picture and narration in each language, the second with the QR
// code of the public service portal, the third with text alone.
const (
	testGuideID = "online-services-guide"
	testGuideQR = "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"
)

// signageBundle is a copy of the demo bundle without guides, as version 1:
// what a wall, or a player built without guides, plays.
func signageBundle(t testing.TB) string {
	t.Helper()
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		var keep []any
		for _, it := range m["items"].([]any) {
			if it.(map[string]any)["kind"] != content.KindGuide {
				keep = append(keep, it)
			}
		}
		m["items"] = keep
		var req []any
		for _, f := range asSlice(m["requires"]) {
			if f != content.FeatureGuides {
				req = append(req, f)
			}
		}
		if len(req) == 0 {
			delete(m, "requires")
		} else {
			m["requires"] = req
		}
		m["version"] = 1
	})
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// addGuide adds the test guide to the bundle in dir, with its narration
// files, makes the bundle require guides, numbers it version and indexes
// it again.
func addGuide(t testing.TB, dir string, version int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "audio"), 0o755); err != nil {
		t.Fatal(err)
	}
	narration := map[string]any{}
	for i, lang := range []string{"km", "vi", "en"} {
		name := "audio/" + testGuideID + "-1-" + lang + ".wav"
		writeWAV(t, filepath.Join(dir, name), 440*float64(i+2)/2, 1500*time.Millisecond)
		narration[lang] = name
	}
	text := func(km, vi, en string) map[string]any {
		return map[string]any{"km": map[string]any{"title": km}, "vi": map[string]any{"title": vi}, "en": map[string]any{"title": en}}
	}
	step := func(km, vi, en, body string) map[string]any {
		s := text(km, vi, en)
		for _, l := range []string{"km", "vi", "en"} {
			s[l].(map[string]any)["body"] = body
		}
		return map[string]any{"text": s}
	}
	first := step("សូម​រៀបចំ​លិខិតឆ្លងដែន​របស់​អ្នក​ឱ្យ​បាន​រួចរាល់", "Chuẩn bị giấy tờ tùy thân", "Have your identity papers ready", "1 / 3")
	first["picture"] = "images/passport.png"
	first["narration"] = narration
	second := step("ការណែនាំ​អំពី​សេវាសាធារណៈ​តាម​អ៊ីនធឺណិត", "Quét mã để mở Cổng dịch vụ công", "Scan the code to open the public service portal", "2 / 3")
	second["qr"] = testGuideQR
	third := step("ត្រូវការ​ជំនួយ? សូម​សួរ​មន្ត្រី​នៅ​ចំណុច​ជំនួយ", "Cần hỗ trợ? Hãy hỏi cán bộ tại điểm hỗ trợ", "Need help? Ask the officer at the support point", "3 / 3")
	guide := map[string]any{
		"id":     testGuideID,
		"kind":   content.KindGuide,
		"text":   text("ការណែនាំ​អំពី​សេវាសាធារណៈ​តាម​អ៊ីនធឺណិត", "Dịch vụ công trực tuyến", "Online public services"),
		"images": map[string]any{content.AnyLanguage: "images/online-services.png"},
		"guide":  map[string]any{"steps": []any{first, second, third}},
	}
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		m["items"] = append(m["items"].([]any), guide)
		req := asSlice(m["requires"])
		if !slices.Contains(req, any(content.FeatureGuides)) {
			req = append(req, content.FeatureGuides)
		}
		m["requires"] = req
		m["version"] = version
	})
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
}

// writeWAV writes a mono 16-bit PCM WAV file of a tone at freq Hz lasting
// d, standing in for a recorded narration.
func writeWAV(t testing.TB, path string, freq float64, d time.Duration) {
	t.Helper()
	const rate = 22050
	n := int(d.Seconds() * rate)
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(2 * rate))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := range n {
		w(int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/rate)))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodeQR reads the QR code in img and returns its text.
func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// uiRecord is one record of the player's JSON log that the interactive
// tests read: "interactive screen" (a screen and its touch targets) or
// "input frame" (the frame that shows what an input changed).
type uiRecord struct {
	Msg       string          `json:"msg"`
	Screen    string          `json:"screen"`
	Guide     string          `json:"guide"`
	Step      json.RawMessage `json:"step"`
	Lang      string          `json:"lang"`
	Targets   string          `json:"targets"`
	LatencyMS float64         `json:"latency_ms"`
	AtUnixMS  int64           `json:"at_unix_ms"`
}

// step is the record's step as text ("" when it has none).
func (r uiRecord) step() string { return strings.Trim(string(r.Step), `"`) }

// targets parses "name:x,y,w,h;..." into rectangles in window pixels.
// Names may hold colons (guide:<id>); the numbers follow the last one.
func (r uiRecord) targets() (map[string]image.Rectangle, error) {
	out := map[string]image.Rectangle{}
	for _, part := range strings.Split(r.Targets, ";") {
		if part == "" {
			continue
		}
		i := strings.LastIndexByte(part, ':')
		if i < 0 {
			return nil, fmt.Errorf("target %q: no colon", part)
		}
		var v [4]int
		nums := strings.Split(part[i+1:], ",")
		if len(nums) != 4 {
			return nil, fmt.Errorf("target %q: want x,y,w,h", part)
		}
		for k, s := range nums {
			n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("target %q: %w", part, err)
			}
			v[k] = int(math.Round(n))
		}
		out[part[:i]] = image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
	}
	return out, nil
}

// uiRecords are the records of msg in a JSON log, in order.
func uiRecords(log, msg string) []uiRecord {
	var out []uiRecord
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `"msg":"`+msg+`"`) {
			continue
		}
		var r uiRecord
		if json.Unmarshal([]byte(line), &r) == nil && r.Msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// kioskUI drives an interactive player from outside: clicks and keys
// through xdotool (XTEST, the path a real mouse, keyboard or presenter
// remote takes), the screen read from the X server's framebuffer, what the
// player did read from its JSON log.
type kioskUI struct {
	t      testing.TB
	x      *xScreen
	cmd    *exec.Cmd
	log    *logWatcher
	window string      // the player's X window
	origin image.Point // its top left corner on the screen
	size   image.Point // its width and height
	cur    uiRecord    // the screen last seen
	seen   int         // screen records consumed
	inputs int         // input frame records consumed
}

// startInteractive runs the player with the config at cfg (extra flags
// after it, such as --demo) on the X screen x, at debug level with a JSON
// log, with more environment variables env, and waits for its window.
func startInteractive(t testing.TB, x *xScreen, cfg string, flags string, env ...string) *kioskUI {
	t.Helper()
	args := "--config " + cfg + " --window --log-level debug --log json " + flags
	// The last KIOSK_TEST_ARGS wins over the one startKioskEnv sets.
	env = append([]string{"DISPLAY=" + x.Display, "KIOSK_TEST_ARGS=" + args}, env...)
	cmd, log := startKioskEnv(t, cfg, env...)
	u := &kioskUI{t: t, x: x, cmd: cmd, log: log}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := u.xdotool("search", "--onlyvisible", "--pid", strconv.Itoa(cmd.Process.Pid))
		if ids := strings.Fields(string(out)); err == nil && len(ids) > 0 {
			u.window = ids[0]
			break
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("no player window within 60 s:\n%s", tail(log.String(), 40))
		}
		time.Sleep(200 * time.Millisecond)
	}
	geo, err := u.xdotool("getwindowgeometry", "--shell", u.window)
	if err != nil {
		t.Fatalf("xdotool getwindowgeometry: %v\n%s", err, geo)
	}
	for _, l := range strings.Split(string(geo), "\n") {
		fmt.Sscanf(l, "X=%d", &u.origin.X)
		fmt.Sscanf(l, "Y=%d", &u.origin.Y)
		fmt.Sscanf(l, "WIDTH=%d", &u.size.X)
		fmt.Sscanf(l, "HEIGHT=%d", &u.size.Y)
	}
	return u
}

// xdotool runs xdotool on the test's X screen.
func (u *kioskUI) xdotool(args ...string) ([]byte, error) {
	c := exec.Command("xdotool", args...)
	c.Env = append(os.Environ(), "DISPLAY="+u.x.Display)
	return c.CombinedOutput()
}

func (u *kioskUI) run(args ...string) {
	u.t.Helper()
	if out, err := u.xdotool(args...); err != nil {
		u.t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// waitScreen waits for the next screen record that ok accepts, within d,
// and makes it the current screen. Records it skips are consumed.
func (u *kioskUI) waitScreen(what string, d time.Duration, ok func(uiRecord) bool) uiRecord {
	u.t.Helper()
	deadline := time.After(d)
	for {
		recs := uiRecords(u.log.String(), "interactive screen")
		for ; u.seen < len(recs); u.seen++ {
			if ok(recs[u.seen]) {
				u.cur = recs[u.seen]
				u.seen++
				return u.cur
			}
		}
		if u.cmd.ProcessState != nil {
			u.t.Fatalf("the player exited waiting for %s:\n%s", what, tail(u.log.String(), 40))
		}
		select {
		case <-u.log.more:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			u.t.Fatalf("no %s screen within %v; last screen %+v\n%s", what, d, u.cur, tail(u.log.String(), 40))
		}
	}
}

// screenIs accepts records of the named screen (and, when given, step).
func screenIs(name string, step ...int) func(uiRecord) bool {
	return func(r uiRecord) bool {
		return r.Screen == name && (len(step) == 0 || r.step() == strconv.Itoa(step[0]))
	}
}

// waitInput waits for the next "input frame" record and returns it.
func (u *kioskUI) waitInput(d time.Duration) uiRecord {
	u.t.Helper()
	deadline := time.After(d)
	for {
		recs := uiRecords(u.log.String(), "input frame")
		if u.inputs < len(recs) {
			u.inputs = len(recs)
			return recs[len(recs)-1]
		}
		select {
		case <-u.log.more:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			u.t.Fatalf("no input frame within %v:\n%s", d, tail(u.log.String(), 20))
		}
	}
}

// target is the current screen's target name, in window pixels.
func (u *kioskUI) target(name string) image.Rectangle {
	u.t.Helper()
	ts, err := u.cur.targets()
	if err != nil {
		u.t.Fatal(err)
	}
	r, ok := ts[name]
	if !ok || r.Empty() {
		u.t.Fatalf("screen %s has no target %q (targets %q)", u.cur.Screen, name, u.cur.Targets)
	}
	return r
}

// hasTarget reports whether the current screen has the target name.
func (u *kioskUI) hasTarget(name string) bool {
	ts, _ := u.cur.targets()
	_, ok := ts[name]
	return ok
}

// click clicks the middle of the current screen's target name.
func (u *kioskUI) click(name string) {
	u.t.Helper()
	c := u.target(name)
	u.clickAt(image.Pt((c.Min.X+c.Max.X)/2, (c.Min.Y+c.Max.Y)/2))
}

// clickAt moves the pointer to p (window pixels) and clicks there.
func (u *kioskUI) clickAt(p image.Point) {
	u.t.Helper()
	u.run("mousemove", "--window", u.window, "--sync", strconv.Itoa(p.X), strconv.Itoa(p.Y), "click", "1")
}

// key presses and releases the named keys (X keysym names) in turn, sent
// to the window with the input focus: the player's, under the pointer.
func (u *kioskUI) key(keys ...string) {
	u.t.Helper()
	u.run(append([]string{"key", "--delay", "60"}, keys...)...)
}

// frame waits until the screen has stopped changing, saves it as name.png
// and returns it.
func (u *kioskUI) frame(name string) *image.RGBA {
	u.t.Helper()
	var last *image.RGBA
	deadline := time.Now().Add(10 * time.Second)
	for {
		img, err := u.x.Grab()
		if err == nil && last != nil && bytes.Equal(img.Pix, last.Pix) {
			u.save(name, img)
			return img
		}
		if err == nil {
			last = img
		}
		if time.Now().After(deadline) {
			if last == nil {
				u.t.Fatalf("frame %s: the screen could not be read: %v", name, err)
			}
			u.save(name, last)
			return last // a screen that changes all the time (a countdown)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (u *kioskUI) save(name string, img image.Image) {
	u.t.Helper()
	f, err := os.Create(filepath.Join(u.x.frames, name+".png"))
	if err != nil {
		u.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		u.t.Fatal(err)
	}
}

// onScreen is r (window pixels) on the X screen.
func (u *kioskUI) onScreen(r image.Rectangle) image.Rectangle { return r.Add(u.origin) }

// checkInk fails the test for each of the current screen's targets named
// that has no ink in img: a button or tile drawn as a blank.
func (u *kioskUI) checkInk(frame string, img *image.RGBA, names ...string) {
	u.t.Helper()
	for _, n := range names {
		r := u.onScreen(u.target(n))
		if ink := inkShare(img, r); ink < 0.01 {
			u.t.Errorf("%s: target %s at %v has no ink (%.2f%%)", frame, n, r, 100*ink)
		}
	}
}

// alive fails the test if the player has exited.
func (u *kioskUI) alive() {
	u.t.Helper()
	if u.cmd.ProcessState != nil || u.cmd.Process.Signal(syscall.Signal(0)) != nil {
		u.t.Fatalf("the player is no longer running:\n%s", tail(u.log.String(), 40))
	}
}
