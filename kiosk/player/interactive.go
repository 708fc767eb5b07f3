package player

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Narrator plays a guide step's narration. nil in Options means the site
// has no sound: the player then offers no Replay button. A *sound.Speaker
// is one.
type Narrator interface {
	// Play starts the narration wav, a WAV file's bytes read from the
	// bundle and verified against its manifest, stopping any other; name
	// is the file's path in the bundle, for the log. The player keeps the
	// bytes, does not change them, and passes the same slice again for a
	// Replay. Play is called on the drawing goroutine and must return at
	// once.
	Play(name string, wav []byte) error
	Stop()
	// Playing reports whether sound plays; the idle time does not run
	// meanwhile.
	Playing() bool
}

// narrationChecker is the optional part of a Narrator that says, from its
// bytes, whether it would play a narration (a *sound.Speaker's Check reads
// the WAV header). The guide worker asks it when it prepares a step, and
// offers Replay only for narration that passes; with a Narrator that
// cannot say, the bytes verified against the manifest are offered.
type narrationChecker interface {
	Check(wav []byte) error
}

// replayEvery is the least time between two starts of narration by
// Replay: pressed faster (a child tapping away) it is not heard any better,
// and would restart the sound and record a use at every tap.
const replayEvery = time.Second

// InteractiveItem is the item an Observer is told is shown while a
// resident uses the interactive screens (in content.AnyLanguage): the
// slide that was on screen stops being counted, and what the resident
// does is told through Used.
const InteractiveItem = "interactive"

// useObserver is the optional part of an Observer told what residents do
// at an interactive site (a *report.Recorder is one); Used must return at
// once.
type useObserver interface {
	Used(u report.Use)
}

// actKind is what an input asks for.
type actKind int

const (
	actTap   actKind = iota // a touch or a click, at a point
	actUp                   // move the focus
	actDown                 //
	actLeft                 //
	actRight                //
	actEnter                // activate the focused target
	actBack                 // Escape
	actHome                 // the Home key
	actNext                 // PageDown, as presenter remotes send
	actPrev                 // PageUp
	actOther                // any other key: wakes the screen, cancels the countdown
)

// uiAction is one input, in logical coordinates for a tap.
type uiAction struct {
	kind actKind
	x, y float64
	seen time.Time // wall time of the Update that saw it, for latency
}

// maxQueued bounds the inputs kept while a screen is being laid out.
const maxQueued = 16

// interactive is the state of the interactive screens, kept on the game
// goroutine.
type interactive struct {
	screen  screenKind // the screen shown, or asked for while pending
	lang    string
	guide   string
	step    int // from 0
	page    int // of the menu
	seq     int
	pending bool     // a screen is being laid out
	refresh bool     // it is asked for again after a bundle change
	shown   *iscreen // on screen (not for the attract loop)
	focus   string
	queue   []uiAction

	lastInput  time.Time // on the player's clock
	countdown  bool
	countFrom  time.Time
	countShown int

	dirty     bool
	logScreen bool      // log the screen once drawn
	inputSeen time.Time // the earliest input whose result is not drawn yet
	reached   string    // "guide#step" last reported reached
	replayed  time.Time // when Replay last started the narration
	started   bool      // the attract loop was logged at start
	warned    map[string]bool

	keys    []ebiten.Key
	touches []ebiten.TouchID
	wait    *time.Timer // for awaitScreen
}

// interactiveOn reports whether the site is an interactive one.
func (p *Player) interactiveOn() bool { return p.cfg.Mode == siteconfig.ModeInteractive }

// interactiveShown reports whether an interactive screen (not the attract
// loop) is on screen.
func (p *Player) interactiveShown() bool {
	return p.interactiveOn() && p.ia.screen != scrAttract && p.ia.shown != nil && p.ia.shown.canvas != nil
}

