// Package cache is a site's local store of verified content: media kept by
// their SHA-256, and activated bundles that the player reads.
//
// Layout under the cache root:
//
//	objects/<sha256>            verified media, named by content
//	partial/<sha256>.partial    downloads in progress (resumed after a restart)
//	releases/<name>/            an activated bundle: manifest.json and the
//	                            bundle's paths, hard-linked to objects/
//	staging/                    releases being assembled
//	current, previous           the names of the playing and the last release
//
// Activation is atomic: a release is assembled in staging/, every file is
// checked against the manifest, everything is fsync'd, the folder is renamed
// into releases/ and only then is the current pointer replaced (written to a
// temporary file, fsync'd, renamed over, and the folder fsync'd). A power cut
// at any point leaves the old or the new bundle current, never a mix. The
// previous release and its media are kept for instant fallback; everything
// else is collected after each activation.
//
// Cache implements the player's Source: Current is the bundle of the current
// release and Changed signals each activation.
package cache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
)

// Cache is a site's content cache. It is safe for concurrent use.
type Cache struct {
	root string
	log  *slog.Logger

	mu      sync.Mutex
	current *content.Bundle
	name    string
	changed chan struct{}
}

var (
	// ErrMissing means a file a manifest lists is not in the cache.
	ErrMissing = errors.New("not in the cache")
	// ErrCorrupt means a cached file does not match its SHA-256 or size.
	ErrCorrupt = errors.New("does not match its SHA-256 or size")
)

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)
var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Open opens (creating if needed) the cache at root. It removes releases
// left half-assembled by a power cut and loads the current release, if any.
func Open(root string, log *slog.Logger) (*Cache, error) {
	c := &Cache{root: root, log: log, changed: make(chan struct{}, 1)}
	for _, d := range []string{"objects", "partial", "releases", "staging"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("open cache %s: %w", root, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "staging")); err != nil {
		return nil, fmt.Errorf("open cache %s: clear staging: %w", root, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "staging"), 0o755); err != nil {
		return nil, fmt.Errorf("open cache %s: %w", root, err)
	}
	name, err := c.readPointer("current")
	if err != nil {
		return nil, err
	}
	if name != "" {
		b, err := content.LoadDir(c.releaseDir(name))
		if err != nil {
			// The pointer is only written after the release is complete,
			// so this is damage from outside; fall back if possible.
			log.Error("current release unreadable", "release", name, "err", err)
			prev, _ := c.readPointer("previous")
			if prev != "" {
				if b, err = content.LoadDir(c.releaseDir(prev)); err == nil {
					name = prev
				}
			}
		}
		if err == nil {
			c.current, c.name = b, name
		}
	}
	return c, nil
}

// Root is the cache's folder.
func (c *Cache) Root() string { return c.root }

// Current returns the bundle of the current release, or nil.
func (c *Cache) Current() *content.Bundle {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

// CurrentName returns the name of the current release, or "".
func (c *Cache) CurrentName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// Changed receives a value after each activation.
func (c *Cache) Changed() <-chan struct{} { return c.changed }

// ObjectPath is where the verified object with the given SHA-256 lives.
func (c *Cache) ObjectPath(sha string) string { return filepath.Join(c.root, "objects", sha) }

// PartialPath is where a download of the object with the given SHA-256 is
// kept while it is incomplete.
func (c *Cache) PartialPath(sha string) string {
	return filepath.Join(c.root, "partial", sha+".partial")
}

// Has reports whether the object is in the cache with the given size.
func (c *Cache) Has(f content.File) bool {
	if !shaPattern.MatchString(f.SHA256) {
		return false
	}
	st, err := os.Stat(c.ObjectPath(f.SHA256))
	return err == nil && st.Mode().IsRegular() && st.Size() == f.Size
}

// Missing returns the files of m not in the cache, once each by content.
func (c *Cache) Missing(m *content.Manifest) []content.File {
	var out []content.File
	seen := map[string]bool{}
	for _, f := range m.Files {
		if seen[f.SHA256] || c.Has(f) {
			continue
		}
		seen[f.SHA256] = true
		out = append(out, f)
	}
	return out
}

func (c *Cache) releaseDir(name string) string { return filepath.Join(c.root, "releases", name) }

// Activate makes the bundle described by manifest current, under name. Every
// file the manifest lists must already be in the cache; each is checked
// against its SHA-256 as the release is assembled.
func (c *Cache) Activate(name string, manifest []byte) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("activate %q: release names are 1-128 of a-z, 0-9, '.', '_', '-'", name)
	}
	m, err := content.ParseManifest(manifest)
	if err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	final := c.releaseDir(name)
	if _, err := os.Stat(final); err != nil {
		c.log.Debug("assembling release", "release", name, "files", len(m.Files))
		if err := c.assemble(name, m, manifest); err != nil {
			return err
		}
	}
	b, err := content.LoadDir(final)
	if err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}

	c.mu.Lock()
	prev := c.name
	c.mu.Unlock()
	if prev == name {
		return nil
	}
	if prev != "" {
		if err := c.writePointer("previous", prev); err != nil {
			return fmt.Errorf("activate %s: %w", name, err)
		}
	}
	if err := c.writePointer("current", name); err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	c.mu.Lock()
	c.current, c.name = b, name
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	c.log.Info("release activated", "release", name, "bundle", m.ID, "version", m.Version, "previous", prev)
	if err := c.Collect(); err != nil {
		c.log.Warn("cache collection failed", "err", err)
	}
	return nil
}

