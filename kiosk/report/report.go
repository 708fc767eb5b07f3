// Package report defines what a site tells the department about itself:
// heartbeats (is the screen up, and what does it show) and proof-of-play
// records (which item was shown, in which language, for how long), and the
// batch format in which they travel to the store. Interactive sites also
// send proof of use (Use: a language chosen, a guide opened, a step
// reached, narration played, a guide finished, left or left idle), which
// the department sums per guide and language (GuideTally).
//
// A heartbeat comes from the process that draws, on the player's own clock:
// the player calls Recorder.Frame on every frame and the recorder writes a
// heartbeat once per interval. A crashed or hung player therefore sends
// none, and the department counts the gap as downtime.
//
// Batches are written once under a deterministic name
// (reports/<site>/batches/<day>/<spool>-<first>-<hash>.krb) so a retried upload
// never double counts. The format is compact binary for what the reports
// add up (heartbeat times and states, plays) and JSON for the rest (the
// heartbeat details), in two gzip sections so the department can read the
// first and skip the second; see Batch. A year of minute heartbeats for a
// hundred sites is over fifty million records, too many to parse as JSON
// in the time a supervisor waits.
package report

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/layout"
)

// State is what a screen was doing at a heartbeat.
type State uint8

// States. The zero State is invalid.
const (
	// Content: the screen shows the approved content.
	Content State = iota + 1
	// Standby: the player runs but has nothing playable, and shows its
	// standby slide.
	Standby
	// OffHours: outside the site's operating hours; not counted.
	OffHours
	// Error: the player runs but cannot show content properly (no font).
	Error
)

var stateNames = [...]string{Content: "content", Standby: "standby", OffHours: "off_hours", Error: "error"}

func (s State) String() string {
	if s >= Content && s <= Error {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) {
	if s < Content || s > Error {
		return nil, fmt.Errorf("invalid state %d", uint8(s))
	}
	return []byte(stateNames[s]), nil
}

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if i > 0 && n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("unknown state %q", b)
}

// Heartbeat is one sign of life from a site.
type Heartbeat struct {
	Time time.Time `json:"time"`
	// Interval is the time to the next heartbeat, as configured: the
	// heartbeat vouches for the screen until then.
	Interval time.Duration `json:"interval"`
	State    State         `json:"state"`
	// Detail says why the state is Error or Standby.
	Detail string `json:"detail,omitempty"`
	// Bundle is the content's ID and version, "id@version".
	Bundle string `json:"bundle,omitempty"`
	// Item and Lang are what is on screen.
	Item string `json:"item,omitempty"`
	Lang string `json:"lang,omitempty"`
	// Alert is the ID of the emergency alert on screen (full screen or
	// banner), if any.
	Alert string `json:"alert,omitempty"`
	// Uptime is the player process's.
	Uptime time.Duration `json:"uptime"`
	// FreeDisk is free bytes where the spool is.
	FreeDisk uint64 `json:"free_disk"`
	// RSS is the player's resident memory in bytes.
	RSS uint64 `json:"rss"`
	// Sync is the last sync's outcome.
	Sync SyncResult `json:"sync"`
	// Unmapped counts characters no font could draw, since the start.
	Unmapped int64 `json:"unmapped"`
	// Evicted counts records the full spool dropped, since it was made.
	Evicted uint64 `json:"evicted"`
	// Since is when the site's spool was made: the site has reported
	// since then, and reports count its scheduled hours from then.
	Since time.Time `json:"since"`
	// ClockSkew is the site's clock minus the store's, measured from the
	// store's Date header at the last sync, in whole seconds (the header
	// has no finer resolution): positive means the site's clock is
	// ahead, negative behind. Zero also while the site has not heard
	// from its store. The heartbeat's own times are by the site's clock.
	ClockSkew time.Duration `json:"clock_skew"`
	// Player is the running player's version.
	Player string `json:"player,omitempty"`
	// Update is what the last player update did, if any.
	Update *UpdateOutcome `json:"update,omitempty"`
	// Audio is AudioNone when the site has no sound device (narration
	// is then silent), AudioOK when it plays sound; empty when the
	// player does not use sound (a wall).
	Audio string `json:"audio,omitempty"`
	// UsesLimited counts the uses (proof of use) not recorded since the
	// player started because they came faster than a resident could
	// make them (a stuck key, a faulty touch screen): the site's use
	// counts are then short by that much.
	UsesLimited uint64 `json:"uses_limited,omitempty"`
}

