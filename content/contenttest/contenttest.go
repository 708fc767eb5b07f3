// Package contenttest helps tests make and alter bundles on disk: a writable
// copy of the demo bundle, and edits of a manifest as plain JSON (so a test
// can write what the content package would refuse to).
package contenttest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
)

// CopyDemo writes the demo bundle to a new temporary folder and returns it.
func CopyDemo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, demo.FS()); err != nil {
		t.Fatal(err)
	}
	// CopyFS keeps the embedded files' read-only modes.
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// EditManifest decodes dir's manifest.json into a map, lets edit change it,
// and writes it back, without checking or re-indexing it.
func EditManifest(t testing.TB, dir string, edit func(m map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, content.ManifestName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Item returns the item with the given id from a manifest decoded by
// EditManifest; it fails the test when there is none.
func Item(t testing.TB, m map[string]any, id string) map[string]any {
	t.Helper()
	items, _ := m["items"].([]any)
	for _, it := range items {
		if it, ok := it.(map[string]any); ok && it["id"] == id {
			return it
		}
	}
	t.Fatalf("manifest has no item %q", id)
	return nil
}

// SetSlideDurations sets the duration of every slide of a manifest
// decoded by EditManifest to d, such as "1s"; guides, which are not timed,
// are left alone.
func SetSlideDurations(m map[string]any, d string) {
	for _, it := range m["items"].([]any) {
		if item := it.(map[string]any); item["kind"] != content.KindGuide {
			item["duration"] = d
		}
	}
}
