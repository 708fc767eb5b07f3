package player

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/internal/videotest"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/video"
)

// videoEnv names the video scenario a test binary started again plays
// (see runVideo).
const videoEnv = "KIOSK_PLAYER_VIDEO"

// videoSite is the site of the video scenarios: a small wall, so that
// the clips are quick to make, with the ticker crawling over the video.
const videoSite = `
site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
languages: [vi, en]
fonts: [{family: Noto Sans}]
ticker: {edge: bottom, height: 40}
content: {demo: true}
video: {fps: 25}
`

// videoClip is a clip of a scenario's bundle.
type videoClipSpec struct {
	id    string
	first int // the number on its first frame
	clip  videotest.ClipOptions
	// claim, when set, is the length the manifest gives instead of the
	// clip's own.
	claim time.Duration
}

// videoScenario is a bundle of text slides and clips, a site and the
// moments to capture, relative to the first slide's start.
type videoScenario struct {
	config string // added to videoSite
	items  []any  // a string: a 3 s text slide of that ID; a videoClipSpec: a clip
	steps  []videoStep
	// edit changes the bundle's folder after its manifest is written.
	edit func(dir string) error
	// ffmpeg, when set, is a shell script run as the decoder program.
	ffmpeg string
}

type videoStep struct {
	at     time.Duration
	file   string
	fading bool
	alert  *alert.Alert // published just before the step
	key    ebiten.Key   // pressed just before the step (0, KeyA: none)
}

// videoAlert takes the whole screen from 4 s to 6 s into the scenarios.
var videoAlert = alert.Alert{ID: "flood-video", Serial: 1, Severity: alert.Severe, Start: at("10:00:04"), Expires: at("10:00:06"),
	Text: map[string]alert.Text{"vi": {Headline: "Cảnh báo lũ trên sông Hậu", Instruction: "Di chuyển lên vùng cao ngay."}}}

// textSlide is how long each text slide of a scenario shows.
const textSlide = 3 * time.Second

func clipOf(id string, first, frames, rotation int, w, h int) videoClipSpec {
	return videoClipSpec{id: id, first: first, clip: videotest.ClipOptions{Width: w, Height: h, FPS: 25, Frames: frames, FirstFrame: first, Rotation: rotation}}
}

