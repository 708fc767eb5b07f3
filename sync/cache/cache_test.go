package cache

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// manifest makes a valid manifest listing files (path -> bytes) and puts
// the objects in the cache.
func manifest(t *testing.T, c *Cache, id string, version int64, files map[string]string) []byte {
	t.Helper()
	m := content.Manifest{Format: 1, ID: id, Version: version, Created: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
	text := map[string]content.Text{"vi": {Title: "Xin chào"}}
	m.Items = append(m.Items, content.Item{ID: "hello", Kind: content.KindText, Text: text})
	for p, data := range files {
		f := content.Describe(p, []byte(data))
		m.Files = append(m.Files, f)
		if c != nil {
			tmp := filepath.Join(t.TempDir(), "obj")
			if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.Adopt(f, tmp, nil); err != nil {
				// Another test dir: copy instead of rename across devices.
				if err := os.WriteFile(c.ObjectPath(f.SHA256), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestActivateAndReopen(t *testing.T) {
	root := t.TempDir()
	c, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c.Current() != nil {
		t.Fatal("new cache has a current bundle")
	}
	m1 := manifest(t, c, "demo", 1, map[string]string{"images/a.png": "AAAA", "images/b.png": "BBBB"})
	if err := c.Activate("demo-1", m1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Changed():
	default:
		t.Error("Changed not signalled")
	}
	b := c.Current()
	if b == nil || b.Manifest.Version != 1 {
		t.Fatalf("current = %+v", b)
	}
	if data, err := b.ReadFile("images/a.png"); err != nil || string(data) != "AAAA" {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
	// A new process sees the same release.
	c2, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c2.CurrentName() != "demo-1" || c2.Current() == nil {
		t.Errorf("reopened: current %q", c2.CurrentName())
	}
}

func TestActivateRefusesMissingAndCorruptObjects(t *testing.T) {
	c, err := Open(t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	good := manifest(t, c, "demo", 1, map[string]string{"a.png": "AAAA"})
	if err := c.Activate("demo-1", good); err != nil {
		t.Fatal(err)
	}
	missing := manifest(t, nil, "demo", 2, map[string]string{"a.png": "AAAA", "c.png": "CCCC"})
	if err := c.Activate("demo-2", missing); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "c.png") {
		t.Errorf("activate with a missing object = %v, want ErrMissing naming c.png", err)
	}
	corrupt := manifest(t, c, "demo", 3, map[string]string{"d.png": "DDDD"})
	var m content.Manifest
	json.Unmarshal(corrupt, &m)
	os.WriteFile(c.ObjectPath(m.Files[0].SHA256), []byte("XXXXX"), 0o644) // damaged on disk
	if err := c.Activate("demo-3", corrupt); !errors.Is(err, ErrCorrupt) {
		t.Errorf("activate with a corrupt object = %v, want ErrCorrupt", err)
	}
	if c.CurrentName() != "demo-1" {
		t.Errorf("current = %q after refused activations, want demo-1", c.CurrentName())
	}
	if _, err := os.Stat(c.ObjectPath(m.Files[0].SHA256)); !os.IsNotExist(err) {
		t.Error("corrupt object left in the cache")
	}
	entries, _ := os.ReadDir(filepath.Join(c.Root(), "staging"))
	if len(entries) != 0 {
		t.Errorf("staging not cleaned: %v", entries)
	}
}

func TestCollectKeepsPreviousRelease(t *testing.T) {
	c, err := Open(t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	for v, files := range []map[string]string{
		{"a.png": "v1-a", "shared.png": "same"},
		{"a.png": "v2-a", "shared.png": "same"},
		{"a.png": "v3-a", "shared.png": "same"},
	} {
		name := "demo-" + string(rune('1'+v))
		m := manifest(t, c, "demo", int64(v+1), files)
		ageObjects(t, c)
		if err := c.Activate(name, m); err != nil {
			t.Fatal(err)
		}
	}
	releases, _ := os.ReadDir(filepath.Join(c.Root(), "releases"))
	var names []string
	for _, r := range releases {
		names = append(names, r.Name())
	}
	if strings.Join(names, ",") != "demo-2,demo-3" {
		t.Errorf("releases = %v, want the previous and the current", names)
	}
	objects, _ := os.ReadDir(filepath.Join(c.Root(), "objects"))
	if len(objects) != 3 { // v2-a, v3-a, same
		t.Errorf("%d objects kept, want 3", len(objects))
	}
}

// TestCrashLeftovers: a power cut during assembly leaves a folder in
// staging and no pointer change; the next Open clears it and keeps the old
// release current.
func TestCrashLeftovers(t *testing.T) {
	root := t.TempDir()
	c, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Activate("demo-1", manifest(t, c, "demo", 1, map[string]string{"a.png": "AAAA"})); err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(root, "staging", "demo-2.12345")
	os.MkdirAll(filepath.Join(half, "images"), 0o755)
	os.WriteFile(filepath.Join(half, "images", "x.png"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(root, ".current.tmp123"), []byte("demo-2"), 0o644)
	c2, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if c2.CurrentName() != "demo-1" {
		t.Errorf("current = %q, want demo-1", c2.CurrentName())
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "staging")); len(entries) != 0 {
		t.Errorf("staging leftovers kept: %v", entries)
	}
}

// ageObjects makes every object older than CollectGrace.
func ageObjects(t *testing.T, c *Cache) {
	t.Helper()
	objects, _ := os.ReadDir(filepath.Join(c.Root(), "objects"))
	old := time.Now().Add(-2 * CollectGrace)
	for _, o := range objects {
		if err := os.Chtimes(c.ObjectPath(o.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCollectSparesNewObjects: an object that arrived for a release not
// activated yet (a USB import while the network's release activates) is
// not collected.
func TestCollectSparesNewObjects(t *testing.T) {
	c, err := Open(t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Activate("demo-1", manifest(t, c, "demo", 1, map[string]string{"a.png": "v1"})); err != nil {
		t.Fatal(err)
	}
	ageObjects(t, c)
	manifest(t, c, "other", 1, map[string]string{"b.png": "arriving"}) // adopted, not activated
	if err := c.Collect(); err != nil {
		t.Fatal(err)
	}
	if f := content.Describe("b.png", []byte("arriving")); !c.Has(f) {
		t.Error("an object adopted just now was collected")
	}
}

// TestWithdrawLeavesNothingToFallBackTo: after a withdrawal neither the
// current nor the previous pointer names a release, so a restart, even
// with damage, does not bring the withdrawn bundle back.
func TestWithdrawLeavesNothingToFallBackTo(t *testing.T) {
	root := t.TempDir()
	c, err := Open(root, quiet())
	if err != nil {
		t.Fatal(err)
	}
	for v := range 2 {
		name := "demo-" + string(rune('1'+v))
		if err := c.Activate(name, manifest(t, c, "demo", int64(v+1), map[string]string{"a.png": name})); err != nil {
			t.Fatal(err)
		}
	}
	name, err := c.Withdraw()
	if err != nil || name != "demo-2" || c.Current() != nil {
		t.Fatalf("Withdraw = %q, %v; current %v", name, err, c.CurrentName())
	}
	for _, p := range []string{"current", "previous"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("the %s pointer is still there", p)
		}
	}
	c2, err := Open(root, quiet())
	if err != nil || c2.Current() != nil {
		t.Errorf("reopened after a withdrawal: %v, current %q", err, c2.CurrentName())
	}
}
