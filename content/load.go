package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Errors a caller may branch on. They are wrapped in a *FieldError.
var (
	// ErrHashMismatch means a file's bytes do not match the manifest's SHA-256.
	ErrHashMismatch = errors.New("SHA-256 does not match the manifest")
	// ErrSizeMismatch means a file's length does not match the manifest.
	ErrSizeMismatch = errors.New("size does not match the manifest")
	// ErrNotListed means a path is used but missing from the manifest's files.
	ErrNotListed = errors.New("not listed in files")
	// ErrTooLarge means a file is listed with more bytes than its use
	// allows (see MaxImageBytes and MaxNarrationBytes).
	ErrTooLarge = errors.New("too large")
	// ErrUnsupportedFeature means the bundle requires a feature this
	// player does not know.
	ErrUnsupportedFeature = errors.New("requires a feature this version does not support")
)

// FieldError is a problem with one field of one file of a bundle.
type FieldError struct {
	// File is the bundle-relative file, usually manifest.json.
	File string
	// Field is a JSON path into the manifest such as items[2].text.km.body,
	// or empty when the error is about the file as a whole.
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.File, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Bundle is a loaded, validated manifest and access to its files.
type Bundle struct {
	Manifest Manifest

	// Source describes where the bundle was loaded from, for messages.
	Source string

	fsys  fs.FS
	files map[string]File
	dir   string // the folder it was loaded from (LoadDir), if any
}

// LoadDir loads the bundle in the folder dir. Its files are read through
// os.Root: a name that leaves the folder, by ".." or by a symbolic link
// pointing out of it (images/a.png → /etc/passwd), is refused, and so is
// anything but a regular file (a device, a FIFO).
func LoadDir(dir string) (*Bundle, error) {
	b, err := Load(dirFS(dir), dir)
	if b != nil {
		b.dir = dir
	}
	return b, err
}

// Load reads and validates the manifest of the bundle at the root of fsys.
// source names the bundle in error messages. Every problem found is
// reported, joined, as *FieldError values. Files are not read; see
// Bundle.ReadFile and Bundle.Verify.
func Load(fsys fs.FS, source string) (*Bundle, error) {
	raw, err := readManifest(fsys)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, &FieldError{File: ManifestName, Err: err})
	}
	m, err := ParseManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", source, err)
	}
	b := &Bundle{Manifest: *m, Source: source, fsys: fsys, files: make(map[string]File, len(m.Files))}
	for _, f := range m.Files {
		b.files[f.Path] = f
	}
	return b, nil
}

// dirFS is a bundle folder read through os.Root.
type dirFS string

func (d dirFS) Open(name string) (fs.File, error) {
	return openInFolder(string(d), name)
}

