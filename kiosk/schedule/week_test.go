package schedule

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

var update = flag.Bool("update", false, "write the golden files in testdata")

// weekStart is Monday 2 March 2026, 00:00 in Vietnam.
var weekStart = time.Date(2026, 3, 2, 0, 0, 0, 0, hcm)

// weekAlerts: a severe alert for the province for two hours on Wednesday
// afternoon, past the commune's closing time, and a minor one as a banner
// at the gate on Thursday morning.
var weekAlerts = []alert.Alert{
	{ID: "flood", Serial: 1, Severity: alert.Severe, Sent: weekStart.Add(2*24*time.Hour + 15*time.Hour),
		Start: weekStart.Add(2*24*time.Hour + 15*time.Hour + 30*time.Minute), Expires: weekStart.Add(2*24*time.Hour + 17*time.Hour + 30*time.Minute),
		Targets: content.Targets{Tags: []string{"province:an-giang"}}, Text: map[string]alert.Text{"vi": {Headline: "Lũ"}}},
	{ID: "queue", Serial: 1, Severity: alert.Minor, Sent: weekStart.Add(3*24*time.Hour + 9*time.Hour),
		Start: weekStart.Add(3*24*time.Hour + 10*time.Hour), Expires: weekStart.Add(3*24*time.Hour + 10*time.Hour + 20*time.Minute),
		Targets: content.Targets{Tags: []string{"gate:tinh-bien"}}, Text: map[string]alert.Text{"vi": {Headline: "Xếp hàng"}}},
	{ID: "cancelled", Cancel: true, Severity: alert.Extreme, Start: weekStart, Expires: weekStart.Add(7 * 24 * time.Hour)},
}

func loadWeek(t *testing.T, siteFile string) (*Site, *Sequencer) {
	t.Helper()
	raw, err := os.ReadFile("testdata/week/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := content.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := siteconfig.Load(filepath.Join("testdata/week", siteFile))
	if err != nil {
		t.Fatal(err)
	}
	site, err := NewSite(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return site, NewSequencer(m, site, cfg.Languages, cfg.Playback.ItemDuration)
}

// step is one thing the simulated screen did, from start to end.
type step struct {
	start, end time.Time
	state      string // "play", "off", "alert ID", "idle"
	slide      Slide
	banner     string
	brightness float64
}

// simulate steps the site through [from, to) the way the player does: the
// screen from At; when content plays, Next(now), shown until its time is
// up, its Until, or the screen turns off or an alert takes it.
func simulate(site *Site, q *Sequencer, alerts []alert.Alert, from, to time.Time) []step {
	var steps []step
	now := from
	for now.Before(to) {
		sc := site.At(now, alerts)
		next := site.NextChange(now, alerts)
		// The next moment the screen stops showing content: off, or a
		// full-screen alert.
		for !next.IsZero() && next.Before(to) {
			if n := site.At(next, alerts); n.Off != sc.Off || (n.Alert == nil) != (sc.Alert == nil) || sc.Banner != nil && n.Banner == nil {
				break
			}
			next = site.NextChange(next, alerts)
		}
		if next.IsZero() || next.After(to) {
			next = to
		}
		st := step{start: now, brightness: sc.Brightness}
		if sc.Banner != nil {
			st.banner = sc.Banner.ID
		}
		switch {
		case sc.Alert != nil:
			st.state, st.end = "alert "+sc.Alert.ID, next
		case sc.Off:
			st.state, st.end = "off ("+site.OffHours+")", next
		default:
			s, ok := q.Next(now)
			if !ok {
				st.state, st.end = "idle", minTime(next, q.NextChange(now))
				break
			}
			end := now.Add(s.Duration)
			if !s.Until.IsZero() {
				end = minTime(end, s.Until)
			}
			st.state, st.slide, st.end = "play", s, minTime(end, next)
		}
		steps = append(steps, st)
		now = st.end
	}
	return steps
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func slideName(s Slide) string { return s.Item.ID + ":" + strings.Join(s.Langs, "+") }

// summary writes the week as segments: a line each time what the screen
// does changes (its state, banner, brightness or the items in the loop),
// with the segment's slide count and its first loop of slides.
func summary(site *Site, q *Sequencer, steps []step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "site %s, week from %s\n", site.ID, weekStart.Format("2006-01-02"))
	for _, x := range q.Excluded() {
		fmt.Fprintf(&b, "never: %s (%s)\n", x.Item.ID, x.Reason)
	}
	key := func(st step) string {
		k := st.state
		if st.state == "play" {
			shares, _, _ := q.Loop(st.start)
			var ids []string
			for _, s := range shares {
				ids = append(ids, fmt.Sprintf("%s×%d", s.Item.ID, s.Weight))
			}
			k += " [" + strings.Join(ids, " ") + "]"
		}
		if st.banner != "" {
			k += " banner " + st.banner
		}
		return k + fmt.Sprintf(" brightness %.2f", st.brightness)
	}
	var cur string
	var first []string
	var total int
	flush := func() {
		if cur == "" {
			return
		}
		if total > 0 {
			fmt.Fprintf(&b, "    %d slides, first: %s\n", total, strings.Join(first, " "))
		}
	}
	for _, st := range steps {
		if k := key(st); k != cur {
			flush()
			cur, first, total = k, nil, 0
			fmt.Fprintf(&b, "%s  %s\n", st.start.Format("Mon 15:04:05"), k)
		}
		if st.state == "play" {
			total++
			if len(first) < st.slide.Total {
				first = append(first, slideName(st.slide))
			}
		}
	}
	flush()
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata/week", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the simulation; got:\n%s", path, got)
	}
}

