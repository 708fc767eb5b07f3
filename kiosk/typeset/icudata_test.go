package typeset

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// The browser carries ICU's dictionaries compiled into its ICU data file
// (icudtl.dat), and Chromium's ICU carries a Khmer list of its own, shorter
// than ICU's. The player ships the browser's lists: the Khmer one is read
// from that file (TestWordListsAreTheBrowsers -update), and the agreement
// test also runs the segmenter on the lists the browser has, to tell the
// segmenter's choices from the lists' contents. This reads only what that
// needs: the common data table of contents, a dictionary's header, and the
// words of its byte trie (ICU's BytesTrie serialisation, see ICU's
// bytestrie.h).

// browserDictionary reads the word list of item (such as
// "brkitr/khmerdict.dict") from an ICU common data file.
func browserDictionary(datPath, item string) (*dictionary, error) {
	words, _, err := browserWords(datPath, item)
	if err != nil {
		return nil, err
	}
	return newDictionary(strings.Join(words, "\n") + "\n"), nil
}

// maxICUData bounds the ICU data file read (Chromium's is about 10 MiB).
const maxICUData = 64 << 20

// browserWords reads the words of item from an ICU common data file, in
// the order of the dictionary's trie (code point order), and returns them
// with the item's full name in the file, which carries the data package's
// name and ICU version (such as "icudt78l/brkitr/khmerdict.dict").
func browserWords(datPath, item string) (words []string, name string, _ error) {
	f, err := os.Open(datPath)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxICUData+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", datPath, err)
	}
	if len(data) > maxICUData {
		return nil, "", fmt.Errorf("%s: larger than %d MiB, not an ICU data file", datPath, maxICUData>>20)
	}
	body, name, err := icuItem(data, item)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", datPath, err)
	}
	words, err = dictWords(body)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", datPath, item, err)
	}
	return words, name, nil
}

// icuItem finds an item in a little-endian ICU common data file and returns
// its data after its own header, and its full name.
func icuItem(data []byte, item string) ([]byte, string, error) {
	if len(data) < 4 {
		return nil, "", fmt.Errorf("too short")
	}
	hdr := int(binary.LittleEndian.Uint16(data))
	if hdr+4 > len(data) {
		return nil, "", fmt.Errorf("bad header size %d", hdr)
	}
	toc := data[hdr:]
	count := int(binary.LittleEndian.Uint32(toc))
	if 4+8*count > len(toc) {
		return nil, "", fmt.Errorf("bad table of contents (%d items)", count)
	}
	for i := range count {
		nameOff := int(binary.LittleEndian.Uint32(toc[4+8*i:]))
		dataOff := int(binary.LittleEndian.Uint32(toc[8+8*i:]))
		if nameOff >= len(toc) || dataOff >= len(toc) {
			return nil, "", fmt.Errorf("item %d out of bounds", i)
		}
		name := toc[nameOff:]
		if end := strings.IndexByte(string(name[:min(len(name), 256)]), 0); end >= 0 {
			name = name[:end]
		}
		// Names carry the package's prefix: icudt78l/brkitr/...
		if n := string(name); n == item || strings.HasSuffix(n, "/"+item) {
			it := toc[dataOff:]
			if len(it) < 2 {
				return nil, "", fmt.Errorf("item %s truncated", item)
			}
			h := int(binary.LittleEndian.Uint16(it))
			if h > len(it) {
				return nil, "", fmt.Errorf("item %s: bad header", item)
			}
			return it[h:], n, nil
		}
	}
	return nil, "", fmt.Errorf("no item %s", item)
}

// dictWords lists the words of an ICU .dict byte trie with an offset
// transform (as the Khmer and Lao dictionaries are built).
func dictWords(d []byte) ([]string, error) {
	const (
		ixTrieOffset = 0
		ixTotalSize  = 3
		ixTrieType   = 4
		ixTransform  = 5
		trieBytes    = 0
		transformOff = 0x1000000
	)
	if len(d) < 8*4 {
		return nil, fmt.Errorf("too short")
	}
	ix := func(i int) int { return int(binary.LittleEndian.Uint32(d[4*i:])) }
	if ix(ixTrieType)&7 != trieBytes || ix(ixTransform)&0x7f000000 != transformOff {
		return nil, fmt.Errorf("not a byte trie with an offset transform")
	}
	start, end := ix(ixTrieOffset), ix(ixTotalSize)
	if start < 0 || end > len(d) || start >= end {
		return nil, fmt.Errorf("bad trie bounds")
	}
	offset := rune(ix(ixTransform) & 0x1fffff)
	decode := func(bs []byte) string {
		rs := make([]rune, len(bs))
		for i, b := range bs {
			switch b {
			case 0xff:
				rs[i] = '\u200d'
			case 0xfe:
				rs[i] = '\u200c'
			default:
				rs[i] = offset + rune(b)
			}
		}
		return string(rs)
	}
	t := bytesTrie(d[start:end])
	var words []string
	err := t.walk(0, nil, func(w []byte) { words = append(words, decode(w)) }, 0)
	return words, err
}

// bytesTrie is a serialised ICU BytesTrie.
type bytesTrie []byte

