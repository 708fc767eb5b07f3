package studio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/trust"
)

var revField = regexp.MustCompile(`name="rev" value="([0-9a-f]{64})"`)

// shownRev is the manifest hash the form on the page at path carries.
func (h *harness) shownRev(path string) string {
	h.t.Helper()
	m := revField.FindStringSubmatch(h.page(path))
	if m == nil {
		h.t.Fatalf("no rev field on %s", path)
	}
	return m[1]
}

// stagedTitle is the Vietnamese title of item it of the staged bundle
// id, or "" when nothing of it is staged.
func stagedTitle(t *testing.T, d *department, id string) (string, bool) {
	t.Helper()
	sb, err := publish.Department{Store: d.store, Root: d.root}.StagedBundle(context.Background(), id)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, trust.ErrNothingStaged) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return sb.Manifest.Items[0].Text["vi"].Title, true
}

// The sign form carries the hash of the manifest the page showed, and a
// sign request signs that manifest or nothing: without the hash, or
// with the hash of a manifest since changed on the shared folder,
// nothing is signed.
func TestSignOnlyWhatThePageShowed(t *testing.T) {
	d := newDepartment(t)
	ws := t.TempDir()
	ed := d.studioFor(t, ws, "editor", false)
	ed.submit("/bundles", url.Values{"id": {"b"}})
	ed.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-vi": {"Chào mừng"}})
	rev := ed.shownRev("/bundles/b/approve")
	if !strings.Contains(ed.page("/bundles/b/approve"), `<form id="sign"`) {
		t.Fatal("no sign form")
	}

	if f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}}); !strings.Contains(f, "chưa ký gì") {
		t.Fatalf("a sign request without rev: %q", f)
	}
	// A colleague on the shared folder changes the text after the page
	// was read.
	if _, err := content.IndexDirWith(filepath.Join(ws, "b"), content.IndexOptions{Edit: func(m *content.Manifest) error {
		tx := m.Items[0].Text["vi"]
		tx.Title = "NỘI DUNG GIẢ MẠO"
		m.Items[0].Text["vi"] = tx
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}, "rev": {rev}}); !strings.Contains(f, "đã được sửa ở nơi khác") {
		t.Fatalf("a sign request for a changed manifest: %q", f)
	}
	if title, ok := stagedTitle(t, d, "b"); ok {
		t.Fatalf("staged %q though nobody signed what they saw", title)
	}
	// Shown again, the changed text is what gets signed.
	f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}, "rev": {ed.shownRev("/bundles/b/approve")}})
	if !strings.Contains(f, "Đã ký") {
		t.Fatalf("signing the page shown: %q", f)
	}
	if title, _ := stagedTitle(t, d, "b"); title != "NỘI DUNG GIẢ MẠO" {
		t.Fatalf("staged %q", title)
	}
}

