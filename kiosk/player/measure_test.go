package player

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestMeasurerAgreesWithEbiten: layout measures with the measurer, drawing
// goes through Ebiten; a line measured to fit must draw as wide as it was
// measured, to the 1/64 pixel, in every script the sites show.
func TestMeasurerAgreesWithEbiten(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	links := []siteconfig.Font{{Family: "Noto Sans"}, {Family: "Noto Sans Khmer"}, {Family: "Noto Sans Lao"}, {Family: "Noto Sans CJK SC"}}
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(nil, links)
	if err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{log: log, chain: chain, sources: &sourceCache{}, measure: newMeasurer(), unmapped: new(atomic.Int64)}
	phrases, err := os.ReadFile("../../../shared/samples/phrases.tsv")
	if err != nil {
		phrases = nil // the sample texts are beside the repository, not in it
	}
	texts := []struct{ lang, s string }{
		{"vi", "Cửa khẩu Quốc tế Tịnh Biên mở cửa từ 6 giờ đến 22 giờ"},
		{"vi", "Cửa khẩu"}, // NFD diacritics
		{"km", "សូមស្វាគមន៍មកកាន់ព្រះរាជាណាចក្រកម្ពុជា"},
		{"km", "ច្រកព្រំដែន\u200bអន្តរជាតិ"},
		{"lo", "ຍິນດີຕ້ອນຮັບສູ່ສາທາລະນະລັດ"},
		{"zh", "欢迎来到越南安江省 Tinh Bien 国际口岸"},
		{"en", "Border gate open 06:00–22:00 — fi ffl"},
		{"vi", "Tiếng Việt, ភាសាខ្មែរ, ພາສາລາວ, 中文 and English on one line"},
	}
	for _, line := range strings.Split(string(phrases), "\n") {
		if f := strings.Split(line, "\t"); len(f) >= 2 && len(f[0]) == 2 {
			texts = append(texts, struct{ lang, s string }{f[0], f[1]})
		}
	}
	for _, tc := range texts {
		for _, size := range []float64{11, 24, 37.5, 64, 96} {
			gfs, _ := ts.goTextFaces(tc.lang, tc.s, false, size)
			face, _ := ts.face(tc.lang, tc.s, false, size)
			if face == nil {
				t.Fatalf("%s %q: no face", tc.lang, tc.s)
			}
			// Whole text and every prefix a wrap might try.
			for end := range len(tc.s) + 1 {
				if end < len(tc.s) && !isRuneStart(tc.s[end]) {
					continue
				}
				piece := tc.s[:end]
				if got, want := ts.measure.advance(gfs, piece), text.Advance(piece, face); got != want {
					t.Fatalf("%s at %.1f px, %q: measurer %v, Ebiten %v", tc.lang, size, piece, got, want)
				}
			}
		}
	}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