const (
	btMinLinearMatch      = 0x10
	btMinValueLead        = 0x20
	btMinTwoByteValueLead = 0x51
	btMinThreeByteLead    = 0x6c
	btFourByteValueLead   = 0x7e
	btMinTwoByteDeltaLead = 0xc0
	btMinThreeDeltaLead   = 0xf0
	btFourByteDeltaLead   = 0xfe
	btMaxBranchLinear     = 5
)

func (t bytesTrie) at(pos int) (byte, error) {
	if pos < 0 || pos >= len(t) {
		return 0, fmt.Errorf("trie offset %d out of bounds", pos)
	}
	return t[pos], nil
}

// value reads a value whose lead (without the final bit) is lead, at pos
// (after the lead), and returns it and the position after it.
func (t bytesTrie) value(pos int, lead int) (int, int, error) {
	need := 0
	switch {
	case lead < btMinTwoByteValueLead:
		return lead - btMinLinearMatch, pos, nil
	case lead < btMinThreeByteLead:
		need = 1
	case lead < btFourByteValueLead:
		need = 2
	case lead == btFourByteValueLead:
		need = 3
	default:
		need = 4
	}
	if pos+need > len(t) {
		return 0, 0, fmt.Errorf("value at %d out of bounds", pos)
	}
	v := 0
	switch need {
	case 1:
		v = (lead-btMinTwoByteValueLead)<<8 | int(t[pos])
	case 2:
		v = (lead-btMinThreeByteLead)<<16 | int(t[pos])<<8 | int(t[pos+1])
	default:
		for _, b := range t[pos : pos+need] {
			v = v<<8 | int(b)
		}
	}
	return v, pos + need, nil
}

// delta reads a jump delta at pos and returns the position it jumps to.
func (t bytesTrie) delta(pos int) (int, error) {
	d, err := t.at(pos)
	if err != nil {
		return 0, err
	}
	pos++
	v := int(d)
	need := 0
	switch {
	case v < btMinTwoByteDeltaLead:
	case v < btMinThreeDeltaLead:
		v, need = v-btMinTwoByteDeltaLead, 1
	case v < btFourByteDeltaLead:
		v, need = v-btMinThreeDeltaLead, 2
	case v == btFourByteDeltaLead:
		v, need = 0, 3
	default:
		v, need = 0, 4
	}
	if pos+need > len(t) {
		return 0, fmt.Errorf("delta at %d out of bounds", pos)
	}
	for _, b := range t[pos : pos+need] {
		v = v<<8 | int(b)
	}
	return pos + need + v, nil
}

// skipDelta returns the position after the delta at pos.
func (t bytesTrie) skipDelta(pos int) (int, error) {
	d, err := t.at(pos)
	if err != nil {
		return 0, err
	}
	switch {
	case d < btMinTwoByteDeltaLead:
		return pos + 1, nil
	case d < btMinThreeDeltaLead:
		return pos + 2, nil
	case d < btFourByteDeltaLead:
		return pos + 3, nil
	}
	return pos + 4 + int(d&1), nil
}

// walk calls word for each word of the node at pos, prefix being the
// bytes that lead to it.
func (t bytesTrie) walk(pos int, prefix []byte, word func([]byte), depth int) error {
	if depth > 256 {
		return fmt.Errorf("trie too deep")
	}
	for {
		node, err := t.at(pos)
		if err != nil {
			return err
		}
		pos++
		switch {
		case node >= btMinValueLead:
			_, next, err := t.value(pos, int(node>>1))
			if err != nil {
				return err
			}
			word(prefix)
			if node&1 != 0 {
				return nil
			}
			pos = next
		case node >= btMinLinearMatch:
			n := int(node-btMinLinearMatch) + 1
			if pos+n > len(t) {
				return fmt.Errorf("linear match at %d out of bounds", pos)
			}
			prefix = append(prefix[:len(prefix):len(prefix)], t[pos:pos+n]...)
			pos += n
		default:
			n := int(node)
			if n == 0 {
				b, err := t.at(pos)
				if err != nil {
					return err
				}
				n = int(b)
				pos++
			}
			return t.branch(pos, n+1, prefix, word, depth+1)
		}
	}
}

// branch walks a branch of n edges at pos.
func (t bytesTrie) branch(pos, n int, prefix []byte, word func([]byte), depth int) error {
	for n > btMaxBranchLinear {
		// A split unit, the edges below it at a delta, the rest after.
		less, err := t.delta(pos + 1)
		if err != nil {
			return err
		}
		if err := t.branch(less, n>>1, prefix, word, depth+1); err != nil {
			return err
		}
		n -= n >> 1
		if pos, err = t.skipDelta(pos + 1); err != nil {
			return err
		}
	}
	for ; n > 1; n-- {
		unit, err := t.at(pos)
		if err != nil {
			return err
		}
		node, err := t.at(pos + 1)
		if err != nil {
			return err
		}
		v, next, err := t.value(pos+2, int(node>>1))
		if err != nil {
			return err
		}
		p := append(prefix[:len(prefix):len(prefix)], unit)
		if node&1 != 0 {
			word(p)
		} else if err := t.walk(next+v, p, word, depth+1); err != nil {
			return err
		}
		pos = next
	}
	unit, err := t.at(pos)
	if err != nil {
		return err
	}
	return t.walk(pos+1, append(prefix[:len(prefix):len(prefix)], unit), word, depth+1)
}
