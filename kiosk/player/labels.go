package player

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// uiWords are the words of the interactive screens in one language.
type uiWords struct {
	back, home, next, prev, done, replay string
	step                                 string // "Step %d of %d"
	touch                                string // under the countdown
	chooseLang, chooseGuide              string
}

// words holds the interactive screens' words in the languages the
// support points serve; a language without its own falls back to
// Vietnamese, the language every resident is taught at school.
var words = map[string]uiWords{
	"vi": {back: "Quay lại", home: "Trang chủ", next: "Tiếp", prev: "Trước", done: "Xong", replay: "Nghe lại",
		step: "Bước %d / %d", touch: "Chạm để tiếp tục", chooseLang: "Chọn ngôn ngữ", chooseGuide: "Chọn hướng dẫn"},
	"km": {back: "ត្រឡប់ក្រោយ", home: "ទំព័រដើម", next: "បន្ទាប់", prev: "មុន", done: "រួចរាល់", replay: "ស្ដាប់ម្ដងទៀត",
		step: "ជំហានទី %d នៃ %d", touch: "ប៉ះដើម្បីបន្ត", chooseLang: "ជ្រើសរើសភាសា", chooseGuide: "ជ្រើសរើសការណែនាំ"},
	"en": {back: "Back", home: "Home", next: "Next", prev: "Previous", done: "Done", replay: "Replay",
		step: "Step %d of %d", touch: "Touch to continue", chooseLang: "Choose your language", chooseGuide: "Choose a guide"},
	"lo": {back: "ກັບຄືນ", home: "ໜ້າຫຼັກ", next: "ຕໍ່ໄປ", prev: "ກ່ອນໜ້າ", done: "ສຳເລັດ", replay: "ຟັງອີກ",
		step: "ຂັ້ນຕອນ %d ຈາກ %d", touch: "ແຕະເພື່ອສືບຕໍ່", chooseLang: "ເລືອກພາສາ", chooseGuide: "ເລືອກຄູ່ມື"},
	"zh": {back: "返回", home: "主页", next: "下一步", prev: "上一步", done: "完成", replay: "重播",
		step: "第 %d 步，共 %d 步", touch: "触摸继续", chooseLang: "选择语言", chooseGuide: "选择指南"},
}

// wordsFor returns the words for lang and the language they are in.
func wordsFor(lang string) (uiWords, string) {
	if w, ok := words[lang]; ok {
		return w, lang
	}
	if tag, err := language.Parse(lang); err == nil {
		base, _ := tag.Base()
		if w, ok := words[base.String()]; ok {
			return w, base.String()
		}
	}
	return words["vi"], "vi"
}

func (w uiWords) stepOf(n, total int) string { return fmt.Sprintf(w.step, n, total) }

// ownNames name languages in their own script where CLDR's self-names
// (display.Self) say less than a resident looks for: "ខ្មែរ" is the
// people as much as the language, so the picker says "the Khmer language";
// CLDR has no self-name for Hmong.
var ownNames = map[string]string{
	"km":  "ភាសាខ្មែរ",
	"lo":  "ພາສາລາວ",
	"hmn": "Lus Hmoob",
}

// languageName names lang in its own language and script, for the
// language picker: ភាសាខ្មែរ, Tiếng Việt, English, 中文.
func languageName(lang string) string {
	if n, ok := ownNames[lang]; ok {
		return n
	}
	tag, err := language.Parse(lang)
	if err != nil {
		return lang
	}
	if n := display.Self.Name(tag); n != "" {
		return n
	}
	if base, _ := tag.Base(); ownNames[base.String()] != "" {
		return ownNames[base.String()]
	}
	if n := display.English.Tags().Name(tag); n != "" {
		return n
	}
	return lang
}
