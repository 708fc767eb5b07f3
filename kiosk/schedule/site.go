package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Site is what a screen is for scheduling: its ID and tags, zone, hours and
// brightness.
type Site struct {
	ID string
	// Tags are the config's tags and groups, each once.
	Tags []string
	// Zone is the site's time zone; every daily time is read in it.
	Zone *time.Location
	// Hours are the operating hours; nil means all day.
	Hours *Hours
	// OffHours is what the screen shows outside its hours:
	// siteconfig.OffClock or siteconfig.OffBlack.
	OffHours string
	// Brightness holds the steps of the brightness schedule, by time of
	// day; empty means full brightness all day.
	Brightness []Step
}

// Hours are daily operating hours as offsets from midnight. A Close at or
// before Open crosses midnight; equal values mean all day.
type Hours struct {
	Open, Close time.Duration
}

// Step is one step of the brightness schedule: from From (an offset from
// midnight) the screen shows at Level (0.05 to 1) until the next step.
type Step struct {
	From  time.Duration
	Level float64
}

// NewSite returns the scheduling view of a site config: its tags are
// cfg.Site.Tags and cfg.Site.Groups, and its zone cfg.TimeZone, by default
// Asia/Ho_Chi_Minh.
func NewSite(cfg *siteconfig.Config) (*Site, error) {
	name := cmp.Or(cfg.TimeZone, siteconfig.DefaultTimeZone)
	zone, err := time.LoadLocation(name)
	if err != nil {
		return nil, &content.FieldError{File: cfg.Path, Field: "time_zone", Err: fmt.Errorf("%q: %w", name, err)}
	}
	s := &Site{ID: cfg.Site.ID, Zone: zone, OffHours: cmp.Or(cfg.OffHours, siteconfig.OffClock)}
	for _, t := range slices.Concat(cfg.Site.Tags, cfg.Site.Groups) {
		if !slices.Contains(s.Tags, t) {
			s.Tags = append(s.Tags, t)
		}
	}
	if h := cfg.Hours; h != nil {
		s.Hours = &Hours{Open: time.Duration(h.Open), Close: time.Duration(h.Close)}
	}
	for i, b := range cfg.Brightness {
		if b.Level < 5 || b.Level > 100 {
			return nil, &content.FieldError{File: cfg.Path, Field: fmt.Sprintf("brightness[%d].level", i),
				Err: fmt.Errorf("is %d; want 5 to 100", b.Level)}
		}
		s.Brightness = append(s.Brightness, Step{From: time.Duration(b.From), Level: float64(b.Level) / 100})
	}
	slices.SortStableFunc(s.Brightness, func(a, b Step) int { return cmp.Compare(a.From, b.From) })
	return s, nil
}

// Targeted reports whether t targets the site.
func (s *Site) Targeted(t *content.Targets) bool { return t.Match(s.ID, s.Tags) }

// Screen is what the screen does at a moment.
type Screen struct {
	// Off is true outside the operating hours, unless a full-screen alert
	// shows.
	Off bool
	// Alert is the full-screen alert on screen, if any.
	Alert *alert.Alert
	// Banner is the banner alert, if any, when no alert takes the whole
	// screen. It shows over the content, or over the off-hours screen.
	Banner *alert.Alert
	// Brightness is from 0.05 to 1, from the brightness schedule.
	Brightness float64
}

// At decides the screen at now from the hours, the brightness schedule and
// the alerts that target the site and are active at now (from Start until
// Expires; cancels are ignored). Of those, the most severe wins, then the
// one sent last.
func (s *Site) At(now time.Time, alerts []alert.Alert) Screen {
	sc := Screen{Brightness: s.BrightnessAt(now)}
	var full, banner *alert.Alert
	for i := range alerts {
		a := &alerts[i]
		if !s.alertActive(a, now) {
			continue
		}
		if a.Severity.FullScreen() {
			if full == nil || moreUrgent(a, full) {
				full = a
			}
		} else if banner == nil || moreUrgent(a, banner) {
			banner = a
		}
	}
	switch {
	case full != nil:
		c := *full
		sc.Alert = &c
	case banner != nil:
		c := *banner
		sc.Banner = &c
	}
	sc.Off = sc.Alert == nil && !s.Open(now)
	return sc
}

