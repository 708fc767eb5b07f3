package studio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/publish"
)

// TestManifestIDMustBeFolder publishes bien-gioi, then gives a folder b a
// manifest whose id is bien-gioi: its pages show the refusal, and neither
// signing it nor raising its version stages or writes anything, so the
// published bien-gioi stays as it was.
func TestManifestIDMustBeFolder(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	ws := t.TempDir()
	editor := d.studioFor(t, ws, "editor", false)
	leader := d.studioFor(t, ws, "leader", true)
	editor.submit("/bundles", url.Values{"id": {"bien-gioi"}})
	editor.submit("/bundles/bien-gioi/text", url.Values{"id": {"canh-bao"}, "title-vi": {"CẢNH BÁO AN TOÀN"}})
	for _, h := range []*harness{editor, leader} {
		name := map[*harness]string{editor: "editor", leader: "leader"}[h]
		h.submit("/bundles/bien-gioi/approve", url.Values{"passphrase": {passphrases[name]}, "sites": {"an-giang-tinh-bien"}, "rev": {h.shownRev("/bundles/bien-gioi/approve")}})
	}
	if f := leader.submit("/publish", url.Values{"passphrase": {passphrases["publisher"]}}); !strings.Contains(f, "Đã xuất bản") {
		t.Fatalf("publish: %q", f)
	}
	editor.submit("/bundles", url.Values{"id": {"b"}})
	editor.submit("/bundles/b/text", url.Values{"id": {"quang-cao"}, "title-vi": {"Khuyến mãi"}})
	dir := filepath.Join(ws, "b")
	if _, err := content.IndexDirWith(dir, content.IndexOptions{Edit: func(m *content.Manifest) error {
		m.ID = "bien-gioi"
		m.Version = 2
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	rev := hex.EncodeToString(sum[:])
	for _, p := range []string{"/bundles/b", "/bundles/b/approve", "/bundles/b/preview"} {
		resp, body := editor.get(p)
		if resp.StatusCode == http.StatusOK || !strings.Contains(body, "trùng tên thư mục") {
			t.Errorf("GET %s: %s, the page does not name the id/folder mismatch:\n%.400s", p, resp.Status, body)
		}
	}
	for _, h := range []*harness{editor, leader} {
		name := map[*harness]string{editor: "editor", leader: "leader"}[h]
		h.post("/bundles/b/approve", url.Values{"csrf": {h.token()}, "passphrase": {passphrases[name]}, "sites": {"an-giang-tinh-bien"}, "rev": {rev}}, nil)
	}
	if title, staged := stagedTitle(t, d, "bien-gioi"); staged {
		t.Errorf("signing folder b staged bien-gioi (%q)", title)
	}
	editor.post("/bundles/b/version", url.Values{"csrf": {editor.token()}, "version": {"2"}, "rev": {rev}}, nil)
	if after, err := os.ReadFile(filepath.Join(dir, content.ManifestName)); err != nil || string(after) != string(raw) {
		t.Errorf("raising the version of a mismatched folder wrote its manifest (err %v)", err)
	}
	leader.post("/publish", url.Values{"csrf": {leader.token()}, "passphrase": {passphrases["publisher"]}}, nil)
	b, err := publish.Department{Store: d.store, Root: d.root}.PublishedBundle(ctx, "bien-gioi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Manifest.Items[0].Text["vi"].Title; b.Manifest.Version != 1 || got != "CẢNH BÁO AN TOÀN" {
		t.Errorf("published bien-gioi is now v%d %q", b.Manifest.Version, got)
	}
}
