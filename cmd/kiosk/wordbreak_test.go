package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/typeset"
	"golang.org/x/text/unicode/norm"
)

// Long Khmer and Lao titles and bodies typed without U+200B, as people type
// them: the player must break their lines between words.
var longTexts = map[string]map[string]string{
	"km": {
		"title": "ព្រះរាជាណាចក្រកម្ពុជានិងសាធារណរដ្ឋសង្គមនិយមវៀតណាមជាប្រទេសជិតខាង",
		"body": "សូមរៀបចំលិខិតឆ្លងដែនរបស់អ្នកឱ្យបានរួចរាល់មុនពេលឆ្លងកាត់ច្រកទ្វារព្រំដែន " +
			"កុមារដែលធ្វើដំណើរជាមួយអ្នកត្រូវមានលិខិតឆ្លងដែនផ្ទាល់ខ្លួន " +
			"ប្រជាពលរដ្ឋអាចប្រើសេវាសាធារណៈតាមអ៊ីនធឺណិតនៅទីនេះ មន្ត្រីឃុំនឹងជួយអ្នកបំពេញពាក្យសុំ",
	},
	"lo": {
		"title": "ສາທາລະນະລັດປະຊາທິປະໄຕປະຊາຊົນລາວແລະຫວຽດນາມເປັນປະເທດເພື່ອນບ້ານ",
		"body": "ກະລຸນາກຽມໜັງສືຜ່ານແດນຂອງທ່ານໃຫ້ພ້ອມກ່ອນຮອດດ່ານ " +
			"ເດັກນ້ອຍທີ່ເດີນທາງນຳທ່ານຕ້ອງມີເອກະສານຂອງຕົນເອງ " +
			"ປະຊາຊົນສາມາດນຳໃຊ້ການບໍລິການສາທາລະນະທາງອອນລາຍຢູ່ທີ່ນີ້ ພະນັກງານບ້ານຈະຊ່ວຍທ່ານຕື່ມແບບຟອມ",
	},
}

// wordBundle writes a bundle of the demo's pictures and one text item per
// language of longTexts.
func wordBundle(t *testing.T) string {
	t.Helper()
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		var items []any
		for _, lang := range []string{"km", "lo"} {
			items = append(items, map[string]any{
				"id": "long-" + lang, "kind": "text", "layout": "single", "duration": "5s",
				"text": map[string]any{lang: map[string]any{"title": longTexts[lang]["title"], "body": longTexts[lang]["body"]}},
			})
		}
		m["items"] = items
		delete(m, "ticker")
	})
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compact drops spaces and U+200B, which a line break may swallow.
func compact(s string) []rune {
	var out []rune
	for _, r := range norm.NFC.String(s) {
		if !unicode.IsSpace(r) && r != typeset.ZWSP {
			out = append(out, r)
		}
	}
	return out
}

// wordBoundaries returns the places, counted in runes of compact(text), at
// which a line may break without breaking a word: between the words the
// dictionary finds, and at spaces.
func wordBoundaries(text string) map[int]bool {
	out := map[int]bool{}
	n := 0
	for _, w := range typeset.Words(text) {
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return unicode.IsSpace(r) || r == typeset.ZWSP }) {
			out[n] = true
			n += len(compact(part))
		}
	}
	out[n] = true
	return out
}

// TestKhmerAndLaoLinesBreakBetweenWords plays long Khmer and Lao titles and
// bodies, typed without U+200B, on the landscape and the portrait wall:
// every line break of every title and body falls on a word boundary of the
// dictionary (or a space), no text is cut or lost, and each region lies on
// the screen.
func TestKhmerAndLaoLinesBreakBetweenWords(t *testing.T) {
	tests := []struct {
		name       string
		resolution string
		w, h       float64
	}{
		{"landscape 1536x768", "1536x768", 1536, 768},
		{"portrait 768x1536", "768x1536", 768, 1536},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := wordBundle(t)
			cfg := filepath.Join(t.TempDir(), "site.yaml")
			err := os.WriteFile(cfg, []byte(fmt.Sprintf(`site: {id: word-test, name: "Cửa khẩu"}
display: {resolution: %s}
languages: [km, lo]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}]
content: {dir: %q}
`, tc.resolution, dir)), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			frames := frameDir(t, "words "+tc.name)
			log := runKiosk(t, "--config", cfg, "--window", "--capture", frames)
			s := readSummary(t, filepath.Join(frames, "summary.json"))
			if s.UnmappedGlyphs != 0 {
				t.Errorf("%d characters had no glyph\n%s", s.UnmappedGlyphs, log)
			}
			checked := map[string]bool{}
			for _, f := range s.Frames {
				if f.Fade || !strings.HasPrefix(f.Item, "long-") {
					continue
				}
				for _, r := range f.Regions {
					want, ok := longTexts[r.Lang][r.Name]
					if !ok {
						continue
					}
					where := fmt.Sprintf("%s %s %s", f.File, r.Lang, r.Name)
					checked[r.Lang+" "+r.Name] = true
					if r.Cut {
						t.Errorf("%s: cut at %v px", where, r.Size)
					}
					if r.Rect.X < 0 || r.Rect.Y < 0 || r.Rect.X+r.Rect.W > tc.w+0.5 || r.Rect.Y+r.Rect.H > tc.h+0.5 {
						t.Errorf("%s: region %+v leaves the %vx%v screen", where, r.Rect, tc.w, tc.h)
					}
					if got := string(compact(strings.Join(r.Text, ""))); got != string(compact(want)) {
						t.Errorf("%s: lines %q do not give back the text %q", where, r.Text, want)
						continue
					}
					bounds := wordBoundaries(want)
					at := 0
					for i, line := range r.Text[:max(len(r.Text)-1, 0)] {
						at += len(compact(line))
						if !bounds[at] {
							t.Errorf("%s: line %d %q ends inside a word (next line %q)", where, i, line, r.Text[i+1])
						}
					}
					if len(r.Text) < 2 {
						t.Errorf("%s: %d line(s) %q; the long text should wrap", where, len(r.Text), r.Text)
					}
					t.Logf("%s at %v px: %s", where, r.Size, strings.Join(r.Text, " ⏎ "))
				}
			}
			for _, k := range []string{"km title", "km body", "lo title", "lo body"} {
				if !checked[k] {
					t.Errorf("no frame showed the %s", k)
				}
			}
		})
	}
}

