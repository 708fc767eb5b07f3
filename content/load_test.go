package content

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// validManifest returns a small valid manifest as a JSON-ready map, for the
// table tests to break one field at a time.
func validManifest() map[string]any {
	return map[string]any{
		"format":  1,
		"id":      "test-bundle",
		"version": 3,
		"created": "2026-11-20T08:00:00Z",
		"items": []any{
			map[string]any{
				"id": "welcome", "kind": "text", "duration": "8s",
				"text": map[string]any{
					"vi": map[string]any{"title": "Chào mừng", "body": "Cửa khẩu Tịnh Biên"},
					"km": map[string]any{"title": "សូមស្វាគមន៍"},
				},
			},
			map[string]any{
				"id": "map", "kind": "image",
				"images": map[string]any{"*": "images/map.png"},
			},
		},
		"ticker": []any{map[string]any{"vi": "Xin chào", "en": "Hello"}},
		"files": []any{
			map[string]any{"path": "images/map.png", "sha256": strings.Repeat("a", 64), "size": 10},
		},
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func item(m map[string]any, i int) map[string]any {
	return m["items"].([]any)[i].(map[string]any)
}

func TestParseManifestValid(t *testing.T) {
	m, err := ParseManifest(mustJSON(t, validManifest()))
	if err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	if got := m.Items[1].Fit; got != FitContain {
		t.Errorf("default fit = %q, want %q", got, FitContain)
	}
	if got := m.Items[0].Layout; got != LayoutSingle {
		t.Errorf("default layout = %q, want %q", got, LayoutSingle)
	}
	if got := m.Items[0].Languages([]string{"en", "km", "vi"}); strings.Join(got, ",") != "km,vi" {
		t.Errorf("text item languages = %v, want [km vi]", got)
	}
	if got := m.Items[1].Languages([]string{"en", "km"}); len(got) != 2 {
		t.Errorf("image item with a '*' image languages = %v, want both", got)
	}
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		raw    string // used instead of edit when set
		field  string // the FieldError.Field expected among the errors
		substr string // a part of the message
		is     error
	}{
		{name: "syntax", raw: "{\n  \"format\": 1,\n  \"id\": \n}", substr: "line 4 column 1"},
		{name: "wrong type", raw: `{"format": "one"}`, field: "format", substr: "string"},
		{name: "format missing", edit: func(m map[string]any) { delete(m, "format") }, field: "format", substr: "missing"},
		{name: "format newer", edit: func(m map[string]any) { m["format"] = 2 }, field: "format", substr: "reads format 1"},
		{name: "bad id", edit: func(m map[string]any) { m["id"] = "Bad ID" }, field: "id"},
		{name: "version zero", edit: func(m map[string]any) { m["version"] = 0 }, field: "version"},
		{name: "created missing", edit: func(m map[string]any) { delete(m, "created") }, field: "created"},
		{name: "unknown feature", edit: func(m map[string]any) { m["requires"] = []any{"holograms"} }, field: "requires[0]", is: ErrUnsupportedFeature},
		{name: "no items", edit: func(m map[string]any) { m["items"] = []any{} }, field: "items"},
		{name: "duplicate item id", edit: func(m map[string]any) { item(m, 1)["id"] = "welcome" }, field: "items[1].id", substr: "earlier item"},
		{name: "kind missing", edit: func(m map[string]any) { delete(item(m, 0), "kind") }, field: "items[0].kind", substr: "missing"},
		{name: "kind unknown", edit: func(m map[string]any) { item(m, 0)["kind"] = "hologram" }, field: "items[0].kind", substr: `"hologram"`},
		{name: "duration unparsable", edit: func(m map[string]any) { item(m, 0)["duration"] = "eight" }, field: "items[0].duration", substr: "8s"},
		{name: "duration too short", edit: func(m map[string]any) { item(m, 0)["duration"] = "100ms" }, field: "items[0].duration"},
		{name: "layout unknown", edit: func(m map[string]any) { item(m, 0)["layout"] = "stacked" }, field: "items[0].layout"},
		{name: "language tag invalid", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["khmer!"] = map[string]any{"title": "x"}
		}, field: "items[0].text.khmer!"},
		{name: "language tag not canonical", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["VI-vn"] = map[string]any{"title": "x"}
		}, field: "items[0].text.VI-vn", substr: `"vi-VN"`},
		{name: "text without title or body", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["en"] = map[string]any{"title": " "}
		}, field: "items[0].text.en", substr: "neither"},
		{name: "text item without text", edit: func(m map[string]any) { delete(item(m, 0), "text") }, field: "items[0].text"},
		{name: "title too long", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["km"] = map[string]any{"title": strings.Repeat("ក", MaxTitleRunes+1)}
		}, field: "items[0].text.km.title", substr: "401 characters, more than the 400"},
		{name: "body too long", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"body": strings.Repeat("\u200b\u0301", MaxBodyRunes)}
		}, field: "items[0].text.vi.body", substr: "more than the 4000"},
		{name: "ticker message too long", edit: func(m map[string]any) {
			m["ticker"] = []any{map[string]any{"lo": strings.Repeat("ລ", MaxTickerRunes+1)}}
		}, field: "ticker[0].lo", substr: "more than the 2000"},
		{name: "image item without image", edit: func(m map[string]any) { delete(item(m, 1), "images") }, field: "items[1].images"},
		{name: "image not listed", edit: func(m map[string]any) {
			item(m, 1)["images"] = map[string]any{"*": "images/other.png"}
		}, field: "items[1].images.*", is: ErrNotListed},
		{name: "image wrong type", edit: func(m map[string]any) {
			item(m, 1)["images"] = map[string]any{"*": "images/map.gif"}
		}, field: "items[1].images.*", substr: ".png"},
		{name: "image path escapes", edit: func(m map[string]any) {
			item(m, 1)["images"] = map[string]any{"*": "../secret.png"}
		}, field: "items[1].images.*", substr: "inside the bundle"},
		{name: "fit unknown", edit: func(m map[string]any) { item(m, 1)["fit"] = "stretch" }, field: "items[1].fit"},
		{name: "font not a font", edit: func(m map[string]any) {
			m["fonts"] = []any{map[string]any{"file": "images/map.png"}}
		}, field: "fonts[0].file", substr: ".ttf"},
		{name: "file bad hash", edit: func(m map[string]any) {
			m["files"].([]any)[0].(map[string]any)["sha256"] = "XYZ"
		}, field: "files[0].sha256"},
		{name: "file negative size", edit: func(m map[string]any) {
			m["files"].([]any)[0].(map[string]any)["size"] = -1
		}, field: "files[0].size"},
		{name: "file absolute path", edit: func(m map[string]any) {
			m["files"] = append(m["files"].([]any), map[string]any{"path": "/etc/passwd", "sha256": strings.Repeat("b", 64), "size": 1})
		}, field: "files[1].path"},
		{name: "file backslash", edit: func(m map[string]any) {
			m["files"] = append(m["files"].([]any), map[string]any{"path": `images\a.png`, "sha256": strings.Repeat("b", 64), "size": 1})
		}, field: "files[1].path", substr: "'/'"},
		{name: "file listed twice", edit: func(m map[string]any) {
			m["files"] = append(m["files"].([]any), m["files"].([]any)[0])
		}, field: "files[1].path", substr: "twice"},
		{name: "one SHA-256 with two sizes", edit: func(m map[string]any) {
			f0 := m["files"].([]any)[0].(map[string]any)
			m["files"] = append(m["files"].([]any), map[string]any{"path": "images/other.png", "sha256": f0["sha256"], "size": 7})
		}, field: "files[1].size", substr: "same SHA-256"},
		{name: "manifest lists itself", edit: func(m map[string]any) {
			m["files"] = append(m["files"].([]any), map[string]any{"path": "manifest.json", "sha256": strings.Repeat("b", 64), "size": 1})
		}, field: "files[1].path"},
		{name: "empty ticker message", edit: func(m map[string]any) { m["ticker"] = []any{map[string]any{}} }, field: "ticker[0]"},
		{name: "empty ticker text", edit: func(m map[string]any) { m["ticker"] = []any{map[string]any{"vi": ""}} }, field: "ticker[0].vi"},
		{name: "ticker with a C1 control", edit: func(m map[string]any) {
			m["ticker"] = []any{map[string]any{"vi": "Xin chào\u0085 các bạn"}}
		}, field: "ticker[0].vi", substr: "control character U+0085 at byte 9"},
		{name: "ticker with a carriage return", edit: func(m map[string]any) {
			m["ticker"] = []any{map[string]any{"en": "Hello\r\nworld"}}
		}, field: "ticker[0].en", substr: "U+000D"},
		{name: "item title with espeak-ng's command character", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"title": "Xin chao \x0120S cac ban"}
		}, field: "items[0].text.vi.title", substr: "U+0001"},
		{name: "item body with NUL", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["km"] = map[string]any{"body": "សូម\x00ស្វាគមន៍"}
		}, field: "items[0].text.km.body", substr: "U+0000"},
		{name: "bundle title with an escape", edit: func(m map[string]any) { m["title"] = "Tịnh Biên \x1b[31m" }, field: "title", substr: "U+001B"},
		{name: "bundle title too long", edit: func(m map[string]any) { m["title"] = strings.Repeat("a", MaxTitleRunes+1) }, field: "title", substr: "more than the 400"},
		{name: "combining marks stacked on a letter", edit: func(m map[string]any) {
			// "x" has no composed form with an acute: NFC leaves all 17.
			item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"body": "Xin x" + strings.Repeat("\u0301", MaxMarksPerCharacter+1)}
		}, field: "items[0].text.vi.body", substr: "more than 16 combining marks on one character at byte"},
		{name: "combining marks joined by ZWJ", edit: func(m map[string]any) {
			item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"title": "x" + strings.Repeat("\u0302\u200d", 4000/2)}
		}, field: "items[0].text.vi.title", substr: "combining marks"},
		{name: "combining marks in the ticker", edit: func(m map[string]any) {
			m["ticker"] = []any{map[string]any{"vi": "Tin a" + strings.Repeat("\u0302", 1990)}}
		}, field: "ticker[0].vi", substr: "combining marks"},
		{name: "too many ticker messages", edit: func(m map[string]any) {
			var msgs []any
			for range MaxTickerMessages + 1 {
				msgs = append(msgs, map[string]any{"vi": "Xin chào"})
			}
			m["ticker"] = msgs
		}, field: "ticker", substr: "201 messages, more than the 200"},
		{name: "too many languages", edit: func(m map[string]any) {
			// welcome has vi and km; the ticker, replaced, these.
			langs := canonicalLanguages(t, MaxLanguages)
			msg := map[string]any{}
			for _, l := range langs {
				msg[l] = "Xin chào"
			}
			m["ticker"] = []any{msg}
		}, field: "ticker[0]." + canonicalLanguages(t, MaxLanguages)[MaxLanguages-2], substr: "more than the 64 a bundle may use"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			if tc.raw == "" {
				m := validManifest()
				tc.edit(m)
				raw = mustJSON(t, m)
			}
			_, err := ParseManifest(raw)
			if err == nil {
				t.Fatal("manifest accepted, want an error")
			}
			if !strings.HasPrefix(err.Error(), ManifestName+": ") {
				t.Errorf("error %q does not name %s", err, ManifestName)
			}
			if tc.field != "" && !hasField(err, tc.field) {
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

// canonicalLanguages are n two-letter language tags other than vi, km
// and en, in order, each as checkLanguage wants it written.
func canonicalLanguages(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for a := 'a'; a <= 'z' && len(out) < n; a++ {
		for b := 'a'; b <= 'z' && len(out) < n; b++ {
			tag := string([]rune{a, b})
			if tag == "vi" || tag == "km" || tag == "en" || checkLanguage(tag) != nil {
				continue
			}
			out = append(out, tag)
		}
	}
	if len(out) < n {
		t.Fatalf("only %d language tags", len(out))
	}
	return out
}

// TestTextLimitsAccepted accepts what sits at each limit: as many marks on
// a character as allowed, Vietnamese typed decomposed, Khmer with its
// subscripts, and as many ticker messages and languages as allowed.
func TestTextLimitsAccepted(t *testing.T) {
	m := validManifest()
	item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{
		"title": "x" + strings.Repeat("\u0301", MaxMarksPerCharacter),
		"body":  "Tie\u0302\u0301ng Vie\u0323\u0302t, ស្រ្តី, ព្រះរាជាណាចក្រកម្ពុជា",
	}
	var msgs []any
	for range MaxTickerMessages - 1 {
		msgs = append(msgs, map[string]any{"vi": "Xin chào"})
	}
	langs := map[string]any{}
	for _, l := range canonicalLanguages(t, MaxLanguages-2) { // with vi and km
		langs[l] = "Xin chào"
	}
	m["ticker"] = append(msgs, langs)
	if _, err := ParseManifest(mustJSON(t, m)); err != nil {
		t.Fatal(err)
	}
}

// hasField reports whether any FieldError in err's tree names field.
func hasField(err error, field string) bool {
	var fe *FieldError
	if errors.As(err, &fe) && fe.Field == field {
		return true
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if hasField(e, field) {
				return true
			}
		}
	}
	return false
}

func TestNFDTextIsNormalised(t *testing.T) {
	m := validManifest()
	// "Tiếng Việt" typed with combining marks (NFD).
	nfd := "Tie\u0302\u0301ng Vie\u0323\u0302t"
	item(m, 0)["text"].(map[string]any)["vi"] = map[string]any{"title": nfd}
	got, err := ParseManifest(mustJSON(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Tiếng Việt"; got.Items[0].Text["vi"].Title != want {
		t.Errorf("title = %q, want NFC %q", got.Items[0].Text["vi"].Title, want)
	}
}

func TestUnknownFields(t *testing.T) {
	m := validManifest()
	item(m, 0)["duraton"] = "5s"
	if got := UnknownFields(mustJSON(t, m)); len(got) != 1 || !strings.Contains(got[0], "duraton") {
		t.Errorf("UnknownFields = %v, want one naming duraton", got)
	}
	if got := UnknownFields(mustJSON(t, validManifest())); len(got) != 0 {
		t.Errorf("UnknownFields of a valid manifest = %v", got)
	}
}

func bundleFS(t *testing.T, files map[string][]byte) fstest.MapFS {
	t.Helper()
	m := validManifest()
	var list []any
	fsys := fstest.MapFS{}
	for p, data := range files {
		f := Describe(p, data)
		list = append(list, map[string]any{"path": f.Path, "sha256": f.SHA256, "size": f.Size})
		fsys[p] = &fstest.MapFile{Data: data}
	}
	m["files"] = list
	fsys[ManifestName] = &fstest.MapFile{Data: mustJSON(t, m)}
	return fsys
}

func TestReadFileChecksBytes(t *testing.T) {
	good := []byte("PNG bytes")
	tests := []struct {
		name    string
		replace []byte // what the file holds instead of good; nil: unchanged
		remove  bool
		is      error
	}{
		{name: "intact"},
		{name: "altered", replace: []byte("PNG bytez"), is: ErrHashMismatch},
		{name: "truncated", replace: []byte("PNG"), is: ErrSizeMismatch},
		{name: "grown", replace: []byte("PNG bytes and more"), is: ErrSizeMismatch},
		{name: "missing", remove: true, is: os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := bundleFS(t, map[string][]byte{"images/map.png": good})
			if tc.replace != nil {
				fsys["images/map.png"] = &fstest.MapFile{Data: tc.replace}
			}
			if tc.remove {
				delete(fsys, "images/map.png")
			}
			b, err := Load(fsys, "mem")
			if err != nil {
				t.Fatal(err)
			}
			data, err := b.ReadFile("images/map.png")
			verr := b.Verify()
			if tc.is == nil {
				if err != nil || verr != nil || string(data) != string(good) {
					t.Fatalf("ReadFile = %q, %v; Verify = %v", data, err, verr)
				}
				return
			}
			for name, e := range map[string]error{"ReadFile": err, "Verify": verr} {
				if !errors.Is(e, tc.is) {
					t.Errorf("%s error = %v, want %v", name, e, tc.is)
				}
				if e != nil && !strings.Contains(e.Error(), "images/map.png") {
					t.Errorf("%s error %q does not name the file", name, e)
				}
			}
		})
	}
}

func TestLoadMissingManifest(t *testing.T) {
	_, err := LoadDir(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), ManifestName) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir of an empty folder = %v, want a not-exist error naming %s", err, ManifestName)
	}
}

