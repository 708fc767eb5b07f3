package typeset

import (
	"strings"
	"testing"
	"unicode"

	"github.com/go-text/typesetting/unicodedata"
)

func TestWords(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		// As Chromium's Intl.Segmenter divides it (its Khmer list has
		// "ស្វាគមន៍មក" and "ប្រទេសវៀតណាម" as words).
		{"khmer title of the demo", "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម",
			[]string{"សូម", "ស្វាគមន៍មក", "កាន់", "ប្រទេសវៀតណាម"}},
		{"khmer with subscripts", "លិខិតឆ្លងដែនរបស់អ្នក", []string{"លិខិតឆ្លងដែន", "របស់", "អ្នក"}},
		{"lao with tone marks", "ຍິນດີຕ້ອນຮັບສູ່ປະເທດຫວຽດນາມ", []string{"ຍິນດີ", "ຕ້ອນ", "ຮັບ", "ສູ່", "ປະເທດ", "ຫວຽດນາມ"}},
		{"a run ends at the author's U+200B", "ច្រកទ្វារ\u200bព្រំដែន",
			[]string{"ច្រក", "ទ្វារ\u200bព្រំដែន"}},
		{"other scripts pass through", "Tịnh Biên 静边", []string{"Tịnh Biên 静边"}},
		{"short runs are one word", "ເຂົ້າ", []string{"ເຂົ້າ"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Words(tc.text); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Words = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWordBoundariesKeepClusters: a boundary never parts a mark from its
// base or a subscript sign from the consonant it stacks, whatever the text.
func TestWordBoundariesKeepClusters(t *testing.T) {
	for _, lang := range []string{"km", "lo"} {
		for _, s := range corpus(t, lang) {
			rs := []rune(s)
			for _, b := range wordBreaks(nil, rs) {
				if unicode.In(rs[b], unicode.Mn, unicode.Mc) || joinsNext(rs[b-1:b]) {
					t.Errorf("%s: boundary at %d parts a cluster: %s|%s", lang, b, string(rs[:b]), string(rs[b:]))
				}
			}
		}
	}
}

// TestWrapBreaksBetweenWords: Khmer and Lao typed without U+200B break
// between the dictionary's words, not inside them.
func TestWrapBreaksBetweenWords(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"khmer title splits between words", "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", 12,
			[]string{"សូមស្វាគមន៍មកកាន់", "ប្រទេសវៀតណាម"}},
		{"lao", "ຍິນດີຕ້ອນຮັບສູ່ປະເທດຫວຽດນາມ", 10, []string{"ຍິນດີຕ້ອນຮັບສູ່", "ປະເທດ", "ຫວຽດນາມ"}},
		{"U+200B still breaks where the author put it", "ច្រកទ្វារ\u200bព្រំដែន\u200bអន្តរជាតិ", 8,
			[]string{"ច្រកទ្វារ", "ព្រំដែន", "អន្តរជាតិ"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Wrap(tc.text, tc.width, clusters)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Wrap = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInsertBreaks(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"khmer", "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", "សូម\u200bស្វាគមន៍មក\u200bកាន់\u200bប្រទេសវៀតណាម"},
		{"existing U+200B is not doubled", "សូមស្វាគមន៍\u200bមកកាន់ប្រទេស", "សូម\u200bស្វាគមន៍\u200bមក\u200bកាន់\u200bប្រទេស"},
		{"lao with spaces and punctuation", "ດ່ານສາກົນ ຕິ່ງບຽນ, ແຂວງອານຢາງ", "ດ່ານ\u200bສາກົນ ຕິ່ງ\u200bບຽນ, ແຂວງ\u200bອານ\u200bຢາງ"},
		{"vietnamese untouched", "Cửa khẩu Quốc tế Tịnh Biên", "Cửa khẩu Quốc tế Tịnh Biên"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := InsertBreaks(tc.text)
			if got != tc.want {
				t.Errorf("InsertBreaks = %q, want %q", got, tc.want)
			}
			if again := InsertBreaks(got); again != got {
				t.Errorf("second run changed %q to %q", got, again)
			}
		})
	}
	// On the whole corpus: idempotent, and the lines of the player are the
	// same with and without the inserted breaks.
	for _, lang := range []string{"km", "lo"} {
		for _, s := range corpus(t, lang) {
			once := InsertBreaks(s)
			if twice := InsertBreaks(once); twice != once {
				t.Errorf("not idempotent: %q then %q", once, twice)
			}
			if strings.ReplaceAll(once, "\u200b", "") != s {
				t.Errorf("InsertBreaks changed more than U+200B: %q", once)
			}
			a, b := Wrap(s, 9, clusters), Wrap(once, 9, clusters)
			if strings.Join(a, "|") != strings.Join(b, "|") {
				t.Errorf("lines differ with inserted breaks:\n%q\n%q", a, b)
			}
		}
	}
}

// TestScriptOf checks the ranges of scriptOf against the Unicode tables:
// Khmer and Lao characters of line breaking class SA.
func TestScriptOf(t *testing.T) {
	for r := rune(0); r < 0x20000; r++ {
		var want *script
		if unicode.Is(unicodedata.BreakSA, r) {
			switch {
			case unicode.Is(unicode.Khmer, r):
				want = khmer
			case unicode.Is(unicode.Lao, r):
				want = lao
			}
		}
		if got := scriptOf(r); got != want {
			t.Errorf("scriptOf(U+%04X) = %p, want %p", r, got, want)
		}
	}
}

// TestLongRunsAreBounded: a run far longer than any paragraph is divided,
// in bounded pieces, and never parts a cluster.
func TestLongRunsAreBounded(t *testing.T) {
	text := strings.Repeat("សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", 1000)
	rs := []rune(text)
	breaks := wordBreaks(nil, rs)
	if len(breaks) < 3000 {
		t.Fatalf("%d boundaries in %d runes", len(breaks), len(rs))
	}
	for i, b := range breaks {
		if i > 0 && b <= breaks[i-1] {
			t.Fatalf("boundaries out of order at %d: %d after %d", i, b, breaks[i-1])
		}
		if isMark(rs[b]) || joinsNext(rs[b-1:b]) {
			t.Fatalf("boundary at %d parts a cluster", b)
		}
	}
}