// updateInteractive takes input and the laid-out screens, and runs the
// idle countdown. It reports whether the interactive screens own the
// display this frame (false: the slideshow plays).
func (p *Player) updateInteractive(now time.Time) bool {
	ia := p.ia
	if !p.interactiveOn() {
		return false
	}
	if !ia.started {
		ia.started = true
		ow, oh := p.cfg.Display.OutputSize()
		p.logScreen("attract", fmt.Sprintf("wake:0,0,%d,%d", ow, oh))
		// Home is laid out ahead, for the first touch.
		p.gw.ask(screenReq{cfg: p.cfg, kind: scrHome, voice: p.narrator != nil, check: p.narrationCheck(), now: now, warm: true})
	}
	p.readInput()
	if p.covered() {
		// An alert or the off hours take the screen from a resident.
		if ia.screen != scrAttract {
			p.toAttract(now)
		}
		ia.queue = ia.queue[:0]
		return false
	}
	select {
	case s := <-p.gw.out:
		p.install(s, now)
	default:
	}
	p.runQueue(now)
	if ia.screen == scrAttract {
		return false
	}
	p.runIdle(now)
	if p.dirty && ia.shown != nil {
		// The brightness changed, or the bundle: the slideshow is drawn
		// whole again on the return to the loop anyway.
		ia.dirty, p.dirty = true, false
	}
	return ia.screen != scrAttract
}

// runQueue acts on the inputs waiting, unless a screen is being laid out
// (they wait for it, as they were meant for it).
func (p *Player) runQueue(now time.Time) {
	ia := p.ia
	n := 0
	for n < len(ia.queue) {
		if ia.pending && !p.awaitScreen(now) {
			break
		}
		p.act(ia.queue[n], now)
		n++
	}
	ia.queue = ia.queue[:copy(ia.queue, ia.queue[n:])]
	if n > 0 && ia.pending {
		p.awaitScreen(now)
	}
}

// screenWait bounds the wait, on the game goroutine, for a screen just
// asked for: one laid out ahead comes at once and shows in this frame,
// a frame sooner than the worker's wake-up would bring it.
const screenWait = 25 * time.Millisecond

// awaitScreen waits up to screenWait for the screen asked for and puts it
// on show; it reports whether it came.
func (p *Player) awaitScreen(now time.Time) bool {
	ia := p.ia
	if ia.wait == nil {
		ia.wait = time.NewTimer(screenWait)
	} else {
		ia.wait.Reset(screenWait)
	}
	defer ia.wait.Stop()
	for ia.pending {
		select {
		case s := <-p.gw.out:
			p.install(s, now)
		case <-ia.wait.C:
			return false
		}
	}
	return true
}

// push queues an input; the input handler and tests enter here.
func (p *Player) push(a uiAction) {
	if len(p.ia.queue) < maxQueued {
		p.ia.queue = append(p.ia.queue, a)
	}
}

// noteInput marks an input whose result the next drawn frame shows.
func (ia *interactive) noteInput(seen time.Time) {
	if ia.inputSeen.IsZero() || seen.Before(ia.inputSeen) {
		ia.inputSeen = seen
	}
}

// act does what one input asks on the screen shown.
func (p *Player) act(a uiAction, now time.Time) {
	ia := p.ia
	ia.lastInput = now
	if ia.screen == scrAttract {
		// The first touch, click or key opens Home.
		ia.noteInput(a.seen)
		ia.lang, ia.guide, ia.step, ia.focus = "", "", 0, ""
		p.request(scrHome, now)
		return
	}
	if ia.countdown {
		// Any input cancels the countdown and nothing else.
		ia.countdown, ia.dirty, ia.logScreen = false, true, true
		ia.noteInput(a.seen)
		return
	}
	s := ia.shown
	if s == nil {
		return
	}
	switch a.kind {
	case actTap:
		for _, t := range s.targets {
			if a.x >= t.r.X && a.x < t.r.X+t.r.W && a.y >= t.r.Y && a.y < t.r.Y+t.r.H {
				ia.focus = t.name
				ia.noteInput(a.seen)
				ia.dirty = true
				p.activate(t.name, now)
				return
			}
		}
	case actEnter:
		if _, ok := s.target(ia.focus); ok {
			ia.noteInput(a.seen)
			p.activate(ia.focus, now)
		}
	case actUp, actDown, actLeft, actRight:
		if f := moveFocus(s.targets, ia.focus, a.kind); f != ia.focus {
			ia.focus, ia.dirty = f, true
			ia.noteInput(a.seen)
		}
	case actBack, actHome:
		ia.noteInput(a.seen)
		p.activate(map[actKind]string{actBack: "back", actHome: "home"}[a.kind], now)
	case actNext, actPrev:
		name := map[actKind]string{actNext: "next", actPrev: "prev"}[a.kind]
		if ia.screen == scrStep {
			if _, ok := s.target(name); !ok && a.kind == actNext {
				name = "done"
			}
			if _, ok := s.target(name); ok {
				ia.noteInput(a.seen)
				p.activate(name, now)
			}
			return
		}
		if ia.screen == scrMenu {
			if _, ok := s.target("page-" + name); ok {
				ia.noteInput(a.seen)
				p.activate("page-"+name, now)
				return
			}
		}
		// Elsewhere a remote's two keys walk through the targets.
		if f := stepFocus(s.targets, ia.focus, a.kind == actNext); f != ia.focus {
			ia.focus, ia.dirty = f, true
			ia.noteInput(a.seen)
		}
	}
}

