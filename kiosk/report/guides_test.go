package report_test

import (
	"runtime"
	"strconv"
	"testing"
	"time"

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
		{"the last step a guide may have", []int{report.MaxUseStep, report.MaxUseStep, 1}, report.MaxUseStep, false},
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
	a := report.GuideTally{Opened: 2, Finished: 1, Narrations: 3, Steps: 7, Reached: report.StepCounts{6: 1}}
	b := report.GuideTally{Opened: 1, Left: 1, Idle: 1, Narrations: 1, Reached: report.StepCounts{2: 1, 6: 1}}
	a.Merge(&b)
	if a.Opened != 3 || a.Finished != 1 || a.Left != 1 || a.Idle != 1 || a.Narrations != 4 || a.Steps != 7 || a.Reached[6] != 2 || a.Reached[2] != 1 {
		t.Errorf("merged %+v", a)
	}
	if m, _ := a.MedianReached(); m != 6 {
		t.Errorf("merged median %d, want 6", m)
	}
}

// TestGuideTallyBounded: a site that claims every step it can (a damaged
// or hostile spool) cannot make the department's tallies grow: a tally is
// one fixed array of counters, a step past the last a guide may have is
// refused by Use.Check and left out of Reached by Add. Twenty thousand
// guide and language pairs (fleet.MaxPlayKeys) with every step to 1000
// (the bound uses once had) stay under 16 MB.
func TestGuideTallyBounded(t *testing.T) {
	const pairs, claimed = 20000, 1000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tallies := make(map[[2]string]*report.GuideTally, pairs)
	for g := range pairs {
		gt := &report.GuideTally{Guide: "g" + strconv.Itoa(g), Lang: "km"}
		for s := 0; s <= claimed; s++ {
			gt.Add(report.UseFinished, s)
		}
		tallies[[2]string{gt.Guide, gt.Lang}] = gt
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d tallies with every step to %d: heap %.1f MB", pairs, claimed, float64(heap)/(1<<20))
	if heap > 16<<20 {
		t.Errorf("%d tallies take %d MB of heap, want under 16", pairs, heap>>20)
	}
	g := tallies[[2]string{"g0", "km"}]
	if g.Finished != claimed+1 {
		t.Errorf("Finished %d, want every ending counted: %d", g.Finished, claimed+1)
	}
	for s, n := range g.Reached {
		if n != 1 {
			t.Errorf("Reached[%d] = %d, want 1", s, n)
		}
	}
	if m, _ := g.MedianReached(); m > report.MaxUseStep {
		t.Errorf("median step %d, past the last a guide may have", m)
	}
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	if err := (report.Use{Time: at, Event: report.UseFinished, Guide: "khai-sinh", Lang: "km", Step: claimed}).Check(); err == nil {
		t.Errorf("Check accepts a guide finished at step %d; a guide has at most %d", claimed, report.MaxUseStep)
	}
	runtime.KeepAlive(tallies)
}
