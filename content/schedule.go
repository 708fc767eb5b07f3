package content

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FeatureSchedule is the Manifest.Requires value of a bundle whose items
// carry a Schedule or Targets, or whose manifest carries Targets. A player
// that predates them would play every item all day at every site, so it
// must refuse such a bundle and keep its last good one.
const FeatureSchedule = "schedule"

// Targets names the sites something is for: by site ID, or by a tag the
// site carries in its config ("province:an-giang", "gate:tinh-bien",
// "lang:km"). A site is targeted when its ID is in Sites or it carries any
// of Tags. Empty Targets target every site.
type Targets struct {
	Sites []string `json:"sites,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

// Schedule says when an item plays, in the site's time zone. A nil
// Schedule plays at all times with priority 0 and weight 1.
type Schedule struct {
	// From and Until bound the validity window: the item plays from From
	// (inclusive) until Until (exclusive). Each is a date ("2026-12-24"),
	// a local date and time ("2026-12-24T18:30") in the site's zone, or an
	// RFC 3339 time with an offset. Empty means no bound.
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	// Weekdays the item plays on, as "mon" ... "sun"; empty means every day.
	// A daily window that crosses midnight belongs to the day it starts.
	Weekdays []string `json:"weekdays,omitempty"`
	// Hours are daily windows the item plays in; empty means all day.
	Hours []Window `json:"hours,omitempty"`
	// Priority: of the items that may play at a moment, only those with
	// the highest priority play (a campaign with priority 1 replaces the
	// regular loop while it runs). Default 0.
	Priority int `json:"priority,omitempty"`
	// Weight is the item's share of the loop: an item of weight 3 plays
	// three times per loop, spread through it. Default 1.
	Weight int `json:"weight,omitempty"`
}

// Window is a daily time window, "HH:MM" to "HH:MM" in the site's zone.
// An Until at or before From crosses midnight ("22:00" to "02:00").
type Window struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

// Bounds of Schedule fields.
const (
	// MaxWeight is the largest Schedule.Weight.
	MaxWeight = 100
	// MaxPriority bounds Schedule.Priority: from -MaxPriority to MaxPriority.
	MaxPriority = 1000
	// MaxHours bounds the daily windows of one schedule.
	MaxHours = 48
	// MaxLoop bounds the loop a bundle may lay out at a site: the items'
	// weights (1 for an item without one) summed over the bundle, every
	// item counted wherever it is targeted. A site builds the loop and
	// goes through it each time the items that may play change.
	MaxLoop = 20000
	// MaxBundleHours bounds the daily windows of all the items of a
	// bundle: a site lays each out over the days ahead.
	MaxBundleHours = 5000
)

// Match reports whether a site with this ID and these tags is targeted. Nil
// or empty Targets match every site.
func (t *Targets) Match(siteID string, tags []string) bool {
	if t.IsEmpty() {
		return true
	}
	if slices.Contains(t.Sites, siteID) {
		return true
	}
	for _, tag := range t.Tags {
		if slices.Contains(tags, tag) {
			return true
		}
	}
	return false
}

// IsEmpty reports whether t names no site and no tag, and so targets every
// site.
func (t *Targets) IsEmpty() bool {
	return t == nil || len(t.Sites) == 0 && len(t.Tags) == 0
}

// String describes the targets for people: "sites a, b; tags x".
func (t *Targets) String() string {
	if t.IsEmpty() {
		return "every site"
	}
	var parts []string
	if len(t.Sites) > 0 {
		parts = append(parts, "sites "+strings.Join(t.Sites, ", "))
	}
	if len(t.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(t.Tags, ", "))
	}
	return strings.Join(parts, "; ")
}

// EffectiveWeight returns the item's share of the loop: Weight, or 1 when the
// schedule is nil or leaves it 0.
func (s *Schedule) EffectiveWeight() int {
	if s == nil || s.Weight <= 0 {
		return 1
	}
	return s.Weight
}

// EffectivePriority returns the schedule's priority, 0 for a nil schedule.
func (s *Schedule) EffectivePriority() int {
	if s == nil {
		return 0
	}
	return s.Priority
}

// Period returns the validity window of the schedule in loc: From and
// Until as instants, zero where the schedule sets no bound.
func (s *Schedule) Period(loc *time.Location) (from, until time.Time, err error) {
	if s == nil {
		return time.Time{}, time.Time{}, nil
	}
	if s.From != "" {
		if from, err = ParseTime(s.From, loc); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("from: %w", err)
		}
	}
	if s.Until != "" {
		if until, err = ParseTime(s.Until, loc); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("until: %w", err)
		}
	}
	return from, until, nil
}

// Days returns the weekdays of the schedule as a set indexed by
// time.Weekday; every day when the schedule names none.
func (s *Schedule) Days() ([7]bool, error) {
	var days [7]bool
	if s == nil || len(s.Weekdays) == 0 {
		return [7]bool{true, true, true, true, true, true, true}, nil
	}
	for _, name := range s.Weekdays {
		d, err := ParseWeekday(name)
		if err != nil {
			return days, err
		}
		days[d] = true
	}
	return days, nil
}

// Local time layouts a Schedule's From and Until may use besides RFC 3339.
const (
	dateLayout      = "2006-01-02"
	localMinute     = "2006-01-02T15:04"
	localSecond     = "2006-01-02T15:04:05"
	weekdayExamples = `"mon", "tue", "wed", "thu", "fri", "sat" or "sun"`
)

// ParseTime reads a schedule bound: a date ("2026-12-24", its first
// moment in loc), a local date and time in loc ("2026-12-24T18:30" or
// "2026-12-24T18:30:15"), or an RFC 3339 time with an offset.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{dateLayout, localMinute, localSecond} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want a date (2026-12-24), a local time (2026-12-24T18:30) or an RFC 3339 time (2026-12-24T18:30:00+07:00)", s)
}

// absolute reports whether a schedule bound carries its own offset.
func absolute(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWeekday reads "mon" ... "sun".
func ParseWeekday(s string) (time.Weekday, error) {
	if i := slices.Index(weekdayNames[:], s); i >= 0 {
		return time.Weekday(i), nil
	}
	return 0, fmt.Errorf("%q: want %s", s, weekdayExamples)
}

// WeekdayName returns the schedule's name of d, "mon" ... "sun".
func WeekdayName(d time.Weekday) string { return weekdayNames[d%7] }

// ParseClock reads a time of day "HH:MM" (00:00 to 23:59) as the time since
// midnight.
func ParseClock(s string) (time.Duration, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q: want HH:MM such as 06:30", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' {
		return 0, fmt.Errorf("%q: want HH:MM from 00:00 to 23:59", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// Span returns the window as offsets from the midnight of the day it
// starts: until is after from, and past 24 hours when the window crosses
// midnight. A window whose Until equals its From lasts 24 hours.
func (w Window) Span() (from, until time.Duration, err error) {
	if from, err = ParseClock(w.From); err != nil {
		return 0, 0, fmt.Errorf("from: %w", err)
	}
	if until, err = ParseClock(w.Until); err != nil {
		return 0, 0, fmt.Errorf("until: %w", err)
	}
	if until <= from {
		until += 24 * time.Hour
	}
	return from, until, nil
}

// usesSchedule reports whether the manifest uses FeatureSchedule anywhere.
func (m *Manifest) usesSchedule() bool {
	if m.Targets != nil {
		return true
	}
	for i := range m.Items {
		if m.Items[i].Schedule != nil || m.Items[i].Targets != nil {
			return true
		}
	}
	return false
}

// scheduleField names the first field that uses FeatureSchedule.
func (m *Manifest) scheduleField() string {
	if m.Targets != nil {
		return "targets"
	}
	for i := range m.Items {
		switch {
		case m.Items[i].Schedule != nil:
			return fmt.Sprintf("items[%d].schedule", i)
		case m.Items[i].Targets != nil:
			return fmt.Sprintf("items[%d].targets", i)
		}
	}
	return "requires"
}

// targetPattern is a site ID or a tag: no spaces, no commas, printable.
var targetPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._:/-]{0,127}$`)

