package report

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Showing is what the player has on screen.
type Showing struct {
	// Bundle is "id@version" of the bundle playing.
	Bundle string
	Item   string
	// Langs are the languages on screen: one, or two side by side; for an
	// image shown for every language, content.AnyLanguage ("*").
	Langs []string
	// Standby: nothing playable; the standby slide shows.
	Standby bool
	// Problem, when set, puts the screen in the Error state.
	Problem string
}

// Health is what a heartbeat says beyond the screen.
type Health struct {
	FreeDisk uint64
	RSS      uint64
	Sync     SyncResult
	Unmapped int64
	Evicted  uint64
	Since    time.Time
	// ClockSkew is the site's clock minus the store's (see
	// Heartbeat.ClockSkew).
	ClockSkew time.Duration
	// Player is the running player's version; Update the last update's
	// outcome.
	Player string
	Update *UpdateOutcome
	// Audio is what Heartbeat.Audio says: AudioOK, AudioNone, or empty
	// when the player does not use sound.
	Audio string
}

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Interval between heartbeats.
	Interval time.Duration
	Schedule Schedule
	// Health is asked at each heartbeat, off the drawing goroutine.
	Health func() Health
	// Started is when the process started, for its uptime.
	Started time.Time
	// Buffer is how many records may wait for the sink; default 4096.
	// Uses may fill at most three quarters of it: the rest is kept for
	// heartbeats and plays.
	Buffer int
	// UseRate and UseBurst bound the uses recorded (Used), on the
	// player's clock: at most UseBurst at once, then UseRate a second;
	// default DefaultUseRate and DefaultUseBurst. Past them uses are
	// counted (UsesLimited), not recorded.
	UseRate  rate.Limit
	UseBurst int
}

// The default bounds of the uses recorded. A resident reads a step before
// the next (and a guide has at most MaxUseStep), so a person keeps well
// under one use every two seconds over minutes, and a burst of 200 holds
// the fastest tapping through a few whole guides. A stuck key, a faulty
// touch screen or a hostile hand is cut to that rate: at most 43,400
// uses a day beside 1,440 minute heartbeats, which seal to about 170 KB
// (measured with varied guides, steps and times; heartbeats alone, about
// 33 KB), so the spool (which drops its oldest records when full) still
// holds about a year of an offline site's days in its default 64 MB.
// Taps at 50 a second would make a hundred times the records.
const (
	DefaultUseRate  rate.Limit = 0.5
	DefaultUseBurst            = 200
)

// Recorder turns what the player shows into heartbeats and plays. The
// player calls Frame and Shown from its drawing goroutine; both return at
// once. Run hands the records to a sink on its own goroutine.
type Recorder struct {
	opts RecorderOptions
	out  chan pending

	mu   sync.Mutex
	next time.Time // when the next heartbeat is due
	last State     // at the last heartbeat
	// The schedule, worked out once per change rather than every frame.
	open                bool
	openFrom, openUntil time.Time // when open holds; openUntil zero: for good
	checked             bool
	cur                 Showing
	curAt               time.Time
	alert               string // the alert on screen, if any
	alertAt             time.Time
	frameAt             time.Time // the last frame's time
	// The guide open, and the furthest step reached in it (Used).
	guide    string
	furthest int
	dropped  atomic.Uint64
	refused  atomic.Uint64
	// Uses past the rate (uses) are counted in limited; they may take
	// the buffer up to useRoom records.
	uses    *rate.Limiter
	limited atomic.Uint64
	useRoom int
}

// pending is a record whose health is filled in by Run.
type pending struct {
	rec    Record
	health bool
}

// NewRecorder returns a recorder; start Run before the player.
func NewRecorder(opts RecorderOptions) *Recorder {
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	if opts.Health == nil {
		opts.Health = func() Health { return Health{} }
	}
	if opts.UseRate <= 0 {
		opts.UseRate = DefaultUseRate
	}
	if opts.UseBurst <= 0 {
		opts.UseBurst = DefaultUseBurst
	}
	reserve := opts.Buffer / 4
	if reserve == 0 && opts.Buffer > 1 {
		reserve = 1
	}
	return &Recorder{opts: opts, out: make(chan pending, opts.Buffer),
		uses: rate.NewLimiter(opts.UseRate, opts.UseBurst), useRoom: opts.Buffer - reserve}
}

// Dropped counts records lost because the sink fell behind: any record
// when the buffer is full, a use already when it is three quarters full.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// UsesLimited counts uses not recorded because they came faster than
// RecorderOptions.UseRate and UseBurst allow; heartbeats carry it
// (Heartbeat.UsesLimited).
func (r *Recorder) UsesLimited() uint64 { return r.limited.Load() }