// stepAt returns the step on screen at t.
func stepAt(t *testing.T, steps []step, at time.Time) step {
	t.Helper()
	for _, st := range steps {
		if !at.Before(st.start) && at.Before(st.end) {
			return st
		}
	}
	t.Fatalf("no step at %v", at)
	return step{}
}

func day(d, hh, mm, ss int) time.Time {
	return weekStart.AddDate(0, 0, d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second)
}

func TestSimulatedWeek(t *testing.T) {
	sites := map[string]string{"tinh-bien": "tinh-bien.yaml", "le-tri": "le-tri.yaml", "wall": "wall.yaml"}
	runs := map[string][]step{}
	for name, file := range sites {
		site, q := loadWeek(t, file)
		steps := simulate(site, q, weekAlerts, weekStart, weekStart.AddDate(0, 0, 7))
		runs[name] = steps
		golden(t, name+".golden", summary(site, q, steps))
	}
	gate, commune, wall := runs["tinh-bien"], runs["le-tri"], runs["wall"]

	t.Run("an item leaves at its expiry to the second", func(t *testing.T) {
		expiry := day(2, 9, 17, 52)
		for name, steps := range map[string][]step{"tinh-bien": gate, "le-tri": commune} {
			last := stepAt(t, steps, expiry.Add(-time.Second))
			after := stepAt(t, steps, expiry)
			if last.slide.Item == nil || last.slide.Item.ID != "vaccination" || !last.end.Equal(expiry) {
				t.Errorf("%s: before the expiry %s until %v, want vaccination until %v", name, last.state, last.end, expiry)
			}
			if after.slide.Item == nil || after.slide.Item.ID == "vaccination" || !after.start.Equal(expiry) {
				t.Errorf("%s: at the expiry %+v", name, after)
			}
			for _, st := range steps {
				if st.slide.Item != nil && st.slide.Item.ID == "vaccination" && (st.start.Before(day(2, 9, 0, 0)) || st.end.After(expiry)) {
					t.Errorf("%s: vaccination on screen from %v to %v", name, st.start, st.end)
				}
			}
		}
		if st := stepAt(t, wall, day(2, 9, 5, 0)); st.slide.Item == nil || st.slide.Item.ID == "vaccination" {
			t.Errorf("the wall in Điện Biên plays %+v during An Giang's campaign", st)
		}
	})

	t.Run("the alert preempts and the loop comes back after it", func(t *testing.T) {
		start, end := day(2, 15, 30, 0), day(2, 17, 30, 0)
		before := stepAt(t, gate, start.Add(-time.Second))
		if before.state != "play" || !before.end.Equal(start) {
			t.Fatalf("before the alert: %s until %v", before.state, before.end)
		}
		during := stepAt(t, gate, start)
		if during.state != "alert flood" || !during.end.Equal(end) {
			t.Errorf("alert: %s from %v to %v", during.state, during.start, during.end)
		}
		after := stepAt(t, gate, end)
		if after.state != "play" || after.slide.Index != (before.slide.Index+1)%before.slide.Total {
			t.Errorf("after the alert: %s slide %d, want the one after %d of %d", after.state, after.slide.Index, before.slide.Index, before.slide.Total)
		}
		// At the commune the alert shows past closing time, then the
		// screen goes off.
		if st := stepAt(t, commune, day(2, 17, 15, 0)); st.state != "alert flood" {
			t.Errorf("commune at 17:15 during the alert: %s", st.state)
		}
		if st := stepAt(t, commune, end); st.state != "off (black)" {
			t.Errorf("commune after the alert: %s", st.state)
		}
		if st := stepAt(t, wall, day(2, 16, 0, 0)); st.state != "play" {
			t.Errorf("the wall elsewhere during the alert: %s", st.state)
		}
		if st := stepAt(t, gate, day(3, 10, 10, 0)); st.state != "play" || st.banner != "queue" {
			t.Errorf("gate during the minor alert: %s banner %q", st.state, st.banner)
		}
	})

	t.Run("off hours", func(t *testing.T) {
		tests := []struct {
			steps []step
			at    time.Time
			want  string
		}{
			{commune, day(0, 6, 59, 59), "off (black)"},
			{commune, day(0, 7, 0, 0), "play"},
			{commune, day(0, 16, 59, 59), "play"},
			{commune, day(0, 17, 0, 0), "off (black)"},
			{gate, day(0, 5, 59, 59), "off (clock)"},
			{gate, day(0, 6, 0, 0), "play"},
			{gate, day(0, 21, 59, 59), "play"},
			{gate, day(0, 22, 0, 0), "off (clock)"},
			{wall, day(0, 3, 0, 0), "play"},
		}
		for _, tc := range tests {
			if got := stepAt(t, tc.steps, tc.at).state; got != tc.want {
				t.Errorf("at %v: %s, want %s", tc.at, got, tc.want)
			}
		}
		if st := stepAt(t, commune, day(0, 7, 0, 0)); !st.start.Equal(day(0, 7, 0, 0)) {
			t.Errorf("the commune's first slide starts at %v, want 07:00:00", st.start)
		}
	})

	t.Run("a window that crosses midnight belongs to the day it starts", func(t *testing.T) {
		plays := func(at time.Time) bool {
			st := stepAt(t, wall, at)
			shares, _, _ := func() ([]Share, time.Time, time.Time) {
				_, q := loadWeek(t, "wall.yaml")
				return q.Loop(at)
			}()
			_ = st
			for _, s := range shares {
				if s.Item.ID == "night-market" {
					return true
				}
			}
			return false
		}
		for at, want := range map[time.Time]bool{
			day(5, 21, 59, 59): false, day(5, 22, 0, 0): true, day(6, 1, 59, 59): true, day(6, 2, 0, 0): false,
			day(4, 23, 0, 0): false, day(6, 23, 0, 0): false,
		} {
			if got := plays(at); got != want {
				t.Errorf("night market in the loop at %v: %v, want %v", at, got, want)
			}
		}
	})
}