// openInFolder opens the bundle file name, a slash-separated path, of the
// bundle folder dir for reading, within dir (see LoadDir). It does not
// wait on a FIFO: the caller refuses what is not a regular file
// (openRegular).
func openInFolder(dir, name string) (*os.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	// Files opened stay open after their Root is closed.
	defer root.Close()
	return root.OpenFile(filepath.FromSlash(name), os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// openRegular opens the file p of fsys, refusing anything but a regular
// file, and returns it with its size.
func openRegular(fsys fs.FS, p string) (fs.File, int64, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	return f, st.Size(), nil
}

// MaxManifestSize bounds the bytes of a manifest read from a folder; a site
// accepts signed manifests of at most this size too.
const MaxManifestSize = 16 << 20

// readManifest reads the manifest, refusing one larger than
// MaxManifestSize before reading it, and one that grows while read.
func readManifest(fsys fs.FS) ([]byte, error) {
	f, size, err := openRegular(fsys, ManifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > MaxManifestSize {
		return nil, fmt.Errorf("%d bytes; at most %d are read", size, MaxManifestSize)
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxManifestSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxManifestSize {
		return nil, fmt.Errorf("more than %d bytes", MaxManifestSize)
	}
	return raw, nil
}

// ParseManifest decodes and validates manifest bytes. Fields it does not
// know are ignored, so that later additions stay readable; see
// UnknownFields for a strict check. A key given twice in one object, or a
// key that differs from a field's name only in case, is refused: the JSON
// decoder would take the last one, or fill the field anyway.
func ParseManifest(raw []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &FieldError{File: ManifestName, Field: jsonErrorField(err), Err: jsonError(raw, err)}
	}
	if err := checkKeys(raw); err != nil {
		return nil, err
	}
	m.normalize()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// UnknownFields returns the JSON paths of manifest fields that this format
// version does not define, such as a misspelt "duraton".
func UnknownFields(raw []byte) []string {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var unknown []string
	// The decoder stops at the first unknown field; this is enough to
	// warn about it, and a fixed manifest shows the next one.
	if err := dec.Decode(&m); err != nil && strings.Contains(err.Error(), "unknown field") {
		unknown = append(unknown, err.Error())
	}
	return unknown
}

func jsonErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

// jsonError adds a line and column to JSON syntax errors.
func jsonError(raw []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(raw, se.Offset)
		return fmt.Errorf("line %d column %d: %w", line, col, err)
	}
	return err
}

func lineCol(raw []byte, off int64) (line, col int) {
	line, col = 1, 1
	// Offset counts the bytes read, the offending one included.
	for i := int64(0); i < off-1 && i < int64(len(raw)); i++ {
		if raw[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// normalize brings every text to NFC and trims layout and fit defaults.
func (m *Manifest) normalize() {
	for i := range m.Items {
		it := &m.Items[i]
		for lang, t := range it.Text {
			it.Text[lang] = Text{Title: norm.NFC.String(t.Title), Body: norm.NFC.String(t.Body)}
		}
		if it.Layout == "" {
			it.Layout = LayoutSingle
		}
		if it.Fit == "" && it.Kind == KindImage {
			it.Fit = FitContain
		}
		it.Guide.normalize()
	}
	for _, msg := range m.Ticker {
		for lang, s := range msg {
			msg[lang] = norm.NFC.String(s)
		}
	}
}

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	hexPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Duration bounds of an item.
const (
	MinDuration = time.Second
	MaxDuration = 10 * time.Minute
)

// Validate checks every field of the manifest and returns all problems found,
// joined.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{File: ManifestName, Field: field, Err: fmt.Errorf(format, args...)})
	}

	switch {
	case m.Format == 0:
		bad("format", "missing; want %d", FormatVersion)
	case m.Format != FormatVersion:
		bad("format", "is %d; this player reads format %d", m.Format, FormatVersion)
	}
	if !idPattern.MatchString(m.ID) {
		bad("id", "%q: want 1-64 of a-z, 0-9, '.', '_', '-'", m.ID)
	}
	if m.Version <= 0 {
		bad("version", "is %d; want a positive integer", m.Version)
	}
	if m.Created.IsZero() {
		bad("created", "missing; want an RFC 3339 time")
	}
	checkLength("title", m.Title, MaxTitleRunes, bad)
	checkControls("title", m.Title, bad)
	for i, f := range m.Requires {
		if !slices.Contains(knownFeatures, f) {
			errs = append(errs, &FieldError{File: ManifestName, Field: fmt.Sprintf("requires[%d]", i),
				Err: fmt.Errorf("%q: %w", f, ErrUnsupportedFeature)})
		}
	}

	if m.usesSchedule() && !slices.Contains(m.Requires, FeatureSchedule) {
		// A player that predates schedules would play every item all day
		// at every site.
		bad(m.scheduleField(), "uses schedules or targets; add %q to requires, so that a player without them refuses the bundle", FeatureSchedule)
	}
	if m.UsesGuides() && !slices.Contains(m.Requires, FeatureGuides) {
		// A player that predates guides would drop them and play the
		// rest, leaving an interactive site without its guides.
		bad(m.guideField(), "is a guide; add %q to requires, so that a player without guides refuses the bundle", FeatureGuides)
	}
	if f := m.videoField(); f != "" && !slices.Contains(m.Requires, FeatureVideo) {
		// A player that predates video would drop the clips and play
		// the rest, and the department would count them as shown.
		bad(f, "is a video; add %q to requires, so that a player without video refuses the bundle", FeatureVideo)
	}
	validateTargets(m.Targets, "targets", bad)

	listed := make(map[string]bool, len(m.Files))
	size := make(map[string]int64, len(m.Files))
	// One content has one size: two sizes for one SHA-256 would have a
	// site fetch, refuse and fetch the object again without end.
	sizeOf := make(map[string]int, len(m.Files))
	for i, f := range m.Files {
		field := fmt.Sprintf("files[%d]", i)
		if err := checkPath(f.Path); err != nil {
			bad(field+".path", "%v", err)
			continue
		}
		if listed[f.Path] {
			bad(field+".path", "%q is listed twice", f.Path)
		}
		listed[f.Path] = true
		size[f.Path] = max(size[f.Path], f.Size)
		if !hexPattern.MatchString(f.SHA256) {
			bad(field+".sha256", "%q: want 64 lower-case hex digits", f.SHA256)
		}
		if f.Size < 0 {
			bad(field+".size", "is %d; want 0 or more", f.Size)
		}
		if j, ok := sizeOf[f.SHA256]; ok && m.Files[j].Size != f.Size {
			bad(field+".size", "is %d, but files[%d] has the same SHA-256 with size %d", f.Size, j, m.Files[j].Size)
		} else if !ok {
			sizeOf[f.SHA256] = i
		}
	}
	m.checkCollisions(bad)
	// needFile checks that a field's path is well formed, listed, and
	// listed with at most lim.max bytes (a file is read whole where its
	// size is bounded, and only as many bytes as listed).
	needFile := func(field, p string, lim sizeLimit) {
		if err := checkPath(p); err != nil {
			bad(field, "%v", err)
			return
		}
		if !listed[p] {
			errs = append(errs, &FieldError{File: ManifestName, Field: field, Err: fmt.Errorf("%q: %w", p, ErrNotListed)})
			return
		}
		if lim.max > 0 && size[p] > lim.max {
			errs = append(errs, &FieldError{File: ManifestName, Field: field,
				Err: fmt.Errorf("%q is listed with %d bytes; %s has at most %d (%d MiB): %w", p, size[p], lim.what, lim.max, lim.max>>20, ErrTooLarge)})
		}
	}

	for i, f := range m.Fonts {
		field := fmt.Sprintf("fonts[%d].file", i)
		switch strings.ToLower(path.Ext(f.File)) {
		case ".ttf", ".otf", ".ttc":
		default:
			bad(field, "%q: want a .ttf, .otf or .ttc file", f.File)
		}
		needFile(field, f.File, noLimit)
	}

	if len(m.Items) == 0 {
		bad("items", "empty; a bundle needs at least one item")
	}
	m.validateLoop(bad)
	ids := map[string]bool{}
	for i, it := range m.Items {
		field := fmt.Sprintf("items[%d]", i)
		if !idPattern.MatchString(it.ID) {
			bad(field+".id", "%q: want 1-64 of a-z, 0-9, '.', '_', '-'", it.ID)
		} else if ids[it.ID] {
			bad(field+".id", "%q is used by an earlier item", it.ID)
		}
		ids[it.ID] = true
		if it.Duration == invalidDuration {
			bad(field+".duration", "want a duration string such as \"8s\" or \"1m30s\"")
		} else if d := time.Duration(it.Duration); d != 0 && (d < MinDuration || d > MaxDuration) {
			bad(field+".duration", "%v: want between %v and %v", d, MinDuration, MaxDuration)
		}
		validateSchedule(it.Schedule, field+".schedule", bad)
		validateTargets(it.Targets, field+".targets", bad)
		switch it.Layout {
		case LayoutSingle, LayoutSideBySide:
		default:
			bad(field+".layout", "%q: want %q or %q", it.Layout, LayoutSingle, LayoutSideBySide)
		}
		validateTexts(it.Text, field+".text", bad)
		if it.Guide != nil && it.Kind != KindGuide {
			bad(field+".guide", "only a %q item has a guide", KindGuide)
		}
		if it.Video != nil && it.Kind != KindVideo {
			bad(field+".video", "only a %q item has a video", KindVideo)
		}
		switch it.Kind {
		case KindText:
			if len(it.Text) == 0 {
				bad(field+".text", "a text item needs text in at least one language")
			}
			if len(it.Images) > 0 {
				bad(field+".images", "a text item has no images")
			}
		case KindImage:
			if len(it.Images) == 0 {
				bad(field+".images", "an image item needs at least one image")
			}
			validateImages(it.Images, field+".images", bad, needFile)
			switch it.Fit {
			case FitContain, FitFill:
			default:
				bad(field+".fit", "%q: want %q or %q", it.Fit, FitContain, FitFill)
			}
		case KindGuide:
			validateGuideItem(&it, field, bad, needFile)
		case KindVideo:
			validateVideoItem(&it, field, bad, needFile)
		case "":
			bad(field+".kind", "missing; want %q, %q, %q or %q", KindImage, KindText, KindGuide, KindVideo)
		default:
			bad(field+".kind", "%q: want %q, %q, %q or %q", it.Kind, KindImage, KindText, KindGuide, KindVideo)
		}
	}

	if len(m.Ticker) > MaxTickerMessages {
		bad("ticker", "%d messages, more than the %d a site crawls through", len(m.Ticker), MaxTickerMessages)
	}
	m.checkLanguageCount(bad)
	for i, msg := range m.Ticker {
		field := fmt.Sprintf("ticker[%d]", i)
		if len(msg) == 0 {
			bad(field, "empty message")
		}
		for _, lang := range slices.Sorted(maps.Keys(msg)) {
			if err := checkLanguage(lang); err != nil {
				bad(field+"."+lang, "%v", err)
			}
			if strings.TrimSpace(msg[lang]) == "" {
				bad(field+"."+lang, "empty text")
			}
			checkLength(field+"."+lang, msg[lang], MaxTickerRunes, bad)
			checkControls(field+"."+lang, msg[lang], bad)
		}
	}
	return errors.Join(errs...)
}

// Bounds on text, in characters: far more than a screen can show legibly,
// and few enough that setting it costs the player little (a title or body
// is broken into lines again at every size tried).
const (
	MaxTitleRunes  = 400
	MaxBodyRunes   = 4000
	MaxTickerRunes = 2000
)

// MaxTickerMessages bounds the ticker's messages: each is laid out and
// drawn in every site language it has, and more than this would crawl
// past for hours before the first came back.
const MaxTickerMessages = 200

// MaxLanguages bounds the languages a manifest's items (their guides'
// steps too) and ticker use in all: a border site shows a handful, and each one is shaped, set and
// checked again by every site and preview.
const MaxLanguages = 64

// checkLanguageCount refuses a manifest using more than MaxLanguages
// languages, at the field that brings in the first language too many.
func (m *Manifest) checkLanguageCount(bad func(field, format string, args ...any)) {
	seen := map[string]bool{}
	use := func(field string, langs []string) bool {
		for _, l := range langs {
			if l == AnyLanguage || seen[l] {
				continue
			}
			seen[l] = true
			if len(seen) > MaxLanguages {
				bad(field+"."+l, "a language more than the %d a bundle may use", MaxLanguages)
				return false
			}
		}
		return true
	}
	for i, it := range m.Items {
		field := fmt.Sprintf("items[%d]", i)
		if !use(field+".text", slices.Sorted(maps.Keys(it.Text))) || !use(field+".images", slices.Sorted(maps.Keys(it.Images))) {
			return
		}
		if it.Guide == nil {
			continue
		}
		for j, st := range it.Guide.Steps {
			f := fmt.Sprintf("%s.guide.steps[%d]", field, j)
			if !use(f+".text", slices.Sorted(maps.Keys(st.Text))) || !use(f+".narration", slices.Sorted(maps.Keys(st.Narration))) {
				return
			}
		}
	}
	for i, msg := range m.Ticker {
		if !use(fmt.Sprintf("ticker[%d]", i), slices.Sorted(maps.Keys(msg))) {
			return
		}
	}
}

// MaxMarksPerCharacter bounds the combining marks set on one character.
// Written languages use a few (Vietnamese two, Khmer and Lao some more);
// thousands stack into a glyph run tens of thousands of pixels tall that
// a screen or preview would have to draw.
const MaxMarksPerCharacter = 16

// checkLength refuses text longer than max characters.
func checkLength(field, s string, max int, bad func(field, format string, args ...any)) {
	if n := utf8.RuneCountInString(s); n > max {
		bad(field, "%d characters, more than the %d a screen can show", n, max)
	}
}

// checkControls refuses control characters (C0 but the line break "\n",
// DEL, C1) in text a screen shows or a speech engine reads: espeak-ng
// obeys U+0001 sequences as commands (speed, volume), and a font draws
// them as boxes. Tabs and carriage returns are refused too: lines are
// broken with "\n" alone. It also refuses more than MaxMarksPerCharacter
// combining marks on one character (format characters such as U+200D
// between them do not start a new one).
func checkControls(field, s string, bad func(field, format string, args ...any)) {
	marks, stacked := 0, false
	for i, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			bad(field, "control character %U at byte %d: text may hold printable characters and line breaks (\\n) only; a speech engine obeys some control characters as commands, and a screen draws them as boxes", r, i)
			return
		}
		switch {
		case unicode.Is(unicode.M, r):
			marks++
			if marks > MaxMarksPerCharacter && !stacked {
				bad(field, "more than %d combining marks on one character at byte %d: a stack of marks is drawn far above and below its line", MaxMarksPerCharacter, i)
				stacked = true
			}
		case unicode.Is(unicode.Cf, r):
		default:
			marks = 0
		}
	}
}

func checkLanguage(tag string) error {
	t, err := language.Parse(tag)
	if err != nil {
		return fmt.Errorf("%q is not a BCP 47 language tag: %w", tag, err)
	}
	if t.String() != tag {
		return fmt.Errorf("%q: write the language tag as %q", tag, t.String())
	}
	return nil
}

// File returns the manifest entry of the bundle path p.
func (b *Bundle) File(p string) (File, bool) {
	f, ok := b.files[p]
	return f, ok
}

// ReadFile returns the bytes of the bundle file p after checking them against
// the manifest's size and SHA-256. An altered or truncated file is an error
// wrapping ErrSizeMismatch or ErrHashMismatch.
func (b *Bundle) ReadFile(p string) ([]byte, error) {
	f, ok := b.files[p]
	if !ok {
		return nil, &FieldError{File: p, Err: ErrNotListed}
	}
	r, size, err := openRegular(b.fsys, p)
	if err != nil {
		return nil, &FieldError{File: p, Err: err}
	}
	defer r.Close()
	if size != f.Size {
		return nil, &FieldError{File: p, Err: sizeMismatch(f)}
	}
	// Read one byte more than listed, to see a file that grew.
	data, err := io.ReadAll(io.LimitReader(r, f.Size+1))
	if err != nil {
		return nil, &FieldError{File: p, Err: err}
	}
	if int64(len(data)) != f.Size {
		return nil, &FieldError{File: p, Err: sizeMismatch(f)}
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil, &FieldError{File: p, Err: ErrHashMismatch}
	}
	return data, nil
}

// Verify hashes every listed file and returns every mismatch or missing file,
// joined. It streams files, so it suits large media.
func (b *Bundle) Verify() error {
	var errs []error
	for _, f := range b.Manifest.Files {
		if err := b.verifyFile(f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (b *Bundle) verifyFile(f File) error {
	r, size, err := openRegular(b.fsys, f.Path)
	if err != nil {
		return &FieldError{File: f.Path, Err: err}
	}
	defer r.Close()
	if size != f.Size {
		return &FieldError{File: f.Path, Err: sizeMismatch(f)}
	}
	return checkBytes(f, r)
}

// sizeMismatch says a file's size is not the listed one. The size found
// is left out: a message may travel where the file's own may not.
func sizeMismatch(f File) error {
	return fmt.Errorf("%w: listed %d bytes, the file has another size", ErrSizeMismatch, f.Size)
}

// checkBytes reads r to its end, at most one byte past f's size, and
// checks the bytes against f's size and SHA-256.
func checkBytes(f File, r io.Reader) error {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, f.Size+1))
	if err != nil {
		return &FieldError{File: f.Path, Err: err}
	}
	if n != f.Size {
		return &FieldError{File: f.Path, Err: sizeMismatch(f)}
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return &FieldError{File: f.Path, Err: ErrHashMismatch}
	}
	return nil
}

// Describe returns the SHA-256 and size of data as a File entry for p.
func Describe(p string, data []byte) File {
	sum := sha256.Sum256(data)
	return File{Path: p, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
}