// Heartbeat.Audio values.
const (
	AudioOK   = "ok"
	AudioNone = "none"
)

// Use is one thing a resident did at an interactive site, for proof of
// use: a language chosen, a guide opened, a step reached, narration
// played, a guide finished or left idle.
type Use struct {
	Time time.Time
	// Event is one of the Use events.
	Event string
	// Guide is the guide's item ID (empty for UseLanguage).
	Guide string
	// Lang is the language the resident reads in.
	Lang string
	// Step is the step reached or narrated, counted from 1; zero for
	// events of the whole guide.
	Step int
	// Bundle is the content's ID and version, "id@version".
	Bundle string
}

// Use events (Use.Event).
const (
	UseLanguage  = "language"  // a language chosen on Home
	UseOpened    = "opened"    // a guide opened from the menu
	UseStep      = "step"      // a step reached
	UseNarration = "narration" // a step's narration played (or replayed)
	UseFinished  = "finished"  // the last step reached and Done pressed
	UseLeft      = "left"      // the guide left by Home or Back before its end
	UseIdle      = "idle"      // the guide left idle until the countdown ended
)

// useEvents are the Use events in the order of their codes in a batch
// (code i+1 is useEvents[i]); new events are only ever appended.
var useEvents = [...]string{UseLanguage, UseOpened, UseStep, UseNarration, UseFinished, UseLeft, UseIdle}

// useEventCode returns the batch code of a Use event, or 0 if unknown.
func useEventCode(e string) byte {
	for i, n := range useEvents {
		if n == e {
			return byte(i + 1)
		}
	}
	return 0
}

// MaxUseStep bounds Use.Step: a guide has at most content.MaxGuideSteps
// steps, so a use past it is damage or hostile, and the department's tally
// keeps one counter per step (StepCounts).
const MaxUseStep = content.MaxGuideSteps

// Check reports what is wrong with a use, naming the field: an unknown
// event, a guide missing (every event but UseLanguage names one), a step
// out of range or missing (UseStep and UseNarration name one), or a string
// over MaxStringLen.
func (u Use) Check() error {
	switch {
	case u.Time.IsZero():
		return errors.New("use: time missing")
	case useEventCode(u.Event) == 0:
		return fmt.Errorf("use: event %q unknown", clipName(u.Event))
	case u.Event != UseLanguage && u.Guide == "":
		return fmt.Errorf("use %s: guide missing", u.Event)
	case u.Step < 0 || u.Step > MaxUseStep:
		return fmt.Errorf("use %s: step %d out of 0..%d", u.Event, u.Step, MaxUseStep)
	case (u.Event == UseStep || u.Event == UseNarration) && u.Step == 0:
		return fmt.Errorf("use %s: step missing", u.Event)
	case len(u.Guide) > MaxStringLen || len(u.Lang) > MaxStringLen || len(u.Bundle) > MaxStringLen:
		return fmt.Errorf("use %s: guide, lang or bundle over %d bytes", u.Event, MaxStringLen)
	}
	return nil
}

// clipName shortens a name from a site for an error message.
func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// UpdateOutcome is what a player update did at a site (package
// kiosk/update): Result is one of the Update results; Detail says why a
// build was rolled back, refused or failed.
type UpdateOutcome struct {
	Time    time.Time `json:"time"`
	Version string    `json:"version"`
	Result  string    `json:"result"`
	Detail  string    `json:"detail,omitempty"`
}

// Results of a player update (UpdateOutcome.Result).
const (
	UpdateInstalled  = "installed"   // downloaded and placed; the site is starting it
	UpdateRunning    = "running"     // the new build showed content: its trial is over
	UpdateRolledBack = "rolled_back" // the new build failed; the previous one runs
	UpdateRefused    = "refused"     // the build was not what was signed
	UpdateFailed     = "failed"      // not installed (disk, network); tried again
)

