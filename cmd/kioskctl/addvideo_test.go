package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// sourceClip makes a 3 s clip of 160x80 at 30 fps with FFmpeg: blue, with
// a red 40x20 marker in its top-left corner, and a tone when sound is
// true. It returns its path.
func sourceClip(t *testing.T, sound bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Border report (2026).mp4")
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "color=c=blue:s=160x80:r=30:d=3,drawbox=x=0:y=0:w=40:h=20:color=red:t=fill"}
	if sound {
		args = append(args, "-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=44100", "-c:a", "aac")
	}
	// B-frames in the source, which the renditions must not keep.
	args = append(args, "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p", "-shortest", p)
	if out, err := exec.CommandContext(t.Context(), "ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return p
}

// emptyBundle writes a bundle with one text item and returns its folder.
func emptyBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := `{"format": 1, "id": "video-test", "version": 1, "created": "2026-11-20T08:00:00Z",
  "items": [{"id": "welcome", "kind": "text", "text": {"vi": {"title": "Chào mừng"}}}], "files": []}`
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func testSiteConfig(name string) string { return filepath.Join("testdata", "video", name+".yaml") }

func runKioskctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestAddVideo transcodes a clip for five sites of four geometries
// (landscape, landscape turned 180°, portrait turned 90° at 20 fps,
// portrait turned 270°, and a landscape twin) and checks each rendition
// with FFprobe and its pixels, then the manifest, then that a second run
// replaces a rendition instead of adding one.
func TestAddVideo(t *testing.T) {
	clip := sourceClip(t, true)
	dir := emptyBundle(t)
	args := []string{"add-video", dir, clip}
	for _, s := range []string{"landscape", "landscape-turned", "portrait", "portrait-270", "landscape-twin"} {
		args = append(args, "--site", testSiteConfig(s))
	}
	out, err := runKioskctl(t, args...)
	if err != nil {
		t.Fatalf("add-video: %v\n%s", err, out)
	}
	if !strings.Contains(out, "320x160 at 25 fps for landscape, landscape-twin") || !strings.Contains(out, "4 renditions made (0 replaced)") {
		t.Errorf("output does not say the twin sites share a rendition, or 4 were made:\n%s", out)
	}

	b, err := content.LoadDir(dir)
	if err != nil {
		t.Fatalf("the manifest add-video wrote does not load: %v", err)
	}
	if err := b.Verify(); err != nil {
		t.Fatalf("the files do not match the manifest: %v", err)
	}
	m := &b.Manifest
	if len(m.Requires) != 1 || m.Requires[0] != content.FeatureVideo {
		t.Errorf("requires = %v, want [video]", m.Requires)
	}
	if len(m.Items) != 2 || m.Items[1].ID != "border-report-2026" || m.Items[1].Kind != content.KindVideo {
		t.Fatalf("items = %+v, want the text item and a video item border-report-2026", m.Items)
	}
	v := m.Items[1].Video
	if d := time.Duration(v.Duration); d < 2900*time.Millisecond || d > 3100*time.Millisecond || !v.Sound {
		t.Errorf("video duration %v sound %v, want about 3s with sound", d, v.Sound)
	}
	if len(v.Renditions) != 4 {
		t.Fatalf("%d renditions, want 4: %+v", len(v.Renditions), v.Renditions)
	}

	// Where the clip's red marker (top-left) must land in each turned
	// picture, a point of the clip's blue, and a point of black padding
	// (the 2:1 clip fitted on a portrait screen), in output pixels.
	type point struct{ x, y int }
	tests := []struct {
		rotation, fps   int
		file            string
		red, blue, pad  point
		portrait        bool
		keyframeIndexes []int
	}{
		{rotation: 0, fps: 25, file: "video/border-report-2026-320x160-r0-25.mp4",
			red: point{20, 10}, blue: point{300, 150}, keyframeIndexes: []int{0, 50}},
		{rotation: 180, fps: 25, file: "video/border-report-2026-320x160-r180-25.mp4",
			red: point{300, 150}, blue: point{20, 10}, keyframeIndexes: []int{0, 50}},
		// Turned clockwise: the layout's top-left is the output's
		// top-right; the picture is a band across the middle of the
		// portrait screen, so a column in the output.
		{rotation: 90, fps: 20, file: "video/border-report-2026-320x160-r90-20.mp4", portrait: true,
			red: point{190, 20}, blue: point{130, 140}, pad: point{20, 80}, keyframeIndexes: []int{0, 40}},
		{rotation: 270, fps: 25, file: "video/border-report-2026-320x160-r270-25.mp4", portrait: true,
			red: point{130, 140}, blue: point{190, 20}, pad: point{20, 80}, keyframeIndexes: []int{0, 50}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, ok := v.Rendition(320, 160, tc.rotation, tc.fps)
			if !ok || r.File != tc.file {
				t.Fatalf("Rendition(320, 160, %d, %d) = %+v, %v; want %s", tc.rotation, tc.fps, r, ok, tc.file)
			}
			p := filepath.Join(dir, filepath.FromSlash(r.File))
			pr := probeStreams(t, p)
			want := map[string]string{
				"video.codec_name": "h264", "video.profile": "Constrained Baseline", "video.width": "320", "video.height": "160",
				"video.pix_fmt": "yuv420p", "video.avg_frame_rate": strconv.Itoa(tc.fps) + "/1", "video.has_b_frames": "0",
				// BT.601 limited range: what the player's shader turns into RGB.
				"video.color_space": "smpte170m", "video.color_range": "tv",
				"audio.codec_name": "aac", "audio.profile": "LC", "audio.sample_rate": "48000", "audio.channels": "2",
			}
			for k, w := range want {
				if pr[k] != w {
					t.Errorf("%s = %q, want %q", k, pr[k], w)
				}
			}
			types, keys := frameTypes(t, p)
			if strings.Contains(types, "B") {
				t.Errorf("frame types %s: B-frames", types)
			}
			if len(types) != 3*tc.fps {
				t.Errorf("%d frames, want %d (3 s at %d fps)", len(types), 3*tc.fps, tc.fps)
			}
			if !slices.Equal(keys, tc.keyframeIndexes) {
				t.Errorf("keyframes at frames %v, want %v (every 2 s)", keys, tc.keyframeIndexes)
			}
			if moov, mdat := topBoxOffset(t, p, "moov"), topBoxOffset(t, p, "mdat"); moov < 0 || mdat < 0 || moov > mdat {
				t.Errorf("moov at %d, mdat at %d: want moov first (faststart)", moov, mdat)
			}

			rgb := firstFrameRGB(t, p, 320, 160)
			at := func(pt point) [3]byte {
				i := (pt.y*320 + pt.x) * 3
				return [3]byte{rgb[i], rgb[i+1], rgb[i+2]}
			}
			if c := at(tc.red); !(c[0] > 180 && c[1] < 80 && c[2] < 80) {
				t.Errorf("pixel %v = %v, want the red marker", tc.red, c)
			}
			if c := at(tc.blue); !(c[2] > 180 && c[0] < 80 && c[1] < 80) {
				t.Errorf("pixel %v = %v, want the clip's blue", tc.blue, c)
			}
			if tc.portrait {
				if c := at(tc.pad); c[0] > 30 || c[1] > 30 || c[2] > 30 {
					t.Errorf("pixel %v = %v, want black padding", tc.pad, c)
				}
			}
		})
	}

	// Again for the portrait site, filling its screen this time: its
	// rendition is replaced (no black padding), the others stay.
	before := map[string]content.File{}
	for _, f := range m.Files {
		before[f.Path] = f
	}
	out, err = runKioskctl(t, "add-video", dir, clip, "--site", testSiteConfig("portrait"), "--fit", "fill", "--id", "border-report-2026")
	if err != nil {
		t.Fatalf("add-video again: %v\n%s", err, out)
	}
	b, err = content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	v = b.Manifest.Items[1].Video
	if len(b.Manifest.Items) != 2 || len(v.Renditions) != 4 || len(b.Manifest.Files) != 4 {
		t.Fatalf("after a second run: %d items, %d renditions, %d files; want 2, 4, 4", len(b.Manifest.Items), len(v.Renditions), len(b.Manifest.Files))
	}
	for _, f := range b.Manifest.Files {
		changed := f.SHA256 != before[f.Path].SHA256
		if wantChange := strings.Contains(f.Path, "-r90-"); changed != wantChange {
			t.Errorf("%s changed: %v, want %v", f.Path, changed, wantChange)
		}
	}
	rgb := firstFrameRGB(t, filepath.Join(dir, "video", "border-report-2026-320x160-r90-20.mp4"), 320, 160)
	if i := (80*320 + 20) * 3; rgb[i+2] < 180 {
		t.Errorf("filled portrait rendition: pixel (20, 80) = %v, want the clip's blue, not padding", rgb[i:i+3])
	}
}

