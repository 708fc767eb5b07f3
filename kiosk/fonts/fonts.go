// Package fonts resolves a site's font fallback chain to font files and
// answers which characters the chain can draw.
//
// A chain is the bundle's own fonts followed by the site's configured links,
// each a system font family or a file. Families are found with go-text's
// fontscan (github.com/go-text/typesetting/fontscan), which indexes the
// system's font folders on Linux, Windows and macOS and caches the index, so
// a site config names "Noto Sans Khmer" instead of a path that differs per
// operating system. Coverage comes from each font's character map, parsed
// with go-text's font package: the same parser Ebiten's text/v2 uses to draw.
//
// The package never links Ebiten, so the department's linter refuses a
// bundle with exactly the coverage rules the player draws with.
package fonts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/font/opentype/tables"
	"github.com/go-text/typesetting/fontscan"
	"golang.org/x/text/language"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Face is one font of the chain, in a regular and a bold weight.
type Face struct {
	// Name describes where the font came from, for logs.
	Name string
	// Regular and Bold hold the font file bytes; Bold is Regular when the
	// family has no bold.
	Regular, Bold Data
	// Script is the ISO 15924 code of the main script the font was made for
	// (Latn, Khmr, Laoo, Hani, ...), guessed from its coverage.
	Script string

	// cmap maps characters to glyphs; only it is read of the font, whose
	// outlines for a CJK face are many megabytes more.
	cmap font.Cmap
}

// Data is one font, opened when needed as a standalone font file (a face
// taken out of a collection such as Noto Sans CJK is made standalone). It
// holds no bytes itself: a parsed font keeps its own copy of the tables it
// uses, and a CJK font's bytes are tens of megabytes.
type Data struct {
	// Path names the font's origin: a file and face index, or a bundle
	// font's SHA-256. Equal paths mean equal fonts.
	Path string
	open func() (Reader, error)
}

// Open opens the font for reading. A font from a file is read from the
// file as parsers ask for its tables; the caller closes the Reader.
func (d Data) Open() (Reader, error) {
	if d.open == nil {
		return nil, fmt.Errorf("font %s: nothing to read", d.Path)
	}
	return d.open()
}

// Bytes reads the whole font into memory.
func (d Data) Bytes() ([]byte, error) {
	r, err := d.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]byte, r.Size())
	if _, err := r.ReadAt(out, 0); err != nil && !(err == io.EOF && len(out) == 0) {
		return nil, fmt.Errorf("font %s: %w", d.Path, err)
	}
	return out, nil
}

// bytesData is a font already in memory.
func bytesData(path string, read func() ([]byte, error)) Data {
	return Data{Path: path, open: func() (Reader, error) {
		b, err := read()
		if err != nil {
			return nil, err
		}
		return newReader(bytes.NewReader(b), int64(len(b)), nil), nil
	}}
}

// Chain is an ordered list of faces: for each character, the first face that
// has it draws it.
type Chain struct {
	Faces []*Face
}

// Loader resolves chain links and keeps the faces it loaded, so a new bundle
// does not read and parse the site's fonts again. It is safe for concurrent
// use. The zero value is not usable; use NewLoader.
type Loader struct {
	log      *slog.Logger
	cacheDir string

	mu      sync.Mutex
	system  []fontscan.Footprint
	scanned bool
	links   map[siteconfig.Font]*Face
}

// NewLoader returns a Loader that keeps fontscan's index of system fonts in
// cacheDir ("" for the user's cache folder).
func NewLoader(log *slog.Logger, cacheDir string) *Loader {
	return &Loader{log: log, cacheDir: cacheDir}
}

// Load builds the chain: the bundle's fonts (b may be nil) then the site's
// links. A link that cannot be found or parsed is logged and skipped, so a
// site missing one font still draws the others; Load fails only when no face
// at all could be loaded.
func (l *Loader) Load(b *content.Bundle, links []siteconfig.Font) (*Chain, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var c Chain
	var errs []error
	if b != nil {
		for _, f := range b.Manifest.Fonts {
			// Named by content, so that caches keyed by path tell two
			// bundles' fonts apart.
			sum, _ := b.File(f.File)
			file := f.File
			d := bytesData("sha256:"+sum.SHA256, func() ([]byte, error) {
				data, err := b.ReadFile(file)
				if err != nil {
					return nil, err
				}
				return extractFace(data, 0)
			})
			face, err := newFace("bundle "+f.File, d, Data{})
			if err != nil {
				errs = append(errs, fmt.Errorf("bundle font %s: %w", f.File, err))
				continue
			}
			c.Faces = append(c.Faces, face)
		}
	}
	for _, link := range links {
		face, ok := l.links[link]
		if !ok {
			var err error
			if face, err = l.loadLink(link); err != nil {
				errs = append(errs, err)
				continue
			}
			if l.links == nil {
				l.links = map[siteconfig.Font]*Face{}
			}
			l.links[link] = face
		}
		c.Faces = append(c.Faces, face)
	}
	for _, err := range errs {
		l.log.Warn("font skipped", "err", err)
	}
	if len(c.Faces) == 0 {
		return nil, fmt.Errorf("no font could be loaded: %w", errors.Join(errs...))
	}
	return &c, nil
}