// A published bundle edited again goes out only under a version above
// the published one, raised by a button on the approve page that
// changes the version and nothing else; and a picture swapped on the
// shared folder after the page was shown is refused, never signed.
func TestSignRefusesSwappedFileAndOldVersion(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	ws := t.TempDir()
	ed := d.studioFor(t, ws, "editor", false)
	ld := d.studioFor(t, ws, "leader", true)
	ed.submit("/bundles", url.Values{"id": {"b"}})
	ed.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-vi": {"Chào mừng"}})
	if resp, body := ed.upload("/bundles/b/image", [][2]string{{"csrf", ed.token()}, {"id", "map"}}, "map.png", pngBytes(t, 8, 8)); resp.StatusCode != 303 {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	for _, h := range []struct {
		h    *harness
		name string
	}{{ed, "editor"}, {ld, "leader"}} {
		if f := h.h.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases[h.name]}, "rev": {h.h.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "Đã ký") {
			t.Fatalf("%s signs v1: %q", h.name, f)
		}
	}
	if f := ld.submit("/publish", url.Values{"passphrase": {passphrases["publisher"]}}); !strings.Contains(f, "Đã xuất bản") {
		t.Fatalf("publish: %q", f)
	}
	dep := publish.Department{Store: d.store, Root: d.root}
	pub, err := dep.PublishedBundle(ctx, "b", time.Now())
	if err != nil {
		t.Fatal(err)
	}

	ed.submit("/bundles/b/text", url.Values{"id": {"y"}, "title-vi": {"Thêm"}})
	page := ed.page("/bundles/b/approve")
	if !strings.Contains(page, `id="raise-version"`) || !strings.Contains(page, "raise the version to 2") {
		t.Fatal("the approve page of a bundle at the published version offers no version raise")
	}
	if f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}, "rev": {ed.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "nâng lên v2") || !strings.Contains(f, "chưa ký gì") {
		t.Fatalf("signing v1 again: %q", f)
	}
	before := readManifest(t, filepath.Join(ws, "b"))
	// The raise changes the version and nothing else, even with a
	// picture changed on disk meanwhile: no file is hashed again.
	img := filepath.Join(ws, "b", "images", "map.png")
	if err := os.WriteFile(img, pngBytes(t, 9, 9), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := ed.submit("/bundles/b/version", url.Values{"version": {"2"}, "rev": {ed.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "v2") {
		t.Fatalf("raise: %q", f)
	}
	after := readManifest(t, filepath.Join(ws, "b"))
	if after.Version != 2 || !equalFiles(before.Files, after.Files) {
		t.Fatalf("after the raise: version %d, files %v (were %v)", after.Version, after.Files, before.Files)
	}
	if f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}, "rev": {ed.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "images/map.png") || !strings.Contains(f, "chưa ký gì") {
		t.Fatalf("signing with a swapped picture: %q", f)
	}
	if _, ok := stagedTitle(t, d, "b"); ok {
		t.Fatal("a bundle with a swapped picture was staged")
	}
	// The picture put back as shown, v2 is signed with the published
	// picture's hash.
	if err := os.WriteFile(img, pngBytes(t, 8, 8), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := ed.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases["editor"]}, "rev": {ed.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "Đã ký") {
		t.Fatalf("signing v2: %q", f)
	}
	sb, err := dep.StagedBundle(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if sb.Manifest.Version != 2 || !equalFiles(sb.Manifest.Files, pub.Manifest.Files) {
		t.Fatalf("staged v%d files %v, published files %v", sb.Manifest.Version, sb.Manifest.Files, pub.Manifest.Files)
	}
}

func readManifest(t *testing.T, dir string) *content.Manifest {
	t.Helper()
	d, err := readDraft(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &d.m
}

func equalFiles(a, b []content.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A file in the bundle's folder that no item names still goes out with
// it: the approve page lists it.
func TestApprovePageListsUnnamedFiles(t *testing.T) {
	h := newDepartment(t).studioFor(t, t.TempDir(), "editor", false)
	h.submit("/bundles", url.Values{"id": {"b"}})
	if err := os.WriteFile(filepath.Join(h.workspace, "b", "stray.bin"), []byte("not shown anywhere"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-vi": {"Chào mừng"}})
	page := h.page("/bundles/b/approve")
	if !regexp.MustCompile(`<li class="change added"[^>]*>.*tệp không mục nào dùng.*stray\.bin \(sha256 [0-9a-f]{12}, 18 bytes\)`).MatchString(page) {
		t.Fatal("the approve page does not list the file no item names")
	}
}

// The copy signed follows no link at a listed file's name, even one to
// a file of the bundle with the very bytes listed.
func TestSnapshotRefusesLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	data := pngBytes(t, 4, 4)
	if err := os.WriteFile(filepath.Join(dir, "images", "real.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.png", filepath.Join(dir, "images", "a.png")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	sum := sha256.Sum256(data)
	f := content.File{Path: "images/a.png", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	m := &content.Manifest{Files: []content.File{f}}
	for _, c := range []struct {
		name string
		m    *content.Manifest
		want string
	}{
		{"a link to a file of the bundle", m, "liên kết"},
		{"the file itself", &content.Manifest{Files: []content.File{{Path: "images/real.png", Size: f.Size, SHA256: f.SHA256}}}, ""},
	} {
		err := snapshotBundle(dir, []byte("{}"), c.m, t.TempDir())
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
