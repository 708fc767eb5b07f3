// Package dirstore keeps the sync store's objects as files under a local
// folder: a USB stick for offline import and export, or t.TempDir() in tests.
//
// It offers the same method set as the S3 store (sync/s3store), so the trust
// and sync code can run against either. It builds only on the standard library:
// os.Root confines every access to the folder, even through symbolic links, and
// Put writes a temporary file in the destination folder, syncs it, renames it
// into place and syncs the folder, so a reader never sees a half-written object
// and a power cut leaves either the old or the new one.
package dirstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// ErrInvalidKey is returned for a key that is not a clean, relative,
// slash-separated path inside the store (see fs.ValidPath), or that names a
// temporary file of an unfinished Put.
var ErrInvalidKey = errors.New("invalid store key")

// ErrNotRegular is returned for a key that names something other than a
// regular file: a folder, a symbolic link, a FIFO, a device. A store object
// is a file; anything else on a stick is as good as absent, so it also
// satisfies errors.Is(err, fs.ErrNotExist).
var ErrNotRegular error = notRegular{}

type notRegular struct{}

func (notRegular) Error() string        { return "not a regular file" }
func (notRegular) Is(target error) bool { return target == fs.ErrNotExist }

// tempPrefix starts the base name of the temporary file a Put writes before
// renaming it into place. Keys may not use it, and List skips such files.
const tempPrefix = ".tmp-"

// Store is a store over the folder given to New. It is safe for concurrent use
// by multiple goroutines; it holds no open files between calls.
type Store struct {
	root string
}

// New returns a store rooted at the folder root. The folder is created by the
// first Put if it does not exist yet.
func New(root string) *Store {
	return &Store{root: root}
}

// Get opens the object at key for reading. The caller closes it.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.GetRange(ctx, key, 0)
}

// GetRange opens the object at key for reading from offset to its end.
func (s *Store) GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("dirstore: get %s: negative offset %d", key, offset)
	}
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return nil, fmt.Errorf("dirstore: get %s: %w", key, err)
	}
	defer r.Close()
	// Look before opening: opening a FIFO for reading waits for a writer,
	// forever on a stick, and opening a device can act on it.
	before, err := regular(r, key)
	if err != nil {
		return nil, fmt.Errorf("dirstore: get %s: %w", key, err)
	}
	// O_NONBLOCK keeps the open from waiting should the name be swapped
	// for a FIFO after the look; the check after the open catches the swap.
	f, err := r.OpenFile(key, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, fmt.Errorf("dirstore: get %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dirstore: get %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() || !os.SameFile(before, fi) {
		f.Close()
		return nil, fmt.Errorf("dirstore: get %s: replaced while opened: %w", key, ErrNotRegular)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("dirstore: get %s from offset %d: %w", key, offset, err)
		}
	}
	return f, nil
}

// Stat returns the size in bytes of the object at key.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := checkKey(key); err != nil {
		return 0, err
	}
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return 0, fmt.Errorf("dirstore: stat %s: %w", key, err)
	}
	defer r.Close()
	fi, err := regular(r, key)
	if err != nil {
		return 0, fmt.Errorf("dirstore: stat %s: %w", key, err)
	}
	return fi.Size(), nil
}

// Put stores size bytes read from r at key, replacing any object there.
// A size of -1 means "read r to its end". Put fails, leaving the old object in
// place, if r yields fewer or more than size bytes.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return fmt.Errorf("dirstore: put %s: create store folder: %w", key, err)
	}
	root, err := os.OpenRoot(s.root)
	if err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	defer root.Close()

	dir := path.Dir(key)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("dirstore: put %s: create folder %s: %w", key, dir, err)
	}
	tmp := path.Join(dir, tempPrefix+path.Base(key)+"-"+rand.Text())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("dirstore: put %s: create temporary file: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()

	src := &ctxReader{ctx: ctx, r: r}
	if size < 0 {
		_, err = io.Copy(f, src)
	} else {
		var n int64
		n, err = io.CopyN(f, src, size)
		if err == io.EOF {
			err = fmt.Errorf("got %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
		if err == nil {
			// A reader longer than the announced size is a caller bug that
			// would otherwise store a truncated object silently.
			var one [1]byte
			if m, _ := io.ReadFull(src, one[:]); m > 0 {
				err = fmt.Errorf("reader has more than %d bytes", size)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("dirstore: put %s: write: %w", key, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("dirstore: put %s: sync: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("dirstore: put %s: close: %w", key, err)
	}
	if err = root.Rename(tmp, key); err != nil {
		return fmt.Errorf("dirstore: put %s: rename into place: %w", key, err)
	}
	if err := syncDir(root, dir); err != nil {
		return fmt.Errorf("dirstore: put %s: sync folder %s: %w", key, dir, err)
	}
	return nil
}

// List returns the keys that start with prefix, in every subfolder, sorted.
// A prefix is a plain string prefix, as in S3: "tuf/meta" matches
// "tuf/metadata/1.root.json".
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
		if !fs.ValidPath(start) {
			return nil, fmt.Errorf("dirstore: list %q: %w", prefix, ErrInvalidKey)
		}
	}
	root, err := os.OpenRoot(s.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dirstore: list %q: %w", prefix, err)
	}
	defer root.Close()

	var keys []string
	err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		if strings.HasPrefix(p, prefix) {
			keys = append(keys, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dirstore: list %q: %w", prefix, err)
	}
	// WalkDir sorts per folder, which is not the byte order of whole keys
	// ("a.b" sorts before "a/b"); S3 lists in byte order.
	slices.Sort(keys)
	return keys, nil
}

// Delete removes the object at key. Folders left empty are kept: removing them
// would race with a concurrent Put into the same folder.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	root, err := os.OpenRoot(s.root)
	if err != nil {
		return fmt.Errorf("dirstore: delete %s: %w", key, err)
	}
	defer root.Close()
	fi, err := root.Lstat(key)
	if err != nil {
		return fmt.Errorf("dirstore: delete %s: %w", key, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("dirstore: delete %s: is a folder: %w", key, fs.ErrNotExist)
	}
	if err := root.Remove(key); err != nil {
		return fmt.Errorf("dirstore: delete %s: %w", key, err)
	}
	return nil
}

// regular returns the file information of key, without following a
// symbolic link at its end, if it is a regular file. A link is refused
// rather than followed: export writes none, and a link is how a stick
// would point a site at a FIFO, a device, or a file it should not read.
func regular(r *os.Root, key string) (fs.FileInfo, error) {
	fi, err := r.Lstat(key)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", kind(fi.Mode()), ErrNotRegular)
	}
	return fi, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a file"
}

// checkKey rejects keys that are not clean relative paths to a file, and keys
// that collide with Put's temporary files.
func checkKey(key string) error {
	if key == "" || key == "." || !fs.ValidPath(key) {
		return fmt.Errorf("dirstore: key %q: %w", key, ErrInvalidKey)
	}
	if strings.Contains(key, `\`) {
		// A backslash is a separator on Windows; reject it everywhere so a
		// store written on Linux reads the same on Windows.
		return fmt.Errorf("dirstore: key %q: backslash: %w", key, ErrInvalidKey)
	}
	for _, elem := range strings.Split(key, "/") {
		if strings.HasPrefix(elem, tempPrefix) {
			return fmt.Errorf("dirstore: key %q: %q is reserved for temporary files: %w", key, tempPrefix, ErrInvalidKey)
		}
	}
	return nil
}

// syncDir flushes the folder entry of a rename to disk, so the new name
// survives a power cut.
func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// ctxReader stops a long copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