// activate does what the target name does.
func (p *Player) activate(name string, now time.Time) {
	ia := p.ia
	switch {
	case name == "back":
		switch ia.screen {
		case scrHome:
			p.toAttract(now)
		case scrMenu:
			p.request(scrHome, now)
		case scrStep:
			p.leaveGuide(report.UseLeft, now)
			p.request(scrMenu, now)
		}
	case name == "home":
		switch ia.screen {
		case scrStep:
			p.leaveGuide(report.UseLeft, now)
			p.request(scrHome, now)
		case scrMenu:
			p.request(scrHome, now)
		}
	case strings.HasPrefix(name, "lang:"):
		ia.lang, ia.page = strings.TrimPrefix(name, "lang:"), 0
		p.used(report.UseLanguage, "", 0, now)
		p.request(scrMenu, now)
	case strings.HasPrefix(name, "guide:"):
		ia.guide, ia.step, ia.reached = strings.TrimPrefix(name, "guide:"), 0, ""
		p.used(report.UseOpened, ia.guide, 0, now)
		p.request(scrStep, now)
	case name == "next":
		ia.step++
		p.request(scrStep, now)
	case name == "prev":
		ia.step = max(0, ia.step-1)
		p.request(scrStep, now)
	case name == "done":
		p.leaveGuide(report.UseFinished, now)
		p.request(scrMenu, now)
	case name == "replay":
		if now.Sub(ia.replayed) >= replayEvery || now.Before(ia.replayed) {
			ia.replayed = now
			p.narrate(now)
		}
	case name == "page-next":
		ia.page++
		p.request(scrMenu, now)
	case name == "page-prev":
		ia.page = max(0, ia.page-1)
		p.request(scrMenu, now)
	}
}

// leaveGuide ends the guide on screen for event (finished, left, idle).
func (p *Player) leaveGuide(event string, now time.Time) {
	if p.narrator != nil {
		p.narrator.Stop()
	}
	if p.ia.guide != "" {
		p.used(event, p.ia.guide, 0, now)
	}
	p.ia.guide, p.ia.step, p.ia.reached = "", 0, ""
}

// request asks the worker for screen k of the current state.
func (p *Player) request(k screenKind, now time.Time) {
	ia := p.ia
	ia.seq++
	ia.screen, ia.pending = k, true
	if k != scrStep {
		ia.guide = ""
	}
	r := screenReq{seq: ia.seq, cfg: p.cfg, kind: k, lang: ia.lang, guide: ia.guide, step: ia.step,
		voice: p.narrator != nil, check: p.narrationCheck(), now: now}
	if k == scrMenu {
		r.page = ia.page
	}
	p.gw.ask(r)
}

// interactiveBundleChanged lays the screen on show out again from the new
// bundle: a guide still offered goes on, one that is gone returns Home.
func (p *Player) interactiveBundleChanged(now time.Time) {
	if !p.interactiveOn() || p.ia.screen == scrAttract {
		return
	}
	p.ia.refresh = true
	p.request(p.ia.screen, now)
}