func (l *Loader) loadLink(link siteconfig.Font) (*Face, error) {
	if link.File != "" {
		f, err := newFace(link.File, fileData(link.File, 0), Data{}) // a collection's first face
		if err != nil {
			return nil, fmt.Errorf("font file: %w", err)
		}
		return f, nil
	}
	regLoc, boldLoc, err := l.findFamily(link.Family)
	if err != nil {
		return nil, err
	}
	var bold Data
	if boldLoc.File != "" {
		bold = fileData(boldLoc.File, int(boldLoc.Index))
	}
	f, err := newFace(link.Family, fileData(regLoc.File, int(regLoc.Index)), bold)
	if err != nil {
		return nil, fmt.Errorf("font family %q: %w", link.Family, err)
	}
	return f, nil
}

// fontscanLogger routes fontscan's messages to slog at debug level.
type fontscanLogger struct{ log *slog.Logger }

func (f fontscanLogger) Printf(format string, args ...any) {
	f.log.Debug(strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "fontscan")
}

// findFamily returns the regular and bold faces of an installed family.
func (l *Loader) findFamily(family string) (regular, bold fontscan.Location, err error) {
	if !l.scanned {
		l.system, err = fontscan.SystemFonts(fontscanLogger{l.log}, l.cacheDir)
		if err != nil {
			return regular, bold, fmt.Errorf("scan system fonts: %w", err)
		}
		l.scanned = true
	}
	want := normalizeFamily(family)
	bestReg, bestBold := -1, -1
	for i, fp := range l.system {
		if normalizeFamily(fp.Family) != want || fp.Aspect.Style != font.StyleNormal || fp.Aspect.Stretch != font.StretchNormal {
			continue
		}
		switch fp.Aspect.Weight {
		case font.WeightNormal:
			bestReg = i
		case font.WeightBold:
			bestBold = i
		}
	}
	if bestReg < 0 {
		return regular, bold, fmt.Errorf("font family %q: not installed (regular weight)", family)
	}
	regular = l.system[bestReg].Location
	if bestBold >= 0 {
		bold = l.system[bestBold].Location
	}
	return regular, bold, nil
}

