package cache

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// plant puts something other than the object at the object's name: what a
// process with access to the disk, or a bug, could leave there.
type plant func(t *testing.T, obj, outside string)

func plantLink(t *testing.T, obj, outside string) {
	if err := os.Symlink(outside, obj); err != nil {
		t.Fatal(err)
	}
}

func plantWrong(t *testing.T, obj, _ string) {
	if err := os.WriteFile(obj, []byte("XXXX"), 0o644); err != nil { // same size, other bytes
		t.Fatal(err)
	}
}

func TestAdoptNeverWritesThroughWhatIsThere(t *testing.T) {
	tests := []struct {
		name  string
		plant plant
	}{
		{"nothing there", func(*testing.T, string, string) {}},
		{"link to a file outside the cache", plantLink},
		{"object with other bytes", plantWrong},
		{"the same object adopted before", func(t *testing.T, obj, _ string) {
			if err := os.WriteFile(obj, []byte("AAAA"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Open(t.TempDir(), quiet())
			if err != nil {
				t.Fatal(err)
			}
			outside := filepath.Join(t.TempDir(), "outside")
			if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			f := content.Describe("a.png", []byte("AAAA"))
			obj := c.ObjectPath(f.SHA256)
			tc.plant(t, obj, outside)
			src := filepath.Join(c.Root(), "partial", f.SHA256+".partial")
			if err := os.WriteFile(src, []byte("AAAA"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.Adopt(f, src, nil); err != nil {
				t.Fatalf("Adopt: %v", err)
			}
			if b, _ := os.ReadFile(outside); string(b) != "keep" {
				t.Errorf("file outside the cache now holds %q", b)
			}
			st, err := os.Lstat(obj)
			if err != nil || !st.Mode().IsRegular() {
				t.Fatalf("object after Adopt: %v, %v; want a regular file", st, err)
			}
			if b, _ := os.ReadFile(obj); string(b) != "AAAA" {
				t.Errorf("object holds %q, want AAAA", b)
			}
			if _, err := os.Lstat(src); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("adopted file left at %s: %v", src, err)
			}
			if !c.Has(f) {
				t.Error("Has = false after Adopt")
			}
		})
	}
}

func TestPlaceFileIsExclusive(t *testing.T) {
	for name, place := range map[string]func(src, dst string) error{
		"link": placeFile,
		"copy": func(src, dst string) error { return copyExclusive(src, dst, nil) }, // what happens where links are not possible
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			outside := filepath.Join(dir, "outside")
			os.WriteFile(src, []byte("new"), 0o644)
			os.WriteFile(outside, []byte("keep"), 0o644)
			for what, create := range map[string]func(dst string) error{
				"file": func(dst string) error { return os.WriteFile(dst, []byte("old"), 0o644) },
				"link": func(dst string) error { return os.Symlink(outside, dst) },
				"dangling link": func(dst string) error {
					return os.Symlink(filepath.Join(dir, "would-be-created"), dst)
				},
			} {
				dst := filepath.Join(dir, what)
				if err := create(dst); err != nil {
					t.Fatal(err)
				}
				if err := place(src, dst); !errors.Is(err, fs.ErrExist) {
					t.Errorf("%s over a %s = %v, want fs.ErrExist", name, what, err)
				}
			}
			if b, _ := os.ReadFile(outside); string(b) != "keep" {
				t.Errorf("%s wrote through a link: outside holds %q", name, b)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "file")); string(b) != "old" {
				t.Errorf("%s overwrote a file: %q", name, b)
			}
			if _, err := os.Lstat(filepath.Join(dir, "would-be-created")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s created the target of a dangling link", name)
			}
			dst := filepath.Join(dir, "fresh")
			if err := place(src, dst); err != nil {
				t.Fatalf("%s to a new name: %v", name, err)
			}
			if b, _ := os.ReadFile(dst); string(b) != "new" {
				t.Errorf("%s gave %q", name, b)
			}
		})
	}
}

// TestActivateChecksObjectHash: an object with its listed size but other
// bytes is refused at activation and removed, and the current release
// stays.
func TestActivateChecksObjectHash(t *testing.T) {
	tests := []struct {
		name  string
		plant plant
	}{
		{"same size, other bytes", plantWrong},
		{"link to a matching file elsewhere", func(t *testing.T, obj, outside string) {
			os.WriteFile(outside, []byte("DDDD"), 0o644)
			plantLink(t, obj, outside)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Open(t.TempDir(), quiet())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Activate("demo-1", manifest(t, c, "demo", 1, map[string]string{"a.png": "AAAA"})); err != nil {
				t.Fatal(err)
			}
			raw := manifest(t, nil, "demo", 2, map[string]string{"d.png": "DDDD"})
			var m content.Manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			obj := c.ObjectPath(m.Files[0].SHA256)
			outside := filepath.Join(t.TempDir(), "outside")
			tc.plant(t, obj, outside)
			err = c.Activate("demo-2", raw)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "d.png") {
				t.Fatalf("Activate = %v, want ErrCorrupt naming d.png", err)
			}
			if c.CurrentName() != "demo-1" {
				t.Errorf("current = %q, want demo-1", c.CurrentName())
			}
			if _, err := os.Lstat(obj); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("bad object kept: %v", err)
			}
			if c.Has(m.Files[0]) {
				t.Error("Has = true for a removed object")
			}
		})
	}
}

// TestAssembleRefusesFoldedCollision: paths one file apart only in case
// would be one file on Windows. Validation refuses such a manifest; the
// assembly refuses it too, whatever reached it.
func TestAssembleRefusesFoldedCollision(t *testing.T) {
	c, err := Open(t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	raw := manifest(t, c, "demo", 1, map[string]string{"images/A.png": "AAAA", "images/a.png": "aaaa"})
	if err := c.Activate("demo-1", raw); err == nil || !strings.Contains(err.Error(), "case is ignored") {
		t.Fatalf("Activate = %v, want a refusal", err)
	}
	m := &content.Manifest{Format: 1, ID: "demo", Version: 1, Created: time.Now(),
		Files: []content.File{content.Describe("images/A.png", []byte("AAAA")), content.Describe("images/a.png", []byte("aaaa"))}}
	err = c.assemble("demo-1", m, raw)
	if err == nil || !strings.Contains(err.Error(), "images/A.png and images/a.png") {
		t.Fatalf("assemble = %v, want a refusal naming both paths", err)
	}
	if _, err := os.Stat(c.releaseDir("demo-1")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("release assembled: %v", err)
	}
}