var videoScenarios = map[string]videoScenario{
	// Two clips in a row between text slides, with a crossfade of one
	// frame: the frames on either side of each seam.
	"seam": {
		config: "display: {resolution: 480x240}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 50, 0, 480, 240), clipOf("clip-b", 1000, 50, 0, 480, 240), "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 2960 * time.Millisecond, file: "intro-last.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3040 * time.Millisecond, file: "a-1.png", fading: true},
			{at: 3530 * time.Millisecond, file: "a-13.png", fading: true},
			{at: 4950 * time.Millisecond, file: "a-48.png", fading: true},
			{at: 4960 * time.Millisecond, file: "fade-into-b.png", fading: true},
			{at: 5000 * time.Millisecond, file: "b-1.png", fading: true},
			{at: 5970 * time.Millisecond, file: "b-25.png", fading: true},
			{at: 6900 * time.Millisecond, file: "b-48.png", fading: true},
			{at: 6920 * time.Millisecond, file: "fade-into-outro.png", fading: true},
			{at: 7000 * time.Millisecond, file: "outro.png", fading: true},
		},
	},
	// Crossfades into, between and out of clips.
	"fade": {
		config: "display: {resolution: 480x240}\nplayback: {transition: 1s}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 75, 0, 480, 240), clipOf("clip-b", 1000, 75, 0, 480, 240), "outro"},
		// The clock moves in steps, and a crossfade starts at the step
		// that finds the slide's time up: one at each start.
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3500 * time.Millisecond, file: "into-a.png", fading: true},
			{at: 4500 * time.Millisecond, file: "a-37.png"},
			// a ends at 6 s: it fades out from 5 s, b in.
			{at: 5000 * time.Millisecond, file: "fade-into-b.png", fading: true},
			{at: 5500 * time.Millisecond, file: "a-to-b.png", fading: true},
			{at: 6500 * time.Millisecond, file: "b-37.png"},
			{at: 7000 * time.Millisecond, file: "fade-into-outro.png", fading: true},
			{at: 7500 * time.Millisecond, file: "b-to-outro.png", fading: true},
			{at: 8500 * time.Millisecond, file: "outro.png"},
		},
	},
	// Clips that cannot play are skipped while the next plays: one whose
	// bytes were changed, one cut short on disk, one whose decoder hangs;
	// and one whose decoder dies after a second is cut short there.
	"bad": {
		config: "display: {resolution: 480x240}\nplayback: {transition: 40ms}\n",
		items: []any{"intro", clipOf("clip-hash", 0, 50, 0, 480, 240), clipOf("clip-trunc", 0, 50, 0, 480, 240),
			clipOf("clip-hang", 0, 50, 0, 480, 240), clipOf("clip-ok", 0, 50, 0, 480, 240),
			clipOf("clip-crash", 2000, 50, 0, 480, 240), "outro"},
		edit: func(dir string) error {
			hash := filepath.Join(dir, "video/clip-hash-480x240-r0-25.mp4")
			data, err := os.ReadFile(hash)
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0xff
			if err := os.WriteFile(hash, data, 0o644); err != nil {
				return err
			}
			trunc := filepath.Join(dir, "video/clip-trunc-480x240-r0-25.mp4")
			st, err := os.Stat(trunc)
			if err != nil {
				return err
			}
			return os.Truncate(trunc, st.Size()/2)
		},
		// The decoder hangs on clip-hang, and its output stops in the
		// middle of clip-crash's 26th frame. (The decoder reads the file
		// the player opened, as its file descriptor 3.)
		ffmpeg: "#!/bin/sh\ncase \"$* $(readlink /proc/$$/fd/3)\" in\n*clip-hang*) exec sleep 600;;\n" +
			"*clip-crash*) ffmpeg \"$@\" | head -c $((480*240*3/2*25+1000)); exit 0;;\nesac\nexec ffmpeg \"$@\"\n",
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			// clip-ok's turn comes at 3 s, once clip-hang's decoder has
			// failed to give a frame.
			{at: 3000 * time.Millisecond, file: "fade-1.png", fading: true},
			{at: 3100 * time.Millisecond, file: "fade-2.png", fading: true},
			{at: 3500 * time.Millisecond, file: "ok-10.png", fading: true},
			{at: 5060 * time.Millisecond, file: "fade-3.png", fading: true},
			{at: 5500 * time.Millisecond, file: "crash-11.png", fading: true},
			{at: 6500 * time.Millisecond, file: "after-crash.png", fading: true},
			{at: 7000 * time.Millisecond, file: "outro.png", fading: true},
		},
	},
	// A full-screen alert stops a clip, which starts again from its
	// beginning when the alert expires.
	"alert": {
		config: "display: {resolution: 480x240}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 100, 0, 480, 240), "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3500 * time.Millisecond, file: "a-12.png", fading: true},
			{at: 4000 * time.Millisecond, file: "alert.png", fading: true, alert: &videoAlert},
			{at: 6000 * time.Millisecond, file: "a-again-0.png", fading: true},
			{at: 6500 * time.Millisecond, file: "a-again-12.png", fading: true},
		},
	},
	// A clip shorter than its manifest says hands over at its last frame.
	"short": {
		config: "display: {resolution: 480x240}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", videoClipSpec{id: "clip-a", clip: clipOf("", 0, 50, 0, 480, 240).clip, claim: 6 * time.Second}, "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 4000 * time.Millisecond, file: "a-25.png", fading: true},
			{at: 5100 * time.Millisecond, file: "a-past-end.png", fading: true},
			{at: 5200 * time.Millisecond, file: "fade-into-outro.png", fading: true},
			{at: 5300 * time.Millisecond, file: "after-a.png"},
		},
	},
	// A screen whose width is not a multiple of 8 (the decoder pads its
	// rows) and whose chroma planes have an odd number of rows.
	"odd": {
		config: "display: {resolution: 490x250}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 50, 0, 490, 250), "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3530 * time.Millisecond, file: "a-13.png", fading: true},
		},
	},
	// At a support point, a resident's touch stops the clip in the
	// attract loop (and its sound); back in the loop, it plays again from
	// its start.
	"touch": {
		config: "mode: interactive\ndisplay: {resolution: 480x240}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 100, 0, 480, 240), "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3500 * time.Millisecond, file: "a-12.png", fading: true},
			{at: 4000 * time.Millisecond, file: "home.png", fading: true, key: ebiten.KeySpace},
			{at: 5000 * time.Millisecond, file: "a-again-0.png", fading: true, key: ebiten.KeyEscape},
			{at: 5500 * time.Millisecond, file: "a-again-12.png", fading: true},
		},
	},
	// A wall turned on its side plays the rendition made turned.
	"portrait": {
		config: "display: {resolution: 240x480, rotation: 90}\nplayback: {transition: 40ms}\n",
		items:  []any{"intro", clipOf("clip-a", 0, 50, 90, 240, 480), "outro"},
		steps: []videoStep{
			{at: 0, file: "intro.png"},
			{at: 3000 * time.Millisecond, file: "fade-into-a.png", fading: true},
			{at: 3040 * time.Millisecond, file: "a-1.png", fading: true},
			{at: 3400 * time.Millisecond, file: "a-10.png"},
			{at: 4800 * time.Millisecond, file: "a-45.png"},
		},
	},
}