func normalizeFamily(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// fileData opens face index of a font file; of a collection, only that
// face, as a standalone font.
func fileData(path string, index int) Data {
	return Data{Path: fmt.Sprintf("%s#%d", path, index), open: func() (Reader, error) {
		r, err := openFace(path, index)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return r, nil
	}}
}

// newFace reads reg's character map and guesses its script. bold may be
// empty.
func newFace(name string, reg, bold Data) (*Face, error) {
	cmap, err := readCmap(reg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if bold.open == nil {
		bold = reg
	}
	f := &Face{Name: name, Regular: reg, Bold: bold, cmap: cmap}
	f.Script = f.guessScript()
	return f, nil
}

// readCmap reads a font's character map, and checks the other tables
// without which go-text's font.NewFont (what Ebiten draws with) refuses a
// font: head and maxp. Only those tables are read, not the font's glyphs:
// a full parse of a CJK face copies and indexes its 16 MB of outlines,
// several times the memory and time of this.
func readCmap(d Data) (font.Cmap, error) {
	r, err := d.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ld, err := opentype.NewLoader(r)
	if err != nil {
		return nil, fmt.Errorf("not a usable font: %w", err)
	}
	raw, _ := ld.RawTable(opentype.MustNewTag("OS/2"))
	os2, _, _ := tables.ParseOs2(raw) // optional: absent, no code page hint
	raw, err = ld.RawTable(opentype.MustNewTag("cmap"))
	if err != nil {
		return nil, fmt.Errorf("not a usable font: %w", err)
	}
	tb, _, err := tables.ParseCmap(raw)
	if err != nil {
		return nil, fmt.Errorf("not a usable font: cmap: %w", err)
	}
	cmap, _, err := font.ProcessCmap(tb, os2.FontPage())
	if err != nil {
		return nil, fmt.Errorf("not a usable font: cmap: %w", err)
	}
	if _, _, err := font.LoadHeadTable(ld, nil); err != nil {
		return nil, fmt.Errorf("not a usable font: head: %w", err)
	}
	raw, err = ld.RawTable(opentype.MustNewTag("maxp"))
	if err != nil {
		return nil, fmt.Errorf("not a usable font: %w", err)
	}
	if _, _, err := tables.ParseMaxp(raw); err != nil {
		return nil, fmt.Errorf("not a usable font: maxp: %w", err)
	}
	return cmap, nil
}

// scriptProbes are characters that tell which script a font was made for,
// most specific first: a CJK font also covers Latin.
var scriptProbes = []struct {
	script string
	runes  []rune
}{
	{"Khmr", []rune{'ក', 'ខ', '្'}},
	{"Laoo", []rune{'ກ', 'ຂ', 'ໍ'}},
	{"Hani", []rune{'中', '国', '越'}},
	{"Thai", []rune{'ก', 'ข'}},
	{"Latn", []rune{'a', 'ệ', 'ư'}},
}

func (f *Face) guessScript() string {
	for _, p := range scriptProbes {
		ok := true
		for _, r := range p.runes {
			if !f.Has(r) {
				ok = false
				break
			}
		}
		if ok {
			return p.script
		}
	}
	return "Zyyy"
}

// Has reports whether the face maps r to a glyph.
func (f *Face) Has(r rune) bool {
	_, ok := f.cmap.Lookup(r)
	return ok
}

// Has reports whether some face of the chain maps r.
func (c *Chain) Has(r rune) bool {
	for _, f := range c.Faces {
		if f.Has(r) {
			return true
		}
	}
	return false
}

// Invisible reports whether r needs no glyph: spaces, line breaks, and format
// characters such as U+200B ZERO WIDTH SPACE and the joiners, which shaping
// consumes or the line breaker removes.
func Invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) ||
		unicode.Is(unicode.Variation_Selector, r)
}

// Missing returns, once each and in order of appearance, the visible
// characters of s that no face of the chain can draw.
func (c *Chain) Missing(s string) []rune {
	var out []rune
	for _, r := range s {
		if Invisible(r) || c.Has(r) {
			continue
		}
		dup := false
		for _, o := range out {
			if o == r {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// FormatRunes writes runes as "ệ (U+1EC7), 中 (U+4E2D)" for messages.
func FormatRunes(rs []rune) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%c (U+%04X)", r, r)
	}
	return strings.Join(parts, ", ")
}

// languageScripts gives the script a language is written in when the tag
// does not say; x/text's likely-subtags table answers the rest.
func languageScript(lang string) string {
	t, err := language.Parse(lang)
	if err != nil {
		return ""
	}
	s, _ := t.Script()
	switch s.String() {
	case "Hans", "Hant", "Jpan", "Kore":
		return "Hani"
	}
	return s.String()
}

// For returns the chain reordered for text in lang: faces made for the
// language's script first, then the others in their configured order. A
// Khmer text is thus shaped by the Khmer font even where an earlier Latin
// font also has a space or a digit.
func (c *Chain) For(lang string) *Chain {
	script := languageScript(lang)
	out := &Chain{Faces: make([]*Face, 0, len(c.Faces))}
	for _, f := range c.Faces {
		if f.Script == script {
			out.Faces = append(out.Faces, f)
		}
	}
	for _, f := range c.Faces {
		if f.Script != script {
			out.Faces = append(out.Faces, f)
		}
	}
	return out
}

// Needed returns the faces of the chain that draw some character of s that
// no earlier face draws, in chain order, and always the first face (for
// spaces and metrics). Drawing s with these faces looks the same as with the
// whole chain, and fonts a text does not use (a 20 MB CJK face behind a
// Vietnamese text) need not be loaded.
func (c *Chain) Needed(s string) *Chain {
	if len(c.Faces) == 0 {
		return c
	}
	used := make([]bool, len(c.Faces))
	used[0] = true
	for _, r := range s {
		if Invisible(r) {
			continue
		}
		for i, f := range c.Faces {
			if f.Has(r) {
				used[i] = true
				break
			}
		}
	}
	out := &Chain{}
	for i, f := range c.Faces {
		if used[i] {
			out.Faces = append(out.Faces, f)
		}
	}
	return out
}
