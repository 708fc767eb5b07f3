package uptime

import (
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

func at(day int, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, hcm) }

func hours(open, close time.Duration) *siteconfig.Hours {
	return &siteconfig.Hours{Open: siteconfig.ClockTime(open), Close: siteconfig.ClockTime(close)}
}

// beats makes a heartbeat every minute in [from, to).
func beats(from, to time.Time, st report.State) []Beat {
	var out []Beat
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		out = append(out, BeatOf(&report.Heartbeat{Time: t.UTC(), Interval: time.Minute, State: st}))
	}
	return out
}

func join(parts ...[]Beat) []Beat {
	var out []Beat
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestCompute(t *testing.T) {
	h := time.Hour
	night := hours(18*h, 2*h) // crosses midnight
	day := hours(6*h, 22*h)
	tests := []struct {
		name     string
		hours    *siteconfig.Hours
		hbs      []Beat
		since    time.Time
		from, to time.Time
		now      time.Time
		// want per day: scheduled and showing
		sched, show []time.Duration
		outages     []Outage
	}{
		{
			name: "all day, all up", hbs: beats(at(1, 0, 0), at(2, 0, 0), report.Content),
			from: at(1, 0, 0), to: at(1, 0, 0), now: at(9, 0, 0),
			sched: []time.Duration{24 * h}, show: []time.Duration{24 * h},
		},
		{
			name: "hours 06-22, a lost heartbeat is not an outage, ten missing minutes are", hours: day,
			hbs: join(beats(at(1, 6, 0), at(1, 9, 0), report.Content), // 09:00 lost
				beats(at(1, 9, 1), at(1, 12, 0), report.Content),
				beats(at(1, 12, 10), at(1, 22, 0), report.Content)),
			from: at(1, 0, 0), to: at(1, 0, 0), now: at(9, 0, 0),
			sched: []time.Duration{16 * h}, show: []time.Duration{16*h - 10*time.Minute},
			outages: []Outage{{at(1, 12, 0), at(1, 12, 10), CauseNoHeartbeat}},
		},
		{
			name: "hours crossing midnight; a day with no heartbeats", hours: night,
			// Up 18:00 day 1 to 02:00 day 2; nothing on day 3 and after.
			hbs:  beats(at(1, 18, 0), at(2, 2, 0), report.Content),
			from: at(1, 0, 0), to: at(3, 0, 0), now: at(9, 0, 0),
			// Day 1: 00-02 and 18-24 scheduled; 00-02 without heartbeats.
			// Day 2: up 00-02, down 18-24. Day 3: down all 8 hours.
			sched: []time.Duration{8 * h, 8 * h, 8 * h}, show: []time.Duration{6 * h, 2 * h, 0},
			outages: []Outage{
				{at(1, 0, 0), at(1, 2, 0), CauseNoHeartbeat},
				{at(2, 18, 0), at(3, 2, 0), CauseNoHeartbeat}, // one outage across midnight
				{at(3, 18, 0), at(4, 0, 0), CauseNoHeartbeat},
			},
		},
		{
			name: "site started mid-month", hours: day, since: at(15, 10, 0),
			hbs:  beats(at(15, 10, 0), at(15, 22, 0), report.Content),
			from: at(14, 0, 0), to: at(15, 0, 0), now: at(20, 0, 0),
			sched: []time.Duration{0, 12 * h}, show: []time.Duration{0, 12 * h},
		},
		{
			name: "standby and error are outages with their cause", hours: day,
			hbs: join(beats(at(1, 6, 0), at(1, 8, 0), report.Standby),
				beats(at(1, 8, 0), at(1, 20, 0), report.Content),
				beats(at(1, 20, 0), at(1, 22, 0), report.Error)),
			from: at(1, 0, 0), to: at(1, 0, 0), now: at(9, 0, 0),
			sched: []time.Duration{16 * h}, show: []time.Duration{12 * h},
			outages: []Outage{{at(1, 6, 0), at(1, 8, 0), CauseStandby}, {at(1, 20, 0), at(1, 22, 0), CauseError}},
		},
		{
			name: "nothing after now counts", hours: day,
			hbs:  beats(at(1, 6, 0), at(1, 12, 0), report.Content),
			from: at(1, 0, 0), to: at(1, 0, 0), now: at(1, 12, 0),
			sched: []time.Duration{6 * h}, show: []time.Duration{6 * h},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Site: "s", Schedule: report.Schedule{Hours: tt.hours, Loc: hcm}, Beats: tt.hbs, Since: tt.since}
			got := Compute(in, tt.from, tt.to, tt.now)
			if len(got.Days) != len(tt.sched) {
				t.Fatalf("%d days, want %d", len(got.Days), len(tt.sched))
			}
			var sched, show time.Duration
			for i, d := range got.Days {
				if d.Scheduled != tt.sched[i] || d.Showing != tt.show[i] {
					t.Errorf("day %d (%s): scheduled %v showing %v, want %v and %v",
						i, d.Start.Format(time.DateOnly), d.Scheduled, d.Showing, tt.sched[i], tt.show[i])
				}
				sched += tt.sched[i]
				show += tt.show[i]
			}
			if got.Total.Scheduled != sched || got.Total.Showing != show {
				t.Errorf("total %v/%v, want %v/%v", got.Total.Showing, got.Total.Scheduled, show, sched)
			}
			if len(got.Outages) != len(tt.outages) {
				t.Fatalf("outages %v, want %v", got.Outages, tt.outages)
			}
			for i, o := range got.Outages {
				w := tt.outages[i]
				if !o.Start.Equal(w.Start) || !o.End.Equal(w.End) || o.Cause != w.Cause {
					t.Errorf("outage %d: %v–%v %s, want %v–%v %s", i, o.Start.In(hcm), o.End.In(hcm), o.Cause,
						w.Start, w.End, w.Cause)
				}
			}
		})
	}
}

