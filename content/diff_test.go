package content

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadDiffManifest parses testdata/diff/NAME.json.
func loadDiffManifest(t *testing.T, name string) *Manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "diff", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// c builds a Change: item, lang, field, kind, old, new.
func c(item, lang, field, kind, old, new string) Change {
	return Change{Item: item, Lang: lang, Field: field, Kind: kind, Old: old, New: new}
}

func TestDiff(t *testing.T) {
	v1, v2 := loadDiffManifest(t, "v1"), loadDiffManifest(t, "v2")
	hash := func(ch string) string { return "images/map.png (sha256 " + strings.Repeat(ch, 12) + ")" }

	swapped := *v1
	swapped.Items = slices.Clone(v1.Items)
	swapped.Items[0], swapped.Items[1] = swapped.Items[1], swapped.Items[0]

	guide := func(picture, sha string, steps int) *Manifest {
		m := &Manifest{Items: []Item{{ID: "dvc", Kind: KindGuide,
			Text:  map[string]Text{"vi": {Title: "Dịch vụ công"}},
			Guide: &Guide{}}},
			Files: []File{{Path: picture, SHA256: sha}}}
		for range steps {
			m.Items[0].Guide.Steps = append(m.Items[0].Guide.Steps, Step{Text: map[string]Text{"vi": {Title: "Bước"}}, Picture: picture})
		}
		return m
	}
	sha := func(ch string) string { return strings.Repeat(ch, 64) }
	withFiles := func(m *Manifest, fs ...File) *Manifest {
		m.Files = append(m.Files, fs...)
		return m
	}

	tests := []struct {
		name     string
		old, new *Manifest
		want     []Change
	}{
		{"publication v4 to v5", v1, v2, []Change{
			c("", "", "bundle-title", ChangeEdited, "Cửa khẩu Tịnh Biên, tháng 11", "Cửa khẩu Tịnh Biên, tháng 12"),
			c("", "", "requires", ChangeAdded, "", `["schedule"]`),
			c("hours", "", "position", ChangeMoved, "3", "1"),
			c("hours", "en", "body", ChangeEdited, "7:00 to 22:00", "7:00 to 22:30"),
			c("welcome", "", "duration", ChangeEdited, "8s", "10s"),
			c("welcome", "en", "title", ChangeAdded, "", "Welcome"),
			c("welcome", "km", "body", ChangeAdded, "", "ច្រកទ្វារអន្តរជាតិ"),
			c("welcome", "vi", "title", ChangeEdited, "Chào mừng", "Xin chào"),
			c("map", "", "fit", ChangeEdited, "fit", "fill"),
			c("map", "*", "image", ChangeEdited, hash("a"), hash("b")),
			c("map", "km", "image", ChangeAdded, "", "images/map-km.png"),
			c("map", "", "schedule", ChangeAdded, "", `{"weekdays":["sat","sun"]}`),
			c("festival", "", "item", ChangeAdded, "", "text"),
			c("festival", "", "duration", ChangeAdded, "", "12s"),
			c("festival", "vi", "title", ChangeAdded, "", "Lễ hội Đua bò Bảy Núi"),
			c("old-notice", "", "item", ChangeRemoved, "text", ""),
			c("old-notice", "vi", "body", ChangeRemoved, "Thông báo cũ", ""),
			c("", "en", "ticker", ChangeEdited, "Welcome", "Welcome to An Giang"),
			c("", "vi", "ticker", ChangeEdited, "Giờ mở cửa 7:00", "Giờ mở cửa 7:30"),
			c("", "vi", "ticker", ChangeAdded, "", "Lễ hội ngày 15"),
		}},
		{"first publication", nil, v1, []Change{
			c("", "", "bundle-title", ChangeAdded, "", "Cửa khẩu Tịnh Biên, tháng 11"),
			c("welcome", "", "item", ChangeAdded, "", "text"),
			c("welcome", "", "duration", ChangeAdded, "", "8s"),
			c("welcome", "km", "title", ChangeAdded, "", "សូមស្វាគមន៍"),
			c("welcome", "vi", "title", ChangeAdded, "", "Chào mừng"),
			c("welcome", "vi", "body", ChangeAdded, "", "Cửa khẩu quốc tế Tịnh Biên"),
			c("map", "", "item", ChangeAdded, "", "image"),
			c("map", "*", "image", ChangeAdded, "", "images/map.png"),
			c("hours", "", "item", ChangeAdded, "", "text"),
			c("hours", "en", "title", ChangeAdded, "", "Opening hours"),
			c("hours", "en", "body", ChangeAdded, "", "7:00 to 22:00"),
			c("hours", "vi", "title", ChangeAdded, "", "Giờ làm việc"),
			c("hours", "vi", "body", ChangeAdded, "", "7:00 đến 22:00"),
			c("old-notice", "", "item", ChangeAdded, "", "text"),
			c("old-notice", "vi", "body", ChangeAdded, "", "Thông báo cũ"),
			c("", "en", "ticker", ChangeAdded, "", "Welcome"),
			c("", "km", "ticker", ChangeAdded, "", "ម៉ោងបើក ៧:០០"),
			c("", "vi", "ticker", ChangeAdded, "", "Xin chào quý khách"),
			c("", "vi", "ticker", ChangeAdded, "", "Giờ mở cửa 7:00"),
		}},
		{"unchanged", v1, v1, nil},
		{"two items swapped", v1, &swapped, []Change{
			// Either item could be the one that moved: the first keeps its place.
			c("welcome", "", "position", ChangeMoved, "1", "2"),
		}},
		{"everything taken out", v2, &Manifest{}, []Change{
			c("", "", "bundle-title", ChangeRemoved, "Cửa khẩu Tịnh Biên, tháng 12", ""),
			c("", "", "requires", ChangeRemoved, `["schedule"]`, ""),
			c("hours", "", "item", ChangeRemoved, "text", ""),
			c("hours", "en", "title", ChangeRemoved, "Opening hours", ""),
			c("hours", "en", "body", ChangeRemoved, "7:00 to 22:30", ""),
			c("hours", "vi", "title", ChangeRemoved, "Giờ làm việc", ""),
			c("hours", "vi", "body", ChangeRemoved, "7:00 đến 22:00", ""),
			c("welcome", "", "item", ChangeRemoved, "text", ""),
			c("welcome", "", "duration", ChangeRemoved, "10s", ""),
			c("welcome", "en", "title", ChangeRemoved, "Welcome", ""),
			c("welcome", "km", "title", ChangeRemoved, "សូមស្វាគមន៍", ""),
			c("welcome", "km", "body", ChangeRemoved, "ច្រកទ្វារអន្តរជាតិ", ""),
			c("welcome", "vi", "title", ChangeRemoved, "Xin chào", ""),
			c("welcome", "vi", "body", ChangeRemoved, "Cửa khẩu quốc tế Tịnh Biên", ""),
			c("map", "", "item", ChangeRemoved, "image", ""),
			c("map", "*", "image", ChangeRemoved, "images/map.png", ""),
			c("map", "km", "image", ChangeRemoved, "images/map-km.png", ""),
			c("map", "", "schedule", ChangeRemoved, `{"weekdays":["sat","sun"]}`, ""),
			c("festival", "", "item", ChangeRemoved, "text", ""),
			c("festival", "", "duration", ChangeRemoved, "12s", ""),
			c("festival", "vi", "title", ChangeRemoved, "Lễ hội Đua bò Bảy Núi", ""),
			c("", "en", "ticker", ChangeRemoved, "Welcome to An Giang", ""),
			c("", "km", "ticker", ChangeRemoved, "ម៉ោងបើក ៧:០០", ""),
			c("", "vi", "ticker", ChangeRemoved, "Xin chào quý khách", ""),
			c("", "vi", "ticker", ChangeRemoved, "Giờ mở cửa 7:30", ""),
			c("", "vi", "ticker", ChangeRemoved, "Lễ hội ngày 15", ""),
		}},
		{"guide step added", guide("p.png", sha("1"), 2), guide("p.png", sha("1"), 3), []Change{
			c("dvc", "", "guide", ChangeEdited, "2 steps", "3 steps"),
		}},
		{"guide picture replaced in place", guide("p.png", sha("1"), 2), guide("p.png", sha("2"), 2), []Change{
			c("dvc", "", "guide", ChangeEdited, "2 steps", "2 steps"),
		}},
		{"guide unchanged", guide("p.png", sha("1"), 2), guide("p.png", sha("1"), 2), nil},
		// A file nothing names still goes out with the bundle: the
		// approver is shown it, added, changed or removed.
		{"files nothing names", withFiles(guide("p.png", sha("1"), 2), File{Path: "x/key", SHA256: sha("3"), Size: 56}, File{Path: "old.bin", SHA256: sha("5"), Size: 1}),
			withFiles(guide("p.png", sha("1"), 2), File{Path: "x/key", SHA256: sha("4"), Size: 57}, File{Path: "new.bin", SHA256: sha("6"), Size: 2}), []Change{
				c("", "", "file", ChangeAdded, "", "new.bin (sha256 666666666666, 2 bytes)"),
				c("", "", "file", ChangeRemoved, "old.bin (sha256 555555555555, 1 bytes)", ""),
				c("", "", "file", ChangeEdited, "x/key (sha256 333333333333, 56 bytes)", "x/key (sha256 444444444444, 57 bytes)"),
			}},
		{"a file nothing names, first publication", nil, withFiles(guide("p.png", sha("1"), 1), File{Path: "secret", SHA256: sha("7"), Size: 9}), []Change{
			c("dvc", "", "item", ChangeAdded, "", "guide"),
			c("dvc", "vi", "title", ChangeAdded, "", "Dịch vụ công"),
			c("dvc", "", "guide", ChangeAdded, "", "1 steps"),
			c("", "", "file", ChangeAdded, "", "secret (sha256 777777777777, 9 bytes)"),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := [2]string{jsonOf(tc.old), jsonOf(tc.new)}
			got := Diff(tc.old, tc.new)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Diff:\n%s\nwant:\n%s", changeLines(got), changeLines(tc.want))
			}
			if after := [2]string{jsonOf(tc.old), jsonOf(tc.new)}; after != before {
				t.Error("Diff changed a manifest")
			}
		})
	}
}

