//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/videotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// videoStallBound is the longest a frame may stay on screen (ten frame
// intervals at 25 fps), and videoBadShare the share of a clip's frames
// that may be dropped or repeated: on a 2-core machine running other tests
// beside them (a load average of 6), the player's frames stall for up to
// about 300 ms here when a clip's decoders start, and a tenth of the
// frames can go. A clip whose next decoder did not start ahead, or a
// black or frozen seam, costs more.
const (
	videoStallBound = 400 * time.Millisecond
	videoBadShare   = 0.2
)

// The end-to-end video tests run the real player as a synced wall against
// a real MinIO, with bundles whose videos the department tool made
// (kioskctl add-video) from test clips carrying their frame numbers, and
// read the frames back from the X server's framebuffer, outside the
// player, on the real clock. Frame-exact timing and the crossfade's
// pictures are checked on the capture clock in kiosk/player.

// videoWallSite is a wall's config beyond its site and sync sections, to
// be filled with its resolution, rotation and video section.
const videoWallSite = `display: {resolution: %s, rotation: %d}
languages: [vi]
fonts: [{family: Noto Sans}]
content: {cache: cache}
ticker: {edge: bottom, height: 40}
playback: {transition: 500ms}
video: %s
reports: {interval: 5s, upload: 1s, screenshot_interval: 0}
`

// videoWall is a wall under test: the department that publishes to it,
// its config, its X screen and, once started, its player.
type videoWall struct {
	t        testing.TB
	d        *publishtest.Department
	cfg      string
	x        *xScreen
	rotation int
	cmd      *exec.Cmd
	log      *logWatcher
}

// newVideoWall writes the config of a wall of the given layout resolution
// and rotation syncing from a department of its own, with video section
// video, and starts an X screen of its output size.
func newVideoWall(t testing.TB, resolution string, rotation int, video string) *videoWall {
	t.Helper()
	var w, h int
	if _, err := fmt.Sscanf(resolution, "%dx%d", &w, &h); err != nil {
		t.Fatalf("resolution %q: %v", resolution, err)
	}
	if rotation == 90 || rotation == 270 {
		w, h = h, w
	}
	d := publishtest.New(t)
	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey, "")
	// The synced site's config, with this wall's display, ticker and video.
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "site:") || strings.HasPrefix(l, "sync:") {
			keep = append(keep, l)
		}
	}
	conf := strings.Join(keep, "\n") + "\n" + fmt.Sprintf(videoWallSite, resolution, rotation, video)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return &videoWall{t: t, d: d, cfg: cfg, x: startXScreen(t, w, h), rotation: rotation}
}

// videoItem is a clip the department adds to a bundle.
type videoItem struct {
	id   string
	clip videotest.ClipOptions
}

