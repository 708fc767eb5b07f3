package s3store

import (
	"net/http"
	"testing"
	"time"
)

// TestClockWatchKeepsTheTightestRecentReading: of recent readings the one
// with the shortest round trip is kept (its midpoint is the most
// precise); an older one gives way after readingMaxAge, also when the
// local clock was set back.
func TestClockWatchKeepsTheTightestRecentReading(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	date := func(at time.Time) string { return at.Format(http.TimeFormat) }
	type step struct {
		at, rt   time.Duration // sent, after t0; round trip
		wantSent time.Duration // the send time of the reading kept
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"tighter replaces", []step{{0, 400 * time.Millisecond, 0}, {time.Second, 10 * time.Millisecond, time.Second}}},
		{"looser does not", []step{{0, 10 * time.Millisecond, 0}, {time.Minute, 3 * time.Second, 0}}},
		{"equal replaces", []step{{0, 10 * time.Millisecond, 0}, {time.Minute, 10 * time.Millisecond, time.Minute}}},
		{"looser replaces an old one", []step{{0, 10 * time.Millisecond, 0}, {6 * time.Minute, 3 * time.Second, 6 * time.Minute}}},
		{"clock set back", []step{{time.Hour, 10 * time.Millisecond, time.Hour}, {0, 3 * time.Second, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClockWatch(nil, nil)
			for i, s := range tc.steps {
				sent := t0.Add(s.at)
				c.note(date(sent), sent, sent.Add(s.rt))
				if got := c.best.Local.Add(-c.best.RoundTrip / 2); !got.Equal(t0.Add(s.wantSent)) {
					t.Errorf("step %d: kept the reading sent at %v, want %v", i, got.Sub(t0), s.wantSent)
				}
			}
		})
	}
}

// TestReadClockCentresTheSecond: Date truncates to the second, so the
// store's time is taken as the middle of that second, and the local time
// as the middle of the round trip.
func TestReadClockCentresTheSecond(t *testing.T) {
	sent := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r, ok := readClock("Tue, 01 Dec 2026 09:00:00 GMT", sent, sent.Add(200*time.Millisecond))
	if !ok {
		t.Fatal("no reading")
	}
	if r.Skew() != -400*time.Millisecond || r.Uncertainty() != 600*time.Millisecond {
		t.Errorf("skew %v ± %v, want -400ms ± 600ms", r.Skew(), r.Uncertainty())
	}
}
