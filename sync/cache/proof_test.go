package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
)

// opens counts the objects a Cache opens to hash, by object name.
type opens struct {
	mu sync.Mutex
	n  map[string]int
}

func countOpens(c *Cache) *opens {
	o := &opens{n: map[string]int{}}
	c.openObject = func(name string) (*os.File, error) {
		o.mu.Lock()
		o.n[filepath.Base(name)]++
		o.mu.Unlock()
		return os.Open(name)
	}
	return o
}

func (o *opens) of(sha string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[sha]
}

// streamed is a medium put in a folder store and a manifest listing it.
type streamed struct {
	data  []byte
	file  content.File
	raw   []byte // the manifest
	store *dirstore.Store
}

func newStreamed(t *testing.T, version int64, path string, data []byte) streamed {
	t.Helper()
	raw := manifest(t, nil, "demo", version, map[string]string{path: string(data)})
	m, err := content.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	store := dirstore.New(t.TempDir())
	f := m.Files[0]
	if err := store.Put(context.Background(), layout.MediaKey(f.SHA256), bytes.NewReader(data), f.Size); err != nil {
		t.Fatal(err)
	}
	return streamed{data: data, file: f, raw: raw, store: store}
}

// fetchInto downloads the medium into c with sync/fetch, which hashes it
// while writing it.
func (s streamed) fetchInto(t *testing.T, c *Cache) {
	t.Helper()
	f := &fetch.Fetcher{Source: s.store, Objects: c}
	if err := f.FetchAll(context.Background(), []content.File{s.file}); err != nil {
		t.Fatal(err)
	}
}

// waitForNewerMtime waits, on a condition with a deadline, until a file
// written now in dir gets a modification time after than: file systems
// stamp times from a clock that moves in ticks of a few milliseconds, and
// a write within the tick of the check would keep the time (see proofs).
func waitForNewerMtime(t *testing.T, dir string, than time.Time) {
	t.Helper()
	probe := filepath.Join(dir, "probe")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if err := os.WriteFile(probe, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(probe); err == nil && st.ModTime().After(than) {
			return
		}
	}
	t.Fatal("the file system's clock did not move in 5 s")
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime()
}

