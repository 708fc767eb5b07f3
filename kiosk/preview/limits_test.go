package preview

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/go-text/typesetting/font"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// flatPNG16 is a w×h PNG of 16-bit RGBA, all one colour: a few hundred
// kilobytes that decode to eight bytes a pixel. The rows are compressed
// as they are made, so the test does not hold them.
func flatPNG16(t *testing.T, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 1+8*w) // filter byte 0, then the pixels
	for range h {
		if _, err := z.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(kind)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16 bits, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// TestPreviewPictureBytes previews an image slide whose 16-bit PNG of
// 6300×6300 (under the player's 40 million pixels) would take 515 MB and
// seconds to decode: the preview refuses it from its header, naming the
// file and what to do, and allocates little.
func TestPreviewPictureBytes(t *testing.T) {
	b := bundleOf(t, map[string][]byte{"images/flat.png": flatPNG16(t, 6300, 6300)}, `{"format":1,"id":"t","version":1,`+
		`"created":"2026-01-01T00:00:00Z","items":[{"id":"p","kind":"image","images":{"*":"images/flat.png"}}],"files":[]}`)
	r := hostileRenderer(t, b, "site: {id: t, name: T}\ndisplay: {resolution: 1920x1080}\nlanguages: [vi]\nfonts: [{family: Noto Sans}]\ncontent: {demo: true}\nticker: {edge: none}\n")
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, _, err := r.Render(0)
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), "images/flat.png: 6300x6300 takes 302 MB decoded") {
		t.Fatalf("Render error = %v, want one naming the file and its decoded size", err)
	}
	if n := m1.TotalAlloc - m0.TotalAlloc; n > 32<<20 {
		t.Errorf("Render allocated %d MB refusing it", n>>20)
	}
}

// bundleOf writes files and a manifest (its files listed by
// content.IndexDir) to a folder and loads the bundle.
func bundleOf(t *testing.T, files map[string][]byte, manifest string) *content.Bundle {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), []byte(manifest), 0o644); err != nil {
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

// TestFontCacheBound parses more bundle fonts than a FontCache keeps: it
// drops the one used least recently, while a Renderer that drew with a
// font keeps it (a cache that never let go grew with every bundle font
// previewed).
func TestFontCacheBound(t *testing.T) {
	b := bundleOf(t, map[string][]byte{"fonts/a.ttf": goregular.TTF, "fonts/b.ttf": gobold.TTF, "fonts/c.ttf": gomono.TTF},
		`{"format":1,"id":"t","version":1,"created":"2026-01-01T00:00:00Z","fonts":[{"file":"fonts/a.ttf"},{"file":"fonts/b.ttf"},{"file":"fonts/c.ttf"}],`+
			`"items":[{"id":"a","kind":"text","text":{"zh":{"title":"Hi"}}}],"files":[]}`)
	cfg, err := siteconfig.Parse([]byte("site: {id: t, name: T}\ndisplay: {resolution: 1280x720}\nlanguages: [zh]\nfonts: [{family: Noto Sans}]\ncontent: {demo: true}\nticker: {edge: none}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	chain, err := fonts.NewLoader(testLog(t), t.TempDir()).Load(b, cfg.Fonts)
	if err != nil {
		t.Fatal(err)
	}
	var data []fonts.Data
	for _, f := range chain.Faces {
		if strings.HasPrefix(f.Name, "bundle ") { // the chain starts with the bundle's fonts
			data = append(data, f.Regular)
		}
	}
	if len(data) != 3 {
		for _, f := range chain.Faces {
			t.Logf("face %q %q", f.Name, f.Regular.Path)
		}
		t.Fatalf("%d bundle fonts in the chain, want 3", len(data))
	}
	c := NewFontCache()
	c.maxBytes = int64(len(goregular.TTF) + len(gobold.TTF) + len(gomono.TTF) - 1)
	used := &usedFonts{cache: c, m: map[string]*font.Font{}}
	first, err := used.parse(data[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range data[1:] {
		if _, err := c.parse(d); err != nil {
			t.Fatal(err)
		}
	}
	if n, size := c.kept(); n != 2 || size > c.maxBytes {
		t.Fatalf("cache keeps %d fonts of %d bytes, want 2 within %d", n, size, c.maxBytes)
	}
	again, err := c.parse(data[0])
	if err != nil {
		t.Fatal(err)
	}
	if again == first {
		t.Error("the font used least recently is still kept")
	}
	if f, _ := used.parse(data[0]); f != first {
		t.Error("a Renderer lost a font it drew with")
	}
}

// TestDecodeTurns has many goroutines ask one FontCache for a decoding
// turn at once: no more than maxDecodes hold one together.
func TestDecodeTurns(t *testing.T) {
	c := NewFontCache()
	var active, most atomic.Int32
	gate := make(chan struct{})
	done := make(chan struct{})
	const n = 8
	for range n {
		go func() {
			c.decode(func() {
				k := active.Add(1)
				for m := most.Load(); k > m && !most.CompareAndSwap(m, k); m = most.Load() {
				}
				<-gate
				active.Add(-1)
			})
			done <- struct{}{}
		}()
	}
	// Give every goroutine the chance to enter: a cache without turns
	// lets all eight in within this time.
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); {
		runtime.Gosched()
	}
	close(gate)
	for range n {
		<-done
	}
	if m := most.Load(); m != maxDecodes {
		t.Errorf("%d decodes at once, want %d", m, maxDecodes)
	}
}
