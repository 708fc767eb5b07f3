package studio

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
)

// idPattern is a bundle's or an item's ID as content validates it, less
// the names "." and "..": it must start with a letter or a digit.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// errBundleChanged is an edit of a manifest changed since the page showed it.
var errBundleChanged = errors.New("bản tin đã được sửa ở nơi khác từ khi trang này mở: tải lại trang rồi sửa lại (the bundle changed since this page was loaded)")

// bundleDir is the folder of bundle id, checked: a valid ID, a real
// folder (not a link) in the workspace, with a manifest.
func (s *Server) bundleDir(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("mã bản tin %q không hợp lệ (bundle ID)", clipLog(id))
	}
	dir := filepath.Join(s.opt.Workspace, id)
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("không có bản tin %s (no such bundle)", id)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("bản tin %s không phải thư mục thật (not a folder; links are refused)", id)
	}
	return dir, nil
}

// draft is a bundle's manifest as the studio reads it: it may be a new
// bundle's, without items yet, which does not validate.
type draft struct {
	dir string
	m   content.Manifest
	rev string // SHA-256 of manifest.json, for edits made from a page
	mod time.Time
}

// readDraft reads a bundle's manifest, bounded as content reads one and
// within the studio's bounds (checkDraft).
func readDraft(dir string) (*draft, error) {
	p := filepath.Join(dir, content.ManifestName)
	raw, err := readBounded(p, content.MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return parseDraft(dir, raw)
}

// parseDraft parses raw, the manifest of the bundle in dir.
func parseDraft(dir string, raw []byte) (*draft, error) {
	p := filepath.Join(dir, content.ManifestName)
	d := &draft{dir: dir}
	if err := json.Unmarshal(raw, &d.m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if err := checkDraft(p, &d.m); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	d.rev = hex.EncodeToString(sum[:])
	if st, err := os.Stat(p); err == nil {
		d.mod = st.ModTime()
	}
	return d, nil
}

// draftCache keeps the drafts the pages read, parsed, by manifest path:
// a page shown again over an unchanged manifest (same size, time and
// SHA-256) parses nothing, and the bundles list, over one of the same
// size and time, reads nothing.
type draftCache struct {
	mu sync.Mutex
	by map[string]*draftEntry
}

type draftEntry struct {
	size int64
	mod  time.Time
	rev  string
	d    *draft // nil with err
	err  error
}

// maxCachedDrafts bounds the drafts kept; beyond, the cache starts over.
const maxCachedDrafts = 512

func newDraftCache() *draftCache { return &draftCache{by: map[string]*draftEntry{}} }

// pageDraft reads the draft of the bundle a page's path names ({id}),
// answering the request itself when it cannot: 404 for an unknown bundle,
// 500 for an unreadable one.
func (s *Server) pageDraft(w http.ResponseWriter, r *http.Request) (id, dir string, d *draft, ok bool) {
	id = r.PathValue("id")
	dir, err := s.bundleDir(id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return id, "", nil, false
	}
	if d, err = s.draft(dir); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return id, dir, nil, false
	}
	return id, dir, d, true
}

// draft is readDraft of dir through the cache. The draft returned is the
// cache's: callers read it and do not change it.
func (s *Server) draft(dir string) (*draft, error) {
	p := filepath.Join(dir, content.ManifestName)
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	raw, err := readBounded(p, content.MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	sum := sha256.Sum256(raw)
	rev := hex.EncodeToString(sum[:])
	c := s.drafts
	c.mu.Lock()
	e := c.by[p]
	c.mu.Unlock()
	if e != nil && e.rev == rev && e.size == st.Size() && e.mod.Equal(st.ModTime()) {
		return e.d, e.err
	}
	d, err := parseDraft(dir, raw)
	c.put(p, &draftEntry{size: st.Size(), mod: st.ModTime(), rev: rev, d: d, err: err})
	return d, err
}

// known returns the entry of the manifest p when its size and time are
// those cached, or nil.
func (c *draftCache) known(p string) *draftEntry {
	st, err := os.Stat(p)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.by[p]; e != nil && e.size == st.Size() && e.mod.Equal(st.ModTime()) {
		return e
	}
	return nil
}

func (c *draftCache) put(p string, e *draftEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.by[p]; !ok && len(c.by) >= maxCachedDrafts {
		clear(c.by)
	}
	c.by[p] = e
}

// newBundle makes the folder and manifest of a new bundle.
func newBundle(workspace, id string, now time.Time) error {
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Mkdir(id, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("bản tin %s đã có (a bundle of this ID exists)", id)
		}
		return err
	}
	m := content.Manifest{Format: content.FormatVersion, ID: id, Version: 1, Created: now.UTC().Truncate(time.Second),
		Items: []content.Item{}, Files: []content.File{}}
	raw, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(workspace, id, content.ManifestName), append(raw, '\n'))
}

