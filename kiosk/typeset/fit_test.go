package typeset

import (
	"math"
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

func TestFitPanels(t *testing.T) {
	sc := Scale{MinBody: 12, MaxBody: 40, TitleRatio: 1.5, MinTitleRatio: 1.2, TitleLines: 2, ShortTitlesDownTo: 30, MinTitle: 14, MaxTitle: 60, Gap: 10}
	short := Panel{Title: Text{"Chào mừng", sizer}, Body: Text{"Cửa khẩu Quốc tế Tịnh Biên", sizer}}
	long := Panel{Title: Text{"Chuẩn bị giấy tờ", sizer}, Body: Text{strings.Repeat("Vui lòng chuẩn bị sẵn hộ chiếu. ", 8), sizer}}
	longTitle := Panel{Title: Text{strings.Repeat("Thông tin cơ sở tới vùng biên giới ", 3), sizer}, Body: Text{"Một dòng.", sizer}}
	veryLongTitle := Panel{Title: Text{strings.Repeat("Thông tin cơ sở tới vùng biên giới ", 6), sizer}, Body: Text{"Một dòng.", sizer}}
	tests := []struct {
		name          string
		panels        []Panel
		w, h          float64
		wantBody      float64 // 0: check only that one size larger does not fit
		wantTitle     float64
		wantTruncated bool
	}{
		{name: "short text grows to the largest size", panels: []Panel{short}, w: 800, h: 600, wantBody: 40, wantTitle: 60},
		{name: "long text shrinks", panels: []Panel{long}, w: 500, h: 300},
		{name: "two languages share the smaller fit", panels: []Panel{short, long}, w: 500, h: 300},
		{name: "a long title takes a third line rather than shrink the body below 30", panels: []Panel{longTitle}, w: 700, h: 700},
		{name: "a very long title takes the lines it needs", panels: []Panel{veryLongTitle}, w: 700, h: 700, wantBody: 40},
		{name: "a title keeps to two lines at a smaller body", panels: []Panel{longTitle}, w: 1000, h: 700},
		{name: "too long is cut", panels: []Panel{long, {Body: Text{strings.Repeat(long.Body.Text, 6), sizer}}}, w: 300, h: 200, wantTruncated: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sets := FitPanels(tc.panels, tc.w, tc.h, sc)
			if len(sets) != len(tc.panels) {
				t.Fatalf("%d sets for %d panels", len(sets), len(tc.panels))
			}
			body, title := sets[0].Body.Size, sets[0].Title.Size
			for i, s := range sets {
				if s.Body.Size != body || (len(s.Title.Lines) > 0 && s.Title.Size != title) {
					t.Errorf("panel %d: title %v body %v, want %v and %v as panel 0", i, s.Title.Size, s.Body.Size, title, body)
				}
				if h := s.Height(sc.Gap); h > tc.h {
					t.Errorf("panel %d: %v high, region %v", i, h, tc.h)
				}
				if s.Title.Width > tc.w || s.Body.Width > tc.w {
					t.Errorf("panel %d: wider than %v", i, tc.w)
				}
				if len(s.Title.Lines) > 0 && (s.Title.Size < body*sc.MinTitleRatio-1 || s.Title.Size > body*sc.TitleRatio) {
					t.Errorf("panel %d: title %v for body %v, want %v to %v times", i, s.Title.Size, body, sc.MinTitleRatio, sc.TitleRatio)
				}
			}
			if tc.wantTruncated {
				cut := false
				for _, s := range sets {
					if n := len(s.Body.Lines); n > 0 && strings.HasSuffix(s.Body.Lines[n-1], "…") && !s.Body.Fits {
						cut = true
					}
				}
				if !cut || body != sc.MinBody {
					t.Errorf("body %v, cut %v; want the smallest size and a cut", body, cut)
				}
				return
			}
			if tc.wantBody != 0 && body != tc.wantBody {
				t.Errorf("body %v, want %v", body, tc.wantBody)
			}
			if tc.wantTitle != 0 && title != tc.wantTitle {
				t.Errorf("title %v, want %v", title, tc.wantTitle)
			}
			if body < sc.MaxBody {
				// The fit is the largest: one size more overflows a panel.
				sc2 := sc
				sc2.MinBody, sc2.MaxBody = body+1, body+1
				over := false
				for i, s := range FitPanels(tc.panels, tc.w, tc.h, sc2) {
					// Or a title takes more lines, where it was kept short.
					n := len(sets[i].Title.Lines)
					over = over || !s.Body.Fits || body+1 >= sc.ShortTitlesDownTo && n <= sc.TitleLines+1 && len(s.Title.Lines) > n
				}
				if !over {
					t.Errorf("body %v chosen but %v fits too", body, body+1)
				}
			}
			for i, s := range sets {
				n := len(s.Title.Lines)
				if n > sc.TitleLines && s.Title.Size > body*sc.MinTitleRatio {
					t.Errorf("panel %d: title of %d lines at %v, above the least ratio", i, n, s.Title.Size)
				}
				if n > sc.TitleLines+1 && body < sc.MaxBody && body >= sc.ShortTitlesDownTo {
					t.Errorf("panel %d: title of %d lines with a body of %v, which could have been smaller", i, n, body)
				}
				for _, b := range []struct {
					block Block
					text  Text
				}{{s.Title, tc.panels[i].Title}, {s.Body, tc.panels[i].Body}} {
					// Balanced: a last line no shorter than half the first.
					if n := len(b.block.Lines); n > 1 && n <= balanceLines && b.block.Fits {
						m, _ := b.text.Sizer(b.block.Size)
						if first, last := m(b.block.Lines[0]), m(b.block.Lines[n-1]); last < first/2 {
							t.Errorf("panel %d: lines %q unbalanced (%v and %v wide)", i, b.block.Lines, first, last)
						}
					}
				}
			}
		})
	}
}

