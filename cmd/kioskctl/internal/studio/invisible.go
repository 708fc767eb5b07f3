package studio

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
)

// isBidiControl reports whether r is a bidirectional embedding,
// override or isolate (U+202A-U+202E, U+2066-U+2069): in a text they can
// make what the approver reads differ from what the screen shows, and no
// Vietnamese, Khmer or English text needs them.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// checkFormText refuses a form whose fields hold a bidirectional control,
// naming the field and the character.
func checkFormText(values url.Values) error {
	for _, k := range slices.Sorted(mapsKeys(values)) {
		for _, v := range values[k] {
			if i := strings.IndexFunc(v, isBidiControl); i >= 0 {
				r := []rune(v[i:])[0]
				return fmt.Errorf("ô %s chứa ký tự điều khiển chiều viết U+%04X (%s), không được dùng: xoá nó rồi lưu lại (bidirectional control characters are refused)", clipLog(k), r, invisibleNames[r])
			}
		}
	}
	return nil
}

// invisibleNames are the characters the approve page shows by name, as
// a marked ⟨NAME⟩: invisible on a page, they still change what a screen
// shows (U+200B, the Khmer word break, stays allowed; it is only shown).
var invisibleNames = map[rune]string{
	0x00AD: "SHY", 0x200B: "ZWSP", 0x200C: "ZWNJ", 0x200D: "ZWJ", 0x200E: "LRM", 0x200F: "RLM",
	0x2060: "WJ", 0xFEFF: "ZWNBSP", 0x180E: "MVS", 0x034F: "CGJ",
	0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO",
	0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI",
}

// showInvisible is s as HTML, each invisible character replaced by its
// marked name.
func showInvisible(s string) template.HTML {
	var b strings.Builder
	start := 0
	for i, r := range s {
		name, ok := invisibleNames[r]
		if !ok {
			continue
		}
		b.WriteString(template.HTMLEscapeString(s[start:i]))
		b.WriteString(`<span class="invisible" title="U+`)
		fmt.Fprintf(&b, "%04X", r)
		b.WriteString(`">⟨` + name + `⟩</span>`)
		start = i + len(string(r))
	}
	b.WriteString(template.HTMLEscapeString(s[start:]))
	return template.HTML(b.String())
}