// shapingTexts are the texts whose shaping must not change: Vietnamese typed
// with combining marks (NFD), Khmer with subscript consonants, Lao with tone
// marks above vowels.
var shapingTexts = map[string]string{
	"vi": "Cu\u031b\u0309a kha\u0302\u0309u Quo\u0302\u0301c te\u0302\u0301 Ti\u0323nh Bie\u0302n",
	"km": "ស្ត្រី ក្រុង ព្រំដែន ឆ្លង ខ្សែ ស្រ្តី",
	"lo": "ເຂົ້າ ຕ້ອງ ບໍ່ ໃຫ້ ເພື່ອນ ຫຼື",
}

// TestShapingUnchanged plays the shaping texts in the ticker, which sets them
// on one line at one size whatever the slide's layout, and compares the
// ticker band with the frames captured before word breaking came in
// (testdata/shaping; -update writes them anew).
func TestShapingUnchanged(t *testing.T) {
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		var keep []any
		for _, it := range m["items"].([]any) {
			if it.(map[string]any)["id"] == "border-map" {
				keep = append(keep, it)
			}
		}
		m["items"] = keep
		var ticker []any
		for _, lang := range []string{"vi", "km", "lo"} {
			ticker = append(ticker, map[string]any{lang: shapingTexts[lang]})
		}
		m["ticker"] = ticker
	})
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "site.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`site: {id: shaping-test, name: "Cửa khẩu"}
display: {resolution: 1536x768}
languages: [vi, km, lo]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}]
content: {dir: %q}
ticker: {edge: bottom, height: 96, speed: 2000}
`, dir)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	frames := frameDir(t, "shaping")
	log := runKiosk(t, "--config", cfg, "--window", "--capture", frames)
	s := readSummary(t, filepath.Join(frames, "summary.json"))
	if s.UnmappedGlyphs != 0 {
		t.Errorf("%d characters had no glyph\n%s", s.UnmappedGlyphs, log)
	}
	var band image.Rectangle
	var frame string
	for _, f := range s.Frames {
		for _, r := range f.Regions {
			if r.Name == "ticker" && !f.Fade && f.File != "" {
				band, frame = toOutput(r.Rect, s.Rotation, s.Logical), f.File
			}
		}
	}
	if frame == "" {
		t.Fatal("no frame with the ticker")
	}
	img := loadPNG(t, filepath.Join(frames, frame))
	got := image.NewRGBA(image.Rect(0, 0, band.Dx(), band.Dy()))
	draw.Draw(got, got.Bounds(), img, band.Min, draw.Src)
	golden := filepath.Join("testdata", "shaping", "ticker.png")
	if *updateGolden {
		writePNG(t, golden, got)
	}
	want := loadPNG(t, golden)
	if want.Bounds().Size() != got.Bounds().Size() {
		t.Fatalf("ticker band %v, golden %v", got.Bounds().Size(), want.Bounds().Size())
	}
	differ := 0
	for y := range got.Bounds().Dy() {
		for x := range got.Bounds().Dx() {
			if colourDistance(got.At(x, y), want.At(x, y)) > 8 {
				differ++
			}
		}
	}
	if share := float64(differ) / float64(band.Dx()*band.Dy()); share > 0.001 {
		writePNG(t, filepath.Join(frames, "ticker-got.png"), got)
		t.Errorf("the ticker's Vietnamese (NFD), Khmer and Lao differ from %s in %.2f%% of pixels (band saved beside the frames in %s)",
			golden, 100*share, frames)
	}
}

var updateGolden = flag.Bool("update", false, "write the golden frames in testdata/shaping")

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// colourDistance is the largest difference of one channel, 0 to 255.
func colourDistance(a, b color.Color) int {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := 0
	for _, p := range [][2]uint32{{ar, br}, {ag, bg}, {ab, bb}} {
		d = max(d, int(p[0]>>8)-int(p[1]>>8), int(p[1]>>8)-int(p[0]>>8))
	}
	return d
}