// install puts a laid-out screen on show, if it is the one last asked for.
func (p *Player) install(s *iscreen, now time.Time) {
	ia := p.ia
	if s.req.seq != ia.seq || ia.screen == scrAttract {
		return // overtaken by a later request, or the loop came back
	}
	ia.pending = false
	refresh := ia.refresh
	ia.refresh = false
	if s.gone {
		p.log.Info("guide no longer offered here; back to Home", "guide", s.req.guide)
		if p.narrator != nil {
			p.narrator.Stop()
		}
		ia.guide, ia.step, ia.reached = "", 0, ""
		p.request(scrHome, now)
		return
	}
	if ia.shown != nil {
		s.canvas, ia.shown.canvas = ia.shown.canvas, nil
	} else if p.obs != nil {
		// The slideshow leaves the screen to a resident: its slide's
		// play ends here.
		p.obs.Shown(now, report.Showing{Bundle: s.bundle, Item: InteractiveItem, Langs: []string{content.AnyLanguage}})
	}
	s.render(p.lay.W, p.lay.H, p.cfg.Display.Background)
	ia.shown = s
	ia.step = s.req.step
	if s.req.kind == scrMenu {
		ia.page = s.req.page
	}
	if _, ok := s.target(ia.focus); !refresh || !ok {
		ia.focus = s.focus
	}
	ia.dirty, ia.logScreen = true, true
	if s.req.kind != scrStep {
		return
	}
	key := fmt.Sprintf("%s#%d", ia.guide, ia.step)
	if key == ia.reached {
		return // the same step, laid out again
	}
	ia.reached = key
	p.used(report.UseStep, ia.guide, ia.step+1, now)
	switch {
	case s.narration != nil:
		p.narrate(now)
	case p.narrator != nil:
		p.narrator.Stop() // the step before's narration
	}
}

// narrationCheck is the Narrator's check of narration bytes, if it has
// one.
func (p *Player) narrationCheck() func([]byte) error {
	if c, ok := p.narrator.(narrationChecker); ok {
		return c.Check
	}
	return nil
}

// narrate plays the narration of the step shown: the bytes the guide
// worker read, verified and checked when it prepared the step.
func (p *Player) narrate(now time.Time) {
	s := p.ia.shown
	if p.narrator == nil || s == nil || s.narration == nil {
		return
	}
	n := s.narration
	if err := p.narrator.Play(n.name, n.wav); err != nil {
		p.warnInteractive("play/"+s.bundle+"/"+n.name, "narration could not be played", "bundle", s.bundle, "file", n.name,
			"guide", p.ia.guide, "step", p.ia.step+1, "lang", p.ia.lang, "err", err)
		return
	}
	p.used(report.UseNarration, p.ia.guide, p.ia.step+1, now)
}

func (p *Player) warnInteractive(key, msg string, args ...any) {
	if p.ia.warned[key] {
		return
	}
	if p.ia.warned == nil {
		p.ia.warned = map[string]bool{}
	}
	p.ia.warned[key] = true
	p.log.Warn(msg, args...)
}

// used tells the observer what a resident did, if it wants to know.
func (p *Player) used(event, guide string, step int, now time.Time) {
	uo, ok := p.obs.(useObserver)
	if !ok {
		return
	}
	bundle := ""
	if p.ia.shown != nil {
		bundle = p.ia.shown.bundle
	}
	uo.Used(report.Use{Time: now, Event: event, Guide: guide, Lang: p.ia.lang, Step: step, Bundle: bundle})
}

// runIdle starts the countdown after the idle time (which does not run
// while narration plays), ticks it down and returns to the attract loop at
// its end.
func (p *Player) runIdle(now time.Time) {
	ia := p.ia
	if p.narrator != nil && p.narrator.Playing() {
		ia.lastInput = now
	}
	if !ia.countdown {
		idleAt := ia.lastInput.Add(p.cfg.Interactive.Idle)
		if now.Before(idleAt) {
			return
		}
		ia.countdown, ia.countFrom, ia.countShown = true, idleAt, 0
		ia.dirty, ia.logScreen = true, true
	}
	left := p.cfg.Interactive.Countdown - now.Sub(ia.countFrom)
	if left <= 0 {
		if ia.screen == scrStep && ia.guide != "" {
			p.leaveGuide(report.UseIdle, now)
		}
		p.toAttract(now)
		return
	}
	if n := int(math.Ceil(left.Seconds())); n != ia.countShown {
		ia.countShown, ia.dirty = n, true
	}
}

// toAttract returns to the slideshow: the screen's canvas goes, and the
// next touch starts again at Home.
func (p *Player) toAttract(now time.Time) {
	ia := p.ia
	if p.narrator != nil {
		p.narrator.Stop()
	}
	wasShown := ia.shown != nil
	if ia.shown != nil {
		ia.shown.release()
		ia.shown = nil
	}
	ia.seq++ // a screen still being laid out is dropped
	ia.screen, ia.pending, ia.refresh, ia.countdown = scrAttract, false, false, false
	ia.lang, ia.guide, ia.step, ia.page, ia.focus, ia.reached = "", "", 0, 0, "", ""
	p.dirty = true
	if wasShown && p.cur != nil {
		p.observe(now) // the slide under the screens is on show again
	}
	ow, oh := p.cfg.Display.OutputSize()
	p.logScreen("attract", fmt.Sprintf("wake:0,0,%d,%d", ow, oh))
}