// TestAddVideoSilent checks a clip without sound, and --no-sound, make
// renditions without audio and a silent item, and that --sound on a clip
// without sound is refused.
func TestAddVideoSilent(t *testing.T) {
	silent := sourceClip(t, false)
	dir := emptyBundle(t)
	if out, err := runKioskctl(t, "add-video", dir, silent, "--site", testSiteConfig("landscape"), "--sound"); err == nil || !strings.Contains(out+err.Error(), "has no sound") {
		t.Errorf("--sound on a silent clip: %v\n%s", err, out)
	}
	if out, err := runKioskctl(t, "add-video", "--id", "quiet", dir, "--site", testSiteConfig("landscape"), sourceClip(t, true), "--no-sound"); err != nil {
		t.Fatalf("--no-sound: %v\n%s", err, out)
	}
	b, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	it := b.Manifest.Items[1]
	if it.ID != "quiet" || it.Video.Sound {
		t.Errorf("item %s sound %v, want quiet, silent", it.ID, it.Video.Sound)
	}
	pr := probeStreams(t, filepath.Join(dir, filepath.FromSlash(it.Video.Renditions[0].File)))
	if pr["audio.codec_name"] != "" {
		t.Errorf("a silent rendition has audio %q", pr["audio.codec_name"])
	}
	// A later run with sound may not leave the item's other renditions
	// silent.
	out, err := runKioskctl(t, "add-video", dir, sourceClip(t, true), "--id", "quiet", "--site", testSiteConfig("portrait"))
	if err == nil || !strings.Contains(err.Error(), "item quiet is silent") {
		t.Errorf("sound differing from the kept renditions': %v\n%s", err, out)
	}
}

