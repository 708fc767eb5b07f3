package typeset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// countingMeasure measures by clusters and counts the runes it was asked
// to measure: the work of breaking, independent of the machine.
type countingMeasure struct{ runes int }

func (c *countingMeasure) measure(s string) float64 {
	c.runes += utf8.RuneCountInString(s)
	return clusters(s)
}

// TestWrapIsLinear: text whose break opportunities enclose nothing that
// draws (U+200B with a combining mark after it, over and over) once made
// one line of a whole paragraph, measured again with every piece; now the
// work grows with the text, not with its square.
func TestWrapIsLinear(t *testing.T) {
	for _, tc := range []struct{ name, unit string }{
		{"U+200B and a combining acute", "\u200b\u0301"},
		{"U+200B and a Khmer sign", "\u200b\u17c9"},
		{"U+200B alone", "\u200b"},
		{"Khmer no list knows", "ឃ្ឃ"},
		{"Vietnamese words", "Việt "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := func(n int) int {
				var c countingMeasure
				lines := Wrap("Vui "+strings.Repeat(tc.unit, n), 40, c.measure)
				for i, l := range lines {
					if utf8.RuneCountInString(l) > MaxLineRunes || clusters(l) > 40 {
						t.Fatalf("line %d: %d runes, %v clusters", i, utf8.RuneCountInString(l), clusters(l))
					}
				}
				return c.runes
			}
			small, big := work(2000), work(8000)
			if ratio := float64(big) / float64(small); ratio > 5 {
				t.Fatalf("4 times the text took %.1f times the measuring (%d runes, then %d): not linear", ratio, small, big)
			}
		})
	}
}

// TestWrapChecksTheWholeLine: where a line measures wider as a whole than
// its pieces added up (kerning across them), its last piece goes to the
// next line.
func TestWrapChecksTheWholeLine(t *testing.T) {
	// Every space after the first costs two extra units in a line.
	kerned := func(s string) float64 {
		n := strings.Count(s, " ")
		return clusters(s) + 2*float64(max(n-1, 0))
	}
	lines := Wrap("ab cd ef gh ij kl", 10, kerned)
	for _, l := range lines {
		if kerned(l) > 10 {
			t.Errorf("line %q measures %v, wider than 10 (lines %q)", l, kerned(l), lines)
		}
	}
	if got := strings.Join(lines, " "); got != "ab cd ef gh ij kl" {
		t.Errorf("lines %q lose or repeat text", lines)
	}
}

// TestLaoPrefixVowelStays: a Lao word wider than the line is broken
// between clusters, but a vowel written before its consonant (U+0EC1)
// never ends a line without it.
func TestLaoPrefixVowelStays(t *testing.T) {
	lines := Wrap(strings.Repeat("ແຂ", 10), 3, clusters)
	for i, l := range lines {
		r := []rune(l)
		if last := r[len(r)-1]; last >= '\u0ec0' && last <= '\u0ec4' {
			t.Errorf("line %d %q ends in a prefix vowel (lines %q)", i, l, lines)
		}
	}
	if got := strings.Join(lines, ""); got != strings.Repeat("ແຂ", 10) {
		t.Errorf("lines %q lose or repeat text", lines)
	}
}