// TestDiffDemo diffs the demo bundle against itself edited as an editor
// would in the studio: one Khmer body and nothing else.
func TestDiffDemo(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("demo", "bundle", ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	old, err := ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(edited.Items, func(it Item) bool { _, ok := it.Text["km"]; return ok && it.Kind == KindText })
	if i < 0 {
		t.Fatal("the demo has no Khmer text item")
	}
	it := &edited.Items[i]
	km := it.Text["km"]
	was := km.Body
	km.Body = "ព័ត៌មានថ្មី"
	it.Text = map[string]Text{}
	for l, tx := range old.Items[i].Text {
		it.Text[l] = tx
	}
	it.Text["km"] = km
	want := []Change{c(it.ID, "km", "body", ChangeEdited, was, "ព័ត៌មានថ្មី")}
	if was == "" {
		want[0].Kind = ChangeAdded
	}
	if got := Diff(old, edited); !slices.Equal(got, want) {
		t.Errorf("Diff:\n%s\nwant:\n%s", changeLines(got), changeLines(want))
	}
}

func changeLines(cs []Change) string {
	var b strings.Builder
	for _, ch := range cs {
		j, _ := json.Marshal(ch)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// A manifest too large for the exact diff still gets a bounded one.
func TestDiffHugeTicker(t *testing.T) {
	var a, b []Message
	for i := range 3000 {
		a = append(a, Message{"vi": strings.Repeat("x", i%7) + string(rune('a'+i%26))})
	}
	b = append([]Message{{"vi": "mới"}}, a...)
	got := Diff(&Manifest{Ticker: a}, &Manifest{Ticker: b})
	if len(got) == 0 || len(got) > len(b) {
		t.Fatalf("%d changes", len(got))
	}
	small := Diff(&Manifest{Ticker: a[:100]}, &Manifest{Ticker: b[:101]})
	if want := []Change{c("", "vi", "ticker", ChangeAdded, "", "mới")}; !slices.Equal(small, want) {
		t.Errorf("Diff:\n%s", changeLines(small))
	}
}
