// Package uptime adds up a site's heartbeats and plays into what the
// department reports: per day and per month, the hours the site was
// scheduled to show content (its operating hours), the hours it did, the
// uptime, the outages, and the plays per item and language.
//
// A heartbeat vouches for its screen until the next heartbeat if that
// comes within 2.5 intervals (one lost heartbeat is not an outage), and
// otherwise for one interval: the same rule by which `kioskctl status`
// calls a site offline. Scheduled time not vouched for as showing content
// is an outage, named by its cause: no heartbeat (the player, the machine
// or the power was down), standby (nothing playable), error, or off hours
// (the site thought it was closed).
//
// Days are the site's local days; scheduled time before the site first
// reported (a site installed mid-month) and after the report's end is not
// counted.
package uptime

import (
	"slices"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
)

// Tolerance is how many heartbeat intervals may pass before a site counts
// as down.
const Tolerance = 2.5

// Input is what is known of one site.
type Input struct {
	Site     string
	Schedule report.Schedule
	// Heartbeats and plays, in any order.
	Heartbeats []report.Heartbeat
	Plays      []report.Play
	// Since is when the site started reporting; zero means before the
	// period.
	Since time.Time
}

// Causes of outages.
const (
	CauseNoHeartbeat = "no_heartbeat"
	CauseStandby     = "standby"
	CauseError       = "error"
	CauseOffHours    = "off_hours"
)

// Outage is a stretch of scheduled time without content on screen.
type Outage struct {
	Start, End time.Time
	Cause      string
}

// Len is the outage's length.
func (o Outage) Len() time.Duration { return o.End.Sub(o.Start) }

// Tally is the time scheduled and shown over a day or a month.
type Tally struct {
	// Start is the local midnight that begins the day or month.
	Start     time.Time
	Scheduled time.Duration
	Showing   time.Duration
	// Heartbeats counted in the day or month.
	Heartbeats int
}

// Uptime is Showing over Scheduled, and false when nothing was scheduled.
func (t Tally) Uptime() (float64, bool) {
	if t.Scheduled <= 0 {
		return 0, false
	}
	return float64(t.Showing) / float64(t.Scheduled), true
}

// PlayTotal counts the plays of one item in one language.
type PlayTotal struct {
	Item, Lang string
	Plays      int
	Time       time.Duration
}

// Site is one site's report.
type Site struct {
	Site    string
	Days    []Tally
	Months  []Tally
	Total   Tally
	Outages []Outage
	Plays   []PlayTotal
}

type seg struct {
	s, e  int64 // unix ms
	state report.State
}

// Compute reports on in over the local days from the day holding from to
// the day holding to, inclusive; nothing after now counts.
func Compute(in Input, from, to, now time.Time) Site {
	sched := in.Schedule
	first, last := sched.Day(from).Start, sched.Day(to).End
	out := Site{Site: in.Site, Total: Tally{Start: first}}

	hbs := in.Heartbeats
	if !slices.IsSortedFunc(hbs, byTime) {
		hbs = slices.Clone(hbs)
		slices.SortFunc(hbs, byTime)
	}
	segs := coverage(hbs)

	countFrom := first
	if in.Since.After(countFrom) {
		countFrom = in.Since
	}
	endMs := min(last.UnixMilli(), now.UnixMilli())
	j, h := 0, 0
	for day := first; day.Before(last); day = day.AddDate(0, 0, 1) {
		t := Tally{Start: day}
		next := day.AddDate(0, 0, 1)
		for h < len(hbs) && hbs[h].Time.Before(next) {
			if !hbs[h].Time.Before(day) {
				t.Heartbeats++
			}
			h++
		}
		for _, w := range sched.Windows(day) {
			ws, we := max(w.Start.UnixMilli(), countFrom.UnixMilli()), min(w.End.UnixMilli(), endMs)
			if ws >= we {
				continue
			}
			t.Scheduled += ms(we - ws)
			for j < len(segs) && segs[j].e <= ws {
				j++
			}
			at := ws
			for k := j; k < len(segs) && segs[k].s < we && at < we; k++ {
				sg := segs[k]
				if sg.s > at {
					out.outage(at, min(sg.s, we), CauseNoHeartbeat)
					at = min(sg.s, we)
				}
				e := min(sg.e, we)
				if e <= at {
					continue
				}
				if sg.state == report.Content {
					t.Showing += ms(e - at)
				} else {
					out.outage(at, e, cause(sg.state))
				}
				at = e
			}
			if at < we {
				out.outage(at, we, CauseNoHeartbeat)
			}
		}
		out.Days = append(out.Days, t)
		out.Total.Scheduled += t.Scheduled
		out.Total.Showing += t.Showing
		out.Total.Heartbeats += t.Heartbeats
		if n := len(out.Months); n == 0 || out.Months[n-1].Start.Month() != day.Month() {
			out.Months = append(out.Months, Tally{Start: day})
		}
		m := &out.Months[len(out.Months)-1]
		m.Scheduled += t.Scheduled
		m.Showing += t.Showing
		m.Heartbeats += t.Heartbeats
	}
	out.Plays = playTotals(in.Plays, first.UnixMilli(), endMs)
	return out
}

func byTime(a, b report.Heartbeat) int { return a.Time.Compare(b.Time) }

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// coverage turns heartbeats into the spans they vouch for, merging
// neighbours in the same state.
func coverage(hbs []report.Heartbeat) []seg {
	var segs []seg
	for i, hb := range hbs {
		s := hb.Time.UnixMilli()
		iv := hb.Interval.Milliseconds()
		e := s + iv
		if i+1 < len(hbs) {
			next := hbs[i+1].Time.UnixMilli()
			if float64(next-s) <= Tolerance*float64(iv) {
				e = next
			}
			e = min(e, next)
		}
		if e <= s {
			continue
		}
		if n := len(segs); n > 0 && segs[n-1].state == hb.State && segs[n-1].e == s {
			segs[n-1].e = e
			continue
		}
		segs = append(segs, seg{s, e, hb.State})
	}
	return segs
}

func cause(s report.State) string {
	switch s {
	case report.Standby:
		return CauseStandby
	case report.OffHours:
		return CauseOffHours
	default:
		return CauseError
	}
}

// outage records [s, e), joined to the one before if they touch and share
// a cause.
func (out *Site) outage(s, e int64, cause string) {
	if e <= s {
		return
	}
	start, end := time.UnixMilli(s), time.UnixMilli(e)
	if n := len(out.Outages); n > 0 && out.Outages[n-1].Cause == cause && out.Outages[n-1].End.Equal(start) {
		out.Outages[n-1].End = end
		return
	}
	out.Outages = append(out.Outages, Outage{Start: start, End: end, Cause: cause})
}

func playTotals(plays []report.Play, from, to int64) []PlayTotal {
	type key struct{ item, lang string }
	sums := map[key]*PlayTotal{}
	for _, p := range plays {
		if at := p.Start.UnixMilli(); at < from || at >= to {
			continue
		}
		k := key{p.Item, p.Lang}
		t := sums[k]
		if t == nil {
			t = &PlayTotal{Item: p.Item, Lang: p.Lang}
			sums[k] = t
		}
		t.Plays++
		t.Time += p.Dur
	}
	out := make([]PlayTotal, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b PlayTotal) int {
		if a.Item != b.Item {
			if a.Item < b.Item {
				return -1
			}
			return 1
		}
		if a.Lang < b.Lang {
			return -1
		}
		if a.Lang > b.Lang {
			return 1
		}
		return 0
	})
	return out
}