// rewrite writes data over the file at path in place (same inode), once
// the clock has moved past its modification time.
func rewrite(t *testing.T, path string, data []byte) {
	t.Helper()
	waitForNewerMtime(t, t.TempDir(), modTime(t, path))
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// replace renames a new file holding data over path; keepMtime gives it
// path's modification time, so only its identity (inode) differs.
func replace(t *testing.T, path string, data []byte, keepMtime bool) {
	t.Helper()
	mtime := modTime(t, path)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if keepMtime {
		if err := os.Chtimes(tmp, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func flipped(data []byte) []byte {
	out := bytes.Clone(data)
	out[len(out)/2] ^= 0xff
	return out
}

// TestActivateRereadsOnlyUnprovenObjects: an object this cache adopted
// from a download hashed while streaming is not read again by the
// activation it came for; one that was in the cache before this Cache
// was opened is read and verified; one changed after its streaming check
// (rewritten, replaced by rename, truncated, retimed) is read again, and
// refused and removed unless its bytes still match.
func TestActivateRereadsOnlyUnprovenObjects(t *testing.T) {
	tests := []struct {
		name string
		// arrive puts the medium into the cache at root and returns the
		// Cache to activate with.
		arrive    func(t *testing.T, root string, s streamed) *Cache
		change    func(t *testing.T, obj string, s streamed)
		wantReads int
		wantErr   error // nil: activated
	}{
		{name: "streamed by this cache", wantReads: 0},
		{name: "streamed by an earlier run (another Cache on the same folder)", wantReads: 1,
			arrive: func(t *testing.T, root string, s streamed) *Cache {
				s.fetchInto(t, openCache(t, root))
				return openCache(t, root)
			}},
		{name: "written into objects/ by another process", wantReads: 1,
			arrive: func(t *testing.T, root string, s streamed) *Cache {
				c := openCache(t, root)
				if err := os.WriteFile(c.ObjectPath(s.file.SHA256), s.data, 0o644); err != nil {
					t.Fatal(err)
				}
				return c
			}},
		{name: "planted in objects/ by another process, other bytes", wantReads: 1, wantErr: ErrCorrupt,
			arrive: func(t *testing.T, root string, s streamed) *Cache {
				c := openCache(t, root)
				if err := os.WriteFile(c.ObjectPath(s.file.SHA256), flipped(s.data), 0o644); err != nil {
					t.Fatal(err)
				}
				return c
			}},
		{name: "changed between its check and its adoption", wantReads: 1, wantErr: ErrCorrupt,
			arrive: func(t *testing.T, root string, s streamed) *Cache {
				c := openCache(t, root)
				partial := c.PartialPath(s.file.SHA256)
				if err := os.WriteFile(partial, s.data, 0o644); err != nil {
					t.Fatal(err)
				}
				checked, err := os.Stat(partial) // as sync/fetch hands it over
				if err != nil {
					t.Fatal(err)
				}
				rewrite(t, partial, flipped(s.data))
				if err := c.Adopt(s.file, partial, checked); err != nil {
					t.Fatal(err)
				}
				return c
			}},
		{name: "rewritten in place, other bytes", wantReads: 1, wantErr: ErrCorrupt,
			change: func(t *testing.T, obj string, s streamed) { rewrite(t, obj, flipped(s.data)) }},
		{name: "rewritten in place, same bytes", wantReads: 1,
			change: func(t *testing.T, obj string, s streamed) { rewrite(t, obj, s.data) }},
		{name: "replaced by rename, other bytes", wantReads: 1, wantErr: ErrCorrupt,
			change: func(t *testing.T, obj string, s streamed) { replace(t, obj, flipped(s.data), false) }},
		{name: "replaced by rename, other bytes, same size and modification time", wantReads: 1, wantErr: ErrCorrupt,
			change: func(t *testing.T, obj string, s streamed) { replace(t, obj, flipped(s.data), true) }},
		{name: "replaced by rename, same bytes", wantReads: 1,
			change: func(t *testing.T, obj string, s streamed) { replace(t, obj, s.data, true) }},
		{name: "truncated", wantReads: 0, wantErr: ErrCorrupt, // refused by size, unread
			change: func(t *testing.T, obj string, s streamed) {
				if err := os.Truncate(obj, int64(len(s.data)/2)); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "modification time changed", wantReads: 1,
			change: func(t *testing.T, obj string, s streamed) {
				old := modTime(t, obj).Add(-time.Minute)
				if err := os.Chtimes(obj, old, old); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			data := make([]byte, 256<<10)
			rand.Read(data)
			s := newStreamed(t, 2, "media/video.mp4", data)

			// A release on screen before, which must stay if the new one
			// is refused.
			before := openCache(t, root)
			if err := before.Activate("demo-1", manifest(t, before, "demo", 1, map[string]string{"a.png": "AAAA"})); err != nil {
				t.Fatal(err)
			}
			var c *Cache
			if tc.arrive != nil {
				c = tc.arrive(t, root, s)
			} else {
				c = openCache(t, root)
				s.fetchInto(t, c)
			}
			obj := c.ObjectPath(s.file.SHA256)
			if tc.change != nil {
				tc.change(t, obj, s)
			}
			reads := countOpens(c)

			err := c.Activate("demo-2", s.raw)
			if got := reads.of(s.file.SHA256); got != tc.wantReads {
				t.Errorf("object opened to be hashed %d times, want %d", got, tc.wantReads)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Activate = %v, want %v", err, tc.wantErr)
				}
				if c.CurrentName() != "demo-1" {
					t.Errorf("current = %q, want demo-1 kept", c.CurrentName())
				}
				if _, err := os.Stat(filepath.Join(root, "releases", "demo-2")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("refused release assembled: %v", err)
				}
				if _, err := os.Lstat(obj); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("refused object kept: %v", err)
				}
				if c.Has(s.file) {
					t.Error("Has = true for a refused object")
				}
				return
			}
			if err != nil {
				t.Fatalf("Activate: %v", err)
			}
			if c.CurrentName() != "demo-2" {
				t.Errorf("current = %q, want demo-2", c.CurrentName())
			}
			got, err := os.ReadFile(filepath.Join(root, "releases", "demo-2", "media", "video.mp4"))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("activated file: %d bytes, %v; want the streamed bytes", len(got), err)
			}
		})
	}
}

// TestProofIsSpentByItsActivation: a later release that reuses an object
// reads it again, as does a re-assembly after a refused activation; and
// an object removed takes its proof with it.
func TestProofIsSpentByItsActivation(t *testing.T) {
	root := t.TempDir()
	c := openCache(t, root)
	data := make([]byte, 64<<10)
	rand.Read(data)
	s := newStreamed(t, 1, "media/clip.mp4", data)
	s.fetchInto(t, c)
	reads := countOpens(c)
	if err := c.Activate("demo-1", s.raw); err != nil {
		t.Fatal(err)
	}
	if n := reads.of(s.file.SHA256); n != 0 {
		t.Fatalf("first activation hashed the streamed object %d times, want 0", n)
	}
	// The same medium under two paths in the next release: hashed once.
	raw := manifest(t, nil, "demo", 2, map[string]string{"media/clip.mp4": string(data), "media/again.mp4": string(data)})
	if err := c.Activate("demo-2", raw); err != nil {
		t.Fatal(err)
	}
	if n := reads.of(s.file.SHA256); n != 1 {
		t.Errorf("reused object hashed %d times by the next activation, want 1", n)
	}

	// A streamed object that a collection removes loses its proof.
	other := newStreamed(t, 3, "media/other.mp4", []byte("not activated"))
	other.fetchInto(t, c)
	obj := c.ObjectPath(other.file.SHA256)
	if !c.proven(obj) {
		t.Fatal("no proof for a streamed object")
	}
	ageObjects(t, c)
	if err := c.Collect(); err != nil {
		t.Fatal(err)
	}
	if c.Has(other.file) || c.proven(obj) {
		t.Errorf("collected object: Has = %v, proof kept = %v", c.Has(other.file), c.proven(obj))
	}
}

// proven reports whether c holds a proof for the object at path.
func (c *Cache) proven(path string) bool {
	c.proofs.mu.Lock()
	defer c.proofs.mu.Unlock()
	_, ok := c.proofs.m[path]
	return ok
}

func openCache(t *testing.T, root string) *Cache {
	t.Helper()
	c, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
