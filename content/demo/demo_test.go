package demo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vnict/kiosk/content"
)

// Bounds the demo's guides are held to, so that a step reads at 32 px
// and more on a 1920x1080 screen and the bundle stays small enough to
// build into the player.
const (
	maxStepTitle   = 40
	maxStepBody    = 200
	maxPictureSize = 60 << 10
	maxBundleBytes = 8 << 20
)

// guideLanguages are the languages every guide and step is written in;
// narrated are those espeak-ng has a voice for.
var (
	guideLanguages = []string{"vi", "km", "en"}
	narrated       = []string{"vi", "en"}
)

func load(t *testing.T) *content.Bundle {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func guides(m *content.Manifest) []content.Item {
	var out []content.Item
	for _, it := range m.Items {
		if it.Kind == content.KindGuide {
			out = append(out, it)
		}
	}
	return out
}

// TestWallItemsUnchanged holds the wall's slideshow to the items it had
// before the guides came: `make run` plays exactly what it played.
func TestWallItemsUnchanged(t *testing.T) {
	m := &load(t).Manifest
	var slides []string
	for _, it := range m.Items {
		if it.Kind != content.KindGuide {
			slides = append(slides, it.ID)
		}
	}
	want := []string{"welcome", "border-map", "passport", "passport-picture", "eservices",
		"online-services-picture", "programmes", "rice-fields", "help"}
	if !slices.Equal(slides, want) {
		t.Errorf("slides %v, want %v", slides, want)
	}
	if !slices.Contains(m.Requires, content.FeatureGuides) {
		t.Errorf("requires %v lacks %q", m.Requires, content.FeatureGuides)
	}
}

func TestGuides(t *testing.T) {
	b := load(t)
	gs := guides(&b.Manifest)
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	if want := []string{"birth-registration", "vneid"}; !slices.Equal(ids, want) {
		t.Fatalf("guides %v, want %v", ids, want)
	}
	for _, g := range gs {
		t.Run(g.ID, func(t *testing.T) {
			for _, lang := range guideLanguages {
				if strings.TrimSpace(g.Text[lang].Title) == "" {
					t.Errorf("no %s title", lang)
				}
			}
			checkPicture(t, FS(), "tile", g.Image(content.AnyLanguage))
			if n := len(g.Guide.Steps); n < 4 || n > 6 {
				t.Errorf("%d steps; a guide at the desk has about five", n)
			}
			for i, s := range g.Guide.Steps {
				name := fmt.Sprintf("step %d", i+1)
				for _, lang := range guideLanguages {
					checkStepText(t, name, lang, s.Text[lang])
				}
				if s.Picture != "" {
					checkPicture(t, FS(), name, s.Picture)
				}
				if s.QR != "" {
					if u, err := url.Parse(s.QR); err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Hostname(), ".gov.vn") {
						t.Errorf("%s: QR %q is not an https address of a .gov.vn site", name, s.QR)
					}
				}
				for _, lang := range narrated {
					p, ok := s.Narration[lang]
					if !ok {
						t.Errorf("%s: no %s narration", name, lang)
						continue
					}
					checkNarration(t, FS(), name+" "+lang, p)
				}
				if p, ok := s.Narration["km"]; ok {
					t.Errorf("%s: km narration %s, but no Khmer voice made it; a recorded file needs its source named", name, p)
				}
			}
			pictures, qrs := 0, 0
			for _, s := range g.Guide.Steps {
				if s.Picture != "" {
					pictures++
				}
				if s.QR != "" {
					qrs++
				}
			}
			if pictures*2 <= len(g.Guide.Steps) || qrs == 0 {
				t.Errorf("%d pictures and %d QR codes in %d steps: want a picture on most steps and a QR code where the portal matters", pictures, qrs, len(g.Guide.Steps))
			}
		})
	}
}