// videoBundle writes the scenario's bundle into dir: its clips made with
// FFmpeg, their renditions listed with their hashes.
func videoBundle(t *testing.T, dir string, sc videoScenario) {
	t.Helper()
	m := content.Manifest{Format: content.FormatVersion, ID: "video-test", Version: 1, Created: day,
		Requires: []string{content.FeatureVideo},
		Ticker:   []content.Message{{"vi": "Cửa khẩu Tịnh Biên mở cửa từ 6 giờ đến 22 giờ"}}}
	files := map[string]string{}
	for _, x := range sc.items {
		switch x := x.(type) {
		case string:
			m.Items = append(m.Items, content.Item{ID: x, Kind: content.KindText, Duration: content.Duration(textSlide),
				Text: map[string]content.Text{"vi": {Title: "Xin chào " + x, Body: "Cửa khẩu Tịnh Biên"}}})
		case videoClipSpec:
			path := videotest.MakeClip(t, t.TempDir(), x.clip)
			w, h := x.clip.FileSize()
			name := fmt.Sprintf("video/%s-%dx%d-r%d-25.mp4", x.id, w, h, x.clip.Rotation)
			files[name] = path
			length := x.clip.Length()
			if x.claim > 0 {
				length = x.claim
			}
			m.Items = append(m.Items, content.Item{ID: x.id, Kind: content.KindVideo, Video: &content.Video{
				Duration:   content.Duration(length),
				Renditions: []content.Rendition{{File: name, Width: w, Height: h, Rotation: x.clip.Rotation, FPS: 25}}}})
		}
	}
	for name, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, content.Describe(name, data))
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := content.LoadDir(dir); err != nil {
		t.Fatalf("the scenario's bundle: %v", err)
	}
	if sc.edit != nil {
		if err := sc.edit(dir); err != nil {
			t.Fatal(err)
		}
	}
}

