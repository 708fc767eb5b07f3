//go:build !noguides

package content

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestParseManifestGuide(t *testing.T) {
	m, err := ParseManifest(mustJSON(t, guideManifest()))
	if err != nil {
		t.Fatalf("valid guide manifest refused: %v", err)
	}
	g := m.Items[2]
	if g.Kind != KindGuide || g.Guide == nil || len(g.Guide.Steps) != 2 {
		t.Fatalf("guide item = %+v", g)
	}
	if got := g.Languages([]string{"en", "km", "vi"}); strings.Join(got, ",") != "km,vi" {
		t.Errorf("guide languages = %v, want [km vi]", got)
	}
	if got := g.Guide.Steps[0].Narration["vi"]; got != "narration/birth/1-vi.wav" {
		t.Errorf("narration = %q", got)
	}
	if !m.UsesGuides() {
		t.Error("UsesGuides = false for a bundle with a guide")
	}
}

func TestGuideStepTextIsNormalised(t *testing.T) {
	m := guideManifest()
	guideStep(m, 1)["text"] = map[string]any{"vi": map[string]any{"title": "Tie\u0302\u0301ng Vie\u0323\u0302t"}}
	got, err := ParseManifest(mustJSON(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Tiếng Việt"; got.Items[2].Guide.Steps[1].Text["vi"].Title != want {
		t.Errorf("step title = %q, want NFC %q", got.Items[2].Guide.Steps[1].Text["vi"].Title, want)
	}
}

func TestParseManifestGuideErrors(t *testing.T) {
	const s0 = "items[2].guide.steps[0]"
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		field  string
		substr string
		is     error
	}{
		{name: "requires guides", edit: func(m map[string]any) { delete(m, "requires") }, field: "items[2].kind", substr: `add "guides" to requires`},
		{name: "guide missing", edit: func(m map[string]any) { delete(item(m, 2), "guide") }, field: "items[2].guide", substr: "1 to 50 steps"},
		{name: "no steps", edit: func(m map[string]any) { item(m, 2)["guide"] = map[string]any{"steps": []any{}} }, field: "items[2].guide.steps", substr: "empty"},
		{name: "too many steps", edit: func(m map[string]any) {
			var steps []any
			for range MaxGuideSteps + 1 {
				steps = append(steps, map[string]any{"text": map[string]any{"vi": map[string]any{"title": "Bước"}}})
			}
			item(m, 2)["guide"] = map[string]any{"steps": steps}
		}, field: "items[2].guide.steps", substr: "51 steps; a guide has at most 50"},
		{name: "guide without title", edit: func(m map[string]any) { delete(item(m, 2), "text") }, field: "items[2].text", substr: "title in at least one language"},
		{name: "guide language without title", edit: func(m map[string]any) {
			item(m, 2)["text"].(map[string]any)["en"] = map[string]any{"body": "Register a birth"}
		}, field: "items[2].text.en.title", substr: "menu tile"},
		{name: "guide title too long", edit: func(m map[string]any) {
			item(m, 2)["text"].(map[string]any)["km"] = map[string]any{"title": strings.Repeat("ក", MaxTitleRunes+1)}
		}, field: "items[2].text.km.title", substr: "more than the 400"},
		{name: "guide side by side", edit: func(m map[string]any) { item(m, 2)["layout"] = LayoutSideBySide }, field: "items[2].layout", substr: "one language at a time"},
		{name: "guide duration", edit: func(m map[string]any) { item(m, 2)["duration"] = "8s" }, field: "items[2].duration", substr: "not timed"},
		{name: "guide fit", edit: func(m map[string]any) { item(m, 2)["fit"] = "stretch" }, field: "items[2].fit"},
		{name: "tile not a picture", edit: func(m map[string]any) {
			item(m, 2)["images"] = map[string]any{"*": "narration/birth/1-vi.wav"}
		}, field: "items[2].images.*", substr: ".png"},
		{name: "tile not listed", edit: func(m map[string]any) {
			item(m, 2)["images"] = map[string]any{"km": "guides/birth/tile-km.png"}
		}, field: "items[2].images.km", is: ErrNotListed},
		{name: "guide on a text item", edit: func(m map[string]any) {
			item(m, 0)["guide"] = item(m, 2)["guide"]
		}, field: "items[0].guide", substr: `only a "guide" item`},
		{name: "step without text", edit: func(m map[string]any) { delete(guideStep(m, 1), "text") }, field: "items[2].guide.steps[1].text", substr: "at least one language"},
		{name: "step text empty", edit: func(m map[string]any) {
			guideStep(m, 1)["text"] = map[string]any{"vi": map[string]any{"title": " "}}
		}, field: "items[2].guide.steps[1].text.vi", substr: "neither title nor body"},
		{name: "step language invalid", edit: func(m map[string]any) {
			guideStep(m, 1)["text"] = map[string]any{"khmer!": map[string]any{"title": "x"}}
		}, field: "items[2].guide.steps[1].text.khmer!", substr: "BCP 47"},
		{name: "step language not canonical", edit: func(m map[string]any) {
			guideStep(m, 1)["text"] = map[string]any{"KM": map[string]any{"title": "x"}}
		}, field: "items[2].guide.steps[1].text.KM", substr: `"km"`},
		{name: "step title too long", edit: func(m map[string]any) {
			guideStep(m, 1)["text"] = map[string]any{"lo": map[string]any{"title": strings.Repeat("ລ", MaxTitleRunes+1)}}
		}, field: "items[2].guide.steps[1].text.lo.title", substr: "more than the 400"},
		{name: "step body too long", edit: func(m map[string]any) {
			guideStep(m, 1)["text"] = map[string]any{"vi": map[string]any{"body": strings.Repeat("a", MaxBodyRunes+1)}}
		}, field: "items[2].guide.steps[1].text.vi.body", substr: "more than the 4000"},
		{name: "picture wrong type", edit: func(m map[string]any) { guideStep(m, 0)["picture"] = "guides/birth/1.gif" }, field: s0 + ".picture", substr: ".jpeg"},
		{name: "picture not listed", edit: func(m map[string]any) { guideStep(m, 0)["picture"] = "guides/birth/2.jpg" }, field: s0 + ".picture", is: ErrNotListed},
		{name: "picture escapes", edit: func(m map[string]any) { guideStep(m, 0)["picture"] = "../x.png" }, field: s0 + ".picture", substr: "inside the bundle"},
		{name: "qr http", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "http://dichvucong.gov.vn/" }, field: s0 + ".qr", substr: "want an https URL"},
		{name: "qr not a URL", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "https://dichvucong.gov.vn/%zz" }, field: s0 + ".qr", substr: "not a URL"},
		{name: "qr no host", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "https:///path" }, field: s0 + ".qr", substr: "with a host"},
		{name: "qr opaque", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "https:dichvucong.gov.vn" }, field: s0 + ".qr", substr: "with a host"},
		{name: "qr user info", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "https://admin:secret@dichvucong.gov.vn/" }, field: s0 + ".qr", substr: "no user name or password"},
		{name: "qr too long", edit: func(m map[string]any) {
			guideStep(m, 0)["qr"] = "https://dichvucong.gov.vn/?q=" + strings.Repeat("a", MaxQRBytes)
		}, field: s0 + ".qr", substr: "a QR code holds at most 1000"},
		{name: "qr control character", edit: func(m map[string]any) { guideStep(m, 0)["qr"] = "https://dichvucong.gov.vn/\n" }, field: s0 + ".qr", substr: "not a URL"},
		{name: "narration language invalid", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"Vi": "narration/birth/1-vi.wav"}
		}, field: s0 + ".narration.Vi", substr: `"vi"`},
		{name: "narration without text", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"en": "narration/birth/1-vi.wav"}
		}, field: s0 + ".narration.en", substr: "no en text"},
		{name: "narration wrong type", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"vi": "guides/birth/1.jpg"}
		}, field: s0 + ".narration.vi", substr: "want a .wav file (16-bit PCM)"},
		{name: "narration mp3", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"vi": "narration/birth/1-vi.mp3"}
		}, field: s0 + ".narration.vi", substr: "convert recorded files to 16-bit PCM WAV"},
		{name: "narration ogg", edit: func(m map[string]any) {
			renameFile(m, "narration/birth/1-km.wav", "narration/birth/1-km.ogg")
			guideStep(m, 0)["narration"].(map[string]any)["km"] = "narration/birth/1-km.ogg"
		}, field: s0 + ".narration.km", substr: "Ogg Vorbis and other compressed formats are not accepted"},
		{name: "narration ogg in capitals", edit: func(m map[string]any) {
			renameFile(m, "narration/birth/1-km.wav", "narration/birth/1-km.OGG")
			guideStep(m, 0)["narration"].(map[string]any)["km"] = "narration/birth/1-km.OGG"
		}, field: s0 + ".narration.km", substr: "convert recorded files to 16-bit PCM WAV"},
		{name: "narration too large", edit: func(m map[string]any) {
			setSize(m, "narration/birth/1-km.wav", MaxNarrationBytes+1)
		}, field: s0 + ".narration.km", substr: "a narration file has at most 16777216 (16 MiB)", is: ErrTooLarge},
		{name: "step picture too large", edit: func(m map[string]any) {
			setSize(m, "guides/birth/1.jpg", MaxImageBytes+1)
		}, field: s0 + ".picture", substr: "a picture has at most 33554432 (32 MiB)", is: ErrTooLarge},
		{name: "tile picture too large", edit: func(m map[string]any) {
			setSize(m, "guides/birth/tile.png", 1<<40)
		}, field: "items[2].images.*", is: ErrTooLarge},
		{name: "slide image too large", edit: func(m map[string]any) {
			setSize(m, "images/map.png", MaxImageBytes+1)
		}, field: "items[1].images.*", substr: `"images/map.png" is listed with 33554433 bytes`, is: ErrTooLarge},
		{name: "step title with espeak-ng's command character", edit: func(m map[string]any) {
			guideStep(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"title": "Xin chao \x0120S cac ban \x0150A to lam"}
		}, field: s0 + ".text.vi.title", substr: "control character U+0001"},
		{name: "step body with a tab", edit: func(m map[string]any) {
			guideStep(m, 1)["text"].(map[string]any)["vi"] = map[string]any{"body": "Điền\ttờ khai"}
		}, field: "items[2].guide.steps[1].text.vi.body", substr: "control character U+0009"},
		{name: "guide title with DEL", edit: func(m map[string]any) {
			item(m, 2)["text"].(map[string]any)["km"] = map[string]any{"title": "ការចុះ\x7fបញ្ជី"}
		}, field: "items[2].text.km.title", substr: "U+007F"},
		{name: "narration not listed", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"vi": "narration/birth/9-vi.wav"}
		}, field: s0 + ".narration.vi", is: ErrNotListed},
		{name: "narration absolute", edit: func(m map[string]any) {
			guideStep(m, 0)["narration"] = map[string]any{"vi": "/tmp/1-vi.wav"}
		}, field: s0 + ".narration.vi"},
		{name: "kind unknown names guide", edit: func(m map[string]any) { item(m, 2)["kind"] = "quiz" }, field: "items[2].kind", substr: `want "image", "text", "guide" or "video"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := guideManifest()
			tc.edit(m)
			_, err := ParseManifest(mustJSON(t, m))
			if err == nil {
				t.Fatal("manifest accepted, want an error")
			}
			if !strings.HasPrefix(err.Error(), ManifestName+": ") {
				t.Errorf("error %q does not name %s", err, ManifestName)
			}
			if !hasField(err, tc.field) {
				t.Errorf("error %q does not name field %q", err, tc.field)
			}
			if tc.substr != "" && !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %q does not contain %q", err, tc.substr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

func TestCheckQR(t *testing.T) {
	for _, u := range []string{
		"https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
		"https://vneid.gov.vn/",
		"https://dichvucong.gov.vn:443/p?ma=1.001193&lang=km#top",
		"https://DichVuCong.Gov.VN./",
		// A look-alike in plain ASCII passes: lint warns about a host
		// outside .gov.vn, and the player shows the host under the code.
		"https://dichvucong.gov.vn.example/",
		"https://dichvucong.gov.vn?q=%C3%B4#%20",
		"https://dichvucong.gov.vn/t%E1%BB%AB-kh%C3%B3a",
	} {
		if err := CheckQR(u); err != nil {
			t.Errorf("CheckQR(%q) = %v, want nil", u, err)
		}
	}
}

func TestCheckQRRefuses(t *testing.T) {
	for _, tc := range []struct{ url, substr string }{
		{"https://xn--dchvcng-cza.vn/", "encoded international name"},
		{"https://dichvucong.XN--p1ai/", "encoded international name"},
		{"https://dichvuc\u00f4ng.gov.vn/", "plain ASCII"},
		{"https://dichvucong.gov.v\u0578/", "plain ASCII"},     // Armenian "ո" for "n"
		{"https://%D0%B4ichvucong.gov.vn/", "percent-encoded"}, // Cyrillic "д"
		{"https://%64ichvucong.gov.vn/", "not a URL"},
		{"https://203.162.10.5/dvc", "IP address"},
		{"https://[2001:db8::1]/", "IP address"},
		{"https://127.1/", "IP address"},
		{"https://localhost/", "full domain name"},
		{"https://dichvucong.gov.vn:8443/", "port 8443"},
		{"https://dichvucong.gov.vn:0/", "port 0"},
		{"https://dich_vu.gov.vn/", "not allowed"},
		{"https://-dvc.gov.vn/", "not allowed"},
		{"https://dvc..gov.vn/", "empty"},
	} {
		err := CheckQR(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.substr) {
			t.Errorf("CheckQR(%q) = %v, want an error containing %q", tc.url, err, tc.substr)
		}
	}
}

// TestFileSizeLimits: a narration of MaxNarrationBytes and pictures of
// MaxImageBytes are accepted; one byte more is refused (above).
func TestFileSizeLimits(t *testing.T) {
	m := guideManifest()
	setSize(m, "narration/birth/1-km.wav", MaxNarrationBytes)
	setSize(m, "guides/birth/1.jpg", MaxImageBytes)
	setSize(m, "images/map.png", MaxImageBytes)
	if _, err := ParseManifest(mustJSON(t, m)); err != nil {
		t.Fatalf("files at the limits refused: %v", err)
	}
}

// TestTextKeepsLineBreaks: "\n" is the one control character text may hold.
func TestTextKeepsLineBreaks(t *testing.T) {
	m := guideManifest()
	guideStep(m, 1)["text"] = map[string]any{"vi": map[string]any{"body": "Dòng một\nDòng hai"}}
	got, err := ParseManifest(mustJSON(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Items[2].Guide.Steps[1].Text["vi"].Body; b != "Dòng một\nDòng hai" {
		t.Errorf("body = %q", b)
	}
}

// setSize sets the listed size of the file p of manifest m.
func setSize(m map[string]any, p string, size int64) {
	for _, f := range m["files"].([]any) {
		if f := f.(map[string]any); f["path"] == p {
			f["size"] = size
			return
		}
	}
	panic("no file " + p)
}

// renameFile renames the listed file from to to in manifest m.
func renameFile(m map[string]any, from, to string) {
	for _, f := range m["files"].([]any) {
		if f := f.(map[string]any); f["path"] == from {
			f["path"] = to
			return
		}
	}
	panic("no file " + from)
}

// TestPlayerWithoutGuides runs TestPlayerWithoutGuides of a build with the
// tag noguides (features_noguides_test.go): the package as a player had it
// before guides must refuse a guide bundle.
func TestPlayerWithoutGuides(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build without guides: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), goBin, "test", "-tags", "noguides", "-count=1", "-v", "-run", "^TestPlayerWithoutGuides$", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags noguides: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestPlayerWithoutGuides") {
		t.Fatalf("the noguides test did not run:\n%s", out)
	}
}

// TestGuideFuzzSeedValid keeps the guide seed of FuzzParseManifest a valid
// manifest, so the fuzzer starts from one that reaches the guide checks.
func TestGuideFuzzSeedValid(t *testing.T) {
	raw, err := os.ReadFile("testdata/fuzz/FuzzParseManifest/guide")
	if err != nil {
		t.Fatal(err)
	}
	_, lit, ok := strings.Cut(strings.TrimSpace(string(raw)), "\n[]byte(")
	if !ok || !strings.HasSuffix(lit, ")") {
		t.Fatalf("seed is not one []byte value:\n%s", raw)
	}
	manifest, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest([]byte(manifest))
	if err != nil {
		t.Fatalf("guide seed refused: %v", err)
	}
	if !m.UsesGuides() {
		t.Fatal("guide seed has no guide")
	}
}
