package slides

import (
	"testing"
	"unicode/utf8"
)

// TestCutTickerLine cuts lines measured by a width of so many pixels a
// character: each step drops a character at least, so even a line no
// width admits ends (cutting nine tenths of ten characters once added the
// "…" back and looped forever).
func TestCutTickerLine(t *testing.T) {
	perRune := func(px float64) func(string) float64 {
		return func(s string) float64 { return px * float64(utf8.RuneCountInString(s)) }
	}
	for _, tc := range []struct {
		name   string
		s      string
		px     float64
		want   string
		wantOK bool
	}{
		{"fits", "Xin chào", 10, "Xin chào", true},
		{"cut", "Hello wonderful world", 1000, "Hello w…", true},
		{"ten characters, each too wide", "abcdefghij", 3000, "a…", true},
		{"not even the ellipsis", "abcdefghij", 9000, "", false},
		{"empty fits", "", 9000, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, w, ok := CutTickerLine(tc.s, 8000, perRune(tc.px))
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("CutTickerLine(%q) = %q, %v; want %q, %v", tc.s, got, ok, tc.want, tc.wantOK)
			}
			if ok && w > 8000 {
				t.Errorf("width %v over 8000", w)
			}
		})
	}
}
