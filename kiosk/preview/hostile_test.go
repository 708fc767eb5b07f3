package preview

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-text/typesetting/font"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// sfntTable is the offset and length of table tag in the font data.
func sfntTable(t *testing.T, data []byte, tag string) (off, length int) {
	t.Helper()
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := range n {
		rec := data[12+16*i:]
		if string(rec[:4]) == tag {
			return int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		}
	}
	t.Fatalf("font has no %s table", tag)
	return 0, 0
}

// hostileFont is Go Regular edited as a hostile bundle font may be:
// upem, when not zero, replaces the units per em; advance, when not zero,
// replaces every glyph's advance; dy, when not zero, replaces the first
// long y delta of the glyph of r, throwing a point of it far away.
func hostileFont(t *testing.T, upem, advance uint16, r rune, dy int16) []byte {
	t.Helper()
	data := bytes.Clone(goregular.TTF)
	head, _ := sfntTable(t, data, "head")
	if upem != 0 {
		binary.BigEndian.PutUint16(data[head+18:], upem)
	}
	if advance != 0 {
		hmtx, _ := sfntTable(t, data, "hmtx")
		hhea, _ := sfntTable(t, data, "hhea")
		for g := range int(binary.BigEndian.Uint16(data[hhea+34:])) {
			binary.BigEndian.PutUint16(data[hmtx+4*g:], advance)
		}
	}
	if dy == 0 {
		return data
	}
	f, err := font.ParseTTF(bytes.NewReader(goregular.TTF))
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := f.NominalGlyph(r)
	loca, _ := sfntTable(t, data, "loca")
	glyf, _ := sfntTable(t, data, "glyf")
	var at int
	if binary.BigEndian.Uint16(data[head+50:]) == 1 {
		at = int(binary.BigEndian.Uint32(data[loca+4*int(gid):]))
	} else {
		at = 2 * int(binary.BigEndian.Uint16(data[loca+2*int(gid):]))
	}
	p := glyf + at
	contours := int(int16(binary.BigEndian.Uint16(data[p:])))
	if contours <= 0 {
		t.Fatalf("glyph of %q is composite", r)
	}
	points := int(binary.BigEndian.Uint16(data[p+10+2*(contours-1):])) + 1
	q := p + 10 + 2*contours
	q += 2 + int(binary.BigEndian.Uint16(data[q:])) // instructions
	var flags []byte
	for len(flags) < points {
		fl := data[q]
		q++
		flags = append(flags, fl)
		if fl&8 != 0 { // repeated
			for range int(data[q]) {
				flags = append(flags, fl)
			}
			q++
		}
	}
	for _, fl := range flags { // x deltas
		if fl&2 != 0 {
			q++
		} else if fl&0x10 == 0 {
			q += 2
		}
	}
	for _, fl := range flags { // y deltas
		if fl&4 != 0 {
			q++
		} else if fl&0x20 == 0 {
			binary.BigEndian.PutUint16(data[q:], uint16(dy))
			return data
		}
	}
	t.Fatalf("glyph of %q has no long y delta", r)
	return nil
}

// hostileBundle writes a bundle with the font data as its font and the
// manifest's items and ticker (JSON), and loads it.
func hostileBundle(t *testing.T, fontData []byte, items, ticker string) *content.Bundle {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "fonts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fonts", "x.ttf"), fontData, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := `{"format":1,"id":"t","version":1,"created":"2026-01-01T00:00:00Z","fonts":[{"file":"fonts/x.ttf"}],` +
		`"items":` + items + `,"ticker":` + ticker + `,"files":[]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	b, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostileRenderer(t *testing.T, b *content.Bundle, yaml string) *Renderer {
	t.Helper()
	cfg, err := siteconfig.Parse([]byte(yaml), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := testLog(t)
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, b, chain, log)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// renderBounded renders slide 0 within a deadline and returns the bytes
// allocated meanwhile.
func renderBounded(t *testing.T, r *Renderer, deadline time.Duration) uint64 {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	done := make(chan error, 1)
	go func() {
		_, _, err := r.Render(0)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(deadline):
		t.Fatalf("Render still running after %v", deadline)
	}
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestHostileGlyphs renders text whose outlines reach far off the slide:
// a bundle font whose glyph throws a point some 100,000 pixels away, and
// a letter under 4,000 combining marks in the stock Noto Sans (a stack
// 90,000 pixels tall). Only what can reach the slide is rasterised, so a
// slide costs about what an ordinary one does (it took gigabytes).
func TestHostileGlyphs(t *testing.T) {
	const budget = 64 << 20 // an ordinary 1920x1080 slide allocates some 20 MB
	t.Run("far point in a bundle font", func(t *testing.T) {
		b := hostileBundle(t, hostileFont(t, 16, 9, 'H', 32000),
			`[{"id":"a","kind":"text","text":{"zh":{"title":"HHH","body":"HHHH HHH"}}}]`, `[]`)
		r := hostileRenderer(t, b, "site: {id: t, name: T}\ndisplay: {resolution: 1920x1080}\nlanguages: [zh]\nfonts: [{family: Noto Sans}]\ncontent: {demo: true}\nticker: {edge: none}\n")
		if n := renderBounded(t, r, time.Minute); n > budget {
			t.Errorf("Render allocated %d MB, want at most %d", n>>20, budget>>20)
		}
	})
	t.Run("combining marks in Noto Sans", func(t *testing.T) {
		// Built in memory: content validation refuses such a text.
		body := strings.Repeat("W", 30) + "a" + strings.Repeat("\u0302\u0301", 2000)
		b := &content.Bundle{Manifest: content.Manifest{ID: "t", Items: []content.Item{{
			ID: "z", Kind: content.KindText, Text: map[string]content.Text{"vi": {Body: body}}}},
			Ticker: []content.Message{{"vi": "Tin a" + strings.Repeat("\u0302", 2000)}}}}
		r := hostileRenderer(t, b, "site: {id: t, name: T}\ndisplay: {resolution: 1920x1080}\nlanguages: [vi]\nfonts: [{family: Noto Sans}]\ncontent: {demo: true}\nticker: {edge: bottom}\n")
		if n := renderBounded(t, r, time.Minute); n > budget {
			t.Errorf("Render allocated %d MB, want at most %d", n>>20, budget>>20)
		}
	})
}

// TestHostileTickerAdvances renders a ticker set in a bundle font whose
// every glyph is thousands of pixels wide: the message is cut down to
// what fits, however little, and Render returns (it looped forever once
// the message was ten characters).
func TestHostileTickerAdvances(t *testing.T) {
	b := hostileBundle(t, hostileFont(t, 512, 30000, 0, 0),
		`[{"id":"a","kind":"text","text":{"zh":{"title":"Hi"}}}]`, `[{"zh":"Hello wonderful world"}]`)
	r := hostileRenderer(t, b, "site: {id: t, name: T}\ndisplay: {resolution: 1280x720}\nlanguages: [zh]\nfonts: [{family: Noto Sans}]\ncontent: {demo: true}\nticker: {edge: bottom}\n")
	renderBounded(t, r, 30*time.Second)
}
