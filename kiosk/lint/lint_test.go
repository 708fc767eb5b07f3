package lint

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/content/demo"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

func site(t *testing.T, name string) *siteconfig.Config {
	t.Helper()
	c, err := siteconfig.Load(filepath.Join("../../configs", name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loader(t *testing.T) *fonts.Loader {
	return fonts.NewLoader(slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
}

// demoCopy writes the demo bundle to a folder, lets edit change its
// manifest, and re-indexes it so hashes match.
func demoCopy(t *testing.T, edit func(dir string, m map[string]any)) string {
	t.Helper()
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) { edit(dir, m) })
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDemoPassesEverySite(t *testing.T) {
	for _, name := range []string{"demo.yaml", "tinh-bien-gate.yaml", "vinh-xuong-gate.yaml", "commune-support-point.yaml"} {
		r := Bundle(demo.FS(), "demo", site(t, name), loader(t))
		if r.Errors() != 0 {
			t.Errorf("%s: %v", name, r.Findings)
		}
	}
}

func TestFindings(t *testing.T) {
	tests := []struct {
		name      string
		site      string
		edit      func(dir string, m map[string]any)
		after     func(t *testing.T, dir string) // runs after indexing
		wantError bool
		want      []string // parts of one finding's text
	}{
		{
			name: "text the site cannot draw", site: "commune-support-point.yaml",
			edit: func(_ string, m map[string]any) {
				contenttest.Item(t, m, "eservices")["text"].(map[string]any)["km"] = map[string]any{"title": "សេវា ຍິນດີ"}
			},
			wantError: true, want: []string{"item eservices", "lang km", "ຍ (U+0E8D)"},
		},
		{
			name: "ticker text the site cannot draw", site: "vinh-xuong-gate.yaml",
			edit: func(_ string, m map[string]any) {
				m["ticker"] = []any{map[string]any{"en": "Welcome 欢迎"}}
			},
			wantError: true, want: []string{"ticker[0]", "lang en", "欢 (U+6B22)"},
		},
		{
			name: "file altered after indexing", site: "demo.yaml",
			edit: func(string, map[string]any) {},
			after: func(t *testing.T, dir string) {
				f := filepath.Join(dir, "images/passport.png")
				data, _ := os.ReadFile(f)
				data[100] ^= 1
				os.WriteFile(f, data, 0o644)
			},
			wantError: true, want: []string{"images/passport.png", content.ErrHashMismatch.Error()},
		},
		{
			name: "image that does not decode", site: "demo.yaml",
			edit: func(dir string, _ map[string]any) {
				os.WriteFile(filepath.Join(dir, "images/passport.png"), []byte("this is not a PNG"), 0o644)
			},
			wantError: true, want: []string{"item passport-picture", "images/passport.png", "not a readable image"},
		},
		{
			name: "invalid manifest", site: "demo.yaml",
			edit: func(string, map[string]any) {},
			after: func(t *testing.T, dir string) {
				contenttest.EditManifest(t, dir, func(m map[string]any) { m["version"] = 0 })
			},
			wantError: true, want: []string{"manifest.json", "version"},
		},
		{
			name: "khmer the word list cannot break", site: "demo.yaml",
			edit: func(_ string, m map[string]any) {
				contenttest.Item(t, m, "passport")["text"].(map[string]any)["km"] = map[string]any{
					"title": "លិខិតឆ្លងដែន", "body": "សូមរៀបចំ " + unknownKhmer + " មុនពេលឆ្លងកាត់"}
			},
			want: []string{"item passport", "lang km", "cannot break", unknownKhmer[:30]},
		},
		{
			name: "khmer in another language's text", site: "demo.yaml",
			edit: func(_ string, m map[string]any) {
				contenttest.Item(t, m, "passport")["text"].(map[string]any)["vi"] = map[string]any{
					"title": "Hộ chiếu", "body": "Tiếng Khmer: " + unknownKhmer}
			},
			want: []string{"item passport", "lang vi", "cannot break"},
		},
		{
			name: "many runs the word list cannot break, named in one short line", site: "demo.yaml",
			edit: func(_ string, m map[string]any) {
				contenttest.Item(t, m, "passport")["text"].(map[string]any)["km"] = map[string]any{
					"title": "លិខិតឆ្លងដែន", "body": strings.Repeat(unknownKhmer+unknownKhmer+" ", 8)}
			},
			want: []string{"lang km", "cannot break", "…", "and 3 more"},
		},
		{
			name: "image far from the screen's shape", site: "vinh-xuong-gate.yaml",
			edit: func(string, map[string]any) {},
			want: []string{"item rice-fields", "far from the shape"},
		},
		{
			name: "item missing a site language", site: "demo.yaml",
			edit: func(string, map[string]any) {},
			want: []string{"item programmes", "also shows"},
		},
		{
			name: "unknown manifest field", site: "demo.yaml",
			edit: func(string, map[string]any) {},
			after: func(t *testing.T, dir string) {
				// After indexing, which keeps only known fields.
				contenttest.EditManifest(t, dir, func(m map[string]any) { contenttest.Item(t, m, "help")["duraton"] = "5s" })
			},
			want: []string{"duraton"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := demoCopy(t, tc.edit)
			if tc.after != nil {
				tc.after(t, dir)
			}
			r := Bundle(os.DirFS(dir), dir, site(t, tc.site), loader(t))
			if got := r.Errors() > 0; got != tc.wantError {
				t.Errorf("errors = %d, want errors: %v\n%v", r.Errors(), tc.wantError, r.Findings)
			}
			for _, f := range r.Findings {
				s := f.String()
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(s, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no finding contains all of %q:\n%v", tc.want, r.Findings)
		})
	}
}

// unknownKhmer is a run of Khmer letters that no word list divides:
// consonants each stacked on the next by a coeng, 21 clusters long.
var unknownKhmer = strings.Repeat("ក្ស្ម្", 7)

// TestKhmerAndLaoTheWordListBreaks: text typed without U+200B that the word
// lists divide draws no warning, in items and in the one-line ticker, even
// a ticker message no word list can divide.
func TestKhmerAndLaoTheWordListBreaks(t *testing.T) {
	dir := demoCopy(t, func(_ string, m map[string]any) {
		m["ticker"] = []any{
			map[string]any{"km": "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាមសូមរៀបចំលិខិតឆ្លងដែនរបស់អ្នកឱ្យបានរួចរាល់", "lo": "ຍິນດີຕ້ອນຮັບສູ່ປະເທດຫວຽດນາມກະລຸນາກຽມໜັງສືຜ່ານແດນຂອງທ່ານໃຫ້ພ້ອມ"},
			map[string]any{"km": unknownKhmer},
		}
	})
	r := Bundle(os.DirFS(dir), dir, site(t, "demo.yaml"), loader(t))
	for _, f := range r.Findings {
		if strings.Contains(f.Message, "cannot break") {
			t.Errorf("warning about text the word list breaks, or about the ticker: %v", f)
		}
	}
}
