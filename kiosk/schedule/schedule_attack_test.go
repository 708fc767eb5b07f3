package schedule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// A signed bundle with a pathological schedule either is refused by
// Manifest.Validate (the site keeps its last good bundle) or is laid out
// at once: it never keeps the player's CPU for seconds.

// withinOrRefused fails unless m is refused by Validate or a sequencer of
// it is built and decides a slide within limit.
func withinOrRefused(t *testing.T, m *content.Manifest, limit time.Duration) {
	t.Helper()
	if err := m.Validate(); err != nil {
		return
	}
	done := make(chan time.Duration, 1)
	go func() {
		t0 := time.Now()
		q := NewSequencer(m, testSite(), []string{"vi"}, 10*time.Second)
		q.Next(at(2, 9, 0, 0))
		done <- time.Since(t0)
	}()
	select {
	case d := <-done:
		if d > limit {
			t.Errorf("Validate accepted the bundle, and its sequencer took %v (at most %v)", d, limit)
		}
	case <-time.After(limit * 10):
		t.Fatalf("Validate accepted the bundle, and its sequencer had not decided a slide after %v", limit*10)
	}
}

func attackManifest(items []content.Item) *content.Manifest {
	return &content.Manifest{Format: content.FormatVersion, ID: "attack", Version: 1, Created: at(2, 0, 0, 0),
		Requires: []string{content.FeatureSchedule}, Items: items}
}

// TestManyWeightedItems: 30,000 items of mixed weights (a loop of 1.5
// million appearances) in a manifest of about 3 MB.
func TestManyWeightedItems(t *testing.T) {
	var items []content.Item
	for i := range 30000 {
		items = append(items, textItem(fmt.Sprintf("i%d", i), &content.Schedule{Weight: 1 + i%content.MaxWeight}))
	}
	withinOrRefused(t, attackManifest(items), time.Second)
}

// TestThousandsOfWindows: one item with a window starting at every minute
// of the day, repeated 277 times (a manifest of about 13 MB); 3,000 items
// of 48 windows.
func TestThousandsOfWindows(t *testing.T) {
	var ws []content.Window
	for i := range 400000 {
		ws = append(ws, content.Window{From: fmt.Sprintf("%02d:%02d", i/60%24, i%60), Until: fmt.Sprintf("%02d:%02d", (i/60+1)%24, i%60)})
	}
	withinOrRefused(t, attackManifest([]content.Item{textItem("w", &content.Schedule{Hours: ws})}), time.Second)
	var items []content.Item
	for i := range 3000 {
		items = append(items, textItem(fmt.Sprintf("i%d", i), &content.Schedule{Hours: windows(content.MaxHours)}))
	}
	withinOrRefused(t, attackManifest(items), time.Second)
}

// TestLargestAllowedLoopIsQuick: the largest loops Validate accepts, of
// mixed weights and of one item apart from the rest, are laid out at
// once.
func TestLargestAllowedLoopIsQuick(t *testing.T) {
	for _, tc := range []struct {
		name   string
		weight func(i int) int
	}{
		{"mixed", func(i int) int { return 1 + i%content.MaxWeight }},
		{"one apart", func(i int) int { return 1 + min(i, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var items []content.Item
			total, hours := 0, 0
			for i := 0; total < content.MaxLoop; i++ {
				w := min(tc.weight(i), content.MaxLoop-total)
				h := min(content.MaxHours, content.MaxBundleHours-hours)
				total, hours = total+w, hours+h
				items = append(items, textItem(fmt.Sprintf("i%d", i), &content.Schedule{Weight: w, Hours: windows(h)}))
			}
			m := attackManifest(items)
			if err := m.Validate(); err != nil {
				t.Fatalf("Validate: %v", strings.SplitN(err.Error(), "\n", 2)[0])
			}
			withinOrRefused(t, m, time.Second)
		})
	}
}

// windows returns n quarter-hour windows, every half hour.
func windows(n int) []content.Window {
	var ws []content.Window
	for i := range n {
		ws = append(ws, content.Window{From: fmt.Sprintf("%02d:%02d", i/2, i%2*30), Until: fmt.Sprintf("%02d:%02d", i/2, i%2*30+15)})
	}
	return ws
}

// TestSmoothRoundRobinSameLoop: the loop is the one of the plain smooth
// weighted round-robin, which gives every entry its credit at each step.
func TestSmoothRoundRobinSameLoop(t *testing.T) {
	plain := func(members, weights []int, total int) []int {
		var runs []int
		cur := make([]int, len(members))
		for range total {
			best := 0
			for k := range members {
				cur[k] += weights[k]
				if cur[k] > cur[best] {
					best = k
				}
			}
			cur[best] -= total
			runs = append(runs, members[best])
		}
		return runs
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var members, weights []int
		total := 0
		for k := range 1 + n%40 {
			w := 1 + r.IntN(1+n%12)
			members, weights = append(members, 3*k+1), append(weights, w)
			total += w
		}
		if got, want := smoothRoundRobin(members, weights, total), plain(members, weights, total); !slices.Equal(got, want) {
			t.Fatalf("weights %v: loop %v, want %v", weights, got, want)
		}
	}
}