// runVideo plays a video scenario in this process, from the bundle in
// dir/bundle, and writes its frames and summary.json to dir.
func runVideo(name, dir string) error {
	sc, ok := videoScenarios[name]
	if !ok {
		return fmt.Errorf("no video scenario %q", name)
	}
	conf := videoSite + sc.config
	if sc.ffmpeg != "" {
		conf += fmt.Sprintf("video: {fps: 25, ffmpeg: %q}\n", filepath.Join(dir, "ffmpeg.sh"))
		conf = strings.Replace(conf, "video: {fps: 25}\n", "", 1)
	}
	cfg, err := siteconfig.Parse([]byte(conf), name+".yaml")
	if err != nil {
		return err
	}
	b, err := content.LoadDir(filepath.Join(dir, "bundle"))
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if os.Getenv("KIOSK_PLAYER_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	start := at("10:00:00")
	alerts := &book{changed: make(chan struct{}, 1)}
	var pl *Player
	var steps []CaptureStep
	for _, st := range sc.steps {
		cs := CaptureStep{At: start.Add(st.at), File: st.file, Fading: st.fading}
		switch {
		case st.alert != nil:
			cs.Before = func() { alerts.put(*st.alert) }
		case st.key != 0:
			cs.Before = func() { pl.inputKey(st.key, time.Now()) }
		}
		steps = append(steps, cs)
	}
	shown := &shownLog{}
	p, err := New(Options{Config: cfg, Source: staticBundle{b}, Fonts: fonts.NewLoader(log, filepath.Join(dir, "fonts")), Log: log,
		Clock: fixedClock(start), Capture: &CaptureOptions{Dir: dir, Steps: steps}, Observer: shown, Alerts: alerts})
	if err != nil {
		return err
	}
	pl = p
	if err := p.Run(context.Background()); err != nil {
		return err
	}
	raw, err := json.Marshal(shown.list)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "shown.json"), raw, 0o644)
}

// shownLog is an Observer keeping what came on screen when, as
// proof-of-play records it.
type shownLog struct{ list []shownAt }

type shownAt struct {
	At   time.Time `json:"at"`
	Item string    `json:"item"`
}

func (l *shownLog) Frame(time.Time) {}
func (l *shownLog) Shown(now time.Time, s report.Showing) {
	l.list = append(l.list, shownAt{At: now, Item: s.Item})
}

// captureVideo makes a scenario's bundle, plays it in a process of its
// own, and returns its frames by file name, the folder they are in and
// the player's log.
func captureVideo(t *testing.T, name string) (map[string]CapturedFrame, string, string) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: the drawing tests need an X server; run them under xvfb-run (as `make test` does)")
	}
	sc := videoScenarios[name]
	dir := t.TempDir()
	videoBundle(t, filepath.Join(dir, "bundle"), sc)
	if sc.ffmpeg != "" {
		if err := os.WriteFile(filepath.Join(dir, "ffmpeg.sh"), []byte(sc.ffmpeg), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), videoEnv+"="+name, "KIOSK_PLAYER_DIR="+dir, "XDG_CACHE_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("video scenario %s: %v\n%s", name, err, out.String())
	}
	t.Logf("frames of %s in %s", name, dir)
	var s CaptureSummary
	readJSON(t, filepath.Join(dir, "summary.json"), &s)
	frames := map[string]CapturedFrame{}
	for _, f := range s.Frames {
		frames[f.File] = f
	}
	if keep := os.Getenv("KIOSK_KEEP_FRAMES"); keep != "" {
		_ = os.CopyFS(filepath.Join(keep, name), os.DirFS(dir))
	}
	return frames, dir, out.String()
}

// codeIn reads the frame number in a captured frame, turned upright.
func codeIn(t *testing.T, dir, file string, rotation int) (int, bool) {
	t.Helper()
	return videotest.ReadFrameNumber(videotest.Upright(loadRGBA(t, filepath.Join(dir, file)), rotation))
}

