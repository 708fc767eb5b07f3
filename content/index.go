package content

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/vnict/kiosk/internal/atomicfile"
)

// IndexDir records the size and SHA-256 of every file under dir (but the
// manifest) in dir's manifest.json, replacing its files list, and returns the
// new manifest. The department tool runs it after editing a bundle. The
// manifest is validated before it is written, and written atomically.
func IndexDir(dir string) (*Manifest, error) { return IndexDirWith(dir, IndexOptions{}) }

// IndexOptions change what IndexDirWith writes besides the files list.
type IndexOptions struct {
	// Text, when set, rewrites each text of the manifest (item titles and
	// bodies, ticker messages), given its language tag, after the text is
	// normalised to NFC.
	Text func(lang, s string) string
	// Edit, when set, changes the manifest after its files are listed
	// (and its text rewritten), before it is validated and written. An
	// error from Edit, or a manifest that no longer validates, leaves the
	// manifest file as it was.
	Edit func(m *Manifest) error
}

// IndexDirWith is IndexDir with options.
func IndexDirWith(dir string, opts IndexOptions) (*Manifest, error) {
	manifestPath := filepath.Join(dir, ManifestName)
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, &FieldError{File: ManifestName, Err: jsonError(raw, err)})
	}
	if err := checkKeys(raw); err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	files, err := indexFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	m.Files = files
	m.normalize()
	if opts.Text != nil {
		m.rewriteText(opts.Text)
	}
	if opts.Edit != nil {
		if err := opts.Edit(&m); err != nil {
			return nil, fmt.Errorf("index %s: %w", dir, err)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	out, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	if err := atomicfile.Write(manifestPath, append(out, '\n')); err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	return &m, nil
}

// indexFiles lists every regular file under dir but the manifest, with
// its size and SHA-256. It reads through an os.Root of dir, so no path,
// whatever links it holds or gains while it is read, leads out of the
// bundle; and it describes what it opened, once, as the file opened says
// it is: a link swapped in after the listing is not followed out, and
// anything but a regular file is left out.
func indexFiles(dir string) ([]File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var files []File
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || p == ManifestName {
			return nil
		}
		f, ok, err := describeFile(root, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if ok {
			files = append(files, f)
		}
		return nil
	})
	return files, err
}

// describeFile returns the File entry of the bundle path rel, read from
// root as a stream (a video rendition may be hundreds of megabytes), and
// false for what is, once opened, not a regular file.
func describeFile(root *os.Root, rel string) (File, bool, error) {
	r, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return File{}, false, err
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return File{}, false, err
	}
	if !st.Mode().IsRegular() {
		return File{}, false, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return File{}, false, err
	}
	return File{Path: rel, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, true, nil
}

// rewriteText passes every text of the manifest through f.
func (m *Manifest) rewriteText(f func(lang, s string) string) {
	for i := range m.Items {
		it := &m.Items[i]
		for lang, t := range it.Text {
			it.Text[lang] = Text{Title: f(lang, t.Title), Body: f(lang, t.Body)}
		}
		it.Guide.rewriteText(f)
	}
	for _, msg := range m.Ticker {
		for lang, s := range msg {
			msg[lang] = f(lang, s)
		}
	}
}