// Refused counts uses not recorded because Use.Check refused them.
func (r *Recorder) Refused() uint64 { return r.refused.Load() }

// Used records what a resident did at an interactive site. The player
// calls it from its drawing goroutine; it returns at once, and Run hands
// the use to the sink (the spool) with the heartbeats and plays.
//
// A use without a time takes the last frame's, and one without a bundle
// the bundle on screen. When a guide ends (UseFinished, UseLeft, UseIdle)
// its Step is the furthest step reached since the guide was opened, if
// the player said less, so the report can say how far residents get. A
// use that Use.Check refuses is not recorded, and counted (Refused): the
// spool would refuse the whole write, and the department the batch.
//
// Uses never cost a heartbeat: past the rate a resident could make they
// are counted (UsesLimited), not recorded, and they never take the last
// quarter of the buffer, so a sink that falls behind loses uses first.
func (r *Recorder) Used(u Use) {
	r.mu.Lock()
	if u.Time.IsZero() {
		u.Time = r.frameAt
	}
	if u.Bundle == "" {
		u.Bundle = r.cur.Bundle
	}
	switch u.Event {
	case UseOpened:
		r.guide, r.furthest = u.Guide, 0
	case UseStep, UseNarration:
		if u.Guide != r.guide {
			r.guide, r.furthest = u.Guide, 0
		}
		r.furthest = max(r.furthest, u.Step)
	case UseFinished, UseLeft, UseIdle:
		if u.Guide == r.guide {
			u.Step = max(u.Step, r.furthest)
		}
		r.guide, r.furthest = "", 0
	}
	r.mu.Unlock()
	u.Time = u.Time.UTC()
	if err := u.Check(); err != nil {
		r.refused.Add(1)
		return
	}
	if !r.uses.AllowN(u.Time, 1) {
		r.limited.Add(1)
		return
	}
	if len(r.out) >= r.useRoom {
		r.dropped.Add(1)
		return
	}
	r.send(pending{rec: Record{Use: &u}})
}

// Frame is called on every frame with the player's clock. A heartbeat is
// written when one is due, and at once when the screen's state changes
// (opening hours begin, content replaces standby), so the reports place
// the change at the right moment. The first comes at the first frame.
func (r *Recorder) Frame(now time.Time) {
	r.mu.Lock()
	r.frameAt = now
	st, detail := r.state(now)
	if !r.next.IsZero() && now.Before(r.next) && st == r.last {
		r.mu.Unlock()
		return
	}
	if r.next.IsZero() || now.Sub(r.next) >= r.opts.Interval || st != r.last {
		// First frame, a change of state, or frames that stopped (a
		// hang, a suspended machine): start again from now instead of
		// catching up.
		r.next = now
	}
	r.next = r.next.Add(r.opts.Interval)
	r.last = st
	hb := r.heartbeat(now, st, detail)
	r.mu.Unlock()
	r.send(pending{rec: Record{Heartbeat: hb}, health: true})
}

// state is the screen's state now.
func (r *Recorder) state(now time.Time) (State, string) {
	switch {
	case !r.scheduled(now):
		return OffHours, ""
	case r.cur.Problem != "" && r.alert == "":
		return Error, r.cur.Problem
	case r.alert != "":
		return Content, "" // an approved alert is what the screen is for
	case r.cur.Standby || r.curAt.IsZero():
		return Standby, "nothing playable"
	}
	return Content, ""
}

// scheduled is Schedule.Scheduled(now), worked out again only when the
// hours open or close: Frame runs on every frame.
func (r *Recorder) scheduled(now time.Time) bool {
	if r.checked && (r.openUntil.IsZero() || now.Before(r.openUntil)) && !now.Before(r.openFrom) {
		return r.open
	}
	r.open = r.opts.Schedule.Scheduled(now)
	r.openFrom, r.openUntil, r.checked = now, r.opts.Schedule.NextChange(now), true
	return r.open
}

func (r *Recorder) heartbeat(now time.Time, st State, detail string) *Heartbeat {
	hb := &Heartbeat{Time: now.UTC(), Interval: r.opts.Interval, State: st, Detail: detail, Bundle: r.cur.Bundle,
		Item: r.cur.Item, Alert: r.alert, Uptime: now.Sub(r.opts.Started).Round(time.Second)}
	if len(r.cur.Langs) > 0 {
		hb.Lang = r.cur.Langs[0]
		for _, l := range r.cur.Langs[1:] {
			hb.Lang += "+" + l
		}
	}
	if r.cur.Standby || r.curAt.IsZero() {
		hb.Item, hb.Lang = "", ""
	}
	return hb
}

