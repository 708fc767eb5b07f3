package fonts

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// These tests use the Noto fonts from Debian's fonts-noto-core and
// fonts-noto-cjk, which `make deps` installs.

func newTestLoader(t *testing.T) *Loader {
	t.Helper()
	return NewLoader(slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
}

func chain(t *testing.T, families ...string) *Chain {
	t.Helper()
	var links []siteconfig.Font
	for _, f := range families {
		links = append(links, siteconfig.Font{Family: f})
	}
	c, err := newTestLoader(t).Load(nil, links)
	if err != nil {
		t.Fatalf("Load(%v): %v (is fonts-noto installed? `make deps`)", families, err)
	}
	return c
}

func TestSystemFamiliesResolve(t *testing.T) {
	c := chain(t, "Noto Sans", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans CJK SC")
	want := []string{"Latn", "Khmr", "Laoo", "Hani"}
	if len(c.Faces) != len(want) {
		t.Fatalf("%d faces, want %d", len(c.Faces), len(want))
	}
	for i, f := range c.Faces {
		if f.Script != want[i] {
			t.Errorf("face %s: script %s, want %s", f.Name, f.Script, want[i])
		}
		reg, rerr := f.Regular.Bytes()
		bold, berr := f.Bold.Bytes()
		if len(reg) == 0 || len(bold) == 0 || rerr != nil || berr != nil {
			t.Errorf("face %s: regular %d bytes (%v), bold %d bytes (%v)", f.Name, len(reg), rerr, len(bold), berr)
		}
		if f.Regular.Path == f.Bold.Path {
			t.Errorf("face %s: bold is the regular font %s", f.Name, f.Regular.Path)
		}
	}
}

func TestMissing(t *testing.T) {
	latin := chain(t, "Noto Sans")
	all := chain(t, "Noto Sans", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans CJK SC")
	tests := []struct {
		name string
		c    *Chain
		text string
		want string
	}{
		{"vietnamese with latin", latin, "Chào mừng quý khách đến Việt Nam", ""},
		{"vietnamese NFD marks", latin, "Vie\u0323\u0302t", ""},
		{"khmer with latin alone", latin, "សូម\u200bស្វាគមន៍", "សូមស្វាគមន៍"},
		{"khmer with the chain", all, "សូម\u200bស្វាគមន៍", ""},
		{"lao and chinese", all, "ຍິນດີ 欢迎", ""},
		{"an emoji nobody has", all, "Xin chào 🛂", "🛂"},
		{"repeats reported once", latin, "中中中", "中"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.c.Missing(tc.text))
			// Compare as sets of runes, order of first appearance.
			want := ""
			for _, r := range tc.want {
				if !strings.ContainsRune(want, r) && !Invisible(r) {
					want += string(r)
				}
			}
			if got != want {
				t.Errorf("Missing(%q) = %q, want %q", tc.text, got, want)
			}
		})
	}
}

func TestForPutsTheLanguagesScriptFirst(t *testing.T) {
	c := chain(t, "Noto Sans", "Noto Sans Khmer", "Noto Sans CJK SC")
	tests := map[string]string{"km": "Khmr", "vi": "Latn", "en": "Latn", "zh": "Hani", "zh-Hant": "Hani", "lo": "Latn"}
	for lang, want := range tests {
		if got := c.For(lang).Faces[0].Script; got != want {
			t.Errorf("For(%s) starts with %s, want %s", lang, got, want)
		}
		if n := len(c.For(lang).Faces); n != 3 {
			t.Errorf("For(%s) has %d faces, want all 3", lang, n)
		}
	}
}

func TestBrokenLinksAreSkipped(t *testing.T) {
	dir := t.TempDir()
	junk := dir + "/junk.ttf"
	if err := os.WriteFile(junk, []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newTestLoader(t)
	c, err := l.Load(nil, []siteconfig.Font{{Family: "No Such Family"}, {File: junk}, {Family: "Noto Sans"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Faces) != 1 || c.Faces[0].Script != "Latn" {
		t.Errorf("faces = %d, want only Noto Sans", len(c.Faces))
	}
	_, err = l.Load(nil, []siteconfig.Font{{Family: "No Such Family"}, {File: junk}})
	if err == nil || !strings.Contains(err.Error(), "No Such Family") || !strings.Contains(err.Error(), "junk.ttf") {
		t.Errorf("Load with no usable font = %v, want an error naming both links", err)
	}
}

func TestFileLink(t *testing.T) {
	c, err := newTestLoader(t).Load(nil, []siteconfig.Font{{File: "/usr/share/fonts/truetype/noto/NotoSansLao-Regular.ttf"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Faces[0].Script != "Laoo" || !c.Has('ກ') {
		t.Errorf("Lao file: script %s", c.Faces[0].Script)
	}
}

func TestExtractFaceFromCollection(t *testing.T) {
	ttc, err := os.ReadFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
	if err != nil {
		t.Fatal(err)
	}
	for _, index := range []int{0, 2} {
		one, err := extractFace(ttc, index)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) >= len(ttc) || string(one[:4]) == "ttcf" {
			t.Errorf("face %d: %d bytes of a %d-byte collection", index, len(one), len(ttc))
		}
		f, err := newFace("cjk", bytesData("cjk", func() ([]byte, error) { return one, nil }), Data{})
		if err != nil {
			t.Fatalf("face %d does not parse: %v", index, err)
		}
		if !f.Has('越') || !f.Has('A') || f.Script != "Hani" {
			t.Errorf("face %d: script %s, has 越 %v", index, f.Script, f.Has('越'))
		}
	}
	if _, err := extractFace(ttc, 99); err == nil {
		t.Error("face 99 of a 10-face collection: no error")
	}
	if _, err := extractFace(ttc[:5000], 1); err == nil {
		t.Error("truncated collection: no error")
	}
	plain := []byte("\x00\x01\x00\x00 not a collection")
	if got, err := extractFace(plain, 0); err != nil || &got[0] != &plain[0] {
		t.Errorf("a single font is returned as is: %v", err)
	}
}

// TestReadFaceReadsOnlyTheFace: reading a face from the collection file
// gives the same bytes as extracting it from the whole file, while
// allocating about the face, not the 19 MB collection as well.
func TestReadFaceReadsOnlyTheFace(t *testing.T) {
	const path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
	ttc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := extractFace(ttc, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	allocs := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if got, err = readFace(path, 2); err != nil {
				b.Fatal(err)
			}
		}
	}).AllocedBytesPerOp()
	if !bytes.Equal(got, want) {
		t.Fatal("readFace and extractFace disagree")
	}
	if allocs > int64(len(want))+1<<20 {
		t.Errorf("readFace allocated %d bytes for a %d-byte face", allocs, len(want))
	}
	if _, err := readFace(path, 10); err == nil {
		t.Error("face 10 of a 10-face collection: no error")
	}
}

func TestNeeded(t *testing.T) {
	c := chain(t, "Noto Sans", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans CJK SC")
	tests := []struct {
		lang, text string
		want       []string
	}{
		{"vi", "Chào mừng quý khách", []string{"Latn"}},
		{"km", "សូម\u200bស្វាគមន៍", []string{"Khmr"}},
		{"vi", "Chào 欢迎", []string{"Latn", "Hani"}},
		{"zh", "欢迎 Welcome", []string{"Hani"}}, // the CJK face has Latin too
		{"en", "Lao ຍິນດີ and Khmer សូម", []string{"Latn", "Khmr", "Laoo"}},
	}
	for _, tc := range tests {
		var got []string
		for _, f := range c.For(tc.lang).Needed(tc.text).Faces {
			got = append(got, f.Script)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Needed(%s, %q) = %v, want %v", tc.lang, tc.text, got, tc.want)
		}
	}
}
