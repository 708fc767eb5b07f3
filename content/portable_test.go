package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckPathPortable(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		substr string // "" means accepted
	}{
		{name: "plain", path: "images/map.png"},
		{name: "vietnamese name", path: "ảnh/bản-đồ.png"},
		{name: "dot inside a name", path: "images/map.v2.png"},
		{name: "leading dot", path: "images/.hidden.png"},
		{name: "name containing a device name", path: "images/console.png"},
		{name: "device name as a longer word", path: "images/com10.png"},
		{name: "drive letter", path: "C:map.png", substr: "drive letter"},
		{name: "NTFS stream", path: "images/map.png:evil", substr: "':'"},
		{name: "backslash", path: `images\map.png`, substr: "'/'"},
		{name: "device name", path: "images/NUL", substr: "device name"},
		{name: "device name with extension", path: "images/nul.txt", substr: "device name"},
		{name: "device name mixed case", path: "Com1.png", substr: "device name"},
		{name: "device name as a folder", path: "lpt9/map.png", substr: "device name"},
		{name: "device name with two extensions", path: "images/aux.tar.gz", substr: "device name"},
		{name: "device name superscript", path: "images/COM¹.png", substr: "device name"},
		{name: "console input", path: "conin$.png", substr: "device name"},
		{name: "trailing dot", path: "images/map.png.", substr: "ends with a dot"},
		{name: "trailing space", path: "images /map.png", substr: "ends with a dot or a space"},
		{name: "control character", path: "images/map\x07.png", substr: "control character"},
		{name: "newline", path: "images/map\n.png", substr: "control character"},
		{name: "C1 control", path: "images/map\u0085.png", substr: "control character"},
		{name: "right-to-left override", path: "images/gnp\u202E.exe", substr: "bidirectional"},
		{name: "isolate", path: "images/a\u2066b.png", substr: "bidirectional"},
		{name: "right-to-left mark", path: "images/a\u200Fb.png", substr: "bidirectional"},
		{name: "arabic letter mark", path: "images/a\u061Cb.png", substr: "bidirectional"},
		{name: "windows forbidden", path: "images/what?.png", substr: "Windows"},
		{name: "invalid UTF-8", path: "images/\xff.png", substr: "UTF-8"},
		{name: "name too long", path: "images/" + strings.Repeat("a", 256) + ".png", substr: "longer than 255"},
		{name: "path too long", path: strings.Repeat("abcdefgh/", 120) + "a.png", substr: "longer than 1024"},
		{name: "parent", path: "../map.png", substr: "inside the bundle"},
		{name: "absolute", path: "/etc/passwd", substr: "inside the bundle"},
		{name: "empty element", path: "images//map.png", substr: "inside the bundle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPath(tc.path)
			if tc.substr == "" {
				if err != nil {
					t.Fatalf("checkPath(%q) = %v, want accepted", tc.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("checkPath(%q) = %v, want an error containing %q", tc.path, err, tc.substr)
			}
			if !utf8.ValidString(tc.path) {
				return // JSON carries no invalid UTF-8: decoding replaces it with U+FFFD
			}
			// The manifest names the field that holds the path.
			m := validManifest()
			m["files"] = append(m["files"].([]any), map[string]any{"path": tc.path, "sha256": strings.Repeat("b", 64), "size": 1})
			_, err = ParseManifest(mustJSON(t, m))
			if !hasField(err, "files[1].path") {
				t.Errorf("ParseManifest error %v does not name files[1].path", err)
			}
		})
	}
}

func TestPathCollisions(t *testing.T) {
	tests := []struct {
		name   string
		paths  []string
		field  string // "" means accepted
		substr string
	}{
		{name: "distinct", paths: []string{"images/a.png", "images/b.png"}},
		{name: "same folder in two cases", paths: []string{"Images/a.png", "images/b.png"}},
		{name: "case", paths: []string{"A.png", "a.png"}, field: "files[2].path", substr: "case is ignored"},
		{name: "case in a folder", paths: []string{"Images/a.png", "images/A.PNG"}, field: "files[2].path", substr: "case is ignored"},
		{name: "kelvin sign", paths: []string{"k.png", "\u212A.png"}, field: "files[2].path", substr: "case is ignored"},
		{name: "long s", paths: []string{"s.png", "\u017F.png"}, field: "files[2].path", substr: "case is ignored"},
		{name: "normalisation", paths: []string{"\u00e9.png", "e\u0301.png"}, field: "files[2].path", substr: "case is ignored"},
		{name: "file and folder", paths: []string{"a", "a/b.png"}, field: "files[1].path", substr: "also a folder"},
		{name: "file and folder in another case", paths: []string{"A/b.png", "a"}, field: "files[2].path", substr: "also a folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := validManifest()
			for _, p := range tc.paths {
				m["files"] = append(m["files"].([]any), map[string]any{"path": p, "sha256": strings.Repeat("b", 64), "size": 1})
			}
			_, err := ParseManifest(mustJSON(t, m))
			if tc.field == "" {
				if err != nil {
					t.Fatalf("manifest refused: %v", err)
				}
				return
			}
			if !hasField(err, tc.field) || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("error %v, want one on %s containing %q", err, tc.field, tc.substr)
			}
		})
	}
}

