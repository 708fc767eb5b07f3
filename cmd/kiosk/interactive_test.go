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
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
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
	step := func(km, vi, en, viBody, enBody string) map[string]any {
		s := text(km, vi, en)
		s["vi"].(map[string]any)["body"] = viBody
		s["en"].(map[string]any)["body"] = enBody
		return map[string]any{"text": s}
	}
	first := step("សូម​រៀបចំ​លិខិតឆ្លងដែន​របស់​អ្នក​ឱ្យ​បាន​រួចរាល់", "Chuẩn bị giấy tờ tùy thân", "Have your identity papers ready",
		"Mang theo căn cước công dân và số điện thoại của bạn.", "Bring your citizen identity card and your phone number.")
	first["picture"] = "images/passport.png"
	first["narration"] = narration
	second := step("ការណែនាំ​អំពី​សេវាសាធារណៈ​តាម​អ៊ីនធឺណិត", "Mở Cổng dịch vụ công", "Open the public service portal",
		"Quét mã bằng điện thoại để mở trang của thủ tục.", "Scan the code with your phone to open the procedure's page.")
	second["qr"] = testGuideQR
	third := step("ត្រូវការ​ជំនួយ? សូម​សួរ​មន្ត្រី​នៅ​ចំណុច​ជំនួយ", "Cần hỗ trợ? Hãy hỏi cán bộ", "Need help? Ask the officer",
		"Cán bộ tại điểm hỗ trợ sẽ giúp bạn nộp hồ sơ.", "The officer at the support point helps you file the application.")
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
	last   *image.RGBA // the frame returned last
	resent int         // inputs sent again (see do)
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
	r, found := u.tryScreen(d, ok)
	if !found {
		u.t.Fatalf("no %s screen within %v; last screen %+v\n%s", what, d, u.cur, tail(u.log.String(), 40))
	}
	return r
}

// tryScreen is waitScreen that reports whether the screen came.
func (u *kioskUI) tryScreen(d time.Duration, ok func(uiRecord) bool) (uiRecord, bool) {
	u.t.Helper()
	deadline := time.After(d)
	for {
		recs := uiRecords(u.log.String(), "interactive screen")
		for ; u.seen < len(recs); u.seen++ {
			if ok(recs[u.seen]) {
				u.cur = recs[u.seen]
				u.seen++
				return u.cur, true
			}
		}
		if u.cmd.ProcessState != nil {
			u.t.Fatalf("the player exited:\n%s", tail(u.log.String(), 40))
		}
		select {
		case <-u.log.more:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			return u.cur, false
		}
	}
}

// do sends an input and waits, within d, for the screen ok accepts. An
// input the player did not see at all (no input frame and no such screen
// within 3 s) is sent once more, and said in the test's log: Ebiten reads
// the keys' and buttons' state once a frame, and on this loaded machine
// the player's loop is sometimes busy for longer than a press lasts.
func (u *kioskUI) do(what string, d time.Duration, send func(), ok func(uiRecord) bool) uiRecord {
	u.t.Helper()
	u.markInputs()
	send()
	if r, found := u.tryScreen(3*time.Second, ok); found {
		return r
	}
	if len(uiRecords(u.log.String(), "input frame")) == u.inputs {
		u.resent++
		u.t.Logf("%s: the player did not see the input; sent again", what)
		send()
	}
	return u.waitScreen(what, d, ok)
}

// screenIs accepts records of the named screen (and, when given, step).
func screenIs(name string, step ...int) func(uiRecord) bool {
	return func(r uiRecord) bool {
		return r.Screen == name && (len(step) == 0 || r.step() == strconv.Itoa(step[0]))
	}
}

