package lint

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// wavFile builds a RIFF WAVE file of a 440 Hz tone: 16-bit PCM unless
// format or bits say otherwise; extra chunks go before "fmt ".
func wavFile(rate, channels, frames int, opts ...func(h *wavHeader)) []byte {
	h := wavHeader{format: 1, channels: channels, rate: rate, bits: 16, frames: frames}
	for _, o := range opts {
		o(&h)
	}
	var data bytes.Buffer
	for i := range h.frames {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		for range channels {
			binary.Write(&data, binary.LittleEndian, v)
		}
	}
	payload := data.Bytes()
	if h.dataSize < 0 {
		h.dataSize = len(payload)
	}
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(4 + len(h.extra) + 24 + 8 + len(payload)))
	b.WriteString("WAVE")
	b.Write(h.extra)
	fmtChunk := func() {
		b.WriteString("fmt ")
		le(uint32(16))
		le(uint16(h.format))
		le(uint16(h.channels))
		le(uint32(h.rate))
		le(uint32(h.rate * h.channels * h.bits / 8))
		le(uint16(h.channels * h.bits / 8))
		le(uint16(h.bits))
	}
	dataChunk := func() {
		b.WriteString("data")
		le(uint32(h.dataSize))
		b.Write(payload)
	}
	if h.dataFirst {
		dataChunk()
		fmtChunk()
	} else {
		fmtChunk()
		dataChunk()
	}
	return b.Bytes()
}

type wavHeader struct {
	format, channels, rate, bits, frames int
	dataSize                             int // -1: the payload's
	extra                                []byte
	dataFirst                            bool
}

