package typeset

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Khmer and Lao write words without spaces between them. Inside a run of
// either script the package finds word boundaries with a word list, the way
// browsers do through ICU's dictionary break engines, so that lines break
// between words: at each position it takes the dictionary word that lets the
// most dictionary words follow (looking up to three words ahead), glues a
// stretch the dictionary does not know to the short word before it or makes
// it a word of its own up to the next place a known word can start, and
// never ends a word before a combining mark.

// script is what the segmenter needs to know of one script.
type script struct {
	dict *lazyDictionary
	// endsWord and beginsWord say where a stretch of unknown text may end:
	// after a character that can end a word, before one that can begin one.
	endsWord, beginsWord func(r rune) bool
	// A stretch the dictionary does not know is glued to the word before
	// it when that word is shorter than rootCombine runes and the stretch
	// starts fewer than prefixCombine runes of any dictionary word.
	rootCombine, prefixCombine int
}

var (
	khmer = &script{
		dict:       &lazyDictionary{text: khmerWords},
		endsWord:   func(r rune) bool { return r != '\u17d2' }, // not after a coeng
		beginsWord: func(r rune) bool { return r >= '\u1780' && r <= '\u17b3' },
		// As Chromium's ICU glues unknown Khmer: it raises ICU's 3 and 3
		// to suit its shorter word list (measured: with these and that
		// list, every boundary of the test corpus agrees with
		// Intl.Segmenter's).
		rootCombine: 10, prefixCombine: 5,
	}
	lao = &script{
		dict:     &lazyDictionary{text: laoWords},
		endsWord: func(r rune) bool { return r < '\u0ec0' || r > '\u0ec4' }, // not after a prefix vowel
		beginsWord: func(r rune) bool {
			return r >= '\u0e81' && r <= '\u0eae' || r == '\u0edc' || r == '\u0edd' || r >= '\u0ec0' && r <= '\u0ec4'
		},
		rootCombine: 3, prefixCombine: 3,
	}
)

// scriptOf returns the script whose dictionary breaks r's run, or nil: the
// Khmer and Lao characters of line breaking class SA (complex context),
// which leaves out their digits and punctuation (TestScriptOf checks the
// ranges against the Unicode tables).
func scriptOf(r rune) *script {
	switch {
	case r >= 0x1780 && r <= 0x17d3, r == 0x17d7, r == 0x17dc, r == 0x17dd:
		return khmer
	case r >= 0x0e81 && r <= 0x0ecf, r >= 0x0edc && r <= 0x0edf:
		switch r {
		case 0x0e83, 0x0e85, 0x0e8b, 0x0ea4, 0x0ea6, 0x0ebe, 0x0ebf, 0x0ec5, 0x0ec7, 0x0ecf:
			return nil // unassigned
		}
		return lao
	}
	return nil
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) }

// minRun is the shortest run divided into words: two words of two runes;
// maxRun the longest divided as one.
const (
	minRun = 4
	maxRun = 4096
)

// wordSegmenter divides one run of a script into words.
type wordSegmenter struct {
	sc   *script
	d    *dictionary
	run  []rune
	memo []match // what the dictionary says at each position, once looked up
	done []bool
	buf  []byte
	lens []int // backs the memo's lens
}

func (s *wordSegmenter) at(pos int) match {
	if !s.done[pos] {
		s.memo[pos], s.buf, s.lens = s.d.lookup(s.run[pos:], s.buf, s.lens)
		s.done[pos] = true
	}
	return s.memo[pos]
}

// appendWordEnds appends to dst the positions in run, offset by base, at
// which its words end, but the run's own end.
func (s *wordSegmenter) appendWordEnds(dst []int, run []rune, base int) []int {
	n := len(run)
	if n < minRun {
		return dst
	}
	s.run = run
	s.memo = append(s.memo[:0], make([]match, n+1)...)
	s.done = append(s.done[:0], make([]bool, n+1)...)
	s.lens = nil // the memo of an earlier run may still hold the old one
	for pos := 0; pos < n; {
		word := s.choose(pos)
		end := pos + word
		if end < n && word < s.sc.rootCombine {
			if next := s.at(end); len(next.lens) == 0 && (word == 0 || next.prefix < s.sc.prefixCombine) {
				end = s.resync(end)
			}
		}
		for end < n && isMark(run[end]) {
			end++
		}
		if end == pos { // cannot happen with the thresholds above; never loop
			end++
		}
		if end < n {
			dst = append(dst, base+end)
		}
		pos = end
	}
	return dst
}

