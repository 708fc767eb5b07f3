package report_test

import (
	"testing"

	"github.com/vnict/kiosk/kiosk/report"
)

// TestGuideTally adds uses up as the department's report does, and takes
// the median of the furthest steps reached.
func TestGuideTally(t *testing.T) {
	tests := []struct {
		name    string
		ends    []int // furthest steps of the guides that ended
		median  int
		noneYet bool
	}{
		{"none ended", nil, 0, true},
		{"one", []int{4}, 4, false},
		{"odd count", []int{6, 1, 3}, 3, false},
		{"even count takes the lower middle", []int{1, 5}, 1, false},
		{"repeated steps", []int{1, 2, 2, 3, 6, 6, 6, 6}, 3, false},
		{"a step of zero: left at the guide's cover", []int{0, 0, 2}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g report.GuideTally
			g.Add(report.UseOpened, 0)
			for i, s := range tt.ends {
				g.Add([]string{report.UseFinished, report.UseLeft, report.UseIdle}[i%3], s)
			}
			m, ok := g.MedianReached()
			if ok == tt.noneYet || m != tt.median {
				t.Errorf("MedianReached() = %d, %v; want %d, %v", m, ok, tt.median, !tt.noneYet)
			}
			if ended := g.Finished + g.Left + g.Idle; ended != len(tt.ends) || g.Opened != 1 {
				t.Errorf("tally %+v: want %d ended, 1 opened", g, len(tt.ends))
			}
		})
	}
	// Merging two sites' tallies adds every count and step.
	a := report.GuideTally{Opened: 2, Finished: 1, Narrations: 3, Steps: 7, Reached: map[int]int{6: 1}}
	b := report.GuideTally{Opened: 1, Left: 1, Idle: 1, Narrations: 1, Reached: map[int]int{2: 1, 6: 1}}
	a.Merge(&b)
	if a.Opened != 3 || a.Finished != 1 || a.Left != 1 || a.Idle != 1 || a.Narrations != 4 || a.Steps != 7 || a.Reached[6] != 2 || a.Reached[2] != 1 {
		t.Errorf("merged %+v", a)
	}
	if m, _ := a.MedianReached(); m != 6 {
		t.Errorf("merged median %d, want 6", m)
	}
}