func TestAddVideoRefuses(t *testing.T) {
	dir := emptyBundle(t)
	original, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	notVideo := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(notVideo, []byte("not a video at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no site", []string{dir, notVideo}, "at least one --site"},
		{"no file", []string{dir, "--site", testSiteConfig("landscape")}, "want BUNDLE FILE"},
		{"bad fit", []string{dir, notVideo, "--site", testSiteConfig("landscape"), "--fit", "stretch"}, `--fit "stretch"`},
		{"bad id", []string{dir, notVideo, "--site", testSiteConfig("landscape"), "--id", "Report!"}, `item ID "Report!"`},
		{"id of a text item", []string{dir, sourceClip(t, false), "--site", testSiteConfig("landscape"), "--id", "welcome"}, "welcome is a text item"},
		{"not a video", []string{dir, notVideo, "--site", testSiteConfig("landscape")}, notVideo + ": Invalid data found"},
		{"no ffmpeg", []string{dir, notVideo, "--site", testSiteConfig("landscape"), "--ffmpeg", "/nonexistent/ffmpeg"}, "/nonexistent/ffprobe not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runKioskctl(t, append([]string{"add-video"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q\n%s", err, tc.want, out)
			}
		})
	}
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil || !bytes.Equal(raw, original) {
		t.Errorf("a refused run changed the manifest: %s %v", raw, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "video")); err == nil {
		t.Error("a refused run left a video folder in the bundle")
	}
}