// validateTargets checks t at field.
func validateTargets(t *Targets, field string, bad func(field, format string, args ...any)) {
	if t == nil {
		return
	}
	check := func(list []string, name string) {
		seen := map[string]bool{}
		for i, s := range list {
			f := fmt.Sprintf("%s.%s[%d]", field, name, i)
			switch {
			case !targetPattern.MatchString(s):
				bad(f, "%q: want 1-128 of a-z, 0-9, '.', '_', ':', '/', '-', starting with a letter or digit", s)
			case seen[s]:
				bad(f, "%q is listed twice", s)
			}
			seen[s] = true
		}
	}
	check(t.Sites, "sites")
	check(t.Tags, "tags")
}

// validateSchedule checks s at field.
func validateSchedule(s *Schedule, field string, bad func(field, format string, args ...any)) {
	if s == nil {
		return
	}
	// Instants are checked in UTC: a local time's zone is the site's,
	// which the bundle does not know.
	from, err := ParseTime(s.From, time.UTC)
	if s.From != "" && err != nil {
		bad(field+".from", "%v", err)
	}
	until, err2 := ParseTime(s.Until, time.UTC)
	if s.Until != "" && err2 != nil {
		bad(field+".until", "%v", err2)
	}
	// A local time and one with an offset compare only at a site.
	if s.From != "" && s.Until != "" && err == nil && err2 == nil && absolute(s.From) == absolute(s.Until) && !until.After(from) {
		bad(field+".until", "%q is not after from %q: the item would never play", s.Until, s.From)
	}
	seen := map[string]bool{}
	for i, d := range s.Weekdays {
		f := fmt.Sprintf("%s.weekdays[%d]", field, i)
		if _, err := ParseWeekday(d); err != nil {
			bad(f, "%v", err)
		} else if seen[d] {
			bad(f, "%q is listed twice", d)
		}
		seen[d] = true
	}
	hours := s.Hours
	if len(hours) > MaxHours {
		bad(field+".hours", "%d windows; at most %d", len(hours), MaxHours)
		hours = nil
	}
	for i, w := range hours {
		f := fmt.Sprintf("%s.hours[%d]", field, i)
		if _, err := ParseClock(w.From); err != nil {
			bad(f+".from", "%v", err)
		}
		if _, err := ParseClock(w.Until); err != nil {
			bad(f+".until", "%v", err)
		}
	}
	if s.Weight < 0 || s.Weight > MaxWeight {
		bad(field+".weight", "is %d; want 1 to %d (0 means 1)", s.Weight, MaxWeight)
	}
	if s.Priority < -MaxPriority || s.Priority > MaxPriority {
		bad(field+".priority", "is %d; want %d to %d", s.Priority, -MaxPriority, MaxPriority)
	}
}

// validateLoop checks that the items' weights sum to at most MaxLoop, and
// their daily windows to at most MaxBundleHours.
func (m *Manifest) validateLoop(bad func(field, format string, args ...any)) {
	total, hours := 0, 0
	for i := range m.Items {
		total += m.Items[i].Schedule.EffectiveWeight()
		if s := m.Items[i].Schedule; s != nil {
			hours += len(s.Hours)
		}
	}
	if total > MaxLoop {
		bad("items", "%d items of weights summing to %d; at most %d (split the bundle, or lower weights)", len(m.Items), total, MaxLoop)
	}
	if hours > MaxBundleHours {
		bad("items", "%d daily windows in all; at most %d (split the bundle)", hours, MaxBundleHours)
	}
}