// TestClockJumps: the sequencer answers from the moment it is given, with
// no assumption that time only moves forward.
func TestClockJumps(t *testing.T) {
	_, q := loadWeek(t, "le-tri.yaml")
	loopAt := func(now time.Time) string {
		var ids []string
		for range 12 {
			s, ok := q.Next(now)
			if !ok {
				return "-"
			}
			if !s.PlayableAt(now) {
				t.Errorf("at %v: %s is not playable (%v to %v)", now, slideName(s), s.Since, s.Until)
			}
			if n := slideName(s); !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+n+" ") {
				ids = append(ids, n)
			}
		}
		return strings.Join(ids, " ")
	}
	steps := []struct {
		name string
		at   time.Time
		want string
	}{
		{"Monday after the morning window", day(0, 11, 40, 0), "welcome:km welcome:vi"},
		{"back an hour: the window again", day(0, 10, 40, 0), "public-services:km public-services:vi welcome:km welcome:vi"},
		{"forward a day", day(1, 10, 40, 0), "public-services:km public-services:vi welcome:km welcome:vi"},
		{"forward into the campaign", day(2, 9, 10, 0), "vaccination:km vaccination:vi"},
		{"back before it", day(2, 8, 59, 59), "public-services:km public-services:vi welcome:km welcome:vi"},
		{"Saturday", day(5, 10, 40, 0), "welcome:km welcome:vi"},
		{"back to Monday", day(0, 11, 40, 0), "welcome:km welcome:vi"},
	}
	for _, st := range steps {
		got := loopAt(st.at)
		// The order depends on where the loop stood; compare the sets.
		if sorted(got) != sorted(st.want) {
			t.Errorf("%s (%v): plays %s, want %s", st.name, st.at, got, st.want)
		}
	}
	// A slide chosen before a jump says whether it may still show after it.
	s, _ := q.Next(day(1, 10, 40, 0))
	for s.Item.ID != "public-services" {
		s, _ = q.Next(day(1, 10, 40, 0))
	}
	if !s.Until.Equal(day(1, 11, 30, 0)) || !s.Since.Equal(day(1, 7, 30, 0)) {
		t.Errorf("public-services on Tuesday: %v to %v", s.Since, s.Until)
	}
	if s.PlayableAt(day(1, 11, 40, 0)) || s.PlayableAt(day(0, 10, 40, 0)) || !s.PlayableAt(day(1, 11, 29, 59)) {
		t.Error("PlayableAt does not bound the slide to its Tuesday window")
	}
}

func sorted(s string) string {
	f := strings.Fields(s)
	for i := range f {
		for j := i + 1; j < len(f); j++ {
			if f[j] < f[i] {
				f[i], f[j] = f[j], f[i]
			}
		}
	}
	return strings.Join(f, " ")
}
