package studio

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A hostile manifest.json in the shared workspace (16 MB, a hundred
// thousand items, or texts past the format's bounds) is refused by name
// of file and field, quickly, instead of costing each page seconds and
// gigabytes; the bundles list shows the problem.
func TestHostileDraftRefused(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		id, manifest, want string
	}{
		{"big", `{"format":1,"id":"big","version":1,"items":[` + strings.Repeat(`{"id":"x","kind":"text","text":{"vi":{"title":"a"}}},`, 100_000) + `{"id":"y","kind":"text"}]}`,
			"manifest.json: items: 100001 mục, tối đa 1000"},
		{"long", `{"format":1,"id":"long","version":1,"items":[{"id":"x","kind":"text","text":{"vi":{"title":"` + strings.Repeat("ạ", 401) + `"}}}]}`,
			"manifest.json: items[0].text.vi.title: 401 ký tự, tối đa 400"},
		{"langs", `{"format":1,"id":"langs","version":1,"items":[{"id":"x","kind":"text","text":{` + langs(40) + `}}]}`,
			"manifest.json: items[0].text: 40 ngôn ngữ, tối đa 32"},
	} {
		dir := filepath.Join(h.workspace, c.id)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(c.manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		// Read once (seconds at most, under the race detector too), then
		// known: the refusal is kept with the manifest's hash.
		for i, most := range []time.Duration{15 * time.Second, time.Second} {
			start := time.Now()
			resp, body := h.get("/bundles/" + c.id)
			if took := time.Since(start); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, c.want) || took > most {
				t.Errorf("GET /bundles/%s (%d): %s in %v: %.300s", c.id, i+1, resp.Status, took, body)
			}
		}
	}
	page := h.page("/")
	for _, want := range []string{"100001 mục", "401 ký tự", "40 ngôn ngữ"} {
		if !strings.Contains(page, want) {
			t.Errorf("the bundles list does not show %q", want)
		}
	}
	// Shown again, nothing is read or parsed: the list is quick.
	start := time.Now()
	for range 20 {
		h.page("/")
	}
	if took := time.Since(start) / 20; took > 50*time.Millisecond {
		t.Errorf("the bundles list over unchanged manifests takes %v", took)
	}
}

func langs(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"l%d":{"title":"a"}`, i)
	}
	return b.String()
}