// edit changes bundle id's manifest with change and writes it through
// content.IndexDirWith: every file listed with its size and SHA-256, the
// whole manifest validated, written atomically, or left as it was. rev,
// when given, is the manifest the page showed: an edit of a manifest
// changed since (by another studio on the shared folder) is refused.
func (s *Server) edit(id, rev string, change func(m *content.Manifest) error) (*content.Manifest, error) {
	dir, err := s.bundleDir(id)
	if err != nil {
		return nil, err
	}
	lock := s.bundleLock(id)
	lock.Lock()
	defer lock.Unlock()
	d, err := readDraft(dir)
	if err != nil {
		return nil, err
	}
	if rev != "" && rev != d.rev {
		return nil, errBundleChanged
	}
	return content.IndexDirWith(dir, content.IndexOptions{Edit: func(m *content.Manifest) error {
		if err := change(m); err != nil {
			return err
		}
		m.Requires = neededFeatures(m)
		return nil
	}})
}

// neededFeatures keeps m's requires in step with what it holds: the
// studio adds or removes guides, videos, schedules and targets, and a
// bundle must require them, and only them, to validate and to be refused
// by a player without them.
func neededFeatures(m *content.Manifest) []string {
	var keep []string
	for _, f := range m.Requires {
		switch f {
		case content.FeatureGuides, content.FeatureVideo, content.FeatureSchedule:
		default:
			keep = append(keep, f)
		}
	}
	if targeted(m) {
		keep = append(keep, content.FeatureSchedule)
	}
	if m.UsesGuides() {
		keep = append(keep, content.FeatureGuides)
	}
	if slices.ContainsFunc(m.Items, func(it content.Item) bool { return it.Kind == content.KindVideo }) {
		keep = append(keep, content.FeatureVideo)
	}
	return keep
}

// itemIndex is the index of item id in m, or -1.
func itemIndex(m *content.Manifest, id string) int {
	return slices.IndexFunc(m.Items, func(it content.Item) bool { return it.ID == id })
}

// referenced lists every file path m names (images, fonts, guides'
// pictures and narration, renditions).
func referenced(m *content.Manifest) map[string]bool {
	ref := map[string]bool{}
	for _, f := range m.Fonts {
		ref[f.File] = true
	}
	for _, it := range m.Items {
		for _, p := range it.Images {
			ref[p] = true
		}
		if it.Guide != nil {
			for _, st := range it.Guide.Steps {
				ref[st.Picture] = true
				for _, p := range st.Narration {
					ref[p] = true
				}
			}
		}
		if it.Video != nil {
			for _, r := range it.Video.Renditions {
				ref[r.File] = true
			}
		}
	}
	return ref
}

// removeUnused deletes the files the studio uploads (images/, video/)
// that the manifest no longer names, and indexes the bundle again.
func (s *Server) removeUnused(id string) error {
	dir, err := s.bundleDir(id)
	if err != nil {
		return err
	}
	lock := s.bundleLock(id)
	lock.Lock()
	defer lock.Unlock()
	d, err := readDraft(dir)
	if err != nil {
		return err
	}
	ref := referenced(&d.m)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	removed := 0
	for _, f := range d.m.Files {
		top, _, _ := strings.Cut(f.Path, "/")
		if ref[f.Path] || (top != "images" && top != "video") {
			continue
		}
		if err := checkNoLinks(root, f.Path); err != nil {
			return err
		}
		if err := root.Remove(filepath.FromSlash(f.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed++
	}
	if removed == 0 {
		return nil
	}
	_, err = content.IndexDir(dir)
	return err
}

// checkNoLinks refuses a bundle path with a symbolic link on its way.
func checkNoLinks(root *os.Root, rel string) error {
	parts := strings.Split(path.Clean(rel), "/")
	for i := range parts {
		p := filepath.FromSlash(strings.Join(parts[:i+1], "/"))
		st, err := root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s là liên kết (a symbolic link): từ chối ghi (refused)", strings.Join(parts[:i+1], "/"))
		}
	}
	return nil
}

// bundleSummary is one bundle of the list.
type bundleSummary struct {
	ID, Title string
	Version   int64
	Items     int
	Modified  string
	Problem   string
}

// listBundles lists the workspace's bundles, by ID.
func (s *Server) listBundles() ([]bundleSummary, error) {
	entries, err := os.ReadDir(s.opt.Workspace)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", s.opt.Workspace, err)
	}
	var out []bundleSummary
	for _, e := range entries {
		if !e.IsDir() || !idPattern.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(s.opt.Workspace, e.Name())
		if _, err := os.Stat(filepath.Join(dir, content.ManifestName)); err != nil {
			continue
		}
		b := bundleSummary{ID: e.Name()}
		var d *draft
		if k := s.drafts.known(filepath.Join(dir, content.ManifestName)); k != nil {
			d, err = k.d, k.err
		} else {
			d, err = s.draft(dir)
		}
		if err != nil {
			b.Problem = err.Error()
		} else {
			b.Title, b.Version, b.Items = d.m.Title, d.m.Version, len(d.m.Items)
			b.Modified = d.mod.In(s.loc()).Format("2006-01-02 15:04")
		}
		out = append(out, b)
	}
	return out, nil
}

