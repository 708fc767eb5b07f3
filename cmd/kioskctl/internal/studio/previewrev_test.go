package studio

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

var thumbSrc = regexp.MustCompile(`<img class="thumb" data-site="([^"]+)" data-slide="(\d+)" src="([^"]+)"`)

// TestApproveShowsSignedSlides: the approve page shows the slides of the
// very manifest it shows and signs (rev), each PNG drawn for that rev;
// once the manifest changes, those URLs are refused (409), never answered
// with the new manifest's slides.
func TestApproveShowsSignedSlides(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"b"}})
	h.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-vi": {"Chào mừng quý khách"}, "title-km": {"សូមស្វាគមន៍"}})
	// The sign form's rev is the manifest's SHA-256, as the editor's.
	rev := h.shownRev("/bundles/b")
	page := h.page("/bundles/b/approve")
	thumbs := thumbSrc.FindAllStringSubmatch(page, -1)
	// Tịnh Biên and Lê Trì, a slide for vi and one for km each.
	if len(thumbs) != 4 {
		t.Fatalf("%d thumbnails on the approve page, want 4", len(thumbs))
	}
	for _, m := range thumbs {
		src := strings.ReplaceAll(m[3], "&amp;", "&")
		if !strings.HasSuffix(src, "?rev="+rev) {
			t.Fatalf("thumbnail %s is not of the signed rev %s", src, rev)
		}
		if resp, body := h.get(src); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %s %.200s", src, resp.Status, body)
		}
	}
	src := strings.ReplaceAll(thumbs[0][3], "&amp;", "&")
	noRev := strings.SplitN(src, "?", 2)[0]
	h.submit("/bundles/b/text", url.Values{"id": {"y"}, "title-vi": {"Thông báo mới"}})
	for _, u := range []string{src, noRev, noRev + "?rev=" + strings.Repeat("0", 64)} {
		resp, body := h.get(u)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "tải lại trang") {
			t.Errorf("%s after the manifest changed: %s %.200s", u, resp.Status, body)
		}
	}
	again := h.page("/bundles/b/approve")
	if n := len(thumbSrc.FindAllStringSubmatch(again, -1)); n != 6 {
		t.Errorf("%d thumbnails after adding an item in vi, want 6", n)
	}
}

// TestPreviewNotPoisonedBySwaps flips manifest.json between a benign
// version (two items) and another (one item) while the preview is drawn:
// whatever the page then shows for the manifest on disk must be that
// manifest's slides, never the other's cached under its rev.
func TestPreviewNotPoisonedBySwaps(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"b"}})
	h.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-vi": {"Chào mừng quý khách"}})
	h.submit("/bundles/b/text", url.Values{"id": {"y"}, "title-vi": {"Thông báo"}})
	dir := filepath.Join(h.workspace, "b")
	mp := filepath.Join(dir, content.ManifestName)
	benign, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := content.IndexDirWith(dir, content.IndexOptions{Edit: func(m *content.Manifest) error {
		m.Items = m.Items[:1]
		tx := m.Items[0].Text["vi"]
		tx.Title = "NỘI DUNG GIẢ MẠO"
		m.Items[0].Text["vi"] = tx
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	evil, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		if err := os.WriteFile(mp+".tmp", b, 0o644); err != nil {
			t.Error(err)
		}
		if err := os.Rename(mp+".tmp", mp); err != nil {
			t.Error(err)
		}
	}
	slide := regexp.MustCompile(`<img class="preview"`)
	deadline := time.Now().Add(15 * time.Second)
	for try := 0; try < 200 && time.Now().Before(deadline); try++ {
		h.srv.previews.mu.Lock()
		clear(h.srv.previews.renderers)
		clear(h.srv.previews.pngs)
		h.srv.previews.mu.Unlock()
		var stop atomic.Bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; !stop.Load(); i++ {
				if i%2 == 0 {
					write(evil)
				} else {
					write(benign)
				}
			}
		}()
		h.get("/bundles/b/preview?site=an-giang-tinh-bien")
		stop.Store(true)
		<-done
		write(evil)
		page := h.page("/bundles/b/preview?site=an-giang-tinh-bien")
		// The manifest on disk has one item, in vi: one slide.
		if n := len(slide.FindAllString(page, -1)); n != 1 {
			t.Fatalf("try %d: the disk holds the one-item manifest, the preview shows %d slides", try, n)
		}
	}
}
