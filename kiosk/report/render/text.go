package render

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s without the characters that could make text from a
// site rewrite a terminal or a page around it: C0 and C1 controls (escape
// sequences, carriage returns that overprint a line, tabs that shift
// columns), DEL, and the bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C) that
// can show a line in an order other than its bytes'. Invalid UTF-8
// becomes U+FFFD. Everything a site wrote (site IDs from store keys,
// bundles, items, states, error texts) goes through it before the
// department's tools print it. Invisible format characters (zero-width
// space and joiners, word joiner, byte-order mark, soft hyphen) are shown
// as <U+XXXX>: dropping them would hide them, keeping them would let
// "gate-news" and "gate\u200b-news" look alike.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unprintable(r) || invisible(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unprintable(r):
		case invisible(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func invisible(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200d, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x00ad, r == 0x180e:
		return true
	}
	return false
}

func unprintable(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// csvCell makes s safe as a CSV cell for a spreadsheet: Printable (which
// also removes the tabs and carriage returns OWASP warns of, and any
// control character that would hide what follows), then, if it starts
// with a character a spreadsheet reads as the start of a formula (=, +,
// -, @), with a single quote in front, as OWASP advises against CSV
// injection. Every cell is treated so, numbers included: the numbers a
// report writes are never negative, and exempting what looks like a
// number would let "-1+1|cmd" through.
func csvCell(s string) string {
	s = Printable(s)
	if s != "" && strings.IndexByte("=+-@", s[0]) >= 0 {
		s = "'" + s
	}
	return s
}
