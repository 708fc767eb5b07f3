package studio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/vnict/kiosk/sync/layout"
)

// Publishing uploads the files of the signed manifest only: a picture
// added to the folder after the approvers signed (listed by the folder's
// manifest, not the signed one) does not reach the store.
func TestPublishUploadsOnlySignedFiles(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	ws := t.TempDir()
	ed := d.studioFor(t, ws, "editor", false)
	ld := d.studioFor(t, ws, "leader", true)
	ed.submit("/bundles", url.Values{"id": {"b"}})
	signed := pngBytes(t, 8, 8)
	if resp, body := ed.upload("/bundles/b/image", [][2]string{{"csrf", ed.token()}, {"id", "map"}}, "map.png", signed); resp.StatusCode != 303 {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	for _, h := range []*harness{ed, ld} {
		name := map[*harness]string{ed: "editor", ld: "leader"}[h]
		if f := h.submit("/bundles/b/approve", url.Values{"passphrase": {passphrases[name]}, "sites": {"an-giang-tinh-bien"}, "rev": {h.shownRev("/bundles/b/approve")}}); !strings.Contains(f, "Đã ký") {
			t.Fatalf("%s: %s", name, f)
		}
	}
	late := pngBytes(t, 9, 9)
	if resp, body := ed.upload("/bundles/b/image", [][2]string{{"csrf", ed.token()}, {"id", "late"}}, "late.png", late); resp.StatusCode != 303 {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	if f := ld.submit("/publish", url.Values{"passphrase": {passphrases["publisher"]}}); !strings.Contains(f, "Đã xuất bản") {
		t.Fatalf("publish: %q", f)
	}
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{{"the signed picture", signed, true}, {"the picture added after signing", late, false}} {
		sum := sha256.Sum256(c.data)
		_, err := d.store.Stat(ctx, layout.MediaKey(hex.EncodeToString(sum[:])))
		if got := err == nil; got != c.want {
			t.Errorf("%s in the store: %v, want %v", c.name, got, c.want)
		}
	}
}