// interactiveWake is when the interactive screens next change by
// themselves: the countdown's next second, or its start.
func (p *Player) interactiveWake(now time.Time) time.Time {
	ia := p.ia
	if ia.countdown {
		next := ia.countFrom.Add(now.Sub(ia.countFrom).Truncate(time.Second) + time.Second)
		return next
	}
	return ia.lastInput.Add(p.cfg.Interactive.Idle)
}

// drawInteractive shows the interactive screen, its focus ring and the
// countdown; only when something changed.
func (p *Player) drawInteractive(screen *ebiten.Image) bool {
	ia := p.ia
	if !ia.dirty && p.capture == nil {
		return false
	}
	ia.dirty = false
	s := ia.shown
	op := &ebiten.DrawImageOptions{}
	op.GeoM = p.base
	screen.DrawImage(s.canvas, op)
	m := newUIMetrics(p.cfg)
	if t, ok := s.target(ia.focus); ok && !ia.countdown {
		g := m.ring / 2
		r := Rect{X: t.r.X - g - m.ring, Y: t.r.Y - g - m.ring, W: t.r.W + 2*(g+m.ring), H: t.r.H + 2*(g+m.ring)}
		c := p.cfg.Display.Accent
		drawRect(screen, p.pixel, Rect{X: r.X, Y: r.Y, W: r.W, H: m.ring}, c, p.base)
		drawRect(screen, p.pixel, Rect{X: r.X, Y: r.Y + r.H - m.ring, W: r.W, H: m.ring}, c, p.base)
		drawRect(screen, p.pixel, Rect{X: r.X, Y: r.Y, W: m.ring, H: r.H}, c, p.base)
		drawRect(screen, p.pixel, Rect{X: r.X + r.W - m.ring, Y: r.Y, W: m.ring, H: r.H}, c, p.base)
	}
	if ia.countdown {
		p.drawCountdown(screen, s, m)
	}
	p.dim(screen, Rect{W: float64(p.lay.W), H: float64(p.lay.H)}, p.state.Brightness)
	return true
}

// drawCountdown dims the screen and draws the countdown's box over it.
func (p *Player) drawCountdown(screen *ebiten.Image, s *iscreen, m uiMetrics) {
	c := newUIColours(p.cfg)
	drawRect(screen, p.pixel, Rect{W: m.w, H: m.h}, colorAlpha(0, 0.6), p.base)
	drawRect(screen, p.pixel, s.cdBox, c.bg, p.base)
	b := s.cdBox
	for _, e := range []Rect{{X: b.X, Y: b.Y, W: b.W, H: m.ring}, {X: b.X, Y: b.Y + b.H - m.ring, W: b.W, H: m.ring},
		{X: b.X, Y: b.Y, W: m.ring, H: b.H}, {X: b.X + b.W - m.ring, Y: b.Y, W: m.ring, H: b.H}} {
		drawRect(screen, p.pixel, e, c.accent, p.base)
	}
	if s.cdFace != nil {
		n := strconv.Itoa(p.ia.countShown)
		op := &text.DrawOptions{}
		op.GeoM.Translate(b.X+(b.W-text.Advance(n, s.cdFace))/2, s.cdDigitY)
		op.GeoM.Concat(p.base)
		op.ColorScale.ScaleWithColor(c.accent)
		op.Filter = ebiten.FilterLinear
		text.Draw(screen, n, s.cdFace, op)
	}
	for i := range s.cdMsg {
		s.cdMsg[i].drawGeo(screen, p.base)
	}
}