func TestIndexDir(t *testing.T) {
	dir := t.TempDir()
	m := validManifest()
	m["files"] = []any{}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), mustJSON(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "images", "map.png"), []byte("not really a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := IndexDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 1 || got.Files[0].Path != "images/map.png" || got.Files[0].Size != 16 {
		t.Fatalf("files = %+v", got.Files)
	}
	b, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(); err != nil {
		t.Errorf("indexed bundle does not verify: %v", err)
	}
}

// TestIndexDirEdit: IndexOptions.Edit changes the manifest that is written,
// and an edit that fails, or that breaks the manifest, leaves the file as
// it was.
func TestIndexDirEdit(t *testing.T) {
	dir := t.TempDir()
	m := validManifest()
	m["files"] = []any{}
	manifest := filepath.Join(dir, ManifestName)
	if err := os.WriteFile(manifest, mustJSON(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "images", "map.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(m *Manifest) error{
		"edit fails":        func(*Manifest) error { return errors.New("no voice") },
		"edit breaks it":    func(m *Manifest) error { m.Items[0].Kind = "video"; return nil },
		"edit names a file": func(m *Manifest) error { m.Items[1].Images["*"] = "images/none.png"; return nil },
	} {
		if _, err := IndexDirWith(dir, IndexOptions{Edit: edit}); err == nil {
			t.Errorf("%s: IndexDirWith succeeded", name)
		}
		if after, _ := os.ReadFile(manifest); string(after) != string(before) {
			t.Errorf("%s: the manifest changed", name)
		}
	}
	got, err := IndexDirWith(dir, IndexOptions{Edit: func(m *Manifest) error {
		m.Items[0].Text["en"] = Text{Title: "Welcome"}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Items[0].Text["en"].Title != "Welcome" || got.Items[0].Text["en"].Title != "Welcome" || len(b.Manifest.Files) != 1 {
		t.Errorf("edited manifest = %+v", b.Manifest)
	}
}

func BenchmarkParseManifest(b *testing.B) {
	raw, err := json.Marshal(validManifest())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ParseManifest(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGuideLanguagesCounted refuses a guide step bringing in a language
// more than MaxLanguages, naming the step.
func TestGuideLanguagesCounted(t *testing.T) {
	m := guideManifest()
	text := map[string]any{}
	langs := canonicalLanguages(t, MaxLanguages-1) // with vi and km, one too many
	for _, l := range langs {
		text[l] = map[string]any{"title": "Bước 2"}
	}
	guideStep(m, 1)["text"] = text
	_, err := ParseManifest(mustJSON(t, m))
	if field := "items[2].guide.steps[1].text." + langs[MaxLanguages-2]; !hasField(err, field) {
		t.Fatalf("error %v does not name %s", err, field)
	}
}