func TestVideoFramesOnTime(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		rotation int
	}{{"seam", 0}, {"portrait", 90}, {"odd", 0}} {
		t.Run(tc.scenario, func(t *testing.T) {
			frames, dir, log := captureVideo(t, tc.scenario)
			start := at("10:00:00")
			for _, st := range videoScenarios[tc.scenario].steps {
				f, ok := frames[st.file]
				if !ok {
					t.Fatalf("no frame %s; log:\n%s", st.file, log)
				}
				if strings.HasPrefix(st.file, "fade-") {
					continue // the moment a crossfade starts, for the clock
				}
				var want int
				var item string
				if _, err := fmt.Sscanf(strings.TrimSuffix(st.file, ".png"), "%1s-%d", &item, &want); err != nil {
					// A text slide: no code on screen, no video.
					if len(f.Videos) != 0 {
						t.Errorf("%s: videos on screen %+v, want none", st.file, f.Videos)
					}
					if n, ok := codeIn(t, dir, st.file, tc.rotation); ok {
						t.Errorf("%s: a clip's frame %d on a text slide", st.file, n)
					}
					continue
				}
				// Each clip starts as the slide before starts fading out:
				// the text slide's 3 s, clip-a's 2 s less the 40 ms
				// crossfade.
				first := 0
				clipStart := start.Add(textSlide)
				if item == "b" {
					first, clipStart = 1000, clipStart.Add(2*time.Second-40*time.Millisecond)
				}
				if len(f.Videos) != 1 {
					t.Fatalf("%s: videos on screen %+v, want one", st.file, f.Videos)
				}
				v := f.Videos[0]
				if !v.Start.Equal(clipStart) {
					t.Errorf("%s: the clip started at %v, want %v (right after the slide before)", st.file, v.Start.Format("15:04:05.000"), clipStart.Format("15:04:05.000"))
				}
				// The frame the clock asks for at this moment.
				due := int(f.At.Sub(v.Start) * 25 / time.Second)
				if due != want {
					t.Fatalf("test's arithmetic: %s is frame %d at %v", st.file, due, f.At.Sub(v.Start))
				}
				n, ok := codeIn(t, dir, st.file, tc.rotation)
				if !ok {
					t.Errorf("%s: no frame number readable on screen", st.file)
					continue
				}
				if d := n - first - want; d < -2 || d > 2 {
					t.Errorf("%s: frame %d on screen, want %d (within two frames)", st.file, n-first, want)
				}
				if n-first != v.Frame {
					t.Errorf("%s: the screen shows frame %d, the player says it drew %d", st.file, n-first, v.Frame)
				}
			}
			checkTicker(t, dir, frames, tc.rotation)
			if tc.rotation == 0 {
				checkRange(t, loadRGBA(t, filepath.Join(dir, "a-13.png")))
			}
		})
	}
}

// checkTicker checks that the ticker band is drawn over the video: the
// bottom band of an upright frame is the ticker's colour, not the clip's.
func checkTicker(t *testing.T, dir string, frames map[string]CapturedFrame, rotation int) {
	t.Helper()
	for file, f := range frames {
		if len(f.Videos) == 0 {
			continue
		}
		img := videotest.Upright(loadRGBA(t, filepath.Join(dir, file)), rotation)
		rgba := image.NewRGBA(img.Bounds())
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				rgba.Set(x, y, img.At(x, y))
			}
		}
		b := rgba.Bounds()
		if _, ok := region(f, "ticker"); !ok && len(f.Regions) > 0 {
			// Captures by steps list the screen's regions.
			t.Logf("%s: regions %+v", file, f.Regions)
		}
		band := image.Rect(0, b.Dy()-40, b.Dx(), b.Dy())
		if l := meanLuminance(rgba, band); l > 0.45 {
			t.Errorf("%s: the ticker band's mean luminance is %.2f: the clip shows through, not the ticker", file, l)
		}
	}
}