// waitInput waits for the next "input frame" record after those seen (see
// markInputs) and returns it.
func (u *kioskUI) waitInput(d time.Duration) uiRecord {
	u.t.Helper()
	deadline := time.After(d)
	for {
		if recs := uiRecords(u.log.String(), "input frame"); u.inputs < len(recs) {
			u.inputs++
			return recs[u.inputs-1]
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
// Ebiten reads the buttons' state once a frame, so the press is held for a
// quarter of a second and the release left alone as long: a press and a
// release, or a release and the next press, that reach the player while
// it draws one frame would go unseen (on this loaded machine a frame of a
// new screen may take a few hundred milliseconds; no hand clicks that
// fast).
func (u *kioskUI) clickAt(p image.Point) {
	u.t.Helper()
	// No --sync: it waits for the pointer to move, which it does not when
	// it is there already (a second click on Next); XTEST events arrive in
	// order anyway.
	u.run("mousemove", "--window", u.window, strconv.Itoa(p.X), strconv.Itoa(p.Y),
		"mousedown", "1", "sleep", "0.25", "mouseup", "1", "sleep", "0.25")
}

// key presses the named keys (X keysym names) in turn, each held and
// released as clickAt does, sent to the window with the input focus: the
// player's, under the pointer.
func (u *kioskUI) key(keys ...string) {
	u.t.Helper()
	var args []string
	for _, k := range keys {
		args = append(args, "keydown", k, "sleep", "0.25", "keyup", k, "sleep", "0.25")
	}
	u.run(args...)
}

// frame waits until the screen shows a new picture (not the one frame
// returned last: the log record of a screen comes just before the frame
// reaches the display), not one colour (as before the first frame), and
// has stopped changing; it saves it as name.png and returns it.
func (u *kioskUI) frame(name string) *image.RGBA { return u.grabNew(name, true) }

// frameMoving is frame for a screen that changes every second (the
// countdown): the first new picture, still or not.
func (u *kioskUI) frameMoving(name string) *image.RGBA { return u.grabNew(name, false) }

func (u *kioskUI) grabNew(name string, still bool) *image.RGBA {
	u.t.Helper()
	var last *image.RGBA
	deadline := time.Now().Add(10 * time.Second)
	for {
		img, err := u.x.Grab()
		if err == nil && (!still || last != nil && bytes.Equal(img.Pix, last.Pix)) &&
			dominantShare(img, img.Bounds()) < 0.99 && (u.last == nil || !bytes.Equal(img.Pix, u.last.Pix)) {
			last = img
			break
		}
		if err == nil {
			last = img
		}
		if time.Now().After(deadline) {
			if last == nil {
				u.t.Fatalf("frame %s: the screen could not be read: %v", name, err)
			}
			u.t.Errorf("frame %s: no new picture on the screen within 10 s (still: %v)", name, still)
			break
		}
		time.Sleep(150 * time.Millisecond)
	}
	u.save(name, last)
	u.last = last
	return last
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

// TestInteractiveGuideByRealInput runs the real player as an interactive
// support point (a synced site with its own MinIO, the demo's slides and
// the test guide) on an X screen of its own and uses it as a resident
// does, with real X input: a click leaves the attract loop; Khmer is
// picked and the guide opened by touch; its steps are walked forward and
// back by touch and with the keyboard (Page Down and Page Up as a
// presenter remote sends, an arrow moving the focus ring, Return, Escape);
// narration is replayed; the guide is run to Done; then the player is
// left alone until its countdown shows and the attract loop returns. Every
// screen is grabbed from the X server and checked for ink where its
// buttons, heading and text go; the QR code of the second step is decoded
// back to its URL. It runs with the ALSA null device and with no sound
// device at all: the player must stay up in both, and say which in its
// heartbeat.
func TestInteractiveGuideByRealInput(t *testing.T) {
	tests := []struct {
		name  string
		alsa  bool // the ALSA null device; else no sound device at all
		audio string
	}{
		{"ALSA null device", true, report.AudioOK},
		{"no sound device", false, report.AudioNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := startXScreen(t, 1920, 1080)
			d := publishtest.New(t)
			bundle := signageBundle(t)
			addGuide(t, bundle, 1)
			d.Release(t, bundle, layout.Targeting{})
			cfg := writeInteractiveSite(t, d)
			env := "ALSA_CONFIG_PATH=" // alsa-lib's own configuration: here, no device
			if tc.alsa {
				env += nullALSA(t)
			}
			u := startInteractive(t, x, cfg, "", env)
			u.walkGuide(tc.alsa, fileSHA(t, filepath.Join(bundle, "audio", testGuideID+"-1-km.wav")))

			// The heartbeat says whether the site has sound, and that no
			// character lacked a glyph.
			hb := waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool { return hb.Audio != "" })
			if hb.Audio != tc.audio {
				t.Errorf("heartbeat audio = %q, want %q", hb.Audio, tc.audio)
			}
			if hb.Unmapped != 0 {
				t.Errorf("heartbeat: %d characters had no glyph", hb.Unmapped)
			}
			if l := lineWith(u.log.String(), "characters no font can draw"); l != "" {
				t.Errorf("characters without a glyph: %s", l)
			}
			u.alive()
		})
	}
}

// writeInteractiveSite writes the config of an interactive support point
// (1920x1080, a 24-inch touch screen; Khmer, Vietnamese and English; idle
// 10 s and a 3 s countdown, the least the config takes) syncing from d,
// heartbeats every 5 s uploaded every second, and returns its path.
func writeInteractiveSite(t testing.TB, d *publishtest.Department) string {
	t.Helper()
	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey,
		"mode: interactive\ninteractive: {idle: 10s, countdown: 3s}\nreports: {interval: 5s, upload: 1s, screenshot_interval: 0}\n")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]string{
		{"display: {resolution: 1536x768}", "display: {resolution: 1920x1080, diagonal_inches: 24}"},
		{"languages: [vi, km]", "languages: [km, vi, en]"},
	} {
		if !bytes.Contains(raw, []byte(r[0])) {
			t.Fatalf("the synced site's config has no %q", r[0])
		}
		raw = bytes.Replace(raw, []byte(r[0]), []byte(r[1]), 1)
	}
	if err := os.WriteFile(cfg, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// nullALSA writes an ALSA configuration whose default device is the null
// one and returns its path.
func nullALSA(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(path, []byte("pcm.!default { type null }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// walkGuide uses the player from the attract loop through the test guide
// in Khmer to Done, and then leaves it idle until the attract loop is
// back. With sound, the first step's narration plays (the Khmer file,
// which the speaker's log names by its bundle path, or by its SHA-256
// kmSHA) and is replayed; without, no replay button is offered.
func (u *kioskUI) walkGuide(sound bool, kmSHA string) {
	t := u.t
	t.Helper()
	const wait = 15 * time.Second
	stepIs := func(n int) func(uiRecord) bool {
		return func(r uiRecord) bool {
			return r.Screen == "step" && r.Guide == testGuideID && r.step() == strconv.Itoa(n)
		}
	}

	u.waitScreen("attract", time.Minute, screenIs("attract"))
	img := u.frame("01-attract")
	if s := dominantShare(img, img.Bounds()); s > 0.97 {
		t.Errorf("01-attract: one colour covers %.0f%% of the screen", 100*s)
	}

	// Any touch leaves the attract loop for Home: the languages, each
	// named in its own script.
	u.do("home", wait, func() { u.clickAt(u.size.Div(2)) }, screenIs("home"))
	img = u.frame("02-home")
	u.checkInk("02-home", img, "lang:km", "lang:vi", "lang:en", "back", "home")
	u.checkHeading("02-home", img)

	u.do("the Khmer menu", wait, func() { u.click("lang:km") }, func(r uiRecord) bool { return r.Screen == "menu" && r.Lang == "km" })
	img = u.frame("03-menu-km")
	u.checkInk("03-menu-km", img, "guide:"+testGuideID, "back", "home")
	u.checkHeading("03-menu-km", img)

	narrations := func() int { return strings.Count(u.log.String(), `"msg":"narration plays"`) }
	u.do("step 1", wait, func() { u.click("guide:" + testGuideID) }, stepIs(1))
	img = u.frame("04-step1-km")
	u.checkStep("04-step1-km", img)
	if u.hasTarget("replay") != sound {
		t.Errorf("step 1 (narrated in Khmer) offers replay: %v; the site has sound: %v (targets %q)", u.hasTarget("replay"), sound, u.cur.Targets)
	}
	if sound {
		u.log.waitFor(t, `"msg":"narration plays"`, 1)
		if l := lineWith(u.log.String(), `"msg":"narration plays"`); !strings.Contains(l, kmSHA) && !strings.Contains(l, testGuideID+"-1-km.wav") {
			t.Errorf("the narration played is not the Khmer one of step 1: %s", l)
		}
	}

	// Forward and back by touch; the second step's QR code reads back
	// as its URL.
	u.do("step 2", wait, func() { u.click("next") }, stepIs(2))
	step2 := u.frame("05-step2-km") // the focus on Next
	u.checkStep("05-step2-km", step2)
	if got, err := decodeQR(step2); err != nil || got != testGuideQR {
		t.Errorf("05-step2-km: QR code reads %q (%v), want %q", got, err, testGuideQR)
	}
	u.do("step 1 again", wait, func() { u.click("prev") }, stepIs(1))

	// With the keyboard: Page Down and Page Up (a presenter remote's
	// keys), then Return on the focused Next, an arrow moving the focus
	// ring to Previous and Return on it.
	u.do("step 2 by Page Down", wait, func() { u.key("Next") }, stepIs(2))
	u.do("step 1 by Page Up", wait, func() { u.key("Prior") }, stepIs(1))
	u.do("step 2 by Return on Next", wait, func() { u.key("Return") }, stepIs(2))
	u.markInputs()
	u.key("Left")
	u.waitInput(wait)
	focusPrev := u.frame("06-step2-focus-prev")
	for _, n := range []string{"prev", "next"} {
		if !changedAround(step2, focusPrev, u.onScreen(u.target(n))) {
			t.Errorf("the focus ring did not move from next to prev: nothing changed around %s", n)
		}
	}
	u.do("step 1 by Return on Previous", wait, func() { u.key("Return") }, stepIs(1))

	// Escape goes back to the menu; Return opens the focused guide.
	u.do("the menu by Escape", wait, func() { u.key("Escape") }, func(r uiRecord) bool { return r.Screen == "menu" && r.Lang == "km" })
	u.do("step 1 by Return on the guide", wait, func() { u.key("Return") }, stepIs(1))
	if sound {
		n := narrations()
		u.log.waitFor(t, `"msg":"narration plays"`, n) // played on arrival
		u.click("replay")
		u.log.waitFor(t, `"msg":"narration plays"`, n+1)
	}

	// To the end.
	u.do("step 2", wait, func() { u.key("Next") }, stepIs(2))
	u.do("step 3", wait, func() { u.key("Next") }, stepIs(3))
	img = u.frame("07-step3-km")
	u.checkStep("07-step3-km", img)
	u.checkInk("07-step3-km", img, "done")
	u.do("the menu after Done", wait, func() { u.click("done") }, func(r uiRecord) bool { return r.Screen == "menu" && r.Lang == "km" })
	u.alive()
	lastInput := time.Now()
	u.do("home", wait, func() { u.click("home") }, screenIs("home"))
	u.frame("08-home-again")

	// Left alone: the countdown after the idle time, then the loop.
	u.waitScreen("the countdown", 30*time.Second, screenIs("countdown"))
	if idle := time.Since(lastInput); idle < 9*time.Second {
		t.Errorf("the countdown came %v after the last input; the idle time is 10 s", idle.Round(time.Millisecond))
	}
	counting := time.Now()
	img = u.frameMoving("09-countdown")
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if ink := inkShare(img, image.Rect(w/3, h/3, 2*w/3, 2*h/3)); ink < 0.01 {
		t.Errorf("09-countdown: nothing drawn in the middle of the screen (%.2f%% ink)", 100*ink)
	}
	u.waitScreen("the attract loop", 20*time.Second, screenIs("attract"))
	if c := time.Since(counting); c < 2*time.Second {
		t.Errorf("the attract loop came %v after the countdown began; the countdown is 3 s", c.Round(time.Millisecond))
	}
	img = u.frame("10-attract-again")
	if s := dominantShare(img, img.Bounds()); s > 0.97 {
		t.Errorf("10-attract-again: one colour covers %.0f%% of the screen", 100*s)
	}
	u.alive()
}

// checkHeading fails the test when the band between Back and Home (the
// screen's heading) has no ink.
func (u *kioskUI) checkHeading(frame string, img *image.RGBA) {
	u.t.Helper()
	back, home := u.target("back"), u.target("home")
	r := u.onScreen(image.Rect(back.Max.X, back.Min.Y, home.Min.X, back.Max.Y))
	if ink := inkShare(img, r); ink < 0.01 {
		u.t.Errorf("%s: the heading at %v has no ink (%.2f%%)", frame, r, 100*ink)
	}
}

// checkStep checks a step screen: ink in its buttons, its heading (the
// guide's title) and where its text goes, the left half of the band
// between the top and the bottom buttons.
func (u *kioskUI) checkStep(frame string, img *image.RGBA) {
	u.t.Helper()
	names := []string{"back", "home"}
	for _, n := range []string{"prev", "next", "done", "replay"} {
		if u.hasTarget(n) {
			names = append(names, n)
		}
	}
	u.checkInk(frame, img, names...)
	u.checkHeading(frame, img)
	back, home := u.target("back"), u.target("home")
	last := "next"
	if !u.hasTarget(last) {
		last = "done"
	}
	bottom := u.target(last)
	r := u.onScreen(image.Rect(back.Min.X, back.Max.Y, (back.Min.X+home.Max.X)/2, bottom.Min.Y))
	if ink := inkShare(img, r); ink < 0.02 {
		u.t.Errorf("%s: the step's text area %v has no ink (%.2f%%)", frame, r, 100*ink)
	}
}

// markInputs forgets the input frames logged so far: the next waitInput
// returns one logged after now.
func (u *kioskUI) markInputs() { u.inputs = len(uiRecords(u.log.String(), "input frame")) }

// changedAround reports whether a and b differ in the band of 16 pixels
// around r (where a focus ring is drawn).
func changedAround(a, b *image.RGBA, r image.Rectangle) bool {
	outer := r.Inset(-16).Intersect(a.Bounds())
	for y := outer.Min.Y; y < outer.Max.Y; y++ {
		for x := outer.Min.X; x < outer.Max.X; x++ {
			if image.Pt(x, y).In(r) {
				continue
			}
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				return true
			}
		}
	}
	return false
}