// MaxClockSkew is the largest clock skew a site may have before it is
// flagged (kioskctl status): beyond it, the site's heartbeat times and
// expiry checks are off by more than a report should shrug at. Under it
// lie the Date header's one-second resolution and the round trip.
const MaxClockSkew = 2 * time.Minute

// ClockProblem describes the heartbeat's clock skew if it is over
// MaxClockSkew either way ("clock 3h02m ahead"), or returns "".
func (h *Heartbeat) ClockProblem() string {
	if h.ClockSkew <= MaxClockSkew && h.ClockSkew >= -MaxClockSkew {
		return ""
	}
	return "clock " + DescribeSkew(h.ClockSkew)
}

// DescribeSkew says how far a clock is off and which way, in the units a
// person would fix it in: "3h02m ahead", "4m10s behind", "9 days behind",
// "26 years behind" (a PC whose RTC battery died).
func DescribeSkew(skew time.Duration) string {
	way := "ahead"
	if skew < 0 {
		way, skew = "behind", -skew
	}
	skew = skew.Round(time.Second)
	const day = 24 * time.Hour
	switch {
	case skew >= 2*365*day:
		return fmt.Sprintf("%d years %s", int(skew/(365*day+day/4)), way)
	case skew >= 2*day:
		return fmt.Sprintf("%d days %s", int(skew/day), way)
	case skew >= time.Hour:
		return fmt.Sprintf("%dh%02dm %s", int(skew/time.Hour), int(skew%time.Hour/time.Minute), way)
	case skew >= time.Minute:
		return fmt.Sprintf("%dm%02ds %s", int(skew/time.Minute), int(skew%time.Minute/time.Second), way)
	}
	return fmt.Sprintf("%ds %s", int(skew/time.Second), way)
}

