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
	"cmp"
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
	// Beats are the heartbeats, in any order.
	Beats []Beat
	// Plays are the play totals, from a counter fed every play.
	Plays *PlayCounter
	// Since is when the site started reporting; zero means before the
	// period.
	Since time.Time
}

// Beat is the part of a heartbeat the arithmetic needs, in 16 bytes: a
// year of minute heartbeats of a site is half a million.
type Beat struct {
	At       int64 // unix milliseconds
	Interval int32 // milliseconds
	State    report.State
}

// BeatOf returns the Beat of a heartbeat.
func BeatOf(hb *report.Heartbeat) Beat {
	return Beat{At: hb.Time.UnixMilli(), Interval: int32(min(hb.Interval.Milliseconds(), 1<<31-1)), State: hb.State}
}

// PlayCounter sums plays per item and language, over a period, and
// keeps the items the site was expected to play (Expect), so one that
// never played is reported with none.
type PlayCounter struct {
	from, to int64
	sums     map[playKey]*PlayTotal
	expected map[string]struct{}
}

type playKey struct{ item, lang string }

// NewPlayCounter counts the plays that start in [from, to).
func NewPlayCounter(from, to time.Time) *PlayCounter {
	return &PlayCounter{from: from.UnixMilli(), to: to.UnixMilli(), sums: map[playKey]*PlayTotal{}, expected: map[string]struct{}{}}
}

// Expect notes that item was in a bundle published to the site during
// the period: Totals lists it even if it never played.
func (c *PlayCounter) Expect(item string) { c.expected[item] = struct{}{} }

// Keys counts the item and language pairs summed and the items expected,
// for bounding what one site may make the counter hold.
func (c *PlayCounter) Keys() int {
	if c == nil {
		return 0
	}
	return len(c.sums) + len(c.expected)
}

// Add counts p if it is in the period.
func (c *PlayCounter) Add(p *report.Play) {
	if c.In(p.Start.UnixMilli()) {
		c.AddTotal(p.Item, p.Lang, 1, p.Dur)
	}
}

// AddTotal counts n plays of item in lang lasting d in all, already
// filtered to the period (see In).
func (c *PlayCounter) AddTotal(item, lang string, n int, d time.Duration) {
	k := playKey{item, lang}
	t := c.sums[k]
	if t == nil {
		t = &PlayTotal{Item: item, Lang: lang}
		c.sums[k] = t
	}
	t.Plays += n
	t.Time += d
}

// In reports whether a play starting at unix milliseconds ms is in the
// period.
func (c *PlayCounter) In(ms int64) bool { return ms >= c.from && ms < c.to }

// Totals returns the sums by item, then language. An expected item that
// never played in any language has one total, with no language and no
// plays.
func (c *PlayCounter) Totals() []PlayTotal {
	if c == nil {
		return nil
	}
	out := make([]PlayTotal, 0, len(c.sums))
	played := make(map[string]bool, len(c.sums))
	for _, t := range c.sums {
		out = append(out, *t)
		played[t.Item] = true
	}
	for it := range c.expected {
		if !played[it] {
			out = append(out, PlayTotal{Item: it})
		}
	}
	slices.SortFunc(out, func(a, b PlayTotal) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.Lang, b.Lang))
	})
	return out
}

// Period returns the span Compute counts for from, to and now: from the
// local midnight starting from's day to the end of to's day, or now.
func Period(sched report.Schedule, from, to, now time.Time) report.Span {
	end := sched.Day(to).End
	if now.Before(end) {
		end = now
	}
	return report.Span{Start: sched.Day(from).Start, End: end}
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

// PlayTotal counts the plays of one item in one language. Lang is empty
// for an item that was published to the site and never played.
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

	hbs := in.Beats
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
		for h < len(hbs) && hbs[h].At < next.UnixMilli() {
			if hbs[h].At >= day.UnixMilli() {
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
	out.Plays = in.Plays.Totals()
	return out
}

func byTime(a, b Beat) int { return cmp.Compare(a.At, b.At) }

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// coverage turns heartbeats into the spans they vouch for, merging
// neighbours in the same state.
func coverage(hbs []Beat) []seg {
	var segs []seg
	for i, hb := range hbs {
		s := hb.At
		iv := int64(hb.Interval)
		e := s + iv
		if i+1 < len(hbs) {
			next := hbs[i+1].At
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
