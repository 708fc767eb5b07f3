package content

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	guide1, guide2 := loadDiffManifest(t, "guide-v1"), loadDiffManifest(t, "guide-v2")
	video1, video2 := loadDiffManifest(t, "video-v1"), loadDiffManifest(t, "video-v2")
	// file is a bundle file as a Change shows it.
	file := func(path, ch string, size int) string {
		return fmt.Sprintf("%s (sha256 %s, %d bytes)", path, strings.Repeat(ch, 12), size)
	}

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
			c("map", "*", "image", ChangeEdited, file("images/map.png", "a", 10), file("images/map.png", "b", 12)),
			c("map", "km", "image", ChangeAdded, "", file("images/map-km.png", "c", 11)),
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
			c("map", "*", "image", ChangeAdded, "", file("images/map.png", "a", 10)),
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
			c("map", "", "fit", ChangeRemoved, "fill", ""),
			c("map", "*", "image", ChangeRemoved, file("images/map.png", "b", 12), ""),
			c("map", "km", "image", ChangeRemoved, file("images/map-km.png", "c", 11), ""),
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
			c("dvc", "vi", "guide.steps[2].title", ChangeAdded, "", "Bước"),
			c("dvc", "", "guide.steps[2].picture", ChangeAdded, "", file("p.png", "1", 0)),
		}},
		{"guide step removed", guide("p.png", sha("1"), 2), guide("p.png", sha("1"), 1), []Change{
			c("dvc", "vi", "guide.steps[1].title", ChangeRemoved, "Bước", ""),
			c("dvc", "", "guide.steps[1].picture", ChangeRemoved, file("p.png", "1", 0), ""),
		}},
		{"guide picture replaced in place", guide("p.png", sha("1"), 2), guide("p.png", sha("2"), 2), []Change{
			c("dvc", "", "guide.steps[0].picture", ChangeEdited, file("p.png", "1", 0), file("p.png", "2", 0)),
			c("dvc", "", "guide.steps[1].picture", ChangeEdited, file("p.png", "1", 0), file("p.png", "2", 0)),
		}},
		// The finding that made guides diff field by field: a step's QR
		// code sent to a look-alike domain and its body asking for money
		// must both be shown, with every other field of every step.
		{"guide edited step by step", guide1, guide2, []Change{
			c("birth", "vi", "guide.steps[0].body", ChangeEdited, "Quét mã QR bằng điện thoại.", "Chuyển phí vào tài khoản 123"),
			c("birth", "", "guide.steps[0].picture", ChangeEdited, file("guides/birth/portal.jpg", "2", 200), file("guides/birth/portal.jpg", "6", 201)),
			c("birth", "", "guide.steps[0].qr", ChangeEdited, "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", "https://dichvucong-gov.vn.example.com/pay"),
			c("birth", "vi", "guide.steps[0].narration", ChangeEdited, file("narration/birth/1-vi.wav", "4", 400), file("narration/birth/1-vi.wav", "9", 400)),
			c("birth", "km", "guide.steps[1].title", ChangeAdded, "", "ចូល"),
			c("birth", "", "guide.steps[1].picture", ChangeEdited, file("guides/birth/login.jpg", "3", 300), file("guides/birth/login-2.jpg", "7", 700)),
			c("birth", "vi", "guide.steps[1].narration", ChangeRemoved, file("narration/birth/2-vi.wav", "5", 500), ""),
			c("birth", "vi", "guide.steps[2].title", ChangeAdded, "", "Nộp hồ sơ"),
			c("birth", "vi", "guide.steps[2].body", ChangeAdded, "", "Bấm Gửi."),
			c("birth", "", "guide.steps[2].picture", ChangeAdded, "", file("guides/birth/send.jpg", "8", 800)),
			c("birth", "", "guide.steps[2].qr", ChangeAdded, "", "https://dichvucong.gov.vn/p/home/dvc-nop-ho-so.html"),
			c("birth", "vi", "guide.steps[2].narration", ChangeAdded, "", file("narration/birth/3-vi.wav", "a", 900)),
		}},
		{"guide first publication", nil, guide1, []Change{
			c("", "", "requires", ChangeAdded, "", `["guides"]`),
			c("birth", "", "item", ChangeAdded, "", "guide"),
			c("birth", "", "fit", ChangeAdded, "", "fill"),
			c("birth", "vi", "title", ChangeAdded, "", "Đăng ký khai sinh trực tuyến"),
			c("birth", "*", "image", ChangeAdded, "", file("guides/birth/tile.png", "1", 100)),
			c("birth", "vi", "guide.steps[0].title", ChangeAdded, "", "Mở Cổng dịch vụ công"),
			c("birth", "vi", "guide.steps[0].body", ChangeAdded, "", "Quét mã QR bằng điện thoại."),
			c("birth", "", "guide.steps[0].picture", ChangeAdded, "", file("guides/birth/portal.jpg", "2", 200)),
			c("birth", "", "guide.steps[0].qr", ChangeAdded, "", "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"),
			c("birth", "vi", "guide.steps[0].narration", ChangeAdded, "", file("narration/birth/1-vi.wav", "4", 400)),
			c("birth", "vi", "guide.steps[1].title", ChangeAdded, "", "Đăng nhập"),
			c("birth", "", "guide.steps[1].picture", ChangeAdded, "", file("guides/birth/login.jpg", "3", 300)),
			c("birth", "vi", "guide.steps[1].narration", ChangeAdded, "", file("narration/birth/2-vi.wav", "5", 500)),
		}},
		{"video edited", video1, video2, []Change{
			c("report", "", "video.duration", ChangeEdited, "1m32.4s", "1m40s"),
			c("report", "", "video.sound", ChangeEdited, "with sound", "silent"),
			c("report", "", "video.renditions[0].file", ChangeEdited, file("video/report-1536x768-r0-25.mp4", "b", 1000), file("video/report-1536x768-r0-25.mp4", "d", 1001)),
			c("report", "", "video.renditions[1].file", ChangeEdited, file("video/report-1536x768-r90-25.mp4", "c", 1100), file("video/report-1536x768-r90-30.mp4", "e", 1200)),
			c("report", "", "video.renditions[1].geometry", ChangeEdited, "1536x768 turned 90° at 25 fps", "1536x768 turned 90° at 30 fps"),
			c("report", "", "video.renditions[2].file", ChangeAdded, "", file("video/report-3840x1080-r0-25.mp4", "f", 3000)),
			c("report", "", "video.renditions[2].geometry", ChangeAdded, "", "3840x1080 at 25 fps"),
			// An added item shows its layout.
			c("notice", "", "item", ChangeAdded, "", "text"),
			c("notice", "", "layout", ChangeAdded, "", "side-by-side"),
			c("notice", "km", "title", ChangeAdded, "", "សេចក្តីជូនដំណឹង"),
			c("notice", "vi", "title", ChangeAdded, "", "Thông báo"),
		}},
		{"video removed", video1, &Manifest{}, []Change{
			c("", "", "requires", ChangeRemoved, `["video"]`, ""),
			c("report", "", "item", ChangeRemoved, "video", ""),
			c("report", "vi", "title", ChangeRemoved, "Phóng sự: cửa khẩu Tịnh Biên", ""),
			c("report", "", "video.duration", ChangeRemoved, "1m32.4s", ""),
			c("report", "", "video.sound", ChangeRemoved, "with sound", ""),
			c("report", "", "video.renditions[0].file", ChangeRemoved, file("video/report-1536x768-r0-25.mp4", "b", 1000), ""),
			c("report", "", "video.renditions[0].geometry", ChangeRemoved, "1536x768 at 25 fps", ""),
			c("report", "", "video.renditions[1].file", ChangeRemoved, file("video/report-1536x768-r90-25.mp4", "c", 1100), ""),
			c("report", "", "video.renditions[1].geometry", ChangeRemoved, "1536x768 turned 90° at 25 fps", ""),
		}},
		{"video unchanged", video1, video1, nil},
		{"guide unchanged", guide1, guide1, nil},
		{"guide unchanged", guide("p.png", sha("1"), 2), guide("p.png", sha("1"), 2), nil},
		// A file nothing names still goes out with the bundle: the
		// approver is shown it, added, changed or removed.
		{"files nothing names", withFiles(guide("p.png", sha("1"), 2), File{Path: "x/key", SHA256: sha("3"), Size: 56}, File{Path: "old.bin", SHA256: sha("5"), Size: 1}),
			withFiles(guide("p.png", sha("1"), 2), File{Path: "x/key", SHA256: sha("4"), Size: 57}, File{Path: "new.bin", SHA256: sha("6"), Size: 2}), []Change{
				c("", "", "file", ChangeAdded, "", "new.bin (sha256 666666666666, 2 bytes)"),
				c("", "", "file", ChangeRemoved, "old.bin (sha256 555555555555, 1 bytes)", ""),
				c("", "", "file", ChangeEdited, "x/key (sha256 333333333333, 56 bytes)", "x/key (sha256 444444444444, 57 bytes)"),
			}},
		// An item stops naming p.png, which is still listed, with other
		// bytes: nothing names it now, so it is shown as a file.
		{"a file no longer named, changed", withFiles(guide("p.png", sha("1"), 1)),
			withFiles(guide("q.png", sha("2"), 1), File{Path: "p.png", SHA256: sha("9"), Size: 999}), []Change{
				c("dvc", "", "guide.steps[0].picture", ChangeEdited, file("p.png", "1", 0), file("q.png", "2", 0)),
				c("", "", "file", ChangeEdited, "p.png (sha256 111111111111, 0 bytes)", "p.png (sha256 999999999999, 999 bytes)"),
			}},
		{"a file nothing names, first publication", nil, withFiles(guide("p.png", sha("1"), 1), File{Path: "secret", SHA256: sha("7"), Size: 9}), []Change{
			c("dvc", "", "item", ChangeAdded, "", "guide"),
			c("dvc", "vi", "title", ChangeAdded, "", "Dịch vụ công"),
			c("dvc", "vi", "guide.steps[0].title", ChangeAdded, "", "Bước"),
			c("dvc", "", "guide.steps[0].picture", ChangeAdded, "", file("p.png", "1", 0)),
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
	// Different ends leave no common head or tail to pair first.
	whole := slices.Clone(b)
	whole[len(whole)-1] = Message{"vi": "cuối"}
	got := Diff(&Manifest{Ticker: a}, &Manifest{Ticker: whole})
	if len(got) == 0 || len(got) > len(b) {
		t.Fatalf("%d changes", len(got))
	}
	small := Diff(&Manifest{Ticker: a[:100]}, &Manifest{Ticker: b[:101]})
	if want := []Change{c("", "vi", "ticker", ChangeAdded, "", "mới")}; !slices.Equal(small, want) {
		t.Errorf("Diff:\n%s", changeLines(small))
	}
}

// largeManifests are two versions of a bundle at the validation caps:
// MaxTickerMessages ticker messages in MaxLanguages private-use
// languages (every other message edited in each), 1,000 items (their
// order reversed, every tenth title edited) and 1,000 fonts (half of
// them replaced).
func largeManifests() (old, new *Manifest) {
	old, new = &Manifest{}, &Manifest{}
	langs := make([]string, MaxLanguages)
	for i := range langs {
		langs[i] = fmt.Sprintf("x-lang%02d", i)
	}
	for i := range MaxTickerMessages {
		a, b := Message{}, Message{}
		for _, l := range langs {
			a[l] = fmt.Sprintf("tin %d %s", i, l)
			b[l] = a[l]
			if i%2 == 1 {
				b[l] += " mới"
			}
		}
		old.Ticker = append(old.Ticker, a)
		new.Ticker = append(new.Ticker, b)
	}
	const items, fonts = 1000, 1000
	for i := range items {
		it := Item{ID: fmt.Sprintf("item-%04d", i), Kind: KindText, Layout: LayoutSingle,
			Text: map[string]Text{"vi": {Title: fmt.Sprintf("Tiêu đề %d", i)}, "km": {Body: "ព័ត៌មាន"}, "en": {Title: "News"}}}
		old.Items = append(old.Items, it)
		if i%10 == 0 {
			it.Text = maps.Clone(it.Text)
			it.Text["vi"] = Text{Title: fmt.Sprintf("Tiêu đề mới %d", i)}
		}
		new.Items = append(new.Items, it)
	}
	slices.Reverse(new.Items)
	for i := range fonts {
		p := fmt.Sprintf("fonts/f%04d.ttf", i)
		old.Fonts = append(old.Fonts, Font{File: p})
		old.Files = append(old.Files, File{Path: p, SHA256: strings.Repeat("a", 64), Size: 1})
		q := fmt.Sprintf("fonts/f%04d.ttf", i+fonts/2)
		new.Fonts = append(new.Fonts, Font{File: q})
		new.Files = append(new.Files, File{Path: q, SHA256: strings.Repeat("a", 64), Size: 1})
	}
	return old, new
}

// Diff is linear in the ticker's languages and the fonts, and fast at
// the validation caps: the approve page calls it on every load.
func TestDiffLarge(t *testing.T) {
	old, new := largeManifests()
	start := time.Now()
	got := Diff(old, new)
	took := time.Since(start)
	t.Logf("%d changes in %v", len(got), took)
	if took > 2*time.Second {
		t.Errorf("Diff of a large manifest took %v", took)
	}
	count := map[string]int{}
	for _, ch := range got {
		count[ch.Field+" "+ch.Kind]++
	}
	want := map[string]int{
		"ticker edited":  MaxTickerMessages / 2 * MaxLanguages,
		"position moved": 999,
		"title edited":   100,
		"font added":     500,
		"font removed":   500,
	}
	if !maps.Equal(count, want) {
		t.Errorf("changes by field and kind: %v, want %v", count, want)
	}
}

func BenchmarkDiffLarge(b *testing.B) {
	old, new := largeManifests()
	for b.Loop() {
		Diff(old, new)
	}
}

// A manifest past the caps (as the studio may hold before it is
// validated) still diffs in linear time: 10,000 messages, each in a
// language of its own, and as many fonts (the quadratic diff took 3m37s
// at 40,000).
func TestDiffPastTheCaps(t *testing.T) {
	const n = 10_000
	old, new := &Manifest{}, &Manifest{}
	for i := range n {
		old.Ticker = append(old.Ticker, Message{fmt.Sprintf("x-%05d", i): "tin"})
		new.Ticker = append(new.Ticker, Message{fmt.Sprintf("x-%05d", i): "tin mới"})
		old.Fonts = append(old.Fonts, Font{File: fmt.Sprintf("fonts/a%05d.ttf", i)})
		new.Fonts = append(new.Fonts, Font{File: fmt.Sprintf("fonts/b%05d.ttf", i)})
	}
	start := time.Now()
	got := Diff(old, new)
	took := time.Since(start)
	t.Logf("%d changes in %v", len(got), took)
	if took > 2*time.Second {
		t.Errorf("Diff took %v", took)
	}
	if want := 3 * n; len(got) != want {
		t.Errorf("%d changes, want %d", len(got), want)
	}
}

// Pairing the common head and tail first still finds a longest common
// subsequence: the same length as the table alone, and a valid one.
func TestLCSHeadAndTail(t *testing.T) {
	tests := []struct{ a, b string }{
		{"", ""}, {"abc", "abc"}, {"abc", ""}, {"abcde", "abxde"}, {"aab", "ab"},
		{"xabcx", "xbcax"}, {"abab", "baba"}, {"aaaa", "aa"}, {"abcabc", "cbacba"},
	}
	for _, tc := range tests {
		a, b := strings.Split(tc.a, ""), strings.Split(tc.b, "")
		got, table := lcs(a, b), lcsTable(a, b, 0)
		if len(got) != len(table) {
			t.Errorf("lcs(%q, %q): %d pairs, the table alone %d", tc.a, tc.b, len(got), len(table))
		}
		for k, p := range got {
			if a[p[0]] != b[p[1]] || k > 0 && (p[0] <= got[k-1][0] || p[1] <= got[k-1][1]) {
				t.Errorf("lcs(%q, %q) = %v: not a common subsequence", tc.a, tc.b, got)
				break
			}
		}
	}
}