// SyncResult is how the last content sync went.
type SyncResult struct {
	Time    time.Time `json:"time,omitzero"`
	Release string    `json:"release,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// Play is one showing of one item in one language.
type Play struct {
	Item  string        `json:"item"`
	Lang  string        `json:"lang"`
	Start time.Time     `json:"start"`
	Dur   time.Duration `json:"duration"`
	// Guide is the guide a resident opened, on interactive sites.
	Guide string `json:"guide,omitempty"`
}

// alertItem prefixes the Play.Item of an alert's time on screen. Bundle
// item IDs cannot hold a colon, so the two never meet.
const alertItem = "alert:"

// AlertItem is the Play.Item under which an alert's time on screen is
// recorded: an alert is played like an item, in AnyLanguage.
func AlertItem(id string) string { return alertItem + id }

// AlertOf returns the alert ID of a play's item, and whether the item is
// an alert's.
func AlertOf(item string) (string, bool) {
	id, ok := strings.CutPrefix(item, alertItem)
	return id, ok && id != ""
}

// Record is a heartbeat, a play, a bundle activation or a use: exactly
// one field is set.
type Record struct {
	Heartbeat *Heartbeat `json:"heartbeat,omitempty"`
	Play      *Play      `json:"play,omitempty"`
	// Bundle says the site activated a bundle, with its items: the
	// spool carries it into the header of this and every later batch
	// until another is activated (Batch.Bundles).
	Bundle *BundleItems `json:"bundle,omitempty"`
	// Use is what a resident did at an interactive site (proof of use).
	Use *Use `json:"use,omitempty"`
}

// Time is when the record happened.
func (r Record) Time() time.Time {
	if r.Heartbeat != nil {
		return r.Heartbeat.Time
	}
	if r.Play != nil {
		return r.Play.Start
	}
	if r.Bundle != nil {
		return r.Bundle.From
	}
	if r.Use != nil {
		return r.Use.Time
	}
	return time.Time{}
}

// Check reports what is wrong with a record read back from disk or store.
func (r Record) Check() error {
	switch {
	case btoi(r.Heartbeat != nil)+btoi(r.Play != nil)+btoi(r.Bundle != nil)+btoi(r.Use != nil) != 1:
		return errors.New("want exactly one of heartbeat, play, bundle or use")
	case r.Use != nil:
		return r.Use.Check()
	case r.Bundle != nil && (r.Bundle.Bundle == "" || r.Bundle.From.IsZero()):
		return errors.New("bundle: name or time missing")
	case r.Bundle != nil && checkBundles([]BundleItems{*r.Bundle}) != nil:
		return fmt.Errorf("bundle %s: %w", r.Bundle.Bundle, checkBundles([]BundleItems{*r.Bundle}))
	case r.Heartbeat != nil && r.Heartbeat.Time.IsZero():
		return errors.New("heartbeat: time missing")
	case r.Heartbeat != nil && (r.Heartbeat.State < Content || r.Heartbeat.State > Error):
		return fmt.Errorf("heartbeat: state %d invalid", r.Heartbeat.State)
	case r.Heartbeat != nil && r.Heartbeat.Interval <= 0:
		return errors.New("heartbeat: interval missing")
	case r.Play != nil && (r.Play.Start.IsZero() || r.Play.Item == ""):
		return errors.New("play: item or start missing")
	case r.Play != nil && r.Play.Dur < 0:
		return errors.New("play: negative duration")
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Status is what a site last said, kept at reports/<site>/status.json and
// overwritten at every heartbeat: `kioskctl status` reads only these.
type Status struct {
	Site      string    `json:"site"`
	Heartbeat Heartbeat `json:"heartbeat"`
	// Backlog is how many records wait in the site's spool.
	Backlog int `json:"backlog"`
	// Stopped is when the site stopped cleanly, written after its last
	// upload so Backlog is what stays behind; zero while it runs (the
	// next status after a start clears it).
	Stopped time.Time `json:"stopped,omitzero"`
}

// Store keys, relative to the store's prefix.
const (
	// Prefix holds every site's reports.
	Prefix = layout.ReportsPrefix
)

// StatusKey is where a site's status is.
func StatusKey(site string) string { return Prefix + site + "/status.json" }

// BatchPrefix is the folder of a site's batches.
func BatchPrefix(site string) string { return Prefix + site + "/batches/" }

// GuideTally sums what residents did with one guide in one language at a
// site over a period, from its uses: the rows of the department's "guides
// used" table. Its size is fixed, whatever the uses say.
type GuideTally struct {
	Guide, Lang string
	// Opened counts UseOpened; Finished, Left and Idle the guides that
	// ended each way; Steps the steps reached; Narrations the narration
	// plays and replays.
	Opened, Finished, Left, Idle, Steps, Narrations int
	// Reached counts the guides that ended (finished, left or idle) by
	// the furthest step reached in them, the Step of the ending use.
	Reached StepCounts
}

// StepCounts counts guides by a step, 0 (none reached) to MaxUseStep.
type StepCounts [MaxUseStep + 1]int

// Add counts one use of the tally's guide and language. An ending whose
// step is outside 0..MaxUseStep (Use.Check refuses it) is counted as an
// ending but not in Reached.
func (g *GuideTally) Add(event string, step int) {
	switch event {
	case UseOpened:
		g.Opened++
	case UseStep:
		g.Steps++
	case UseNarration:
		g.Narrations++
	case UseFinished, UseLeft, UseIdle:
		switch event {
		case UseFinished:
			g.Finished++
		case UseLeft:
			g.Left++
		default:
			g.Idle++
		}
		if step >= 0 && step < len(g.Reached) {
			g.Reached[step]++
		}
	}
}

// Merge adds o's counts to g.
func (g *GuideTally) Merge(o *GuideTally) {
	g.Opened += o.Opened
	g.Finished += o.Finished
	g.Left += o.Left
	g.Idle += o.Idle
	g.Steps += o.Steps
	g.Narrations += o.Narrations
	for s, n := range o.Reached {
		g.Reached[s] += n
	}
}

// MedianReached is the median of the furthest steps reached in the guides
// that ended: the step that at least half of them got no further than,
// taking the lower of two middles, so it is a step residents reached. ok
// is false when no guide ended.
func (g *GuideTally) MedianReached() (step int, ok bool) {
	n := 0
	for _, c := range g.Reached {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	seen := 0
	for s, c := range g.Reached {
		seen += c
		if 2*seen >= n {
			return s, true
		}
	}
	return len(g.Reached) - 1, true // not reached: the loop ends at n
}