// choose returns the length of the dictionary word to take at pos: the only
// one, or the longest that two more words follow, or failing that the
// shortest that one more follows, or failing that the longest; 0 if none.
func (s *wordSegmenter) choose(pos int) int {
	lens := s.at(pos).lens
	switch len(lens) {
	case 0:
		return 0
	case 1:
		return lens[0]
	}
	n := len(s.run)
	best := lens[len(lens)-1]
	if pos+best >= n {
		return best
	}
	for i := len(lens) - 1; i >= 0; i-- {
		second := s.at(pos + lens[i]).lens
		if len(second) == 0 {
			continue
		}
		best = lens[i]
		if pos+lens[i]+second[len(second)-1] >= n {
			return best
		}
		for j := len(second) - 1; j >= 0; j-- {
			if len(s.at(pos+lens[i]+second[j]).lens) > 0 {
				return best
			}
		}
	}
	return best
}

// resync skips text the dictionary does not know, from pos, to the next
// place a dictionary word can start, or to the end of the run.
func (s *wordSegmenter) resync(pos int) int {
	n := len(s.run)
	for k := pos + 1; k < n; k++ {
		if s.sc.endsWord(s.run[k-1]) && s.sc.beginsWord(s.run[k]) && len(s.at(k).lens) > 0 {
			return k
		}
	}
	return n
}

// wordBreaks appends to dst the positions in rs at which the dictionaries
// put a word boundary inside a run of Khmer or Lao letters. A boundary
// never falls before a combining mark or after a subscript sign.
func wordBreaks(dst []int, rs []rune) []int {
	return wordBreaksWith(dst, rs, func(sc *script) *dictionary { return sc.dict.get() })
}

// wordBreaksWith is wordBreaks with the word list of each script from dict.
func wordBreaksWith(dst []int, rs []rune, dict func(*script) *dictionary) []int {
	var seg wordSegmenter
	for i := 0; i < len(rs); {
		sc := scriptOf(rs[i])
		if sc == nil {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && scriptOf(rs[j]) == sc {
			j++
		}
		if j-i >= minRun {
			seg.sc, seg.d = sc, dict(sc)
			start := len(dst)
			// A run longer than any paragraph (hostile text) is divided
			// in pieces, so that memory stays bounded.
			for k := i; k < j; k += maxRun {
				if k > i {
					dst = append(dst, k)
				}
				dst = seg.appendWordEnds(dst, rs[k:min(k+maxRun, j)], k)
			}
			// Keep marks and subscripts with their base, whatever the
			// word list says.
			kept := dst[:start]
			for _, b := range dst[start:] {
				if !isMark(rs[b]) && !joinsNext(rs[b-1:b]) {
					kept = append(kept, b)
				}
			}
			dst = kept
		}
		i = j
	}
	return dst
}

// Words splits text into the words the dictionaries find in its Khmer and
// Lao runs; other text comes back in the pieces between those boundaries.
// The pieces joined give back text normalised to NFC.
func Words(text string) []string {
	rs := []rune(norm.NFC.String(text))
	var out []string
	last := 0
	for _, b := range wordBreaks(nil, rs) {
		out = append(out, string(rs[last:b]))
		last = b
	}
	return append(out, string(rs[last:]))
}

// InsertBreaks writes U+200B ZERO WIDTH SPACE into text, normalised to NFC,
// at the word boundaries the dictionaries find in its Khmer and Lao runs, so
// that tools without the dictionaries break lines where the player does.
// A boundary that already has one is left as it is, and running it again
// changes nothing.
func InsertBreaks(text string) string {
	text = norm.NFC.String(text)
	for range 8 { // each round only adds; a second round rarely finds more
		rs := []rune(text)
		breaks := wordBreaks(nil, rs)
		if len(breaks) == 0 {
			return text
		}
		var b strings.Builder
		b.Grow(len(text) + len(breaks)*utf8.RuneLen(ZWSP))
		last := 0
		for _, p := range breaks {
			b.WriteString(string(rs[last:p]))
			b.WriteRune(ZWSP)
			last = p
		}
		b.WriteString(string(rs[last:]))
		text = b.String()
	}
	return text
}