// probeStreams returns FFprobe's fields of the first video and audio
// streams, as "video.width" and such.
func probeStreams(t *testing.T, p string) map[string]string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-of", "json", "-show_streams", p).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", p, err)
	}
	var v struct {
		Streams []map[string]any `json:"streams"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range v.Streams {
		kind, _ := s["codec_type"].(string)
		if _, seen := got[kind+".codec_name"]; seen {
			continue
		}
		for k, val := range s {
			switch val := val.(type) {
			case string:
				got[kind+"."+k] = val
			case float64:
				got[kind+"."+k] = strconv.Itoa(int(val))
			}
		}
	}
	return got
}

// frameTypes returns the picture type of every frame of p ("IPPP...")
// and the indexes of its keyframes.
func frameTypes(t *testing.T, p string) (string, []int) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "frame=pict_type,key_frame", "-of", "json", p).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", p, err)
	}
	var v struct {
		Frames []struct {
			KeyFrame int    `json:"key_frame"`
			PictType string `json:"pict_type"`
		} `json:"frames"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	var types strings.Builder
	var keys []int
	for i, f := range v.Frames {
		types.WriteString(f.PictType)
		if f.KeyFrame == 1 {
			keys = append(keys, i)
		}
	}
	return types.String(), keys
}

// topBoxOffset returns the offset of the first top-level MP4 box of type
// typ in p, or -1.
func topBoxOffset(t *testing.T, p, typ string) int64 {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(0); off+8 <= int64(len(data)); {
		size := int64(binary.BigEndian.Uint32(data[off:]))
		if string(data[off+4:off+8]) == typ {
			return off
		}
		if size == 1 && off+16 <= int64(len(data)) {
			size = int64(binary.BigEndian.Uint64(data[off+8:]))
		}
		if size < 8 {
			return -1
		}
		off += size
	}
	return -1
}

// firstFrameRGB decodes the first frame of p with FFmpeg to RGB, 3 bytes
// a pixel.
func firstFrameRGB(t *testing.T, p string, w, h int) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", p, "-frames:v", "1",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", p, err)
	}
	if len(out) != w*h*3 {
		t.Fatalf("decoded %d bytes, want %dx%d RGB", len(out), w, h)
	}
	return out
}

