package slides

import (
	"math"
	"strings"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// TickerText is one ticker message in one language.
type TickerText struct {
	Lang, Text string
}

// TickerMessages lists a bundle's ticker texts in play order: each message
// in each site language it has. None when the site has no ticker.
func TickerMessages(b *content.Bundle, cfg *siteconfig.Config) []TickerText {
	var out []TickerText
	if b == nil || cfg.Ticker.Edge == siteconfig.EdgeNone {
		return nil
	}
	for _, msg := range b.Manifest.Ticker {
		for _, l := range cfg.Languages {
			if s, ok := msg[l]; ok {
				out = append(out, TickerText{Lang: l, Text: s})
			}
		}
	}
	return out
}

// TickerSize is the font size of the ticker's text in a band h pixels
// tall, and the gap after each message.
func TickerSize(h float64) (size, gap float64) {
	return math.Round(h * 0.48), h * 1.2
}

// TickerLine is a ticker message as one line: what no font draws left out,
// newlines as spaces, and no U+200B (a break hint, useless on one line).
func (f *Fonts) TickerLine(lang, s string) string {
	s = strings.Join(strings.Fields(f.Drawable("ticker", lang, s)), " ")
	return strings.ReplaceAll(s, string(typeset.ZWSP), "")
}

// CutTickerLine shortens s, ending it with "…", until width reports it at
// most max wide, and returns the line and its width. Each step drops at
// least one character, so it ends even when a font's advances are huge;
// ok is false when not even "…" alone fits (the message is then left
// out).
func CutTickerLine(s string, max float64, width func(string) float64) (line string, w float64, ok bool) {
	w = width(s)
	if w <= max {
		return s, w, true
	}
	rs := []rune(s)
	for n := len(rs); n > 0; {
		n = min(n-1, n*9/10)
		line = string(rs[:n]) + "…"
		if w = width(line); w <= max {
			return line, w, true
		}
	}
	return "", 0, false
}
