package typeset

import (
	"strings"
	"testing"
)

// sizer makes every cluster half the font size wide and lines 1.25 sizes high.
func sizer(size float64) (Measure, float64) {
	return func(s string) float64 { return clusters(s) * size / 2 }, size * 1.25
}

func TestFit(t *testing.T) {
	long := strings.Repeat("Người dân vùng biên giới được hỗ trợ dịch vụ công trực tuyến. ", 12)
	tests := []struct {
		name          string
		text          string
		w, h          float64
		wantFits      bool
		wantMaxSize   bool // the text fits at the largest size
		wantTruncated bool
	}{
		{name: "short text at the largest size", text: "Chào mừng", w: 800, h: 200, wantFits: true, wantMaxSize: true},
		{name: "long text shrinks to fit", text: long, w: 1200, h: 600, wantFits: true},
		{name: "too long even at the smallest size", text: long + long + long, w: 300, h: 100, wantTruncated: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := Fit(tc.text, tc.w, tc.h, 12, 96, sizer)
			if b.Fits != tc.wantFits {
				t.Fatalf("Fits = %v, want %v (size %v, %d lines)", b.Fits, tc.wantFits, b.Size, len(b.Lines))
			}
			if tc.wantMaxSize && b.Size != 96 {
				t.Errorf("size = %v, want 96", b.Size)
			}
			if b.Height() > tc.h || b.Width > tc.w {
				t.Errorf("block %vx%v overflows %vx%v", b.Width, b.Height(), tc.w, tc.h)
			}
			if tc.wantFits && !tc.wantMaxSize {
				// One size larger must not fit: the fit is the largest.
				m, lh := sizer(b.Size + 1)
				lines := Wrap(tc.text, tc.w, m)
				if float64(len(lines))*lh <= tc.h {
					t.Errorf("size %v chosen but %v fits too", b.Size, b.Size+1)
				}
			}
			if tc.wantTruncated && !strings.HasSuffix(b.Lines[len(b.Lines)-1], "…") {
				t.Errorf("last line %q does not end in an ellipsis", b.Lines[len(b.Lines)-1])
			}
		})
	}
}

func BenchmarkFit(b *testing.B) {
	text := strings.Repeat("Người dân vùng biên giới được hỗ trợ dịch vụ công trực tuyến. ", 12)
	for b.Loop() {
		Fit(text, 1200, 600, 12, 96, sizer)
	}
}

func TestTruncateKeepsClusters(t *testing.T) {
	// Khmer with no break opportunity at a size where it cannot fit: the
	// cut line must end in whole clusters and an ellipsis.
	text := strings.Repeat("សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម", 8)
	b := Fit(text, 300, 40, 12, 24, sizer)
	if b.Fits {
		t.Fatal("fits; want a cut")
	}
	last := []rune(b.Lines[len(b.Lines)-1])
	if last[len(last)-1] != '…' {
		t.Fatalf("last line %q does not end in an ellipsis", string(last))
	}
	if prev := last[len(last)-2]; prev == '\u17d2' {
		t.Errorf("cut after a coeng: %q", string(last))
	}
	if got := strings.TrimSuffix(string(last), "…"); !strings.Contains(strings.ReplaceAll(text, "\u200b", ""), got) {
		t.Errorf("cut line %q is not a prefix of the text's clusters", got)
	}
}