// publish makes a bundle of the clips (made with FFmpeg and added with
// kioskctl add-video for this wall's config), with intro and outro a text
// slide of 2 s before and after them, and releases it.
func (w *videoWall) publish(kioskctl string, intro bool, clips []videoItem, outro bool) {
	t := w.t
	t.Helper()
	dir := t.TempDir()
	text := func(id string) content.Item {
		return content.Item{ID: id, Kind: content.KindText, Layout: content.LayoutSingle, Duration: content.Duration(2 * time.Second),
			Text: map[string]content.Text{"vi": {Title: "Cửa khẩu Tịnh Biên", Body: "Xin chào " + id}}}
	}
	m := content.Manifest{Format: content.FormatVersion, ID: "video-wall", Version: 1, Created: time.Now().UTC().Truncate(time.Second),
		Ticker: []content.Message{{"vi": "Cửa khẩu Tịnh Biên mở cửa từ 6 giờ đến 22 giờ"}},
		Items:  []content.Item{text("intro")}}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for _, c := range clips {
		clip := videotest.MakeClip(t, src, c.clip)
		out, err := exec.Command(kioskctl, "add-video", dir, clip, "--site", w.cfg, "--id", c.id).CombinedOutput()
		if err != nil {
			t.Fatalf("kioskctl add-video %s: %v\n%s", c.id, err, out)
		}
		t.Logf("add-video: %s", strings.TrimSpace(string(out)))
	}
	_, err = content.IndexDirWith(dir, content.IndexOptions{Edit: func(m *content.Manifest) error {
		if !intro {
			m.Items = m.Items[1:]
		}
		if outro {
			m.Items = append(m.Items, text("outro"))
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.d.Release(t, dir, layout.Targeting{})
}

// start runs the player on the wall's screen with a JSON log at debug
// level and more environment variables env (the ALSA config).
func (w *videoWall) start(env ...string) {
	w.t.Helper()
	args := "--config " + w.cfg + " --window --log-level debug --log json"
	w.cmd, w.log = startKioskEnv(w.t, w.cfg, append([]string{"DISPLAY=" + w.x.Display, "KIOSK_TEST_ARGS=" + args}, env...)...)
	w.t.Cleanup(func() {
		if w.t.Failed() {
			// Beside the frames saved (KIOSK_FRAMES_DIR keeps them).
			os.WriteFile(filepath.Join(w.x.frames, "player.log"), []byte(w.log.String()), 0o644)
		}
	})
}

// waitRecord waits up to d for the n-th log record msg whose fields
// include want, and returns it.
func (w *videoWall) waitRecord(msg string, n int, d time.Duration, want map[string]string) logRecord {
	w.t.Helper()
	deadline := time.Now().Add(d)
	for {
		if rs := recordsWith(w.log.String(), msg, want); len(rs) >= n {
			return rs[n-1]
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no %d × %q %v within %v:\n%s", n, msg, want, d, tail(w.log.String(), 40))
		}
		if w.cmd.ProcessState != nil {
			w.t.Fatalf("the player exited:\n%s", tail(w.log.String(), 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logRecord is one record of the player's JSON log, its values as text.
type logRecord map[string]string

// records returns the log's records of message msg.
func records(log, msg string) []logRecord {
	return recordsWith(log, msg, nil)
}

// recordsWith returns the log's records of message msg whose fields
// include want.
func recordsWith(log, msg string, want map[string]string) []logRecord {
	var out []logRecord
	for _, line := range strings.Split(log, "\n") {
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

// num reads a numeric field of r.
func (r logRecord) num(t testing.TB, k string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(r[k], 64)
	if err != nil {
		t.Fatalf("record %v: %s=%q is no number", r, k, r[k])
	}
	return f
}

// seconds reads a duration field of r (JSON logs give nanoseconds).
func (r logRecord) seconds(t testing.TB, k string) float64 {
	t.Helper()
	return r.num(t, k) / 1e9
}

// screenSample is the clip frame the screen showed at a time: ok false
// when no code could be read (a crossfade, a text slide, a black frame).
type screenSample struct {
	at    time.Time
	frame int
	ok    bool
	luma  float64 // mean luminance of the upper picture, 0 to 1
	img   *image.RGBA
}

// sampleEvery is the least time between two reads of the screen: often
// enough to see any frame held a quarter of a second, and leaving the
// player most of the machine's second core.
const sampleEvery = 20 * time.Millisecond

// sample reads the screen every sampleEvery until done says so or within
// passes, turning each picture upright for the wall's rotation.
func (w *videoWall) sample(within time.Duration, done func() bool) []screenSample {
	w.t.Helper()
	var out []screenSample
	var last time.Time
	deadline := time.Now().Add(within)
	for !done() {
		if time.Now().After(deadline) {
			w.t.Fatalf("sampled the screen for %v and the clips did not end:\n%s", within, tail(w.log.String(), 30))
		}
		time.Sleep(time.Until(last.Add(sampleEvery)))
		last = time.Now()
		img, err := w.x.Grab()
		at := time.Now()
		if err != nil {
			continue // Xvfb rewrites its file; the next read sees it whole
		}
		up := videotest.Upright(img, w.rotation)
		n, ok := videotest.ReadFrameNumber(up)
		out = append(out, screenSample{at: at, frame: n, ok: ok, luma: upperLuma(up), img: img})
	}
	dropTorn(out)
	return out
}

// dropTorn marks unreadable each sample read while the X server was
// writing one frame over another: a code out of order with the frames
// read before and after it, but whose every bit is one of theirs (the
// screen's top rows from one frame, its bottom rows from the other). On a
// portrait wall the code's cells run down the screen, so a read between
// frames 89 and 90 can say 88 or 91.
func dropTorn(samples []screenSample) {
	prev := -1
	for i := range samples {
		s := &samples[i]
		if !s.ok {
			continue
		}
		next := -1
		for _, later := range samples[i+1:] {
			if later.ok {
				next = later.frame
				break
			}
		}
		if prev >= 0 && next >= 0 && (s.frame < prev || s.frame > next) && (s.frame^prev)&^(prev^next) == 0 {
			s.ok = false
			continue
		}
		prev = s.frame
	}
}

// upperLuma is the mean luminance of the picture above the ticker's band
// (the top 80%), read on a grid.
func upperLuma(img image.Image) float64 {
	b := img.Bounds()
	var sum float64
	var n int
	for y := b.Min.Y; y < b.Min.Y+b.Dy()*8/10; y += 8 {
		for x := b.Min.X; x < b.Max.X; x += 8 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 0xffff
			n++
		}
	}
	return sum / float64(n)
}

// buildKioskctl builds the department tool into a folder of the test's.
func buildKioskctl(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kioskctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../kioskctl").CombinedOutput(); err != nil {
		t.Fatalf("go build kioskctl: %v\n%s", err, out)
	}
	return bin
}

// TestVideoPlaysFromSync runs a wall with its videos' sound on ALSA's
// null device through a bundle of a text slide, two 4 s clips with sound
// and a text slide, synced from a real MinIO, and checks from outside:
// both clips play to their end with all their sound, few frames dropped
// or repeated and none held long; across the seam between them the
// screen is never black, the frame numbers only go up and none stays
// long; the player stays up; the plays of both videos reach the store.
func TestDropTorn(t *testing.T) {
	for _, tc := range []struct {
		name string
		read []int // -1: unreadable
		torn []int // indexes dropTorn marks
	}{
		{"in order", []int{87, 88, 89, 90, 91}, nil},
		{"89 over 90 read as 88", []int{88, 89, 88, 90, 91}, []int{2}},
		{"89 over 90 read as 91", []int{89, 91, 90}, []int{1}},
		{"across an unreadable sample", []int{89, -1, 88, -1, 90}, []int{2}},
		{"a frame skipped is not torn", []int{10, 12, 13}, nil},
		{"backwards for real", []int{40, 41, 30, 31}, nil},
		{"a mix of 5 and 6", []int{5, 4, 6}, []int{1}},
		{"first and last kept", []int{7, 5, 6, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			samples := make([]screenSample, len(tc.read))
			for i, n := range tc.read {
				samples[i] = screenSample{frame: n, ok: n >= 0}
			}
			dropTorn(samples)
			var torn []int
			for i, s := range samples {
				if tc.read[i] >= 0 && !s.ok {
					torn = append(torn, i)
				}
			}
			if fmt.Sprint(torn) != fmt.Sprint(tc.torn) {
				t.Errorf("dropTorn(%v) marked %v, want %v", tc.read, torn, tc.torn)
			}
		})
	}
}

func TestVideoPlaysFromSync(t *testing.T) {
	kioskctl := buildKioskctl(t)
	w := newVideoWall(t, "768x384", 0, "{fps: 25, sound: true}")
	clipA := videotest.ClipOptions{Width: 768, Height: 384, Duration: 4 * time.Second, Sound: true}
	clipB := videotest.ClipOptions{Width: 768, Height: 384, Duration: 4 * time.Second, Sound: true, FirstFrame: 1000, Frequency: 660}
	w.publish(kioskctl, true, []videoItem{{"clip-a", clipA}, {"clip-b", clipB}}, true)
	w.start("ALSA_CONFIG_PATH=" + nullALSA(t))

	w.waitRecord("video started", 1, 90*time.Second, map[string]string{"item": "clip-a"})
	// From A's start until B has played 1.5 s: the seam.
	var bStarted time.Time
	samples := w.sample(30*time.Second, func() bool {
		if bStarted.IsZero() {
			if len(recordsWith(w.log.String(), "video started", map[string]string{"item": "clip-b"})) > 0 {
				bStarted = time.Now()
			}
			return false
		}
		return time.Since(bStarted) > 1500*time.Millisecond
	})
	endA := w.waitRecord("video ended", 1, 30*time.Second, map[string]string{"item": "clip-a"})
	endB := w.waitRecord("video ended", 1, 30*time.Second, map[string]string{"item": "clip-b"})
	w.waitRecord("slide", 1, 30*time.Second, map[string]string{"item": "outro"})

	for _, tc := range []struct {
		end  logRecord
		clip videotest.ClipOptions
	}{{endA, clipA}, {endB, clipB}} {
		id := tc.end["item"]
		if s := recordsWith(w.log.String(), "video started", map[string]string{"item": id}); len(s) == 0 || s[0]["sound"] != "true" || s[0]["size"] != "768x384" || s[0]["fps"] != "25" {
			t.Errorf("%s started: %v, want sound=true size=768x384 fps=25", id, s)
		}
		checkVideoEnded(t, tc.end, tc.clip, true)
	}
	checkSeam(t, w, samples, clipA, clipB)

	if w.cmd.ProcessState != nil {
		t.Fatal("the player stopped")
	}
	stopProgram(t, w.cmd)
	checkVideoPlays(t, w.d, map[string]time.Duration{"clip-a": clipA.Length(), "clip-b": clipB.Length()})
	if s := w.log.String(); strings.Contains(s, "video skipped") || strings.Contains(s, "video cut short") {
		t.Errorf("a video failed:\n%s", lineWith(s, "video "))
	}
}

// checkVideoEnded checks a clip's `video ended` record: it played to its
// end, its sound (with sound) as long as the clip within two frames, few of
// its frames dropped or repeated, none on screen as long as videoStallBound.
func checkVideoEnded(t *testing.T, end logRecord, clip videotest.ClipOptions, sound bool) {
	t.Helper()
	id := end["item"]
	t.Logf("%s: frames=%s dropped=%s repeated=%s decoded=%s audio_seconds=%s played=%.3fs longest_frame=%.0fms",
		id, end["frames"], end["dropped"], end["repeated"], end["decoded"], end["audio_seconds"], end.seconds(t, "played"), end.seconds(t, "longest_frame")*1000)
	if end["why"] != "ended" {
		t.Errorf("%s ended: why=%s, want ended", id, end["why"])
	}
	n := float64(clip.FrameCount())
	if audio := end.num(t, "audio_seconds"); sound && (audio < clip.Length().Seconds()-0.04 || audio > clip.Length().Seconds()+0.04) {
		t.Errorf("%s: %.3f s of sound, want %.3f s within two frames", id, audio, clip.Length().Seconds())
	} else if !sound && audio != 0 {
		t.Errorf("%s: %.3f s of sound, want none", id, audio)
	}
	if bad := end.num(t, "dropped") + end.num(t, "repeated"); bad >= videoBadShare*n {
		t.Errorf("%s: %v frames dropped or repeated of %v", id, bad, n)
	}
	if shown := end.num(t, "frames"); shown < (1-videoBadShare)*n {
		t.Errorf("%s: %v frames shown of %v", id, shown, n)
	}
	if longest := end.seconds(t, "longest_frame"); longest >= videoStallBound.Seconds() {
		t.Errorf("%s: a frame stayed %.0f ms", id, longest*1000)
	}
}

// checkSeam checks the screen from A's start to B's first 1.5 s: readable
// frame numbers only go up (A's, then B's), none stays on screen as long
// as videoStallBound, no picture is black, and both clips were seen.
func checkSeam(t *testing.T, w *videoWall, samples []screenSample, a, b videotest.ClipOptions) {
	t.Helper()
	if len(samples) < 20 {
		t.Fatalf("only %d screen samples across the seam", len(samples))
	}
	// Before A's first readable frame the text slide fades into it.
	first := 0
	for first < len(samples) && !samples[first].ok {
		first++
	}
	samples = samples[first:]
	var gaps []float64
	for i := 1; i < len(samples); i++ {
		gaps = append(gaps, samples[i].at.Sub(samples[i-1].at).Seconds()*1000)
	}
	t.Logf("%d screen samples, %.0f ms apart (median), %.0f ms at most", len(samples), median(gaps), maxOf(gaps))
	inA := func(n int) bool { return n >= a.FirstFrame && n < a.FirstFrame+a.FrameCount() }
	inB := func(n int) bool { return n >= b.FirstFrame && n < b.FirstFrame+b.FrameCount() }
	seenA, seenB := 0, 0
	last, runStart := -1, time.Time{}
	for i, s := range samples {
		if s.luma < 0.05 {
			w.x.save(t, fmt.Sprintf("black-%03d", i), s.img)
			t.Errorf("sample %d (%v after the first): a black screen (luminance %.3f)", i, s.at.Sub(samples[0].at).Round(time.Millisecond), s.luma)
		}
		if !s.ok {
			continue
		}
		switch {
		case inA(s.frame):
			seenA++
		case inB(s.frame):
			seenB++
		default:
			w.x.save(t, fmt.Sprintf("unknown-%03d", i), s.img)
			t.Errorf("sample %d shows frame %d, of neither clip", i, s.frame)
			continue
		}
		if s.frame < last {
			w.x.save(t, fmt.Sprintf("backwards-%03d", i), s.img)
			t.Errorf("sample %d: frame %d after frame %d", i, s.frame, last)
		}
		if s.frame != last {
			last, runStart = s.frame, s.at
		} else if held := s.at.Sub(runStart); held >= videoStallBound {
			w.x.save(t, fmt.Sprintf("held-%03d", i), s.img)
			t.Errorf("frame %d on screen for %v or more", s.frame, held.Round(time.Millisecond))
			runStart = s.at // one error per long hold
		}
	}
	t.Logf("frames of A seen %d times, of B %d times", seenA, seenB)
	if seenA < 10 || seenB < 10 {
		t.Errorf("clip A read %d times and B %d times across the seam, want both often", seenA, seenB)
	}
}

// checkVideoPlays loads the site's reports from the store and checks that
// each video has plays of about its length.
func checkVideoPlays(t *testing.T, d *publishtest.Department, want map[string]time.Duration) {
	t.Helper()
	var warned []string
	data, err := fleet.Load(context.Background(), d.Store, "an-giang-tinh-bien", report.Schedule{Loc: time.Local}, time.Now(), time.Now(), time.Now(),
		func(key string, err error) { warned = append(warned, err.Error()) })
	if err != nil || len(warned) > 0 {
		t.Fatalf("load the reports: %v %v", err, warned)
	}
	got := map[string]time.Duration{}
	plays := map[string]int{}
	for _, p := range data.Plays.Totals() {
		got[p.Item] += p.Time
		plays[p.Item] += p.Plays
	}
	t.Logf("plays in the store: %v, time %v", plays, got)
	for id, length := range want {
		if plays[id] < 1 {
			t.Errorf("no play of %s reached the store (plays %v)", id, plays)
			continue
		}
		if per := got[id] / time.Duration(plays[id]); per < length-time.Second || per > length+time.Second {
			t.Errorf("%s played %v a time, want about its length %v", id, per, length)
		}
	}
}

// TestVideoPortraitWall: a portrait wall (768x384 panels turned 90°)
// gets a rendition made turned for it, and the screen, turned upright,
// shows the clip's frames in order.
func TestVideoPortraitWall(t *testing.T) {
	kioskctl := buildKioskctl(t)
	w := newVideoWall(t, "384x768", 90, "{fps: 25}")
	clip := videotest.ClipOptions{Width: 384, Height: 768, Duration: 4 * time.Second}
	w.publish(kioskctl, true, []videoItem{{"clip-p", clip}}, false)
	w.start("ALSA_CONFIG_PATH=" + nullALSA(t))
	st := w.waitRecord("video started", 1, 90*time.Second, map[string]string{"item": "clip-p"})
	if st["size"] != "768x384" || !strings.Contains(st["file"], "-r90-") {
		t.Errorf("portrait wall started %v, want the 768x384 rendition turned 90°", st)
	}
	samples := w.sample(30*time.Second, func() bool {
		return len(recordsWith(w.log.String(), "video ended", map[string]string{"item": "clip-p"})) > 0
	})
	checkVideoEnded(t, w.waitRecord("video ended", 1, time.Second, map[string]string{"item": "clip-p"}), clip, false)
	checkFramesAdvance(t, w, samples, clip)
}

// checkFramesAdvance checks that the screen read clip frames often, in
// order.
func checkFramesAdvance(t *testing.T, w *videoWall, samples []screenSample, clip videotest.ClipOptions) {
	t.Helper()
	distinct, last := 0, -1
	for i, s := range samples {
		if !s.ok {
			continue
		}
		if s.frame < last {
			w.x.save(t, fmt.Sprintf("backwards-%03d", i), s.img)
			t.Errorf("sample %d: frame %d after frame %d", i, s.frame, last)
		}
		if s.frame != last {
			distinct++
		}
		last = s.frame
	}
	t.Logf("%d samples, %d distinct frames read, the last %d", len(samples), distinct, last)
	if distinct < clip.FrameCount()/5 {
		if len(samples) > 0 {
			w.x.save(t, "last", samples[len(samples)-1].img)
		}
		t.Errorf("%d distinct frames read of %d", distinct, clip.FrameCount())
	}
}

// TestVideoWithoutSoundDevice: a wall whose config plays videos' sound,
// on a machine with no sound device at all, plays its clips silently on
// its own clock.
func TestVideoWithoutSoundDevice(t *testing.T) {
	kioskctl := buildKioskctl(t)
	w := newVideoWall(t, "768x384", 0, "{fps: 25, sound: true}")
	clip := videotest.ClipOptions{Width: 768, Height: 384, Duration: 4 * time.Second, Sound: true}
	w.publish(kioskctl, true, []videoItem{{"clip-a", clip}}, false)
	alsa := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(alsa, []byte("# no PCM defined: no sound device\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.start("ALSA_CONFIG_PATH=" + alsa)
	st := w.waitRecord("video started", 1, 90*time.Second, map[string]string{"item": "clip-a"})
	if st["sound"] != "false" {
		t.Errorf("without a sound device: %v, want sound=false", st)
	}
	samples := w.sample(30*time.Second, func() bool {
		return len(recordsWith(w.log.String(), "video ended", map[string]string{"item": "clip-a"})) > 0
	})
	checkVideoEnded(t, w.waitRecord("video ended", 1, time.Second, map[string]string{"item": "clip-a"}), clip, false)
	checkFramesAdvance(t, w, samples, clip)
	if w.cmd.ProcessState != nil {
		t.Fatal("the player stopped")
	}
	stopProgram(t, w.cmd)
}
