package typeset

import (
	"strings"
	"testing"
	"unicode"

	"github.com/go-text/typesetting/segmenter"
)

// clusters counts grapheme clusters: a measure in which every cluster is one
// unit wide, so expected lines can be worked out by hand.
func clusters(s string) float64 {
	var seg segmenter.Segmenter
	seg.Init([]rune(s))
	n := 0
	for it := seg.GraphemeIterator(); it.Next(); {
		n++
	}
	return float64(n)
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{
			name: "vietnamese NFC", width: 10,
			text: "Chào mừng quý khách đến Việt Nam",
			want: []string{"Chào mừng", "quý khách", "đến Việt", "Nam"},
		},
		{
			name: "vietnamese NFD looks the same", width: 10,
			text: "Cha\u0300o mu\u031b\u0300ng quy\u0301 kha\u0301ch đe\u0302\u0301n Vie\u0323\u0302t Nam",
			want: []string{"Chào mừng", "quý khách", "đến Việt", "Nam"},
		},
		{
			name: "newlines are kept", width: 40,
			text: "Dòng một\nDòng hai\n\nDòng bốn",
			want: []string{"Dòng một", "Dòng hai", "", "Dòng bốn"},
		},
		{
			name: "english", width: 12,
			text: "Please have your passport ready",
			want: []string{"Please have", "your", "passport", "ready"},
		},
		{
			name: "khmer breaks at zero width space", width: 9,
			text: "សូម\u200bរៀបចំ\u200bលិខិតឆ្លងដែន\u200bរបស់\u200bអ្នក",
			want: []string{"សូមរៀបចំ", "លិខិតឆ្លងដែន", "របស់អ្នក"},
		},
		{
			name: "chinese breaks between ideographs", width: 5,
			text: "欢迎来到越南请准备好护照",
			want: []string{"欢迎来到越", "南请准备好", "护照"},
		},
		{
			name: "chinese full stop never starts a line", width: 4,
			text: "请准备好。谢谢",
			want: []string{"请准备", "好。谢谢"},
		},
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

// TestWrapUnbreakableRuns covers Khmer typed without U+200B and Lao, which
// have no break opportunity inside a sentence: lines must fill the width,
// break between grapheme clusters only, and lose nothing.
func TestWrapUnbreakableRuns(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
	}{
		{"khmer without zero width space", "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាមសូមរៀបចំលិខិតឆ្លងដែនរបស់អ្នកឱ្យបានរួចរាល់", 8},
		{"lao", "ຍິນດີຕ້ອນຮັບສູ່ປະເທດຫວຽດນາມ", 5},
		{"khmer word wider than the line among others", "សូម\u200bលិខិតឆ្លងដែនរបស់អ្នកឱ្យបានរួចរាល់\u200bអ្នក", 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := Wrap(tc.text, tc.width, clusters)
			if len(lines) < 2 {
				t.Fatalf("Wrap = %q, want several lines", lines)
			}
			if got, want := strings.Join(lines, ""), strings.ReplaceAll(tc.text, "\u200b", ""); got != want {
				t.Errorf("lines joined = %q, want the text back %q", got, want)
			}
			for i, l := range lines {
				if clusters(l) > tc.width+1 { // +1: a subscript joined to its base
					t.Errorf("line %d %q is %v clusters wide, width %v", i, l, clusters(l), tc.width)
				}
				first := []rune(l)[0]
				if unicode.In(first, unicode.Mn, unicode.Mc) {
					t.Errorf("line %d %q starts with the combining mark U+%04X: a cluster was cut", i, l, first)
				}
				if r := []rune(l); r[len(r)-1] == '\u17d2' {
					t.Errorf("line %d %q ends in a Khmer coeng, parted from its consonant", i, l)
				}
			}
		})
	}
}

func TestLongestUnbreakable(t *testing.T) {
	tests := []struct {
		text string
		run  string
	}{
		{"Chào mừng quý khách", "khách"},
		{"សូម\u200bរៀបចំ\u200bអ្នក", "រៀបចំ"},
		// The dictionary divides Khmer and Lao typed without U+200B.
		{"សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", "ប្រទេសវៀតណាម"},
		{"ຍິນດີຕ້ອນຮັບສູ່ປະເທດຫວຽດນາມ", "ຫວຽດນາມ"},
	}
	for _, tc := range tests {
		run, n := LongestUnbreakable(tc.text)
		if run != tc.run || n != countClusters(tc.run) {
			t.Errorf("LongestUnbreakable(%q) = %q, %d clusters; want %q", tc.text, run, n, tc.run)
		}
	}
}

func BenchmarkWrapVietnamese(b *testing.B) {
	text := strings.Repeat("Người dân vùng biên giới được hỗ trợ dịch vụ công trực tuyến. ", 20)
	for b.Loop() {
		Wrap(text, 60, clusters)
	}
}

func BenchmarkWrapKhmerWithoutSpaces(b *testing.B) {
	text := strings.Repeat("សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", 10)
	for b.Loop() {
		Wrap(text, 20, clusters)
	}
}
