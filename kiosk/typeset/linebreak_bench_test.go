package typeset

import (
	"runtime"
	"testing"
	"unicode/utf8"
)

// Paragraphs of a slide's body, about three lines on a landscape wall,
// in the three scripts whose line breaking differs: spaces (Vietnamese),
// the dictionaries (Khmer and Lao, typed without U+200B).
var paragraphs = []struct{ lang, text string }{
	{"vi", "Vui lòng chuẩn bị sẵn hộ chiếu và giấy tờ tùy thân trước khi đến quầy kiểm soát. " +
		"Trẻ em đi cùng cần có giấy tờ riêng. Người dân có thể sử dụng dịch vụ công trực tuyến tại đây."},
	{"km", "សូមរៀបចំលិខិតឆ្លងដែនរបស់អ្នកឱ្យបានរួចរាល់មុនពេលឆ្លងកាត់ច្រកទ្វារព្រំដែន " +
		"កុមារដែលធ្វើដំណើរជាមួយអ្នកត្រូវមានលិខិតឆ្លងដែនផ្ទាល់ខ្លួន " +
		"ប្រជាពលរដ្ឋអាចប្រើសេវាសាធារណៈតាមអ៊ីនធឺណិតនៅទីនេះ"},
	{"lo", "ກະລຸນາກຽມໜັງສືຜ່ານແດນຂອງທ່ານໃຫ້ພ້ອມກ່ອນຮອດດ່ານ " +
		"ເດັກນ້ອຍທີ່ເດີນທາງນຳທ່ານຕ້ອງມີເອກະສານຂອງຕົນເອງ " +
		"ປະຊາຊົນສາມາດນຳໃຊ້ການບໍລິການສາທາລະນະທາງອອນລາຍຢູ່ທີ່ນີ້"},
}

// BenchmarkLineBreakParagraph wraps one paragraph into lines of 60
// characters, the cost a slide's body pays at each size Fit tries, less
// the measuring: the measure here only counts characters, so the figure is
// the cost of finding where lines may break (the player's measure, which
// shapes each candidate line, comes on top, the same for every script).
func BenchmarkLineBreakParagraph(b *testing.B) {
	runes := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, p := range paragraphs {
		b.Run(p.lang, func(b *testing.B) {
			Wrap(p.text, 60, runes) // index the word lists outside the timing
			b.ReportAllocs()
			for b.Loop() {
				Wrap(p.text, 60, runes)
			}
		})
	}
}

// BenchmarkWordListIndex indexes both word lists, as the first Khmer or Lao
// text of a process does, and reports the heap the tables keep.
func BenchmarkWordListIndex(b *testing.B) {
	var kept uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k, l := newDictionary(khmerWords), newDictionary(laoWords)
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(k)
		runtime.KeepAlive(l)
	}
	b.ReportMetric(float64(kept), "heap-B")
}
