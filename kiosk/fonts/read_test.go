package fonts

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype"
)

const (
	cjkRegular = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
	notoSans   = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
	notoKhmer  = "/usr/share/fonts/truetype/noto/NotoSansKhmer-Bold.ttf"
)

// TestOpenFaceReadsAsExtracted: every byte of a face opened from a
// collection, read at any offset and length (across the directory, tables
// and padding), is the byte of the face extracted whole.
func TestOpenFaceReadsAsExtracted(t *testing.T) {
	ttc, err := os.ReadFile(cjkRegular)
	if err != nil {
		t.Fatal(err)
	}
	want, err := extractFace(ttc, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := openFace(cjkRegular, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(want)) {
		t.Fatalf("size %d, extracted %d", r.Size(), len(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 70000)
	for i := range 500 {
		off := rng.Int64N(int64(len(want)))
		n := 1 + rng.IntN(len(buf))
		if i < 50 { // the directory and the first tables
			off = rng.Int64N(2000)
		}
		got, err := r.ReadAt(buf[:n], off)
		end := min(off+int64(n), int64(len(want)))
		if int64(got) != end-off || (err != nil && err != io.EOF) || (end < off+int64(n) && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d", n, off, got, err, end-off)
		}
		if !bytes.Equal(buf[:got], want[off:end]) {
			t.Fatalf("ReadAt(%d bytes at %d): bytes differ from the extracted face", n, off)
		}
	}
	all, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(all, want) {
		t.Fatalf("reading from the start: %d bytes, %v", len(all), err)
	}
}

// TestReadCmapAgreesWithFullParse: the character map read alone is the one
// a full parse gives (the parse Ebiten draws with), for the fonts the
// example sites use, while a CJK face's outlines are never read.
func TestReadCmapAgreesWithFullParse(t *testing.T) {
	cases := []struct {
		name     string
		d        Data
		maxAlloc int64
	}{
		{"Noto Sans", fileData(notoSans, 0), 512 << 10},
		{"Noto Sans Khmer Bold", fileData(notoKhmer, 0), 256 << 10},
		{"Noto Sans CJK SC", fileData(cjkRegular, 2), 4 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := c.d.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			ld, err := opentype.NewLoader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			full, err := font.NewFont(ld)
			if err != nil {
				t.Fatal(err)
			}
			var got font.Cmap
			alloc := testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					if got, err = readCmap(c.d); err != nil {
						b.Fatal(err)
					}
				}
			}).AllocedBytesPerOp()
			n := 0
			for it := full.Cmap.Iter(); it.Next(); {
				r, want := it.Char()
				if g, ok := got.Lookup(r); !ok || g != want {
					t.Fatalf("U+%04X: glyph %d, %v; the full parse maps it to %d", r, g, ok, want)
				}
				n++
			}
			for it := got.Iter(); it.Next(); {
				it.Char()
				n--
			}
			if n != 0 {
				t.Errorf("the maps differ in size by %d", n)
			}
			t.Logf("%d-byte font: its cmap read with %d bytes allocated", len(data), alloc)
			if alloc > c.maxAlloc {
				t.Errorf("reading the cmap of a %d-byte font allocated %d bytes (at most %d)", len(data), alloc, c.maxAlloc)
			}
		})
	}
}

// TestUnusableFontsRefused: files go-text could not draw with are refused
// when the chain is loaded, as the full parse refused them.
func TestUnusableFontsRefused(t *testing.T) {
	good, err := os.ReadFile(notoSans)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":     nil,
		"not-font":  []byte("this is not a font file at all, just words"),
		"truncated": good[:4096],
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".ttf")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := newFace(name, fileData(path, 0), Data{}); err == nil {
				t.Errorf("%s: accepted", name)
			}
		})
	}
}
