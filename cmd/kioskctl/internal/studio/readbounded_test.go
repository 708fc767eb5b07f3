package studio

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestManifestNotRegular: a manifest.json that is a FIFO or a link out of
// its folder is refused at once by every page that reads it; none hangs
// and none shows what the link points to.
func TestManifestNotRegular(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(outside, []byte(`{"id":"b","title":"BÍ MẬT NGOÀI THƯ MỤC"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(p string) error
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"link out of the folder", func(p string) error { return os.Symlink(outside, p) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := filepath.Join(h.workspace, "b")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(filepath.Join(dir, "manifest.json")); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/", "/bundles/b", "/bundles/b/approve", "/bundles/b/preview"} {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.ts.URL+p, nil)
				resp, err := h.client.Do(req)
				if err != nil {
					cancel()
					t.Errorf("GET %s: %v (hangs)", p, err)
					continue
				}
				var body strings.Builder
				_, err = io.Copy(&body, resp.Body)
				resp.Body.Close()
				cancel()
				if err != nil {
					t.Errorf("GET %s: %v", p, err)
				}
				if strings.Contains(body.String(), "BÍ MẬT") {
					t.Errorf("GET %s shows the file the link points to", p)
				}
				if p != "/" && resp.StatusCode == http.StatusOK {
					t.Errorf("GET %s: %s, want a refusal", p, resp.Status)
				}
			}
		})
	}
}