// assemble builds the release in staging and renames it into releases/.
func (c *Cache) assemble(name string, m *content.Manifest, manifest []byte) error {
	stage, err := os.MkdirTemp(filepath.Join(c.root, "staging"), name+".")
	if err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	defer os.RemoveAll(stage)
	// Objects adopted since the last activation become durable here, with
	// one sync of their folder rather than one per file.
	if err := atomicfile.SyncDir(filepath.Join(c.root, "objects")); err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	dirs := map[string]bool{stage: true}
	for _, f := range m.Files {
		if err := c.checkObject(f); err != nil {
			return fmt.Errorf("activate %s: %s: %w", name, f.Path, err)
		}
		dst := filepath.Join(stage, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("activate %s: %w", name, err)
		}
		for d := filepath.Dir(dst); d != stage && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
		if err := linkOrCopy(c.ObjectPath(f.SHA256), dst); err != nil {
			return fmt.Errorf("activate %s: %s: %w", name, f.Path, err)
		}
	}
	if err := writeSynced(filepath.Join(stage, content.ManifestName), manifest); err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return fmt.Errorf("activate %s: %w", name, err)
		}
	}
	if err := os.Rename(stage, c.releaseDir(name)); err != nil {
		return fmt.Errorf("activate %s: %w", name, err)
	}
	return atomicfile.SyncDir(filepath.Join(c.root, "releases"))
}

// checkObject checks a cached object is there with its size. Its SHA-256
// was checked when it entered the cache (Adopt's callers stream-hash every
// byte), and the player checks it again on every read, so activation does
// not hash a gigabyte twice.
func (c *Cache) checkObject(f content.File) error {
	st, err := os.Stat(c.ObjectPath(f.SHA256))
	if errors.Is(err, os.ErrNotExist) {
		return ErrMissing
	}
	if err != nil {
		return err
	}
	if st.Size() != f.Size {
		// Never serve it again.
		os.Remove(c.ObjectPath(f.SHA256))
		return ErrCorrupt
	}
	return nil
}

// Collect removes releases other than the current and previous ones, the
// objects no kept release uses, and leftover partial downloads of objects
// the kept releases already have.
func (c *Cache) Collect() error {
	keep := map[string]bool{}
	for _, p := range []string{"current", "previous"} {
		name, err := c.readPointer(p)
		if err != nil {
			return err
		}
		if name != "" {
			keep[name] = true
		}
	}
	used := map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(c.root, "releases"))
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !keep[e.Name()] {
			if err := os.RemoveAll(c.releaseDir(e.Name())); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		raw, err := os.ReadFile(filepath.Join(c.releaseDir(e.Name()), content.ManifestName))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m, err := content.ParseManifest(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range m.Files {
			used[f.SHA256] = true
		}
	}
	if len(errs) > 0 {
		// Without the full picture of what is used, delete nothing more.
		return errors.Join(errs...)
	}
	objects, err := os.ReadDir(filepath.Join(c.root, "objects"))
	if err != nil {
		return err
	}
	for _, o := range objects {
		if !used[o.Name()] {
			if err := os.Remove(c.ObjectPath(o.Name())); err != nil {
				errs = append(errs, err)
			}
		}
	}
	partials, err := os.ReadDir(filepath.Join(c.root, "partial"))
	if err != nil {
		return err
	}
	for _, p := range partials {
		if used[strings.TrimSuffix(p.Name(), ".partial")] {
			errs = append(errs, os.Remove(filepath.Join(c.root, "partial", p.Name())))
		}
	}
	return errors.Join(errs...)
}

func (c *Cache) readPointer(name string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(c.root, name))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cache pointer %s: %w", name, err)
	}
	s := string(bytes.TrimSpace(raw))
	if !namePattern.MatchString(s) {
		return "", fmt.Errorf("cache pointer %s: %q is not a release name", name, s)
	}
	return s, nil
}

func (c *Cache) writePointer(name, value string) error {
	return atomicfile.Write(filepath.Join(c.root, name), []byte(value+"\n"))
}

func writeSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// linkOrCopy hard-links src at dst, or copies it where links are not
// possible (a file system without them).
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Adopt moves a complete, verified file at path (a finished download, or a
// copy from a USB stick) into the cache as the object f. The caller has
// checked its SHA-256 and size and fsync'd it. The object is durable once a
// release using it is activated.
func (c *Cache) Adopt(f content.File, path string) error {
	if !shaPattern.MatchString(f.SHA256) {
		return fmt.Errorf("adopt %s: %q is not a SHA-256", f.Path, f.SHA256)
	}
	if err := os.Rename(path, c.ObjectPath(f.SHA256)); err != nil {
		return fmt.Errorf("adopt %s: %w", f.Path, err)
	}
	// The folder is synced once for all adopted objects, by Activate.
	return nil
}