func TestFitPanelsGrowsWithRoom(t *testing.T) {
	sc := Scale{MinBody: 12, MaxBody: 200, TitleRatio: 1.5, MinTitleRatio: 1.2, TitleLines: 2, MinTitle: 14, MaxTitle: 300, Gap: 10}
	p := []Panel{{Title: Text{"Chuẩn bị giấy tờ", sizer}, Body: Text{strings.Repeat("Vui lòng chuẩn bị sẵn hộ chiếu. ", 4), sizer}}}
	prev := 0.0
	for _, h := range []float64{200, 400, 800, 1600} {
		got := FitPanels(p, 700, h, sc)[0].Body.Size
		if got <= prev {
			t.Errorf("height %v: body %v, not larger than %v in less room", h, got, prev)
		}
		prev = got
	}
}

func BenchmarkFitPanels(b *testing.B) {
	sc := Scale{MinBody: 15, MaxBody: 54, TitleRatio: 1.5, MinTitleRatio: 1.2, TitleLines: 2, MinTitle: 21, MaxTitle: 81, Gap: 30}
	vi := Panel{Title: Text{"Chào mừng quý khách đến Việt Nam", sizer}, Body: Text{strings.Repeat("Người dân vùng biên giới được hỗ trợ dịch vụ công trực tuyến. ", 3), sizer}}
	for b.Loop() {
		FitPanels([]Panel{vi, vi}, 700, 600, sc)
	}
}

func TestFitPanelsBalancesShortBlocks(t *testing.T) {
	sc := Scale{MinBody: 40, MaxBody: 40, TitleRatio: 1.5, MinTitleRatio: 1.2, TitleLines: 2, MinTitle: 14, MaxTitle: 60, Gap: 10}
	p := Panel{Title: Text{"Cần hỗ trợ? Hãy hỏi cán bộ", sizer}, Body: Text{"Hãy hỏi cán bộ tại điểm hỗ trợ", sizer}}
	greedy := At(p.Body.Text, 560, 600, 40, sizer)
	if n := len(greedy.Lines); n != 2 || len([]rune(greedy.Lines[1])) > 4 {
		t.Fatalf("greedy lines %q: the case needs a last line of one word", greedy.Lines)
	}
	s := FitPanels([]Panel{p}, 560, 600, sc)[0]
	for _, b := range []Block{s.Title, s.Body} {
		if len(b.Lines) != 2 {
			t.Fatalf("lines %q, want 2", b.Lines)
		}
		if first, last := clusters(b.Lines[0]), clusters(b.Lines[1]); last < first/2 {
			t.Errorf("lines %q unbalanced", b.Lines)
		}
	}
}

// TestFitPanelsWidthsThatDoNotScale: with a measure whose widths do not
// scale with the size (each cluster rounded up to a whole pixel, and odd
// sizes a little wider), the sizes found on scaled widths are checked
// against exact ones, and what FitPanels returns fits.
func TestFitPanelsWidthsThatDoNotScale(t *testing.T) {
	lumpy := func(size float64) (Measure, float64) {
		per := math.Ceil(size*0.47) + math.Mod(size, 2)
		return func(s string) float64 { return clusters(s) * per }, size * 1.25
	}
	sc := Scale{MinBody: 12, MaxBody: 60, TitleRatio: 1.5, MinTitleRatio: 1.2, TitleLines: 2, ShortTitlesDownTo: 20, MinTitle: 14, MaxTitle: 90, Gap: 10}
	body := strings.Repeat("Vui lòng chuẩn bị sẵn hộ chiếu và giấy tờ tùy thân. ", 3)
	for _, w := range []float64{301, 433, 517, 640, 777} {
		for _, h := range []float64{211, 350, 480} {
			panels := []Panel{
				{Title: Text{"Chuẩn bị giấy tờ trước khi qua cửa khẩu", lumpy}, Body: Text{body, lumpy}},
				{Title: Text{"Have your papers ready", lumpy}, Body: Text{"Please have your passport ready.", lumpy}},
			}
			sets := FitPanels(panels, w, h, sc)
			if _, _, lh := Level(sets, sc.Gap); lh > h {
				t.Errorf("%vx%v: level height %v", w, h, lh)
			}
			for i, s := range sets {
				if !s.Title.Fits || !s.Body.Fits {
					continue // cut at the smallest size: checked elsewhere
				}
				for _, b := range []struct {
					block Block
					text  string
				}{{s.Title, panels[i].Title.Text}, {s.Body, panels[i].Body.Text}} {
					m, _ := lumpy(b.block.Size)
					for _, l := range b.block.Lines {
						if m(l) > w+0.5 {
							t.Errorf("%vx%v: line %q is %v wide", w, h, l, m(l))
						}
					}
					if want := At(b.text, b.block.Width+1, h, b.block.Size, lumpy); len(want.Lines) != len(b.block.Lines) {
						t.Errorf("%vx%v: %d lines, exact wrap at that width gives %d", w, h, len(b.block.Lines), len(want.Lines))
					}
				}
				if s.Body.Size != sets[0].Body.Size {
					t.Errorf("%vx%v: bodies at %v and %v", w, h, sets[0].Body.Size, s.Body.Size)
				}
			}
		}
	}
}