func TestMonthsAndPlays(t *testing.T) {
	sched := report.Schedule{Loc: hcm}
	from, to, now := time.Date(2026, 3, 31, 0, 0, 0, 0, hcm), time.Date(2026, 4, 1, 0, 0, 0, 0, hcm), time.Date(2027, 1, 1, 0, 0, 0, 0, hcm)
	period := Period(sched, from, to, now)
	plays := NewPlayCounter(period.Start, period.End)
	for _, p := range []report.Play{
		{Item: "a", Lang: "vi", Start: time.Date(2026, 3, 31, 8, 0, 0, 0, hcm), Dur: 10 * time.Second},
		{Item: "a", Lang: "vi", Start: time.Date(2026, 4, 1, 8, 0, 0, 0, hcm), Dur: 10 * time.Second},
		{Item: "a", Lang: "km", Start: time.Date(2026, 4, 1, 8, 0, 10, 0, hcm), Dur: 12 * time.Second},
		{Item: "a", Lang: "km", Start: time.Date(2026, 4, 5, 8, 0, 10, 0, hcm), Dur: 12 * time.Second}, // after the period
	} {
		plays.Add(&p)
	}
	in := Input{Site: "s", Schedule: sched, Plays: plays,
		Beats: beats(time.Date(2026, 3, 31, 0, 0, 0, 0, hcm), time.Date(2026, 4, 2, 0, 0, 0, 0, hcm), report.Content)}
	got := Compute(in, from, to, now)
	if len(got.Months) != 2 || got.Months[0].Start.Month() != time.March || got.Months[1].Showing != 24*time.Hour {
		t.Errorf("months %+v", got.Months)
	}
	if got.Total.Heartbeats != 2*1440 {
		t.Errorf("%d heartbeats counted, want %d", got.Total.Heartbeats, 2*1440)
	}
	want := []PlayTotal{{"a", "km", 1, 12 * time.Second}, {"a", "vi", 2, 20 * time.Second}}
	if len(got.Plays) != 2 || got.Plays[0] != want[0] || got.Plays[1] != want[1] {
		t.Errorf("plays %+v, want %+v", got.Plays, want)
	}
}