func TestVideoCrossfades(t *testing.T) {
	frames, dir, log := captureVideo(t, "fade")
	get := func(file string) CapturedFrame {
		t.Helper()
		f, ok := frames[file]
		if !ok {
			t.Fatalf("no frame %s; log:\n%s", file, log)
		}
		return f
	}
	start := at("10:00:00")
	for _, tc := range []struct {
		file   string
		videos []string // items of the videos on screen
		frames []int
		code   int // the frame number readable on screen; -1: none (a mix)
	}{
		{"into-a.png", []string{"clip-a"}, []int{12}, -1},
		{"a-37.png", []string{"clip-a"}, []int{37}, 37},
		{"a-to-b.png", []string{"clip-a", "clip-b"}, []int{62, 12}, -1},
		{"b-37.png", []string{"clip-b"}, []int{37}, 1037},
		{"b-to-outro.png", []string{"clip-b"}, []int{62}, -1},
		{"outro.png", nil, nil, -1},
	} {
		f := get(tc.file)
		var items []string
		var got []int
		for _, v := range f.Videos {
			items, got = append(items, v.Item), append(got, v.Frame)
		}
		if fmt.Sprint(items) != fmt.Sprint(tc.videos) || fmt.Sprint(got) != fmt.Sprint(tc.frames) {
			t.Errorf("%s at %v: videos %v frames %v, want %v %v", tc.file, f.At.Sub(start), items, got, tc.videos, tc.frames)
		}
		n, ok := codeIn(t, dir, tc.file, 0)
		switch {
		case tc.code >= 0 && (!ok || n != tc.code):
			t.Errorf("%s: frame number %d (readable %v), want %d", tc.file, n, ok, tc.code)
		case tc.code < 0 && ok:
			t.Errorf("%s: frame %d readable in what should be a crossfade or a slide", tc.file, n)
		}
		// A crossfade is never black: both pictures show.
		img := loadRGBA(t, filepath.Join(dir, tc.file))
		if l := meanLuminance(img, image.Rect(0, 0, 480, 200)); l < 0.08 {
			t.Errorf("%s: mean luminance %.3f: a black frame", tc.file, l)
		}
	}
	// The clip fades out as it plays: its frames go on under the fade.
	if a := get("a-to-b.png"); len(a.Videos) == 2 && !a.Videos[1].Start.Equal(start.Add(textSlide+2*time.Second)) {
		t.Errorf("clip-b started at %v, want 2 s into clip-a (its 3 s less the 1 s crossfade)", a.Videos[1].Start.Sub(start))
	}
}

func TestVideoBadInputsSkipped(t *testing.T) {
	frames, dir, log := captureVideo(t, "bad")
	// Each clip that cannot play is named in the log, with why.
	for _, want := range []string{
		`msg="item skipped" item=clip-hash`, content.ErrHashMismatch.Error(),
		`msg="item skipped" item=clip-trunc`, content.ErrSizeMismatch.Error(),
		`msg="video skipped" item=clip-hang`, "no frame from the decoder",
		`msg="video cut short" item=clip-crash`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, `msg="video started" item=clip-hang`) || strings.Contains(log, `msg="video started" item=clip-hash`) ||
		strings.Contains(log, `msg="video started" item=clip-trunc`) {
		t.Errorf("a clip that cannot play started:\n%s", log)
	}
	for _, tc := range []struct {
		file       string
		item       string
		code, near int // the frame number on screen, within two frames; -1: none
	}{
		{"fade-1.png", "intro", -1, 0},  // clip-hang's decoder is still awaited
		{"ok-10.png", "clip-ok", 10, 2}, // the next clip plays
		{"crash-11.png", "clip-crash", 2011, 2},
		{"after-crash.png", "outro", -1, 0}, // cut short when its decoder died
		{"outro.png", "outro", -1, 0},
	} {
		f, ok := frames[tc.file]
		if !ok {
			t.Fatalf("no frame %s:\n%s", tc.file, log)
		}
		if f.Item != tc.item {
			t.Errorf("%s: %s on screen, want %s", tc.file, f.Item, tc.item)
		}
		n, ok := codeIn(t, dir, tc.file, 0)
		switch {
		case tc.code < 0 && ok:
			t.Errorf("%s: frame %d of a clip on screen, want none", tc.file, n)
		case tc.code >= 0 && (!ok || n < tc.code-tc.near || n > tc.code+tc.near):
			t.Errorf("%s: frame %d (readable %v) on screen, want %d", tc.file, n, ok, tc.code)
		}
		img := loadRGBA(t, filepath.Join(dir, tc.file))
		if l := meanLuminance(img, image.Rect(0, 0, 480, 200)); l < 0.05 {
			t.Errorf("%s: a black screen (mean luminance %.3f)", tc.file, l)
		}
	}
	// Proof of play: the cut-short clip's play ends when it was cut, a
	// second into its two.
	var shown []shownAt
	readJSON(t, filepath.Join(dir, "shown.json"), &shown)
	for i, s := range shown {
		if s.Item != "clip-crash" {
			continue
		}
		if i+1 == len(shown) {
			t.Fatalf("clip-crash never left the screen: %+v", shown)
		}
		if d := shown[i+1].At.Sub(s.At); d < 900*time.Millisecond || d > 1500*time.Millisecond {
			t.Errorf("clip-crash was on screen %v by its play records, want its real time, about 1.4 s of its 2 s: %+v", d, shown)
		}
		return
	}
	t.Errorf("clip-crash never came on screen: %+v", shown)
}