func TestCheckNarration(t *testing.T) {
	ogg := readTestdata(t, "testdata/audio/tone.ogg")
	sized := func(h *wavHeader) { h.dataSize = -1 }
	listChunk := append([]byte("LIST\x04\x00\x00\x00"), "INFO"...)
	tests := []struct {
		name   string
		file   string
		data   []byte
		want   Audio  // when err is ""
		errHas string // a part of the error
	}{
		{name: "wav mono", file: "a.wav", data: wavFile(22050, 1, 22050, sized),
			want: Audio{SampleRate: 22050, Channels: 1, Frames: 22050, Duration: time.Second}},
		{name: "wav stereo 48k", file: "a.WAV", data: wavFile(48000, 2, 24000, sized),
			want: Audio{SampleRate: 48000, Channels: 2, Frames: 24000, Duration: 500 * time.Millisecond}},
		{name: "wav with a list chunk", file: "a.wav", data: wavFile(16000, 1, 1600, sized, func(h *wavHeader) { h.extra = listChunk }),
			want: Audio{SampleRate: 16000, Channels: 1, Frames: 1600, Duration: 100 * time.Millisecond}},
		{name: "wav of the longest narration", file: "a.wav", data: wavFile(8000, 1, 8000*int(content.MaxNarration/time.Second), sized),
			want: Audio{SampleRate: 8000, Channels: 1, Frames: 8000 * int64(content.MaxNarration/time.Second), Duration: content.MaxNarration}},
		{name: "not riff", file: "a.wav", data: []byte("ID3 this is an mp3 renamed"), errHas: "no RIFF WAVE header"},
		{name: "empty", file: "a.wav", data: nil, errHas: "no RIFF WAVE header"},
		{name: "float wav", file: "a.wav", data: wavFile(22050, 1, 100, sized, func(h *wavHeader) { h.format = 3 }), errHas: "want 1 (linear PCM)"},
		{name: "8-bit wav", file: "a.wav", data: wavFile(22050, 1, 100, sized, func(h *wavHeader) { h.bits = 8 }), errHas: "8 bits a sample"},
		{name: "six channels", file: "a.wav", data: wavFile(22050, 6, 100, sized), errHas: "6 channels"},
		{name: "rate too low", file: "a.wav", data: wavFile(4000, 1, 100, sized), errHas: "sample rate 4000, want"},
		{name: "truncated data", file: "a.wav", data: wavFile(22050, 1, 1000, func(h *wavHeader) { h.dataSize = 4000 }), errHas: "truncated"},
		{name: "half a frame", file: "a.wav", data: wavFile(22050, 2, 100, func(h *wavHeader) { h.dataSize = 398 }), errHas: "not whole 4-byte frames"},
		{name: "no sound", file: "a.wav", data: wavFile(22050, 1, 0, sized), errHas: "no sound"},
		{name: "data before fmt", file: "a.wav", data: wavFile(22050, 1, 100, sized, func(h *wavHeader) { h.dataFirst = true }), errHas: "before the fmt chunk"},
		{name: "odd chunk before data", file: "a.wav", data: wavFile(22050, 1, 100, sized, func(h *wavHeader) {
			h.extra = []byte("junk\x03\x00\x00\x00abc\x00")
		}), errHas: "odd size"},
		{name: "more chunks than the speaker reads", file: "a.wav", data: wavFile(22050, 1, 100, sized, func(h *wavHeader) {
			h.extra = bytes.Repeat(listChunk, content.MaxWAVChunks)
		}), errHas: "no data chunk among the first 16 chunks"},
		{name: "chunk past the end", file: "a.wav", data: []byte("RIFF\x00\x00\x00\x00WAVEjunk\xff\xff\xff\x7f"), errHas: "truncated"},
		{name: "no data chunk", file: "a.wav", data: []byte("RIFF\x00\x00\x00\x00WAVE"), errHas: "no data chunk"},
		{name: "too long", file: "a.wav", data: wavFile(8000, 1, 8000*int(content.MaxNarration/time.Second)+8000, sized), errHas: "more than the 5m0s"},
		{name: "too large", file: "a.wav", data: make([]byte, content.MaxNarrationBytes+1), errHas: "at most 16777216 (16 MiB)"},
		{name: "ogg", file: "a.ogg", data: ogg, errHas: "narration is 16-bit PCM WAV only"},
		{name: "ogg in capitals", file: "A.OGG", data: ogg, errHas: "convert recorded files"},
		{name: "ogg named wav", file: "a.wav", data: ogg, errHas: "an Ogg file"},
		{name: "wav named ogg", file: "a.ogg", data: wavFile(22050, 1, 100, sized), errHas: "an Ogg file"},
		{name: "opus", file: "a.opus", data: ogg, errHas: "an Ogg file"},
		{name: "mp3", file: "a.mp3", data: []byte("ID3"), errHas: `".mp3": want a .wav file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckNarration(tc.file, tc.data)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("CheckNarration = %+v, %v; want an error containing %q", got, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("CheckNarration = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestCheckNarrationCraftedOgg: Ogg files crafted against the pure-Go
// Vorbis decoder (a comment count of 0xFFFFFFFF, which made it allocate
// 64 GB; a setup header cut inside a codebook, which made it loop for
// ever) are refused at once, whatever their name: nothing of them is
// decoded, so the check allocates next to nothing.
func TestCheckNarrationCraftedOgg(t *testing.T) {
	for _, file := range []string{"comment-bomb.ogg", "setup-hang.ogg"} {
		data := readTestdata(t, filepath.Join("testdata/audio", file))
		for _, name := range []string{"narration/1-km.ogg", "narration/1-km.wav"} {
			var err error
			allocs := testing.AllocsPerRun(10, func() { _, err = CheckNarration(name, data) })
			if err == nil || !strings.Contains(err.Error(), "an Ogg file") {
				t.Errorf("%s as %s: CheckNarration = %v, want a refusal of an Ogg file", file, name, err)
			}
			if allocs > 2 {
				t.Errorf("%s as %s: %v allocations; want the file refused without reading it", file, name, allocs)
			}
		}
	}
}

func readTestdata(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestQRHostOutside(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", ""},
		{"https://DichVuCong.Gov.VN./", ""},
		{"https://gov.vn/", ""},
		{"https://dichvucong.angiang.gov.vn/", ""},
		{"https://dichvucong.gov.vn.example/", "dichvucong.gov.vn.example"},
		{"https://dichvucongov.vn/", "dichvucongov.vn"},
		{"https://notgov.vn/", "notgov.vn"},
		{"https://www.youtube.com/watch?v=x", "www.youtube.com"},
	} {
		if got := QRHostOutside(tc.url); got != tc.want {
			t.Errorf("QRHostOutside(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestContrast(t *testing.T) {
	tests := []struct {
		a, b siteconfig.Color
		want float64
	}{
		{siteconfig.Color{A: 255}, siteconfig.Color{R: 255, G: 255, B: 255, A: 255}, 21},
		{siteconfig.Color{R: 0x77, G: 0x77, B: 0x77, A: 255}, siteconfig.Color{R: 255, G: 255, B: 255, A: 255}, 4.48},
		{siteconfig.Color{R: 0x1b, G: 0x43, B: 0x32, A: 255}, siteconfig.Color{R: 255, G: 255, B: 255, A: 255}, 11.08},
		{siteconfig.Color{R: 0x80, A: 255}, siteconfig.Color{R: 0x80, A: 255}, 1},
	}
	for _, tc := range tests {
		if got := siteconfig.Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("siteconfig.Contrast(%v, %v) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
		if siteconfig.Contrast(tc.a, tc.b) != siteconfig.Contrast(tc.b, tc.a) {
			t.Errorf("siteconfig.Contrast(%v, %v) depends on the order", tc.a, tc.b)
		}
	}
}

func TestStepList(t *testing.T) {
	for _, tc := range []struct {
		idx  []int
		want string
	}{
		{[]int{1}, "step 2"},
		{[]int{0, 1, 2, 4}, "steps 1-3, 5"},
		{[]int{4, 0}, "steps 1, 5"},
	} {
		if got := StepList(tc.idx); got != tc.want {
			t.Errorf("StepList(%v) = %q, want %q", tc.idx, got, tc.want)
		}
	}
}

// interactiveSite loads testdata/guides/site.yaml, an interactive
// support point (or, with interactive false, the same site as a wall),
// after edit changes its YAML.
func interactiveSite(t *testing.T, interactive bool, edit func(yaml string) string) *siteconfig.Config {
	t.Helper()
	raw, err := os.ReadFile("testdata/guides/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(raw)
	if !interactive {
		y = strings.Replace(y, "mode: interactive", "mode: signage", 1)
	}
	if edit != nil {
		y = edit(y)
	}
	p := filepath.Join(t.TempDir(), "site.yaml")
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := siteconfig.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// guideBundle writes the demo bundle with its guides replaced by one,
// "test-guide", in Khmer and Vietnamese: a tile, two steps, a picture, a
// QR code, and Vietnamese and Khmer narration for step 1. edit may change
// the guide and the files before the bundle is indexed.
func guideBundle(t *testing.T, edit func(dir string, guide map[string]any)) string {
	t.Helper()
	return demoCopy(t, func(dir string, m map[string]any) {
		var items []any
		for _, it := range m["items"].([]any) {
			if it.(map[string]any)["kind"] != content.KindGuide {
				items = append(items, it)
			}
		}
		text := func(km, vi string) map[string]any {
			return map[string]any{"km": map[string]any{"title": km}, "vi": map[string]any{"title": vi}}
		}
		guide := map[string]any{
			"id": "test-guide", "kind": "guide",
			"text":   text("ចុះបញ្ជីកំណើត", "Đăng ký khai sinh"),
			"images": map[string]any{"*": "guides/test/tile.png"},
			"guide": map[string]any{"steps": []any{
				map[string]any{
					"text":      text("បើកវិបផតថល", "Mở Cổng dịch vụ công"),
					"picture":   "guides/test/1.png",
					"qr":        "https://dichvucong.gov.vn/",
					"narration": map[string]any{"vi": "narration/test/1-vi.wav", "km": "narration/test/1-km.wav"},
				},
				map[string]any{"text": text("ដាក់ពាក្យ", "Gửi hồ sơ")},
			}},
		}
		m["items"] = append(items, guide)
		if req, _ := m["requires"].([]any); !containsAny(req, content.FeatureGuides) {
			m["requires"] = append(req, content.FeatureGuides)
		}
		png, err := os.ReadFile(filepath.Join(dir, "images/passport.png"))
		if err != nil {
			t.Fatal(err)
		}
		for p, data := range map[string][]byte{
			"guides/test/tile.png":    png,
			"guides/test/1.png":       png,
			"narration/test/1-vi.wav": wavFile(22050, 1, 11025, func(h *wavHeader) { h.dataSize = -1 }),
			"narration/test/1-km.wav": wavFile(16000, 2, 8000, func(h *wavHeader) { h.dataSize = -1 }),
		} {
			writeFile(t, filepath.Join(dir, p), data)
		}
		if edit != nil {
			edit(dir, guide)
		}
	})
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func step(guide map[string]any, i int) map[string]any {
	return guide["guide"].(map[string]any)["steps"].([]any)[i].(map[string]any)
}

func TestGuideFindings(t *testing.T) {
	tests := []struct {
		name      string
		wall      bool                // lint for the site as a wall
		site      func(string) string // edits the site's YAML
		edit      func(dir string, guide map[string]any)
		wantError bool
		want      []string // parts of one finding's text
	}{
		{name: "narration missing in a language without a voice is a note",
			want: []string{"info: item test-guide lang km: no narration for step 2 of 2", "no km voice", "recorded"}},
		{name: "narration missing in a language with a voice is a warning",
			want: []string{"warning: item test-guide lang vi: no narration for step 2 of 2", "kioskctl narrate", "voice vi"}},
		{name: "guide without a site language",
			edit: func(_ string, g map[string]any) { delete(g["text"].(map[string]any), "km") },
			want: []string{"warning: item test-guide:", "no title in [km]"}},
		{name: "step without a site language",
			edit: func(_ string, g map[string]any) { delete(step(g, 1)["text"].(map[string]any), "km") },
			want: []string{"warning: item test-guide lang km:", "step 2 of 2 has no km text"}},
		{name: "step text the fonts cannot draw",
			edit: func(_ string, g map[string]any) {
				step(g, 0)["text"].(map[string]any)["km"] = map[string]any{"title": "បើក ຍິນດີ"}
			},
			wantError: true, want: []string{"error: item test-guide step 1 lang km:", "ຍ (U+0E8D)"}},
		{name: "guide title the fonts cannot draw",
			edit: func(_ string, g map[string]any) {
				g["text"].(map[string]any)["vi"] = map[string]any{"title": "Đăng ký 欢迎"}
			},
			wantError: true, want: []string{"error: item test-guide lang vi:", "欢 (U+6B22)"}},
		{name: "wav narration that does not decode",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "narration/test/1-vi.wav"), []byte("RIFF....WAVEnot really"))
			},
			wantError: true, want: []string{"item test-guide step 1 lang vi file narration/test/1-vi.wav", "narration the site cannot play", "truncated"}},
		{name: "8-bit wav narration",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "narration/test/1-km.wav"), wavFile(22050, 1, 100, func(h *wavHeader) { h.dataSize, h.bits = -1, 8 }))
			},
			wantError: true, want: []string{"item test-guide step 1 lang km file narration/test/1-km.wav", "8 bits a sample, want 16"}},
		{name: "crafted ogg named wav is refused undecoded",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "narration/test/1-km.wav"), readTestdata(t, "testdata/audio/setup-hang.ogg"))
			},
			wantError: true, want: []string{"item test-guide step 1 lang km file narration/test/1-km.wav", "an Ogg file"}},
		{name: "qr host outside gov.vn",
			edit: func(_ string, g map[string]any) { step(g, 0)["qr"] = "https://dichvucong.gov.vn.example/" },
			want: []string{"warning: item test-guide step 1:", "leads to dichvucong.gov.vn.example", "not under .gov.vn", "check that residents should go there"}},
		{name: "step picture that does not decode",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "guides/test/1.png"), []byte("not a PNG"))
			},
			wantError: true, want: []string{"item test-guide step 1 file guides/test/1.png", "not a readable image"}},
		{name: "tile picture that does not decode",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "guides/test/tile.png"), []byte("\x89PNG\r\n\x1a\n broken"))
			},
			wantError: true, want: []string{"item test-guide file guides/test/tile.png", "not a readable image"}},
		{name: "picture claiming too many pixels",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "guides/test/1.png"), pngHeader(100000, 100000))
			},
			wantError: true, want: []string{"guides/test/1.png", "100000x100000 pixels"}},
		{name: "picture larger than the player shows",
			edit: func(dir string, _ map[string]any) {
				writeFile(t, filepath.Join(dir, "guides/test/tile.png"), pngHeader(8000, 5001))
			},
			wantError: true, want: []string{"guides/test/tile.png", "8000x5001 pixels; at most 40000000"}},
		{name: "long QR URL",
			edit: func(_ string, g map[string]any) {
				step(g, 0)["qr"] = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=" + strings.Repeat("1.001193", 20)
			},
			want: []string{"warning: item test-guide step 1:", "dense code"}},
		{name: "a wall leaves guides out", wall: true,
			want: []string{"info: file", "is a wall (mode signage)", "test-guide"}},
		{name: "an interactive site without guides",
			edit: func(dir string, g map[string]any) {
				// Make it a text item: the bundle then offers no guide.
				delete(g, "guide")
				delete(g, "images")
				g["kind"] = content.KindText
			},
			want: []string{"warning: file manifest.json:", "is interactive", "menu is empty"}},
		{name: "text contrast below 7:1",
			site:      func(y string) string { return strings.Replace(y, `foreground: "#ffffff"`, `foreground: "#8fa89a"`, 1) },
			wantError: true, want: []string{"display.foreground #8fa89a on display.background #1b4332", "at least 7:1"}},
		{name: "accent hard to see",
			site: func(y string) string { return strings.Replace(y, `accent: "#ffd166"`, `accent: "#2d6a4f"`, 1) },
			want: []string{"warning: file", "display.accent #2d6a4f", "focus rings"}},
		{name: "no screen size",
			site: func(y string) string {
				return regexp.MustCompile(`(?m)^\s*(reading|diagonal_inches):.*\n`).ReplaceAllString(y, "")
			},
			want: []string{"warning: file", "no screen size", "display.diagonal_inches", "57 pixels"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := guideBundle(t, tc.edit)
			cfg := interactiveSite(t, !tc.wall, tc.site)
			r := Bundle(os.DirFS(dir), dir, cfg, loader(t))
			if got := r.Errors() > 0; got != tc.wantError {
				t.Errorf("errors = %d, want errors: %v\n%v", r.Errors(), tc.wantError, findings(r))
			}
			for _, f := range r.Findings {
				s := f.String()
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(s, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no finding contains all of %q:\n%v", tc.want, findings(r))
		})
	}
}

// TestGuideManifestRefused: a guide bundle whose manifest (changed after
// indexing, as a hand edit or another tool would) breaks a rule of
// content.Load is refused at once, naming manifest.json and the field:
// nothing of its files is read or decoded.
func TestGuideManifestRefused(t *testing.T) {
	guideItem := func(m map[string]any) map[string]any {
		items := m["items"].([]any)
		return items[len(items)-1].(map[string]any)
	}
	file := func(m map[string]any, p string) map[string]any {
		for _, f := range m["files"].([]any) {
			if f := f.(map[string]any); f["path"] == p {
				return f
			}
		}
		t.Fatalf("no file %s", p)
		return nil
	}
	tests := []struct {
		name string
		edit func(dir string, m map[string]any)
		want []string // parts of one finding's text
	}{
		{name: "crafted ogg narration",
			edit: func(dir string, m map[string]any) {
				data := readTestdata(t, "testdata/audio/comment-bomb.ogg")
				writeFile(t, filepath.Join(dir, "narration/test/1-km.ogg"), data)
				m["files"] = append(m["files"].([]any), content.Describe("narration/test/1-km.ogg", data))
				step(guideItem(m), 0)["narration"].(map[string]any)["km"] = "narration/test/1-km.ogg"
			},
			want: []string{"error: file manifest.json:", "guide.steps[0].narration.km", "Ogg Vorbis and other compressed formats are not accepted", "convert recorded files to 16-bit PCM WAV"}},
		{name: "narration too large",
			edit: func(_ string, m map[string]any) {
				file(m, "narration/test/1-km.wav")["size"] = content.MaxNarrationBytes + 1
			},
			want: []string{"error: file manifest.json:", "guide.steps[0].narration.km", "a narration file has at most 16777216 (16 MiB)"}},
		{name: "step picture too large",
			edit: func(_ string, m map[string]any) { file(m, "guides/test/1.png")["size"] = content.MaxImageBytes + 1 },
			want: []string{"error: file manifest.json:", "guide.steps[0].picture", "a picture has at most 33554432 (32 MiB)"}},
		{name: "step text with espeak-ng's command character",
			edit: func(_ string, m map[string]any) {
				step(guideItem(m), 0)["text"].(map[string]any)["vi"] = map[string]any{"title": "Xin chao \x0120S cac ban \x0150A to lam"}
			},
			want: []string{"error: file manifest.json:", "guide.steps[0].text.vi.title", "control character U+0001"}},
		{name: "qr punycode host",
			edit: func(_ string, m map[string]any) { step(guideItem(m), 0)["qr"] = "https://xn--dchvcng-cza.gov.vn/" },
			want: []string{"error: file manifest.json:", "guide.steps[0].qr", "encoded international name"}},
		{name: "qr on another port",
			edit: func(_ string, m map[string]any) { step(guideItem(m), 0)["qr"] = "https://dichvucong.gov.vn:8443/" },
			want: []string{"error: file manifest.json:", "guide.steps[0].qr", "port 8443"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := guideBundle(t, nil)
			contenttest.EditManifest(t, dir, func(m map[string]any) { tc.edit(dir, m) })
			r := Bundle(os.DirFS(dir), dir, interactiveSite(t, true, nil), loader(t))
			if r.Errors() == 0 {
				t.Fatalf("no error:\n%v", findings(r))
			}
			if all := findings(r); strings.Contains(all, "manifest.json: manifest.json") {
				t.Errorf("a finding names the manifest twice:\n%v", all)
			}
			for _, f := range r.Findings {
				s := f.String()
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(s, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no finding contains all of %q:\n%v", tc.want, findings(r))
		})
	}
}

// TestGuideBundleClean: the good guide bundle at the interactive site has
// no errors, nothing about schedules or the slideshow for the guide (it is
// not a slide), and nothing about the site's config, whose colours and
// size are good.
func TestGuideBundleClean(t *testing.T) {
	dir := guideBundle(t, nil)
	r := Bundle(os.DirFS(dir), dir, interactiveSite(t, true, nil), loader(t))
	if r.Errors() != 0 {
		t.Fatalf("errors:\n%v", findings(r))
	}
	for _, f := range r.Findings {
		if f.Item == "test-guide" && strings.Contains(f.Message, "play") ||
			f.Item == "test-guide" && f.Lang == "" && f.File == "" ||
			strings.HasPrefix(f.Item, "test-guide step") ||
			strings.Contains(f.Message, "display.") || strings.Contains(f.Message, "screen size") {
			t.Errorf("unexpected finding: %v", f)
		}
	}
}

func findings(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// pngHeader is the start of a PNG whose header claims w x h pixels.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.WriteString("IHDR")
	b.Write(ihdr)
	crc := crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...))
	binary.Write(&b, binary.BigEndian, crc)
	return b.Bytes()
}
