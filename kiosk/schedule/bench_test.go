package schedule

import (
	"fmt"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// BenchmarkNext1000 decides slides over a bundle of 1,000 items with mixed
// schedules, priorities, weights and targets, on a clock stepped by each
// slide's time, as the player steps it, through days of windows opening
// and closing.
func BenchmarkNext1000(b *testing.B) {
	var items []content.Item
	for i := range 1000 {
		s := &content.Schedule{Weight: 1 + i%4}
		switch i % 5 {
		case 1:
			s.Hours = []content.Window{{From: fmt.Sprintf("%02d:00", 6+i%12), Until: fmt.Sprintf("%02d:30", 8+i%12)}}
		case 2:
			s.Weekdays = []string{"mon", "wed", "fri"}
		case 3:
			s.From, s.Until = "2026-03-03", "2026-03-05T12:00"
		case 4:
			s.Hours = []content.Window{{From: "22:00", Until: "02:00"}}
		}
		if i%97 == 0 {
			s.Priority = 1
			s.Hours = []content.Window{{From: "12:00", Until: "12:15"}}
		}
		it := textItem(fmt.Sprintf("item-%d", i), s, "vi", "km")
		if i%7 == 0 {
			it.Targets = &content.Targets{Tags: []string{"province:an-giang"}}
		}
		items = append(items, it)
	}
	q := NewSequencer(&content.Manifest{Items: items}, testSite(), []string{"vi", "km"}, 8*time.Second)
	now := at(2, 0, 0, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s, ok := q.Next(now)
		if !ok {
			now = q.NextChange(now)
			continue
		}
		step := s.Duration
		if !s.Until.IsZero() {
			step = min(step, s.Until.Sub(now))
		}
		now = now.Add(step)
	}
}