func TestVideoUnderAlert(t *testing.T) {
	frames, dir, log := captureVideo(t, "alert")
	checkOnScreen(t, frames, dir, log, []onScreen{
		{"a-12.png", "clip-a", 12},
		{"alert.png", "alert", -1},
		{"a-again-0.png", "clip-a", 0},
		{"a-again-12.png", "clip-a", 12},
	})
	if !strings.Contains(log, `msg="video ended" item=clip-a file=video/clip-a-480x240-r0-25.mp4 why=covered`) {
		t.Errorf("the log does not say the clip stopped under the alert:\n%s", log)
	}
	// Proof of play: the clip's first play ends as the alert comes, and
	// it plays again from the alert's end.
	var shown []shownAt
	readJSON(t, filepath.Join(dir, "shown.json"), &shown)
	var plays []string
	for i, s := range shown {
		if s.Item == "clip-a" && i+1 < len(shown) {
			plays = append(plays, fmt.Sprintf("%s-%s", s.At.Format("05.000"), shown[i+1].At.Format("05.000")))
		}
	}
	// (Its crossfade ended at 3.04 s, which the capture's clock, moving
	// in steps, saw at its next step.)
	if want := "[03.500-04.000]"; len(plays) == 0 || fmt.Sprint(plays[:1]) != want {
		t.Errorf("clip-a's plays %v, want the first %s; shown: %+v", plays, want, shown)
	}
	if last := shown[len(shown)-1]; last.Item != "clip-a" || !last.At.Equal(videoAlert.Expires) {
		t.Errorf("after the alert %+v came on screen, want clip-a at %v", last, videoAlert.Expires)
	}
}

// checkRange checks that the shader turns the video's limited range
// (white at 235, black at 16) into the screen's full range: the code's
// white and black markers (its first two cells) are white and black; and
// its colours: testsrc2's blue and cyan bars, just under the code, are
// blue and cyan (with U and V swapped, blue would be red).
func checkRange(t *testing.T, m *image.RGBA) {
	t.Helper()
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	for _, bar := range []struct {
		name    string
		x       int // the bar's middle, in twelfths of the width
		r, g, b bool
	}{{"blue", 7, false, false, true}, {"cyan", 11, false, true, true}} {
		p := m.RGBAAt(w*bar.x/12, h*29/100)
		for i, c := range []struct {
			v  uint8
			on bool
		}{{p.R, bar.r}, {p.G, bar.g}, {p.B, bar.b}} {
			if c.on && c.v < 160 || !c.on && c.v > 80 {
				t.Errorf("testsrc2's %s bar is %v: channel %d wrong; the shader's colours are wrong", bar.name, p, i)
				break
			}
		}
	}
	y := h * 3 / 16 // the middle of the code's row
	for _, c := range []struct {
		cell int
		min  uint8
		max  uint8
	}{{0, 245, 255}, {1, 0, 10}} {
		x := w * (2*c.cell + 3) / 40 // the middle of the cell
		p := m.RGBAAt(x, y)
		for _, v := range []uint8{p.R, p.G, p.B} {
			if v < c.min || v > c.max {
				t.Errorf("the code's cell %d is %v at (%d,%d), want each channel in [%d, %d]: the shader's range is wrong", c.cell, p, x, y, c.min, c.max)
				break
			}
		}
	}
}

