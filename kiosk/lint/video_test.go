package lint

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
)

// addVideo adds to the manifest m (of the bundle in dir) a video item
// "report" with sound and renditions of the given geometries
// ([width, height, rotation, fps]), writing a small file for each.
func addVideo(t *testing.T, dir string, m map[string]any, sound bool, geometries ...[4]int) {
	t.Helper()
	var rs []any
	for _, g := range geometries {
		p := "video/" + content.Geometry(g[0], g[1], g[2], g[3]) + ".mp4"
		p = strings.NewReplacer(" ", "-", "°", "").Replace(p)
		if err := os.MkdirAll(filepath.Join(dir, "video"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("not decoded by lint "+p), 0o644); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, map[string]any{"file": p, "width": g[0], "height": g[1], "rotation": g[2], "fps": g[3]})
	}
	reqs, _ := m["requires"].([]any)
	m["requires"] = append(reqs, content.FeatureVideo)
	m["items"] = append(m["items"].([]any), map[string]any{
		"id": "report", "kind": "video",
		"text":  map[string]any{"vi": map[string]any{"title": "Phóng sự cửa khẩu"}},
		"video": map[string]any{"duration": "12s", "sound": sound, "renditions": rs},
	})
}

func TestVideoRenditions(t *testing.T) {
	landscape := [4]int{1536, 768, 0, 25} // tinh-bien-gate.yaml
	portrait := [4]int{1536, 768, 90, 25} // vinh-xuong-gate.yaml: 768x1536 turned 90°
	tests := []struct {
		name      string
		site      string
		sound     bool
		have      [][4]int
		big       string // a rendition made larger than MaxRenditionBytes, by geometry index
		wantError bool
		want      []string // parts of one finding's text; nil: no finding names the item
	}{
		{name: "landscape wall has its rendition", site: "tinh-bien-gate.yaml", have: [][4]int{landscape, portrait}},
		{name: "portrait wall has its rendition", site: "vinh-xuong-gate.yaml", have: [][4]int{landscape, portrait}},
		{name: "portrait wall lacks its rotation", site: "vinh-xuong-gate.yaml", have: [][4]int{landscape},
			wantError: true, want: []string{"error: item report: no rendition for 1536x768 turned 90° at 25 fps, the screen of site an-giang-vinh-xuong (it has 1536x768 at 25 fps); run kioskctl add-video ", " CLIP --id report --site ../../configs/vinh-xuong-gate.yaml"}},
		{name: "landscape wall lacks its size", site: "tinh-bien-gate.yaml", have: [][4]int{{1920, 1080, 0, 25}, portrait},
			wantError: true, want: []string{"no rendition for 1536x768 at 25 fps", "1920x1080 at 25 fps; 1536x768 turned 90° at 25 fps"}},
		{name: "other frame rate", site: "tinh-bien-gate.yaml", have: [][4]int{{1536, 768, 0, 30}},
			wantError: true, want: []string{"no rendition for 1536x768 at 25 fps"}},
		{name: "sound on a silent wall", site: "tinh-bien-gate.yaml", sound: true, have: [][4]int{landscape},
			want: []string{"info: item report: the clip has sound, but site an-giang-tinh-bien (mode signage) plays video silently"}},
		{name: "sound at an interactive site", site: "commune-support-point.yaml", sound: true, have: [][4]int{{1920, 1080, 0, 25}}},
		{name: "rendition too large", site: "tinh-bien-gate.yaml", have: [][4]int{landscape, portrait}, big: "portrait",
			want: []string{"warning: item report file video/1536x768-turned-90-at-25-fps.mp4: 524288001 bytes, more than 500 MiB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := demoCopy(t, func(dir string, m map[string]any) {
				addVideo(t, dir, m, tc.sound, tc.have...)
				if tc.big != "" {
					// A sparse file, one byte over the bound.
					p := filepath.Join(dir, "video/1536x768-turned-90-at-25-fps.mp4")
					if err := os.Truncate(p, MaxRenditionBytes+1); err != nil {
						t.Fatal(err)
					}
				}
			})
			r := Bundle(os.DirFS(dir), dir, site(t, tc.site), loader(t))
			if got := r.Errors() > 0; got != tc.wantError {
				t.Errorf("errors = %d, want errors: %v\n%v", r.Errors(), tc.wantError, r.Findings)
			}
			var about []string
			for _, f := range r.Findings {
				if f.Item == "report" {
					about = append(about, f.String())
				}
			}
			if tc.want == nil {
				if len(about) > 0 {
					t.Errorf("findings about the video: %q", about)
				}
				return
			}
			if !slices.ContainsFunc(about, func(s string) bool {
				for _, w := range tc.want {
					if !strings.Contains(s, w) {
						return false
					}
				}
				return true
			}) {
				t.Errorf("no finding contains all of %q:\n%q", tc.want, about)
			}
		})
	}
}