// Shown is called when a slide comes on screen: the slide before it has
// ended, and its plays are recorded (see played).
func (r *Recorder) Shown(now time.Time, s Showing) {
	r.mu.Lock()
	prev, at := r.cur, r.curAt
	r.cur, r.curAt = s, now
	r.mu.Unlock()
	r.played(prev, at, now)
}

// Alerting is called when the emergency alert on screen changes: id is the
// alert now shown, full screen or as a banner, or empty for none. The
// alert that leaves is recorded as a play of AlertItem(id) in
// AnyLanguage, for its time on screen; the slides under a banner go on
// being recorded through Shown. A change also brings the next heartbeat
// forward, so the department sees the alert at once.
func (r *Recorder) Alerting(now time.Time, id string) {
	r.mu.Lock()
	if id == r.alert {
		r.mu.Unlock()
		return
	}
	prev, at := r.alert, r.alertAt
	r.alert, r.alertAt = id, now
	r.next = time.Time{}
	r.mu.Unlock()
	r.alertPlayed(prev, at, now)
}

func (r *Recorder) alertPlayed(id string, start, end time.Time) {
	if id == "" || start.IsZero() {
		return
	}
	r.send(pending{rec: Record{Play: &Play{Item: AlertItem(id), Lang: anyLanguage, Start: start.UTC(), Dur: end.Sub(start)}}})
}

// anyLanguage is content.AnyLanguage, the language of a play that is the
// same in every language.
const anyLanguage = "*"

// Stop records the play of the slide and the alert on screen, which end
// now: call it when the player stops, before Run's context ends.
func (r *Recorder) Stop(now time.Time) {
	r.mu.Lock()
	prev, at := r.cur, r.curAt
	r.cur, r.curAt = Showing{Standby: true}, now
	alert, alertAt := r.alert, r.alertAt
	r.alert, r.alertAt = "", time.Time{}
	r.mu.Unlock()
	r.played(prev, at, now)
	r.alertPlayed(alert, alertAt, now)
}

// played records a slide that was on screen from start to end: one play
// per language on screen, so each language's plays count the times it was
// shown. The screen time is split among the languages shown at once (two
// side by side have half each, the first language taking the odd
// millisecond), so the plays' durations add up to the time the slide was
// on screen, never more: an item's time in a report is its time on screen,
// and a language's is its share of the screen. An image shown for every
// language comes as one play in content.AnyLanguage ("*").
func (r *Recorder) played(s Showing, start, end time.Time) {
	if start.IsZero() || s.Standby || s.Item == "" || len(s.Langs) == 0 {
		return
	}
	// Batches keep milliseconds: split those, so the sum survives them.
	d := end.Sub(start)
	n := time.Duration(len(s.Langs))
	share := d / time.Millisecond / n * time.Millisecond
	for i, l := range s.Langs {
		dur := share
		if i == 0 {
			dur = d - share*(n-1)
		}
		r.send(pending{rec: Record{Play: &Play{Item: s.Item, Lang: l, Start: start.UTC(), Dur: dur}}})
	}
}

func (r *Recorder) send(p pending) {
	select {
	case r.out <- p:
	default:
		r.dropped.Add(1)
	}
}

// Run hands records to sink until ctx ends, in order, with the records
// waiting at that moment handed over before it returns. A sink error is
// the sink's to log; the recorder goes on.
func (r *Recorder) Run(ctx context.Context, sink func([]Record)) {
	batch := make([]Record, 0, 64)
	flush := func() {
		if len(batch) > 0 {
			sink(batch)
			batch = batch[:0]
		}
	}
	take := func(p pending) {
		if p.health {
			h := r.opts.Health()
			hb := p.rec.Heartbeat
			hb.FreeDisk, hb.RSS, hb.Sync, hb.Unmapped, hb.Since = h.FreeDisk, h.RSS, h.Sync, h.Unmapped, h.Since
			hb.ClockSkew = h.ClockSkew.Round(time.Second)
			hb.Player, hb.Update, hb.Audio = h.Player, h.Update, h.Audio
			hb.Evicted = h.Evicted + r.dropped.Load()
			hb.UsesLimited = r.limited.Load()
		}
		batch = append(batch, p.rec)
	}
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case p := <-r.out:
					take(p)
				default:
					flush()
					return
				}
			}
		case p := <-r.out:
			take(p)
			// Take what else is waiting, then write it in one go.
			for len(batch) < cap(batch) {
				select {
				case p := <-r.out:
					take(p)
					continue
				default:
				}
				break
			}
			flush()
		}
	}
}