func TestVideoShorterThanClaimed(t *testing.T) {
	frames, _, log := captureVideo(t, "short")
	if f := frames["a-25.png"]; f.Item != "clip-a" {
		t.Errorf("a-25.png: %s on screen, want clip-a", f.Item)
	}
	if f := frames["after-a.png"]; f.Item != "outro" {
		t.Errorf("after-a.png, 2.2 s into a clip of 2 s its manifest says is 6 s: %s on screen, want outro (log:\n%s)", f.Item, log)
	}
	if !strings.Contains(log, `msg="video shorter than its manifest says" item=clip-a`) {
		t.Errorf("the log does not say the clip was short:\n%s", log)
	}
}

// A video stopped under an alert keeps its last frame for when it starts
// again, so that the screen never goes back to the alert, or to black,
// while its decoder starts; the slide's release lets the frame go.
func TestVideoKeepsLastFrameWhenStopped(t *testing.T) {
	clip := videotest.MakeClip(t, t.TempDir(), videotest.ClipOptions{Width: 160, Height: 80, Frames: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dec, err := video.Start(ctx, video.Options{Path: clip, Width: 160, Height: 80, FPS: 25})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c := &videoClip{file: "video/a.mp4", r: content.Rendition{Width: 160, Height: 80, FPS: 25}}
	s := &slide{spec: slideSpec{item: &content.Item{ID: "clip-a"}}, video: c, tex: ebiten.NewImage(40, 120), texStride: 160,
		vp: &videoPlay{clip: c, ctx: ctx, cancel: cancel, dec: dec, log: log, clock: fixedClock(at("10:00:00"))}}
	s.stopVideo("covered")
	if s.vp != nil || s.tex == nil {
		t.Fatalf("after the video stopped: play %v, last frame %v; want no play and the frame kept", s.vp, s.tex)
	}
	shader, err := newVideoShader()
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{vshader: shader}
	if !p.drawPicture(ebiten.NewImage(160, 80), s, 1) {
		t.Error("the kept frame is not drawn while the video starts again")
	}
	s.release()
	if s.tex != nil {
		t.Error("the slide's release kept its last frame")
	}
}

func TestVideoUnderResidentsScreens(t *testing.T) {
	frames, dir, log := captureVideo(t, "touch")
	checkOnScreen(t, frames, dir, log, []onScreen{
		{"a-12.png", "clip-a", 12},
		{"home.png", "interactive:home", -1},
		{"a-again-0.png", "clip-a", 0},
		{"a-again-12.png", "clip-a", 12},
	})
	if !strings.Contains(log, `msg="video ended" item=clip-a file=video/clip-a-480x240-r0-25.mp4 why=interactive`) {
		t.Errorf("the log does not say the clip stopped for the resident's screens:\n%s", log)
	}
}

// onScreen is what a captured frame must show: the item, and the clip's
// frame number readable on screen (within two frames; -1: none).
type onScreen struct {
	file, item string
	code       int
}

func checkOnScreen(t *testing.T, frames map[string]CapturedFrame, dir, log string, want []onScreen) {
	t.Helper()
	for _, w := range want {
		f, ok := frames[w.file]
		if !ok {
			t.Fatalf("no frame %s:\n%s", w.file, log)
		}
		if f.Item != w.item {
			t.Errorf("%s: %s on screen, want %s", w.file, f.Item, w.item)
		}
		n, ok := codeIn(t, dir, w.file, 0)
		if w.code < 0 && ok || w.code >= 0 && (!ok || n < w.code-2 || n > w.code+2) {
			t.Errorf("%s: frame %d (readable %v) on screen, want %d", w.file, n, ok, w.code)
		}
	}
}
