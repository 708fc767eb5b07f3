package render

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report/uptime"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "an-giang-tinh-bien", "an-giang-tinh-bien"},
		{"Vietnamese", "Cửa khẩu Tịnh Biên", "Cửa khẩu Tịnh Biên"},
		{"zero-width spaces shown", "សួស្តី\u200bពិភពលោក", "សួស្តី<U+200B>ពិភពលោក"},
		{"look-alike IDs told apart", "gate\u200b-news\ufeff", "gate<U+200B>-news<U+FEFF>"},
		{"terminal escape", "site\x1b[2J\x1b[31mOK", "site[2J[31mOK"},
		{"carriage return overprints", "failing\ronline ", "failingonline "},
		{"tab shifts columns", "a\tb", "ab"},
		{"newline", "a\nb", "ab"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 CSI", "a\u009b31mb", "a31mb"},
		{"bidi override", "site-\u202egnp.exe", "site-gnp.exe"},
		{"bidi embeddings", "\u202a\u202b\u202c\u202dx", "x"},
		{"bidi isolates", "\u2066\u2067\u2068x\u2069", "x"},
		{"bidi marks", "\u200ex\u200f\u061c", "x"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Printable(tc.in); got != tc.want {
				t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"welcome", "welcome"},
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-1+1|cmd", "'-1+1|cmd"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'=1+1"},
		{"\r=1+1", "'=1+1"},
		{"\x01=1+1", "'=1+1"}, // a control character does not hide a formula
		// Our numbers are never negative; one that looks negative came
		// from a site and is quoted like any other text.
		{"-5", "'-5"},
		{"12.50", "12.50"},
		{"", ""},
		{"a=b", "a=b"},
	}
	for _, tc := range tests {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCSVInjection writes a report whose site, item and language come
// from a hostile site: every cell of every file is safe, and the numbers
// the report itself writes are unchanged.
func TestCSVInjection(t *testing.T) {
	loc := hcm(t)
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	r := &Report{From: d, To: d, Generated: d, Loc: loc, Sites: []Site{{
		Name: "=cmd|' /C calc'!A0", Hours: "@x",
		Site: uptime.Site{Site: "-evil\x1b[0m", Days: []uptime.Tally{{Start: d, Scheduled: time.Hour, Showing: time.Hour}},
			Total:   uptime.Tally{Start: d, Scheduled: time.Hour, Showing: time.Hour},
			Outages: []uptime.Outage{{Start: d, End: d.Add(time.Minute), Cause: "+cause"}},
			Plays:   []uptime.PlayTotal{{Item: "=1+1", Lang: "+vi", Plays: 3, Time: time.Minute}}},
	}}}
	dir := t.TempDir()
	paths, err := WriteCSV(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), bom))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for i, rec := range recs {
			for j, c := range rec {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s row %d cell %d: %q starts a formula", filepath.Base(p), i, j, c)
				}
				if Printable(c) != c {
					t.Errorf("%s row %d cell %d: %q holds control characters", filepath.Base(p), i, j, c)
				}
			}
		}
	}
	sites, _ := os.ReadFile(filepath.Join(dir, "sites.csv"))
	if want := "'-evil[0m,'=cmd|' /C calc'!A0,'@x,1.00,1.00,100.00,1,1.00,0\n"; !strings.Contains(string(sites), want) {
		t.Errorf("sites.csv:\n%s\nwant the row %q", sites, want)
	}
	plays, _ := os.ReadFile(filepath.Join(dir, "plays.csv"))
	if want := "'-evil[0m,'=1+1,'+vi,3,60.00\n"; !strings.Contains(string(plays), want) {
		t.Errorf("plays.csv:\n%s\nwant the row %q", plays, want)
	}
}

// TestUnplayedItems: an item published to the site that never played is
// listed with zero plays, in plays.csv and on the page, and counts in no
// language.
func TestUnplayedItems(t *testing.T) {
	loc := hcm(t)
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	c := uptime.NewPlayCounter(d, d.AddDate(0, 0, 1))
	c.AddTotal("welcome", "vi", 4, 4*time.Minute)
	c.Expect("welcome")
	c.Expect("broken-clip")
	r := &Report{From: d, To: d, Generated: d, Loc: loc, Sites: []Site{{Site: uptime.Site{Site: "ag-01", Plays: c.Totals()}}}}
	dir := t.TempDir()
	if _, err := WriteCSV(dir, r); err != nil {
		t.Fatal(err)
	}
	plays, _ := os.ReadFile(filepath.Join(dir, "plays.csv"))
	for _, want := range []string{"ag-01,broken-clip,,0,0.00\n", "ag-01,welcome,vi,4,240.00\n"} {
		if !strings.Contains(string(plays), want) {
			t.Errorf("plays.csv lacks %q:\n%s", want, plays)
		}
	}
	langs, _ := os.ReadFile(filepath.Join(dir, "languages.csv"))
	if want := bom + "site,lang,plays,seconds,plays_percent\nag-01,vi,4,240.00,100.00\n"; string(langs) != want {
		t.Errorf("languages.csv:\n%s\nwant:\n%s", langs, want)
	}
	page := writeHTML(t, r)
	row := `<tr class="unplayed"><td class="id">broken-clip</td><td class="n">0</td>`
	if !strings.Contains(page, row) || !strings.Contains(page, "never played") {
		t.Errorf("page lacks the unplayed item row %q", row)
	}
	if strings.Contains(page, `<tr class="unplayed"><td class="id">welcome`) {
		t.Error("a played item is marked unplayed")
	}

	// With nothing played at all, the items are still listed.
	c = uptime.NewPlayCounter(d, d.AddDate(0, 0, 1))
	c.Expect("broken-clip")
	r.Sites[0].Plays = c.Totals()
	page = writeHTML(t, r)
	if !strings.Contains(page, row) || !strings.Contains(page, "no plays recorded") {
		t.Error("a site with no plays does not list its unplayed item")
	}
}