// afterInteractiveDraw logs, once a frame is drawn, the screen it shows
// and the latency of the input that changed it.
func (p *Player) afterInteractiveDraw() {
	ia := p.ia
	if ia.pending {
		return // the input's screen has not come yet
	}
	if ia.logScreen && p.interactiveShown() {
		ia.logScreen = false
		name := ia.screen.String()
		targets := p.outputTargets(ia.shown.targets)
		if ia.countdown {
			ow, oh := p.cfg.Display.OutputSize()
			name, targets = "countdown", fmt.Sprintf("continue:0,0,%d,%d", ow, oh)
		}
		p.logScreen(name, targets)
	}
	if !ia.inputSeen.IsZero() {
		end := time.Now()
		p.log.Debug("input frame", "latency_ms", end.Sub(ia.inputSeen).Milliseconds(), "at_unix_ms", end.UnixMilli())
		ia.inputSeen = time.Time{}
	}
}

func (p *Player) logScreen(name, targets string) {
	if !p.log.Enabled(p.ctx, slog.LevelDebug) {
		return
	}
	step := 0
	if p.ia.screen == scrStep {
		step = p.ia.step + 1
	}
	p.log.Debug("interactive screen", "screen", name, "guide", p.ia.guide, "step", step, "lang", p.ia.lang, "targets", targets)
}

// outputTargets lists targets as "name:x,y,w,h;..." in output (window)
// pixels, after the site's rotation.
func (p *Player) outputTargets(ts []target) string {
	var b strings.Builder
	for i, t := range ts {
		r := p.outputRect(t.r)
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%s:%d,%d,%d,%d", t.name, int(math.Round(r.X)), int(math.Round(r.Y)), int(math.Round(r.W)), int(math.Round(r.H)))
	}
	return b.String()
}

// outputRect maps a logical rectangle to the output's pixels.
func (p *Player) outputRect(r Rect) Rect {
	x0, y0 := p.base.Apply(r.X, r.Y)
	x1, y1 := p.base.Apply(r.X+r.W, r.Y+r.H)
	return Rect{X: math.Min(x0, x1), Y: math.Min(y0, y1), W: math.Abs(x1 - x0), H: math.Abs(y1 - y0)}
}

// interactiveRegions are the regions of the interactive screen shown, for
// captures: its targets and what must have ink.
func (p *Player) interactiveRegions() []Region {
	s := p.ia.shown
	out := make([]Region, 0, len(s.targets)+len(s.regions))
	for _, t := range s.targets {
		out = append(out, Region{Name: "target:" + t.name, Rect: t.r})
	}
	return append(out, s.regions...)
}

// settleInteractive waits, for a capture, until the screen asked for is
// on show and the inputs queued are acted on.
func (p *Player) settleInteractive(now time.Time, timeout time.Duration) error {
	if !p.interactiveOn() {
		return nil
	}
	deadline := time.After(timeout)
	for p.ia.pending || len(p.ia.queue) > 0 {
		if p.ia.pending {
			select {
			case s := <-p.gw.out:
				p.install(s, now)
			case <-deadline:
				return fmt.Errorf("capture: no interactive screen within %v", timeout)
			}
		}
		p.runQueue(now)
	}
	return nil
}

// moveFocus moves the focus from the target named from in the direction
// of an arrow key: to the nearest target that way, straight lines first.
func moveFocus(ts []target, from string, dir actKind) string {
	if len(ts) == 0 {
		return from
	}
	var cur *target
	for i := range ts {
		if ts[i].name == from {
			cur = &ts[i]
		}
	}
	if cur == nil {
		return ts[0].name
	}
	cx, cy := cur.r.X+cur.r.W/2, cur.r.Y+cur.r.H/2
	best, bestD := from, math.Inf(1)
	for _, t := range ts {
		if t.name == from {
			continue
		}
		dx, dy := t.r.X+t.r.W/2-cx, t.r.Y+t.r.H/2-cy
		var along, across float64
		switch dir {
		case actRight:
			along, across = dx, dy
		case actLeft:
			along, across = -dx, dy
		case actDown:
			along, across = dy, dx
		case actUp:
			along, across = -dy, dx
		}
		if along <= 1 {
			continue
		}
		if d := along + 2*math.Abs(across); d < bestD {
			best, bestD = t.name, d
		}
	}
	return best
}

// stepFocus moves the focus to the next (or previous) target in reading
// order, round the end.
func stepFocus(ts []target, from string, forward bool) string {
	if len(ts) == 0 {
		return from
	}
	i := -1
	for k, t := range ts {
		if t.name == from {
			i = k
		}
	}
	switch {
	case i < 0:
		return ts[0].name
	case forward:
		return ts[(i+1)%len(ts)].name
	default:
		return ts[(i-1+len(ts))%len(ts)].name
	}
}