// TestAddVideoSourceFormats checks that a source FFmpeg would read as a
// playlist, a list of other files or an image is refused, naming the file
// and what FFmpeg takes it for, before anything is written to the bundle,
// and that the containers footage comes in are still taken.
func TestAddVideoSourceFormats(t *testing.T) {
	// A clip of the staff member's that is not for the bundle.
	dir := t.TempDir()
	secret := filepath.Join(dir, "unreleased.mp4")
	if out, err := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=160x80:r=25:d=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", secret).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	image := filepath.Join(dir, "still.png")
	if out, err := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=160x80",
		"-frames:v", "1", image).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	png, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name, data, format string
	}{
		{"HLS playlist", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n" + secret + "\n#EXT-X-ENDLIST\n", "hls"},
		{"concat list", "ffconcat version 1.0\nfile unreleased.mp4\n", "concat"},
		{"image", string(png), "png_pipe"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			clip := filepath.Join(dir, "harmless.mp4")
			if err := os.WriteFile(clip, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			bundle := emptyBundle(t)
			original, err := os.ReadFile(filepath.Join(bundle, content.ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			out, err := runKioskctl(t, "add-video", bundle, clip, "--site", testSiteConfig("landscape"))
			want := clip + `: FFmpeg reads it as "` + tc.format + `", not a video file`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want one with %q\n%s", err, want, out)
			}
			raw, err := os.ReadFile(filepath.Join(bundle, content.ManifestName))
			if err != nil || !bytes.Equal(raw, original) {
				t.Errorf("a refused run changed the manifest: %s %v", raw, err)
			}
			if _, err := os.Lstat(filepath.Join(bundle, "video")); err == nil {
				t.Error("a refused run left a video folder in the bundle")
			}
		})
	}

	taken := []struct {
		name, ext string
		args      []string
	}{
		{"MP4", ".mp4", []string{"-c:v", "libx264", "-c:a", "aac"}},
		{"Matroska", ".mkv", []string{"-c:v", "libx264", "-c:a", "aac"}},
		{"MPEG-TS", ".ts", []string{"-c:v", "libx264", "-c:a", "aac"}},
	}
	for _, tc := range taken {
		t.Run(tc.name, func(t *testing.T) {
			clip := filepath.Join(t.TempDir(), "clip"+tc.ext)
			args := []string{"-nostdin", "-v", "error", "-y",
				"-f", "lavfi", "-i", "testsrc=s=160x80:r=25:d=1", "-f", "lavfi", "-i", "sine=f=440:d=1"}
			args = append(append(args, tc.args...), "-pix_fmt", "yuv420p", "-shortest", clip)
			if out, err := exec.CommandContext(t.Context(), "ffmpeg", args...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			bundle := emptyBundle(t)
			if out, err := runKioskctl(t, "add-video", bundle, clip, "--site", testSiteConfig("landscape")); err != nil {
				t.Fatalf("add-video: %v\n%s", err, out)
			}
			b, err := content.LoadDir(bundle)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Verify(); err != nil {
				t.Fatal(err)
			}
			if it := b.Manifest.Items[len(b.Manifest.Items)-1]; it.Video == nil || len(it.Video.Renditions) != 1 || !it.Video.Sound {
				t.Errorf("item %+v, want a video with one rendition and sound", it)
			}
		})
	}
}

// TestAddVideoBundleLinks checks that add-video refuses a bundle whose
// video folder, or a rendition's file, is a symbolic link, naming it,
// before anything is written: not at the link's target, not in the bundle.
func TestAddVideoBundleLinks(t *testing.T) {
	const rendition = "border-report-2026-320x160-r0-25.mp4" // for the landscape site
	tests := []struct {
		name string
		// link makes the link in bundle; it returns the link and the
		// folder it leads to.
		link func(t *testing.T, bundle string) (link, target string)
	}{
		{"video folder out of the bundle", func(t *testing.T, bundle string) (string, string) {
			outside := t.TempDir()
			return filepath.Join(bundle, "video"), outside
		}},
		{"video folder to another in the bundle", func(t *testing.T, bundle string) (string, string) {
			media := filepath.Join(bundle, "media")
			if err := os.Mkdir(media, 0o755); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(bundle, "video"), media
		}},
		{"rendition out of the bundle", func(t *testing.T, bundle string) (string, string) {
			if err := os.Mkdir(filepath.Join(bundle, "video"), 0o755); err != nil {
				t.Fatal(err)
			}
			outside := t.TempDir()
			return filepath.Join(bundle, "video", rendition), filepath.Join(outside, "old.mp4")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bundle := emptyBundle(t)
			original, err := os.ReadFile(filepath.Join(bundle, content.ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			link, target := tc.link(t, bundle)
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			out, err := runKioskctl(t, "add-video", bundle, sourceClip(t, false), "--site", testSiteConfig("landscape"))
			want := link + " is a symbolic link (to " + target + ")"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want one with %q\n%s", err, want, out)
			}
			// Nothing at the link's target (a folder, or the file a
			// rendition's link names), nor in the bundle.
			targetDir := target
			if filepath.Base(link) == rendition {
				targetDir = filepath.Dir(target)
			}
			if ents, err := os.ReadDir(targetDir); err != nil || len(ents) > 0 {
				t.Errorf("%s after a refused run: %v %v", targetDir, ents, err)
			}
			raw, err := os.ReadFile(filepath.Join(bundle, content.ManifestName))
			if err != nil || !bytes.Equal(raw, original) {
				t.Errorf("a refused run changed the manifest: %s %v", raw, err)
			}
			if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link %s after a refused run: %v, %v", link, st, err)
			}
		})
	}
}
