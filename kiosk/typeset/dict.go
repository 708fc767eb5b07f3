package typeset

import (
	_ "embed" // the word lists
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// The word lists of ICU's dictionary break engines as the browsers carry
// them: the Khmer list of Chromium's ICU, read from the browser's ICU data
// (the go:generate line below writes it again), and ICU's Lao list as ICU
// publishes it. dict/README.md says from where, dict/LICENSE under which
// terms.
//
//go:generate go test . -run TestWordListsAreTheBrowsers -update
var (
	//go:embed dict/khmerdict.txt
	khmerWords string
	//go:embed dict/laodict.txt
	laoWords string
)

// maxMatches bounds the dictionary words found starting at one position;
// no word of the lists has more words nested in it.
const maxMatches = 20

// dictionary is a sorted word list over the embedded text of a list: each
// entry packs a word's byte offset in the text (low 24 bits) and its length
// in bytes (high 8 bits), so the table costs four bytes a word and the
// words themselves stay in the program's read-only data.
type dictionary struct {
	text  string
	words []uint32
}

// newDictionary indexes a word list: one word a line, lines starting with
// '#' are comments, surrounding spaces are ignored.
func newDictionary(text string) *dictionary {
	d := &dictionary{text: text, words: make([]uint32, 0, strings.Count(text, "\n")+1)}
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		line := text[off : off+end]
		start := off + len(line) - len(strings.TrimLeft(line, " \t\r"))
		word := strings.TrimSpace(line)
		if word != "" && word[0] != '#' && len(word) < 256 && start < 1<<24 {
			d.words = append(d.words, uint32(start)|uint32(len(word))<<24)
		}
		off += end + 1
	}
	sort.Slice(d.words, func(i, j int) bool { return d.word(i) < d.word(j) })
	return d
}

func (d *dictionary) word(i int) string {
	e := d.words[i]
	off := int(e & (1<<24 - 1))
	return d.text[off : off+int(e>>24)]
}

// match is what the dictionary knows about the text at one position.
type match struct {
	// lens are the lengths in runes of the dictionary words the text
	// starts with, shortest first.
	lens []int
	// prefix is how far, in runes, the text was read to find them: the
	// longest start of the text that starts some dictionary word, and the
	// rune after it that no word continues with (where there is one), as
	// ICU's dictionary matcher counts it.
	prefix int
}

// lookup finds the words that rs starts with. buf is scratch space; the
// lengths found are appended to lens, which is returned grown, and m.lens
// is a slice of it.
func (d *dictionary) lookup(rs []rune, buf []byte, lens []int) (m match, _ []byte, _ []int) {
	buf = buf[:0]
	first := len(lens)
	lo, hi := 0, len(d.words)
	for k, r := range rs {
		buf = utf8.AppendRune(buf, r)
		p := buf
		// The words in [lo, hi) share p minus its last rune; those that
		// start with p are a block within it.
		lo += sort.Search(hi-lo, func(i int) bool { return cmpPrefix(d.word(lo+i), p) >= 0 })
		hi = lo + sort.Search(hi-lo, func(i int) bool { return cmpPrefix(d.word(lo+i), p) > 0 })
		m.prefix = k + 1
		if lo == hi {
			break
		}
		if w := d.word(lo); len(w) == len(p) {
			if len(lens)-first < maxMatches {
				lens = append(lens, k+1)
			}
			if hi-lo == 1 {
				break // a word no other word continues
			}
		}
	}
	m.lens = lens[first:len(lens):len(lens)]
	return m, buf, lens
}

// cmpPrefix compares w, cut to the length of p, with p, byte by byte.
func cmpPrefix(w string, p []byte) int {
	for i := range min(len(w), len(p)) {
		if w[i] != p[i] {
			if w[i] < p[i] {
				return -1
			}
			return 1
		}
	}
	if len(w) < len(p) {
		return -1
	}
	return 0
}

// A lazyDictionary is indexed the first time a text needs it, once per
// process; after that it is never changed, so it is safe to share.
type lazyDictionary struct {
	once sync.Once
	text string
	d    *dictionary
}

func (l *lazyDictionary) get() *dictionary {
	l.once.Do(func() { l.d = newDictionary(l.text) })
	return l.d
}
