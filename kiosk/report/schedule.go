package report

import (
	"time"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Schedule is a site's operating hours in its time zone.
type Schedule struct {
	// Hours nil means all day.
	Hours *siteconfig.Hours
	Loc   *time.Location
}

// ScheduleOf returns the schedule of a site config.
func ScheduleOf(cfg *siteconfig.Config) Schedule {
	return Schedule{Hours: cfg.Hours, Loc: cfg.Location()}
}

// Span is a half-open time interval [Start, End).
type Span struct{ Start, End time.Time }

// Len is the span's length, zero if empty.
func (s Span) Len() time.Duration { return max(s.End.Sub(s.Start), 0) }

// Scheduled reports whether t is within operating hours.
func (s Schedule) Scheduled(t time.Time) bool {
	if s.allDay() {
		return true
	}
	for _, w := range s.Windows(t) {
		if !t.Before(w.Start) && t.Before(w.End) {
			return true
		}
	}
	return false
}

func (s Schedule) allDay() bool { return s.Hours == nil || s.Hours.Open == s.Hours.Close }

func (s Schedule) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// NextChange returns the first time after t at which Scheduled changes,
// or the zero time for a site scheduled all day.
func (s Schedule) NextChange(t time.Time) time.Time {
	if s.allDay() {
		return time.Time{}
	}
	var next time.Time
	for _, day := range []time.Time{t, s.Day(t).End} {
		for _, w := range s.Windows(day) {
			for _, b := range []time.Time{w.Start, w.End} {
				// A window's edge at midnight is not a change when the
				// hours cross midnight; Scheduled is the same on both sides.
				if b.After(t) && (next.IsZero() || b.Before(next)) && s.Scheduled(b) != s.Scheduled(b.Add(-time.Nanosecond)) {
					next = b
				}
			}
		}
	}
	return next
}

// Day returns the local day that holds t, as a span from midnight to
// midnight.
func (s Schedule) Day(t time.Time) Span {
	t = t.In(s.loc())
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc())
	return Span{start, start.AddDate(0, 0, 1)}
}

// Windows returns the operating hours that overlap the local day holding
// t, clipped to that day: one span, or two when the hours cross midnight
// (the evening's opening and the morning's end of the night before).
func (s Schedule) Windows(t time.Time) []Span {
	day := s.Day(t)
	if s.allDay() {
		return []Span{day}
	}
	at := func(d time.Duration) time.Time {
		m := int(d / time.Minute)
		return time.Date(day.Start.Year(), day.Start.Month(), day.Start.Day(), m/60, m%60, 0, 0, s.loc())
	}
	open, close := at(time.Duration(s.Hours.Open)), at(time.Duration(s.Hours.Close))
	if s.Hours.Open < s.Hours.Close {
		return []Span{{open, close}}
	}
	return []Span{{day.Start, close}, {open, day.End}}
}