// loc is the department's time zone.
func (s *Server) loc() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.UTC
	}
	return loc
}

// What the studio reads of a draft, at most: a hostile manifest.json of
// 16 MB with a hundred thousand items would otherwise cost every page
// that shows it seconds and gigabytes. A real bundle is far below.
const (
	maxDraftItems     = 1000
	maxDraftLanguages = 32
	maxDraftFiles     = 5000
	maxDraftTicker    = 200
)

// checkDraft refuses a draft m (read from the file p, a bundle folder's
// manifest.json) whose id is not its folder's name, or beyond the
// studio's bounds, naming the file and the field.
func checkDraft(p string, m *content.Manifest) error {
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", p, field, fmt.Sprintf(format, args...))
	}
	// The folder's name is the bundle the studio shows, diffs against the
	// published one and raises; the manifest's id is the bundle a
	// signature stages. They must be one, or a folder could replace
	// another bundle unseen.
	if folder := filepath.Base(filepath.Dir(p)); m.ID != folder {
		return fail("id", "%q nhưng thư mục là %q: mã bản tin phải trùng tên thư mục (the manifest's id is not its folder's name)", clipLog(m.ID), clipLog(folder))
	}
	if n := len(m.Items); n > maxDraftItems {
		return fail("items", "%d mục, tối đa %d (too many items)", n, maxDraftItems)
	}
	if n := len(m.Files); n > maxDraftFiles {
		return fail("files", "%d tệp, tối đa %d (too many files)", n, maxDraftFiles)
	}
	if n := len(m.Ticker); n > maxDraftTicker {
		return fail("ticker", "%d dòng, tối đa %d (too many ticker messages)", n, maxDraftTicker)
	}
	if n := utf8.RuneCountInString(m.Title); n > content.MaxTitleRunes {
		return fail("title", "%d ký tự, tối đa %d (too long)", n, content.MaxTitleRunes)
	}
	for i, it := range m.Items {
		if n := len(it.Text); n > maxDraftLanguages {
			return fail(fmt.Sprintf("items[%d].text", i), "%d ngôn ngữ, tối đa %d (too many languages)", n, maxDraftLanguages)
		}
		if it.Guide != nil && len(it.Guide.Steps) > content.MaxGuideSteps {
			return fail(fmt.Sprintf("items[%d].guide.steps", i), "%d bước, tối đa %d (too many steps)", len(it.Guide.Steps), content.MaxGuideSteps)
		}
		if n := len(it.Images); n > maxDraftLanguages+1 {
			return fail(fmt.Sprintf("items[%d].images", i), "%d ảnh, tối đa %d (too many images)", n, maxDraftLanguages+1)
		}
		for lang, t := range it.Text {
			if n := utf8.RuneCountInString(t.Title); n > content.MaxTitleRunes {
				return fail(fmt.Sprintf("items[%d].text.%s.title", i, clipLog(lang)), "%d ký tự, tối đa %d (too long)", n, content.MaxTitleRunes)
			}
			if n := utf8.RuneCountInString(t.Body); n > content.MaxBodyRunes {
				return fail(fmt.Sprintf("items[%d].text.%s.body", i, clipLog(lang)), "%d ký tự, tối đa %d (too long)", n, content.MaxBodyRunes)
			}
		}
	}
	for i, msg := range m.Ticker {
		if n := len(msg); n > maxDraftLanguages {
			return fail(fmt.Sprintf("ticker[%d]", i), "%d ngôn ngữ, tối đa %d (too many languages)", n, maxDraftLanguages)
		}
		for lang, s := range msg {
			if n := utf8.RuneCountInString(s); n > content.MaxTickerRunes {
				return fail(fmt.Sprintf("ticker[%d].%s", i, clipLog(lang)), "%d ký tự, tối đa %d (too long)", n, content.MaxTickerRunes)
			}
		}
	}
	return nil
}