func TestStrictKeys(t *testing.T) {
	// The valid manifest as JSON, with each map's keys in sorted order; the
	// cases edit its text, since a Go map cannot hold a key twice.
	valid := string(mustJSON(t, validManifest()))
	tests := []struct {
		name   string
		old    string // replaced by new in the valid manifest
		new    string
		field  string // "" means accepted
		substr string
	}{
		{name: "unchanged"},
		{name: "unknown field kept for later versions", old: `"id":"welcome"`, new: `"id":"welcome","duraton":"5s"`},
		{name: "unknown object nested", old: `"id":"welcome"`, new: `"id":"welcome","cues":{"days":[{"from":"08:00"}]}`},
		{name: "duplicate top-level key", old: `"version":3`, new: `"version":3,"version":4`, field: "version", substr: "twice"},
		{name: "items given twice", old: `"ticker":`, new: `"items":[],"ticker":`, field: "items", substr: "twice"},
		{name: "case variant of items", old: `"ticker":`, new: `"Items":[],"ticker":`, field: "Items", substr: `"items" only in case`},
		{name: "case variant of an item id", old: `"id":"welcome"`, new: `"id":"welcome","ID":"evil"`, field: "items[0].ID", substr: `"id" only in case`},
		{name: "case variant alone", old: `"id":"welcome"`, new: `"Id":"welcome"`, field: "items[0].Id", substr: "only in case"},
		{name: "duplicate language", old: `"km":`, new: `"vi":{"title":"khác"},"km":`, field: "items[0].text.vi", substr: "twice"},
		{name: "duplicate title", old: `"title":"Chào mừng"`, new: `"title":"Chào mừng","title":"Khác"`, field: "items[0].text.vi.title", substr: "twice"},
		{name: "duplicate image language", old: `"*":"images/map.png"`, new: `"*":"images/map.png","*":"images/map.png"`, field: "items[1].images.*", substr: "twice"},
		{name: "duplicate ticker language", old: `"en":"Hello"`, new: `"en":"Hello","en":"Bye"`, field: "ticker[0].en", substr: "twice"},
		{name: "kelvin sign variant", old: `"kind":"text"`, new: `"kind":"text","\u212Aind":"image"`, field: "items[0].\u212Aind", substr: "only in case"},
		{name: "long s variant of sha256", old: `"sha256":`, new: `"\u017Fha256":"x","sha256":`, field: "files[0].\u017Fha256", substr: "only in case"},
		{name: "nesting too deep", old: `"id":"welcome"`, new: `"id":"welcome","x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20),
			field: "items[0].x[0][0][0][0][0][0][0][0][0][0][0][0][0]", substr: "nested deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := valid
			if tc.old != "" {
				if !strings.Contains(raw, tc.old) {
					t.Fatalf("%q not in the valid manifest %s", tc.old, raw)
				}
				raw = strings.Replace(raw, tc.old, tc.new, 1)
			}
			_, err := ParseManifest([]byte(raw))
			if tc.field == "" {
				if err != nil {
					t.Fatalf("manifest refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("manifest accepted")
			}
			if !strings.HasPrefix(err.Error(), ManifestName+": ") {
				t.Errorf("error %q does not name %s", err, ManifestName)
			}
			if !hasField(err, tc.field) || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %q, want one on %s containing %q", err, tc.field, tc.substr)
			}
		})
	}
}

func TestIndexDirRefusesDuplicateKeys(t *testing.T) {
	dir := t.TempDir()
	raw := strings.Replace(string(mustJSON(t, validManifest())), `"version":3`, `"version":3,"Version":4`, 1)
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := IndexDir(dir); err == nil || !hasField(err, "Version") {
		t.Fatalf("IndexDir = %v, want a refusal naming Version", err)
	}
}

func TestLoadRefusesHugeManifest(t *testing.T) {
	dir := t.TempDir()
	// Sparse: the size is there, the bytes are not.
	f, err := os.Create(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxManifestSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("LoadDir = %v, want a size refusal", err)
	}
}
