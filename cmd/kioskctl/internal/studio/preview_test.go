package studio

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestPreview draws every slide of a bundle at every site, each PNG the
// site's size, and the text slides not blank.
func TestPreview(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"xem"}})
	h.submit("/bundles/xem/text", url.Values{"id": {"chao"}, "title-vi": {"Chào mừng quý khách"}, "title-km": {"សូមស្វាគមន៍"}})
	page := h.page("/bundles/xem/preview")
	imgs := regexp.MustCompile(`<img class="preview" data-site="([^"]+)" data-slide="(\d+)" src="([^"]+)" width="(\d+)" height="(\d+)"[^>]*alt="([^"]*)"`).FindAllStringSubmatch(page, -1)
	// Tịnh Biên shows vi and km, Lê Trì km and vi: two slides each.
	if len(imgs) != 4 {
		t.Fatalf("%d previews, want 4:\n%s", len(imgs), page)
	}
	sizes := map[string][2]int{"an-giang-tinh-bien": {1536, 768}, "an-giang-le-tri": {768, 1536}}
	for _, m := range imgs {
		resp, body := h.get(strings.ReplaceAll(m[3], "&amp;", "&"))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %s", m[3], resp.Status)
		}
		img, err := png.Decode(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		if want := sizes[m[1]]; img.Bounds().Dx() != want[0] || img.Bounds().Dy() != want[1] {
			t.Errorf("%s slide %s is %v, want %v", m[1], m[2], img.Bounds(), want)
		}
		// Not one colour: text is drawn.
		first, differ := img.At(0, 0), 0
		for y := 0; y < img.Bounds().Dy(); y += 4 {
			for x := 0; x < img.Bounds().Dx(); x += 4 {
				if img.At(x, y) != first {
					differ++
				}
			}
		}
		if differ < 100 {
			t.Errorf("%s slide %s (%s) is blank", m[1], m[2], m[6])
		}
	}
	if !strings.Contains(page, `alt="chao [vi]"`) || !strings.Contains(page, `alt="chao [km]"`) {
		t.Error("previews' alt text does not name the item and language")
	}
	one := h.page("/bundles/xem/preview?site=an-giang-le-tri")
	if n, m := strings.Count(one, `<img class="preview"`), strings.Count(one, `data-site="an-giang-le-tri" data-slide=`); n != 2 || m != 2 {
		t.Errorf("?site=an-giang-le-tri: %d previews, %d of the site", n, m)
	}
	rev := "?rev=" + h.shownRev("/bundles/xem")
	for _, bad := range []string{"/bundles/xem/preview/an-giang-tinh-bien/9.png" + rev, "/bundles/xem/preview/nowhere/0.png" + rev, "/bundles/xem/preview/an-giang-tinh-bien/-1.png" + rev} {
		if resp, _ := h.get(bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", bad, resp.Status)
		}
	}
}
