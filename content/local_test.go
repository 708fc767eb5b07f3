package content

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

// clipBundle writes, in dir, a bundle listing one file, video/a.mp4 with
// data, and loads it.
func clipBundle(t *testing.T, dir string, data []byte) *Bundle {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "video"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "video/a.mp4"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := Manifest{Format: FormatVersion, ID: "b", Version: 1, Created: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Items: []Item{{ID: "t", Kind: KindText, Text: map[string]Text{"vi": {Title: "x"}}}},
		Files: []File{Describe("video/a.mp4", data)}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenVerified(t *testing.T) {
	dir := t.TempDir()
	data := []byte("the clip's bytes")
	b := clipBundle(t, dir, data)
	f, err := b.OpenVerified("video/a.mp4")
	if err != nil {
		t.Fatal(err)
	}
	// The file opened reads the bytes checked, from their start, even
	// after the name is given to others.
	if err := os.WriteFile(filepath.Join(dir, "video/b.mp4"), []byte("other bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "video/b.mp4"), filepath.Join(dir, "video/a.mp4")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(got) != string(data) {
		t.Errorf("read %q (%v), want %q", got, err, data)
	}
	for _, tc := range []struct {
		name string
		b    *Bundle
		path string
		want error
	}{
		{"altered", b, "video/a.mp4", ErrSizeMismatch},
		{"not listed", b, "video/c.mp4", ErrNotListed},
	} {
		if _, err := tc.b.OpenVerified(tc.path); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "video/a.mp4"), []byte("the clip's bytez"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := b.OpenVerified("video/a.mp4"); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("same size, other bytes: %v, want %v", err, ErrHashMismatch)
	}
	// A bundle not in a folder (the built-in demo's kind) has no file to
	// hand to a program.
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := Load(fstest.MapFS{ManifestName: {Data: raw}, "video/a.mp4": {Data: data}}, "memory")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := mem.OpenVerified("video/a.mp4"); err == nil {
		f.Close()
		t.Error("a bundle not in a folder opened a file")
	}
}