func (s *Site) alertActive(a *alert.Alert, now time.Time) bool {
	return !a.Cancel && !now.Before(a.Start) && now.Before(a.Expires) && s.Targeted(&a.Targets)
}

var severityRank = map[alert.Severity]int{
	alert.Extreme: 4, alert.Severe: 3, alert.Moderate: 2, alert.Minor: 1, alert.Unknown: 0,
}

// moreUrgent orders alerts: more severe, then sent later, then by ID so
// that the choice never depends on the list's order.
func moreUrgent(a, b *alert.Alert) bool {
	if ra, rb := severityRank[a.Severity], severityRank[b.Severity]; ra != rb {
		return ra > rb
	}
	if !a.Sent.Equal(b.Sent) {
		return a.Sent.After(b.Sent)
	}
	return a.ID < b.ID
}

// Open reports whether now is within the operating hours.
func (s *Site) Open(now time.Time) bool {
	h := s.Hours
	if h == nil || h.Open == h.Close {
		return true
	}
	day := s.day(now)
	for k := -1; k <= 0; k++ {
		from, until := s.hoursOn(day, k)
		if !now.Before(from) && now.Before(until) {
			return true
		}
	}
	return false
}

// hoursOn returns the opening and closing of the hours that start on the
// day k days after day.
func (s *Site) hoursOn(day time.Time, k int) (from, until time.Time) {
	closeAt := s.Hours.Close
	if closeAt <= s.Hours.Open {
		closeAt += 24 * time.Hour
	}
	return clockAt(day, k, s.Hours.Open, s.Zone), clockAt(day, k, closeAt, s.Zone)
}

// BrightnessAt returns the screen's brightness at now: the level of the
// last step at or before the time of day, round the clock.
func (s *Site) BrightnessAt(now time.Time) float64 {
	if len(s.Brightness) == 0 {
		return 1
	}
	tod := sinceMidnight(now.In(s.Zone))
	level := s.Brightness[len(s.Brightness)-1].Level
	for _, st := range s.Brightness {
		if st.From <= tod {
			level = st.Level
		}
	}
	return level
}

// NextChange returns the next moment after now at which At's answer can
// change: the hours open or close, a brightness step, an alert that
// targets the site starts or expires. Zero means none ever will.
func (s *Site) NextChange(now time.Time, alerts []alert.Alert) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	day := s.day(now)
	if h := s.Hours; h != nil && h.Open != h.Close {
		for k := -1; k <= 1; k++ {
			from, until := s.hoursOn(day, k)
			consider(from)
			consider(until)
		}
	}
	if len(s.Brightness) > 1 {
		for k := 0; k <= 1; k++ {
			for _, st := range s.Brightness {
				consider(clockAt(day, k, st.From, s.Zone))
			}
		}
	}
	for i := range alerts {
		a := &alerts[i]
		if a.Cancel || !s.Targeted(&a.Targets) {
			continue
		}
		consider(a.Start)
		consider(a.Expires)
	}
	return next
}

// day returns the midnight that starts t's day in the site's zone.
func (s *Site) day(t time.Time) time.Time {
	y, m, d := t.In(s.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.Zone)
}

// clockAt returns the moment off after the midnight k days after day, read
// as a wall-clock time (so a day with a daylight-saving change still puts
// 06:00 at 06:00).
func clockAt(day time.Time, k int, off time.Duration, zone *time.Location) time.Time {
	y, m, d := day.Date()
	days := int(off / (24 * time.Hour))
	off -= time.Duration(days) * 24 * time.Hour
	return time.Date(y, m, d+k+days, int(off/time.Hour), int(off%time.Hour/time.Minute), int(off%time.Minute/time.Second), 0, zone)
}

// sinceMidnight returns t's wall-clock time of day.
func sinceMidnight(t time.Time) time.Duration {
	h, m, sec := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + time.Duration(t.Nanosecond())
}
