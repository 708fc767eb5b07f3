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
// checked against the manifest (see "Checking objects" below), everything
// is fsync'd, the folder is renamed into releases/ and only then is the
// current pointer replaced (written to a temporary file, fsync'd, renamed
// over, and the folder fsync'd). A power cut at any point leaves the old or
// the new bundle current, never a mix. The previous release and its media
// are kept for instant fallback; everything else is collected after each
// activation.
//
// # Checking objects
//
// Every object is a regular file of the listed size and SHA-256 when a
// release using it is activated, the last point before the player trusts
// it. An object that this Cache adopted from a download hashed while it
// was written (sync/fetch), and that is still the same file with the same
// size and modification time, is not read a second time: the proof is
// kept in memory for the activation it came for (see proofs). Objects from
// before this Cache was opened, objects a later release reuses, and any
// whose file changed are hashed in full, and one that does not match is
// removed and never activated.
//
// Cache implements the player's Source: Current is the bundle of the current
// release and Changed signals each activation.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
)

// Cache is a site's content cache. It is safe for concurrent use.
type Cache struct {
	root string
	log  *slog.Logger

	// proofs: objects verified by this Cache, not read again at the
	// activation they came for.
	proofs proofs
	// openObject opens an object to hash it (os.Open; tests count calls).
	openObject func(name string) (*os.File, error)

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

// CollectGrace is how long an object no release uses is kept after it
// arrived: long enough for the release it came for to be activated.
const CollectGrace = time.Hour

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)
var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Open opens (creating if needed) the cache at root. It removes releases
// left half-assembled by a power cut and loads the current release, if any.
func Open(root string, log *slog.Logger) (*Cache, error) {
	c := &Cache{root: root, log: log, changed: make(chan struct{}, 1), openObject: os.Open}
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
	st, err := os.Lstat(c.ObjectPath(f.SHA256))
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
// against its SHA-256 as the release is assembled (read in full unless this
// Cache adopted it verified and it has not changed since).
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
	// The manifest was validated, which refuses paths that fold alike;
	// checked again here because on a file system that ignores case two
	// such paths are one file, and the second would replace the first.
	folded := make(map[string]string, len(m.Files))
	for _, f := range m.Files {
		k := content.FoldPath(f.Path)
		if prev, ok := folded[k]; ok {
			return fmt.Errorf("activate %s: %s and %s are one file where case is ignored", name, prev, f.Path)
		}
		folded[k] = f.Path
	}
	dirs := map[string]bool{stage: true}
	// Each object is checked once, however many paths list it.
	checked := make(map[string]os.FileInfo, len(m.Files))
	for _, f := range m.Files {
		st, ok := checked[f.SHA256]
		if !ok || st.Size() != f.Size {
			if st, err = c.checkObject(f); err != nil {
				return fmt.Errorf("activate %s: %s: %w", name, f.Path, err)
			}
			checked[f.SHA256] = st
		}
		dst := filepath.Join(stage, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("activate %s: %w", name, err)
		}
		for d := filepath.Dir(dst); d != stage && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
		if err := placeChecked(c.ObjectPath(f.SHA256), dst, st); err != nil {
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

// checkObject checks that a cached object is a regular file with the
// listed size and SHA-256, and removes one that is not, so it is fetched
// again. It returns the file it checked. Its hash was checked when it
// entered the cache, but the cache is on a disk that power cuts and other
// programs reach, and activation is the last point before the player
// trusts a release; it runs once per release, not per play. The object is
// not read when this Cache holds a proof that the same, unchanged file was
// verified (see proofs); the proof is spent.
func (c *Cache) checkObject(f content.File) (os.FileInfo, error) {
	obj := c.ObjectPath(f.SHA256)
	st, err := lstat(obj)
	if errors.Is(err, os.ErrNotExist) {
		c.proofs.forget(obj)
		return nil, ErrMissing
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() != f.Size {
		c.removeObject(obj) // never serve it again; removes a link, not its target
		return nil, ErrCorrupt
	}
	if c.proofs.spend(obj, st) {
		return st, nil
	}
	in, err := c.openObject(obj)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if opened, err := in.Stat(); err != nil || !os.SameFile(st, opened) {
		return nil, fmt.Errorf("%s changed while checked: %w", obj, ErrCorrupt)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(in, f.Size+1))
	if err != nil {
		return nil, err
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		in.Close()
		c.removeObject(obj)
		return nil, ErrCorrupt
	}
	// Written to while it was read: what was hashed may not be what is
	// there now.
	if after, err := in.Stat(); err != nil || !sameFile(st, after) {
		return nil, fmt.Errorf("%s changed while checked: %w", obj, ErrCorrupt)
	}
	return st, nil
}

// removeObject removes the object file (or whatever is at its name) and
// its proof.
func (c *Cache) removeObject(obj string) error {
	c.proofs.forget(obj)
	return os.Remove(obj)
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
		if used[o.Name()] {
			continue
		}
		// A download for a release not activated yet (a USB import while
		// the network's release activates) may have just brought it.
		if info, err := o.Info(); err == nil && time.Since(info.ModTime()) < CollectGrace {
			continue
		}
		if err := c.removeObject(c.ObjectPath(o.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	partials, err := os.ReadDir(filepath.Join(c.root, "partial"))
	if err != nil {
		return err
	}
	for _, p := range partials {
		// "<sha>.partial", or "<sha>.<tag>.partial" for a second fetcher.
		sha, _, _ := strings.Cut(p.Name(), ".")
		if used[sha] {
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

// writeSynced creates path, which must not exist, with data, and syncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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

// placeFile makes the regular file src also appear at dst, which must not
// exist: a hard link, or, where the file system cannot link (another
// device, FAT, a file system that refuses), a copy. Either way dst is
// created exclusively: a file, link or FIFO already at dst is an error
// satisfying errors.Is(err, fs.ErrExist), never overwritten or followed.
func placeFile(src, dst string) error {
	err := os.Link(src, dst)
	if err == nil || !linkUnsupported(err) {
		return err
	}
	return copyExclusive(src, dst, nil)
}

// placeChecked is placeFile for an object checked as the file want: what
// appears at dst must be that same file, unchanged (another file could
// have been renamed to the object's name since, or the file written to).
func placeChecked(src, dst string, want os.FileInfo) error {
	err := os.Link(src, dst)
	if err != nil {
		if !linkUnsupported(err) {
			return err
		}
		return copyExclusive(src, dst, want)
	}
	if st, err := os.Lstat(dst); err != nil || !sameFile(want, st) {
		os.Remove(dst)
		return fmt.Errorf("%s changed after it was checked: %w", src, ErrCorrupt)
	}
	return nil
}

// linkUnsupported reports whether a failed link means "use a copy": the
// two names are on different devices, or the file system does not do
// links (Linux FAT says EPERM; some say unsupported).
func linkUnsupported(err error) bool {
	return isCrossDevice(err) || errors.Is(err, fs.ErrPermission) || errors.Is(err, errors.ErrUnsupported)
}

// copyExclusive copies the regular file src to a new file dst. If want is
// not nil, src must be that file, unchanged, before and after the copy.
func copyExclusive(src, dst string, want os.FileInfo) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("copy %s: not a regular file", src)
	} else if want != nil && !sameFile(want, st) {
		return fmt.Errorf("copy %s: changed after it was checked: %w", src, ErrCorrupt)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(dst)
		}
	}()
	if _, err = io.Copy(out, in); err != nil {
		return err
	}
	if want != nil {
		if st, serr := in.Stat(); serr != nil || !sameFile(want, st) {
			return fmt.Errorf("copy %s: changed while copied: %w", src, ErrCorrupt)
		}
	}
	if err = out.Sync(); err != nil {
		return err
	}
	return out.Close()
}

// Adopt moves a complete, verified file at path (a finished download, or a
// copy from a USB stick) into the cache as the object f. The caller has
// checked its SHA-256 and size and fsync'd it. The object is durable once a
// release using it is activated.
//
// checked is the file as it was when its bytes had been verified (Stat of
// the handle that wrote and hashed them), or nil. If the object in the
// cache is still that file, unchanged, the activation it came for does not
// read it again (see proofs); otherwise it is hashed in full there.
//
// The object is created exclusively. If one is already there (the same
// content adopted before, or something left or planted), it is kept when
// it checks out and replaced when it does not: a link or FIFO at the
// object's name is removed, never written through.
func (c *Cache) Adopt(f content.File, path string, checked os.FileInfo) error {
	if !shaPattern.MatchString(f.SHA256) {
		return fmt.Errorf("adopt %s: %q is not a SHA-256", f.Path, f.SHA256)
	}
	src, err := lstat(path)
	if err != nil {
		return fmt.Errorf("adopt %s: %w", f.Path, err)
	}
	if !src.Mode().IsRegular() {
		return fmt.Errorf("adopt %s: %s is not a regular file", f.Path, path)
	}
	// A file changed since it was verified is adopted, but as unproven.
	proven := checked != nil && sameFile(checked, src) && src.Size() == f.Size
	obj := c.ObjectPath(f.SHA256)
	err = placeFile(path, obj)
	if errors.Is(err, fs.ErrExist) {
		if st, cerr := c.checkObject(f); cerr == nil {
			err = nil // the same bytes are there already, hashed just now
			c.proofs.remember(obj, st)
			proven = false
		} else {
			// checkObject removed what was there, unless another
			// adoption already replaced it with a good one.
			c.log.Warn("cache object replaced: it did not match its SHA-256", "object", f.SHA256)
			err = placeFile(path, obj)
			if errors.Is(err, fs.ErrExist) {
				if st, cerr := c.checkObject(f); cerr == nil {
					err = nil
					c.proofs.remember(obj, st)
					proven = false
				}
			}
		}
	}
	if err != nil {
		return fmt.Errorf("adopt %s: %w", f.Path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("adopt %s: %w", f.Path, err)
	}
	// Proven only if the object is the verified file itself: a link to
	// it, not a copy (a copy is hashed when activated).
	if proven {
		if st, err := lstat(obj); err == nil && sameFile(src, st) {
			c.proofs.remember(obj, st)
		}
	}
	// The folder is synced once for all adopted objects, by Activate.
	return nil
}