// checkStepText holds a step's text to what reads at 32 px and more, in
// the script of its language.
func checkStepText(t *testing.T, step, lang string, txt content.Text) {
	t.Helper()
	if txt.Title == "" || txt.Body == "" {
		t.Errorf("%s %s: title %q, body %q: want both", step, lang, txt.Title, txt.Body)
		return
	}
	if n := utf8.RuneCountInString(txt.Title); n > maxStepTitle {
		t.Errorf("%s %s: title of %d characters, want at most %d", step, lang, n, maxStepTitle)
	}
	if n := utf8.RuneCountInString(txt.Body); n > maxStepBody {
		t.Errorf("%s %s: body of %d characters, want at most %d", step, lang, n, maxStepBody)
	}
	khmer := 0
	for _, r := range txt.Title + txt.Body {
		if unicode.Is(unicode.Khmer, r) {
			khmer++
		}
	}
	switch {
	case lang == "km" && khmer == 0:
		t.Errorf("%s km: no Khmer script in %q", step, txt.Title)
	case lang != "km" && khmer > 0:
		t.Errorf("%s %s: Khmer script in %q", step, lang, txt.Title+" "+txt.Body)
	}
}

// checkPicture decodes a PNG picture and holds it to the demo's size.
func checkPicture(t *testing.T, fsys fs.FS, name, p string) {
	t.Helper()
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(data) > maxPictureSize {
		t.Errorf("%s: %s is %d bytes, want at most %d", name, p, len(data), maxPictureSize)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: %s: %v", name, p, err)
		return
	}
	if sz := img.Bounds().Size(); format != "png" || sz.X < 320 || sz.Y < 240 || sz.X > 1280 || sz.Y > 960 {
		t.Errorf("%s: %s is a %dx%d %s, want a PNG of 320x240 to 1280x960", name, p, sz.X, sz.Y, format)
	}
}

// checkNarration checks a narration file is a mono 16-bit PCM WAV of a
// plausible length for a step read aloud.
func checkNarration(t *testing.T, fsys fs.FS, name, p string) {
	t.Helper()
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	w, err := parseWAV(data)
	if err != nil {
		t.Errorf("%s: %s: %v", name, p, err)
		return
	}
	if w.format != 1 || w.channels != 1 || w.bits != 16 || w.rate < 8000 {
		t.Errorf("%s: %s: format %d, %d channels, %d bits, %d Hz: want mono 16-bit PCM of at least 8000 Hz", name, p, w.format, w.channels, w.bits, w.rate)
		return
	}
	if secs := float64(w.dataBytes) / float64(w.rate*2); secs < 3 || secs > 30 {
		t.Errorf("%s: %s lasts %.1f s; a step read aloud takes 3 to 30 s", name, p, secs)
	}
}

// TestBundleSize keeps the demo small enough to build into the player.
func TestBundleSize(t *testing.T) {
	var total int64
	for _, f := range load(t).Manifest.Files {
		total += f.Size
	}
	if total > maxBundleBytes {
		t.Errorf("demo bundle files hold %d bytes, want at most %d", total, maxBundleBytes)
	}
}

type wavInfo struct {
	format, channels, bits uint16
	rate                   uint32
	dataBytes              uint32
}

// parseWAV reads the format and the data length of a RIFF WAVE file.
func parseWAV(b []byte) (wavInfo, error) {
	var w wavInfo
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return w, errors.New("not a RIFF WAVE file")
	}
	haveFmt := false
	for rest := b[12:]; len(rest) >= 8; {
		id, size := string(rest[:4]), binary.LittleEndian.Uint32(rest[4:8])
		rest = rest[8:]
		if uint64(size) > uint64(len(rest)) {
			return w, fmt.Errorf("chunk %q of %d bytes overruns the file", id, size)
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return w, fmt.Errorf("fmt chunk of %d bytes", size)
			}
			w.format = binary.LittleEndian.Uint16(rest[0:2])
			w.channels = binary.LittleEndian.Uint16(rest[2:4])
			w.rate = binary.LittleEndian.Uint32(rest[4:8])
			w.bits = binary.LittleEndian.Uint16(rest[14:16])
			haveFmt = true
		case "data":
			if !haveFmt {
				return w, errors.New("data before fmt")
			}
			w.dataBytes = size
			return w, nil
		}
		rest = rest[min(uint64(size)+uint64(size%2), uint64(len(rest))):]
	}
	return w, errors.New("no data chunk")
}
