package player

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// Source gives the player the bundle to play. Sync implements it over the
// verified local cache; the demo implements it over the built-in bundle.
type Source interface {
	// Current returns the bundle to play, or nil when there is none.
	Current() *content.Bundle
	// Changed receives a value each time Current changes. It may be nil
	// for a source that never changes.
	Changed() <-chan struct{}
}

// stillBeat is how often a still screen wakes to look at the clock, at
// worst: the lateness of a slide change when a scheduled wake-up is lost.
const stillBeat = 250 * time.Millisecond

// Options configure a Player.
type Options struct {
	Config *siteconfig.Config
	Source Source
	// Fonts resolves font chains; required.
	Fonts *fonts.Loader
	// Clock defaults to the system clock.
	Clock Clock
	Log   *slog.Logger
	// Capture, when set, steps through every slide once on a clock of its
	// own, saves each frame as PNG and ends the run.
	Capture *CaptureOptions
	// Observer, when set, is told of every frame and every slide shown,
	// for heartbeats and proof-of-play.
	Observer Observer
	// FrameStats, when set, records the time between frames and ends the
	// run after the given span; see FrameStats.
	FrameStats *FrameStatsOptions
	// Alerts, when set, gives the emergency alerts to show over (or in
	// place of) the slides, at any hour.
	Alerts AlertSource
	// Watchdog, when set, is told when the first frame is drawn and on
	// every turn of the drawing loop, so that a supervisor can restart a
	// player whose loop hangs. A *watchdog.Notifier is one.
	Watchdog Watchdog
	// Narrator, when set, reads guide steps aloud at an interactive site;
	// nil: the site has no sound, and steps show no Replay button.
	Narrator Narrator
	// VideoSound, when set, plays videos' sound where the site config
	// says videos play with sound (siteconfig.Video); nil: videos are
	// silent, and keep time by the player's clock.
	VideoSound VideoSound
}

// Watchdog is told that the drawing loop runs, on the drawing goroutine;
// its methods must return at once.
type Watchdog interface {
	// Ready is called once, after the first frame is drawn.
	Ready()
	// Ping is called on every turn of the loop (every Update).
	Ping()
	// Every is the longest the loop may stand still between turns; the
	// player wakes it at least that often, even on a still screen. Zero:
	// no limit.
	Every() time.Duration
}

// Observer is told what the screen shows, on the drawing goroutine; its
// methods must return at once. A *report.Recorder is one.
type Observer interface {
	Frame(now time.Time)
	Shown(now time.Time, s report.Showing)
}

// Player plays a site's content. Create it with New and start it with Run.
type Player struct {
	cfg   *siteconfig.Config
	log   *slog.Logger
	clock Clock
	lay   layout
	load  *loader

	unmapped atomic.Int64
	standbyT *typesetter
	fonts    *fonts.Loader
	newType  func(*fonts.Chain) *typesetter
	pending  atomic.Pointer[siteconfig.Config] // a new config, applied at the next frame
	gen      int                               // config generation of the slides shown

	// Game-goroutine state.
	ctx       context.Context
	base      ebiten.GeoM // logical screen to output screen (rotation)
	pixel     *ebiten.Image
	fade      *crossfader
	vshader   *videoShader
	cur, next *slide
	fading    bool
	fadeStart time.Time
	standby   *slide
	idle      bool // the loader found nothing playable
	dirty     bool // the screen must be drawn again
	tick      ticker
	fpsMode   ebiten.FPSModeType
	pace      chan time.Duration // to the pacer: the time between frames it asks for
	paced     time.Duration      // the last sent on pace
	drawnTick float64            // the ticker's crawl position last drawn
	wakeAt    time.Time
	timer     *time.Timer
	capture   *capturer
	shots     screenshots // frames read back for Screenshot
	stats     *frameStats
	shown     int // content slides shown so far
	obs       Observer
	wd        Watchdog
	wdReady   bool   // the watchdog was told of the first frame drawn
	problem   string // the fault behind the standby slide, if any
	firstAt   time.Time
	started   time.Time

	// The screen beyond the slides: hours, brightness and alerts.
	alertSrc    AlertSource
	alertsStale atomic.Bool // the source changed since Active was last asked
	alerts      []alert.Alert
	plan        *schedule.Site
	state       schedule.Screen
	stateFrom   time.Time // when state was worked out
	stateUntil  time.Time // when it must be worked out again; zero: on a change only
	stateKnown  bool
	full        *alertView // the alert on the whole screen
	banner      *alertView // the alert over the top of the slides
	off         offScreen
	dpms        *dpms

	// The interactive screens of a support point (Config.Mode).
	ia       *interactive
	gw       *guideWorker
	narrator Narrator

	videoSound    VideoSound
	frameTextures frameTextures // videos' textures, kept for the next
}

// New prepares a player: it loads the site's font chain (needed even for the
// standby slide) and sets up the loader. Nothing is drawn before Run.
func New(opts Options) (*Player, error) {
	cfg := opts.Config
	if cfg == nil || opts.Source == nil || opts.Fonts == nil {
		return nil, errors.New("player: Config, Source and Fonts are required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	p := &Player{cfg: cfg, log: opts.Log, clock: opts.Clock, lay: slides.NewScreen(cfg), started: time.Now(), dirty: true, obs: opts.Observer,
		pace: make(chan time.Duration, 1), paced: stillBeat, alertSrc: opts.Alerts, wd: opts.Watchdog}
	p.alertsStale.Store(opts.Alerts != nil)
	if opts.Capture != nil {
		mc := &manualClock{t: opts.Clock.Now()}
		p.clock = mc
		p.capture = &capturer{opts: *opts.Capture, clock: mc}
	}
	if opts.FrameStats != nil {
		p.stats = &frameStats{opts: *opts.FrameStats, firstAt: func() time.Time { return p.firstAt }}
	}
	if p.capture == nil && p.stats == nil {
		// Captures and measurements must not put the display to sleep.
		p.dpms = newDPMS(p.log, cfg.Display.DPMS)
	}
	p.plan = p.newPlanner(cfg)
	cache, measure := &sourceCache{}, newMeasurer()
	newType := func(c *fonts.Chain) *typesetter {
		return &typesetter{log: p.log, chain: c, sources: cache, measure: measure, unmapped: &p.unmapped}
	}
	p.fonts, p.newType = opts.Fonts, newType
	chain, err := opts.Fonts.Load(nil, cfg.Fonts)
	if err != nil {
		// Without any font the standby slide is a plain coloured screen;
		// the bundle may still carry fonts.
		p.log.Error("no site font could be loaded", "err", err)
	} else {
		p.standbyT = newType(chain)
	}
	p.load = &loader{
		log: p.log, cfg: cfg, lay: p.lay, fonts: opts.Fonts, src: opts.Source, newType: newType,
		out: make(chan *slide, 1), ticker: make(chan tickerJob, 1), reconfig: make(chan reconfig, 1),
		wake: ebiten.ScheduleFrame, retry: 30 * time.Second, clock: p.clock,
	}
	p.ia, p.narrator, p.videoSound = &interactive{}, opts.Narrator, opts.VideoSound
	// The interactive screens' worker lays text out with the same parsed
	// fonts: layout reads them only through the measurer, and Ebiten's
	// faces over them are drawn on the game goroutine alone (see
	// measurer), so one parsed copy of each font serves the slideshow
	// and the screens (a weight of the CJK font is some 21 MB of heap).
	p.gw = newGuideWorker(p.log, opts.Source, opts.Fonts, newType)
	p.setGeometry(cfg)
	return p, nil
}

// setGeometry derives the layout, rotation and ticker from cfg.
func (p *Player) setGeometry(cfg *siteconfig.Config) {
	p.lay = slides.NewScreen(cfg)
	p.tick = ticker{band: p.lay.Ticker, speed: cfg.Ticker.Speed, pixel: p.pixel,
		bg: darken(color.RGBA(cfg.Display.Background)), accent: cfg.Display.Accent}
	p.base = rotation(cfg.Display.Rotation, float64(p.lay.W), float64(p.lay.H))
}

// Reconfigure applies a new site config (already validated) at the next
// frame: screen size, rotation, languages, fonts, ticker and timing. Slides
// are laid out again, so the standby slide shows for a moment. It is safe
// to call from any goroutine.
func (p *Player) Reconfigure(cfg *siteconfig.Config) {
	p.pending.Store(cfg)
	ebiten.ScheduleFrame()
}

// apply switches to cfg. Called on the game goroutine.
func (p *Player) apply(cfg *siteconfig.Config, now time.Time) {
	p.cfg = cfg
	p.gen++
	p.tick.set(nil, now)
	p.setGeometry(cfg)
	if chain, err := p.fonts.Load(nil, cfg.Fonts); err != nil {
		p.log.Error("no site font could be loaded", "err", err)
		p.standbyT = nil
	} else {
		p.standbyT = p.newType(chain)
	}
	// The loop goes on after the slide on screen; those prepared after it
	// are dropped.
	var onScreen place
	if p.cur != nil && !p.cur.standby {
		onScreen = place{prog: p.cur.prog, idx: p.cur.index}
	}
	for _, s := range []*slide{p.cur, p.next, p.standby} {
		if s != nil {
			s.release()
		}
	}
	p.cur, p.next, p.standby, p.fading, p.shown = nil, nil, nil, false, 0
	// Alerts and the off-hours clock are laid out again for the new
	// screen, hours and brightness worked out again.
	p.full.release()
	p.banner.release()
	p.full, p.banner, p.stateKnown = nil, nil, false
	if p.off.canvas != nil {
		p.off.canvas.Deallocate()
		p.off.canvas = nil
	}
	p.plan = p.newPlanner(cfg)
	// Slides prepared for the old config are dropped as they arrive.
	select {
	case <-p.load.reconfig:
	default:
	}
	p.load.reconfig <- reconfig{cfg: cfg, gen: p.gen, onScreen: onScreen}
	ow, oh := cfg.Display.OutputSize()
	ebiten.SetWindowSize(ow, oh)
	ebiten.SetFullscreen(cfg.Display.Fullscreen)
	if cfg.Display.Fullscreen && !p.interactiveOn() {
		ebiten.SetCursorMode(ebiten.CursorModeHidden)
	} else {
		ebiten.SetCursorMode(ebiten.CursorModeVisible)
	}
	ebiten.SetWindowTitle(fmt.Sprintf("%s (%s)", cfg.Site.Name, cfg.Site.ID))
	p.dirty = true
	if p.ia.screen != scrAttract || p.ia.pending {
		// Laid out for the old screen: a resident starts again.
		p.toAttract(now)
	}
	p.log.Info("site config applied", "resolution", cfg.Display.Resolution, "rotation", cfg.Display.Rotation, "languages", cfg.Languages)
}

// UnmappedGlyphs returns how many characters were left out so far because
// no font of the chain could draw them.
func (p *Player) UnmappedGlyphs() int64 { return p.unmapped.Load() }

// Run opens the window or takes the screen and plays until ctx is cancelled
// or the window is closed.
func (p *Player) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.ctx = ctx
	ow, oh := p.cfg.Display.OutputSize()
	ebiten.SetWindowTitle(fmt.Sprintf("%s (%s)", p.cfg.Site.Name, p.cfg.Site.ID))
	ebiten.SetWindowSize(ow, oh)
	ebiten.SetFullscreen(p.cfg.Display.Fullscreen)
	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false)
	if p.cfg.Display.Fullscreen && !p.interactiveOn() {
		// A wall has no mouse; a support point's residents may use one.
		ebiten.SetCursorMode(ebiten.CursorModeHidden)
	}
	// One Update per frame: the slideshow keeps time by the clock, and in
	// minimum-FPS mode a frame asked for by ScheduleFrame must run Update
	// (with a fixed TPS, a frame soon after the last one runs none).
	ebiten.SetTPS(ebiten.SyncWithFPS)
	p.setFPSMode(ebiten.FPSModeVsyncOffMinimum)
	go p.load.run(ctx)
	go p.gw.run(ctx)
	ended := make(chan struct{})
	go p.pacer(ctx, ended)
	if p.alertSrc != nil {
		go watchAlerts(ctx, p.alertSrc.Changed(), &p.alertsStale, ebiten.ScheduleFrame)
	}
	dpmsDone := make(chan struct{})
	go func() { defer close(dpmsDone); p.dpms.loop(ctx) }()
	defer func() { cancel(); <-dpmsDone }()
	err := ebiten.RunGameWithOptions(p, &ebiten.RunGameOptions{InitUnfocused: false})
	close(ended)
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.capture != nil && p.capture.err != nil {
		return p.capture.err
	}
	if errors.Is(err, ebiten.Termination) {
		return nil
	}
	return err
}

// pacer asks Ebiten for frames, which in minimum-FPS mode come only when
// asked for: at the ticker's frame rate while something moves (see
// schedule), and otherwise on a slow beat. On a still slide the timer set
// by schedule asks for the next frame, but a request made while the window
// system is between frames can be lost, so the beat asks too; frames with
// nothing new skip drawing (see Draw). The beat also lets Update see a
// cancelled context, and, never slower than the watchdog asks, ping it.
// Once ctx is cancelled the beat goes on until the game has ended: a lost
// request would otherwise leave the loop waiting for events, and the
// player deaf to a stop.
func (p *Player) pacer(ctx context.Context, ended <-chan struct{}) {
	var most time.Duration
	if p.wd != nil {
		most = p.wd.Every()
	}
	beatOf := func(d time.Duration) time.Duration {
		if most > 0 {
			return min(d, most)
		}
		return d
	}
	every := beatOf(stillBeat)
	beat := time.NewTicker(every)
	defer beat.Stop()
	done := ctx.Done()
	for {
		select {
		case <-beat.C:
			ebiten.ScheduleFrame()
		case d := <-p.pace:
			if d = beatOf(d); d != every {
				every = d
				beat.Reset(d)
			}
		case <-done:
			ebiten.ScheduleFrame()
			done = nil
			if every != stillBeat {
				every = stillBeat
				beat.Reset(every)
			}
		case <-ended:
			return
		}
	}
}

// setPace has the pacer ask for a frame every d.
func (p *Player) setPace(d time.Duration) {
	if d == p.paced {
		return
	}
	p.paced = d
	select {
	case <-p.pace: // replace a pace the pacer has not taken
	default:
	}
	p.pace <- d
}

// Layout answers the output size: the wall's pixels, one for one.
func (p *Player) Layout(_, _ int) (int, int) {
	return p.cfg.Display.OutputSize()
}

// Update moves the slideshow on: it takes prepared slides, starts and ends
// crossfades and decides when the next frame is needed.
func (p *Player) Update() error {
	if p.ctx.Err() != nil {
		return ebiten.Termination
	}
	if p.wd != nil {
		p.wd.Ping()
	}
	if p.pixel == nil {
		p.pixel = ebiten.NewImage(1, 1)
		p.pixel.Fill(color.White)
		p.tick.pixel = p.pixel
		var err error
		if p.fade, err = newCrossfader(); err != nil {
			// Slides then change with a cut.
			p.log.Error("crossfade shader unavailable", "err", err)
		}
		if p.vshader, err = newVideoShader(); err != nil {
			// Videos are then skipped.
			p.log.Error("video shader unavailable", "err", err)
		}
	}
	if p.capture != nil {
		done, hold := p.capture.beforeUpdate(p)
		if done {
			return ebiten.Termination
		}
		if hold {
			return nil
		}
	}
	if p.stats != nil && p.stats.done() {
		return ebiten.Termination
	}
	now := p.clock.Now()
	if cfg := p.pending.Swap(nil); cfg != nil {
		p.apply(cfg, now)
	}
	select {
	case job := <-p.load.ticker:
		// The loader hands the ticker over again after every bundle
		// change.
		p.tick.set(job.layout(), now)
		p.dirty = true
		p.interactiveBundleChanged(now)
	default:
	}
	p.updateScreen(now)
	if p.updateInteractive(now) {
		// A resident uses the screen: the slideshow waits beneath, and a
		// video stops (it starts again when the slideshow shows).
		p.stopVideos("interactive")
		p.scheduleInteractive(now)
		if p.obs != nil {
			p.obs.Frame(now)
		}
		return nil
	}
	if p.covered() {
		// Under a full-screen alert or outside the hours the loop stands
		// still; it goes on when the screen shows slides again (a video
		// from its start).
		p.stopVideos("covered")
		p.refreshCover(now)
	} else {
	take:
		for p.next == nil {
			// A slide whose window has passed is dropped, and the
			// loader's next one taken.
			select {
			case s := <-p.load.out:
				p.accept(s, now)
			default:
				break take
			}
		}
		p.advance(now)
		if p.playVideos(now) {
			p.advance(now) // a video failed on screen: the next takes over
		}
		if p.banner != nil && p.banner.refresh(now, p.standbyAt) {
			p.dirty = true
		}
	}
	p.schedule(now)
	if p.obs != nil {
		p.obs.Frame(now)
	}
	return nil
}

// accept takes a prepared slide from the loader as the next one.
func (p *Player) accept(s *slide, now time.Time) {
	if s.gen != p.gen {
		s.release()
		return // laid out for a config no longer in force
	}
	p.idle = s.standby
	if !s.standby && !s.spec.playableAt(now) {
		p.log.Debug("slide dropped: outside its window", "item", s.spec.item.ID, "since", s.spec.since, "until", s.spec.until)
		s.release()
		return
	}
	if s.video != nil && p.vshader == nil {
		p.log.Error("video skipped: no shader to draw it", "item", s.spec.item.ID)
		s.release()
		return
	}
	if s.standby {
		if s.problem != p.problem {
			p.problem = s.problem
			if p.cur != nil && p.cur.standby {
				p.observe(now)
			}
		}
		if p.cur == nil || p.cur.standby {
			return // already showing it
		}
		s = p.standbySlide(now)
	}
	p.next = s
	// A video's decoder starts now, a slide ahead of its turn.
	p.startVideo(s)
}

// ready draws s into its canvas when it is about to be shown. A slide
// waiting its turn holds no canvas: under software OpenGL a full-screen
// texture is a buffer in the process's memory (16 MB at 1920x1080, whose
// texture is 2048x2048), and two of them between slides were a tenth of
// the player's memory.
func (p *Player) ready(s *slide) {
	if s.canvas == nil && !s.standby && s.video == nil {
		s.render(p.lay.W, p.lay.H, p.cfg.Display.Background, p.cfg.Display.Accent)
	}
}

// advance starts and finishes crossfades.
func (p *Player) advance(now time.Time) {
	if p.cur == nil {
		p.cur = p.standbySlide(now)
		p.cur.start = now
	}
	if p.cur.standby && p.refreshStandby(now) {
		p.dirty = true
	}
	if p.fading {
		if now.Sub(p.fadeStart) < p.cfg.Playback.Transition {
			return
		}
		p.fading, p.dirty = false, true
		// Off screen, a slide's canvas goes (the standby slide draws
		// itself again when next needed).
		p.cur.release()
		p.cur, p.next = p.next, nil
		p.cur.start = now
		p.contentShown(now)
		return
	}
	if p.next != nil && !p.next.standby && !p.next.spec.playableAt(now) {
		// Held while the screen was covered, and its window has passed.
		p.next.release()
		p.next = nil
	}
	if p.next != nil && p.next.videoFailed() != nil {
		// Its decoder failed before its turn: the loader's next one
		// takes its place.
		p.log.Error("video skipped", "item", p.next.itemID(), "file", p.next.video.file, "err", p.next.videoFailed())
		p.next.release()
		p.next = nil
	}
	if err := p.cur.videoFailed(); err != nil && !p.cur.over {
		p.log.Error("video cut short", "item", p.cur.itemID(), "file", p.cur.video.file, "err", err)
		p.cur.stopVideo("failed")
		p.cur.over = true
	}
	ended := !p.cur.standby && (p.cur.over || !p.cur.spec.until.IsZero() && !now.Before(p.cur.spec.until))
	if ended && p.next == nil {
		// The slide's window has ended and no other is ready: it leaves
		// the screen now, for the standby slide.
		p.cur.release()
		p.cur = p.standbySlide(now)
		p.cur.start = now
		p.dirty = true
		p.contentShown(now)
		return
	}
	if p.capture != nil && p.next != nil && p.next.vp != nil {
		// A capture waits for a video's first frame.
		ctx, cancel := context.WithTimeout(p.ctx, videoWait)
		_ = p.next.vp.dec.Wait(ctx, 0)
		cancel()
	}
	if p.next == nil || !p.next.videoReady() {
		// A video comes on screen once its first frame is decoded; the
		// slide before stays until then (a decoder that never gives
		// one fails, and is skipped).
		return
	}
	switch {
	case ended || p.cur.standby && p.shown == 0 && !p.next.standby:
		// The first content cuts in over the start-up standby slide, and
		// a slide whose window has ended is cut at that second.
		p.ready(p.next)
		p.cur.release()
		p.cur, p.next = p.next, nil
		p.cur.start = now
		p.dirty = true
		p.contentShown(now)
	case p.cur.standby || !now.Before(slideEnd(p.cur)):
		// Content replaces standby at once; a slide ends when its time is up.
		p.ready(p.next)
		p.fading, p.fadeStart = true, now
		p.log.Debug("crossfade", "from", p.cur.itemID(), "to", p.next.itemID(), "end", slideEnd(p.cur).Format("15:04:05.000"), "now", now.Format("15:04:05.000"))
	}
}

// slideEnd is when a content slide's time on screen is up: after its
// duration, or at the end of its window if that comes first.
func slideEnd(s *slide) time.Time {
	end := s.start.Add(s.spec.duration)
	if s.video != nil {
		end = videoEnd(s)
	}
	if u := s.spec.until; !u.IsZero() && u.Before(end) {
		return u
	}
	return end
}

// contentShown notes that the current slide has just come on screen.
func (p *Player) contentShown(now time.Time) {
	p.log.Debug("slide", "item", p.cur.itemID(), "lang", p.cur.spec.langs)
	p.observe(now)
	if p.cur.standby {
		return
	}
	p.shown++
	if p.firstAt.IsZero() {
		p.firstAt = time.Now()
		p.log.Info("first content slide", "after", p.firstAt.Sub(p.started).Round(time.Millisecond))
	}
}

// observe tells the observer what is on screen now.
func (p *Player) observe(now time.Time) {
	if p.obs == nil {
		return
	}
	if p.cur.standby {
		p.obs.Shown(now, report.Showing{Standby: true, Problem: p.problem})
		return
	}
	p.obs.Shown(now, report.Showing{Bundle: p.cur.bundle, Item: p.cur.spec.item.ID, Langs: p.cur.spec.shownLangs()})
}

// schedule picks the frame rate: while something moves, the ticker's
// (ticker.fps; at its maximum, every frame the display allows), and
// otherwise no frame until the next change, which a timer asks for.
func (p *Player) schedule(now time.Time) {
	if p.capture != nil || p.stats != nil {
		// Captures step their own clock, and frame statistics measure
		// the cost of every frame the display allows.
		p.setFPSMode(ebiten.FPSModeVsyncOn)
		return
	}
	if at := p.videoWake(now); !at.IsZero() && !p.covered() {
		// A video plays: a frame when its next frame is due, and the
		// ticker and any crossfade move with it.
		p.setFPSMode(ebiten.FPSModeVsyncOffMinimum)
		p.setPace(stillBeat)
		p.wake(at, now)
		return
	}
	if !p.covered() && (p.fading || p.tick.active()) {
		fps := cmp.Or(p.cfg.Ticker.FPS, siteconfig.DefaultTickerFPS)
		if fps >= siteconfig.MaxTickerFPS {
			p.setFPSMode(ebiten.FPSModeVsyncOn)
			return
		}
		p.setFPSMode(ebiten.FPSModeVsyncOffMinimum)
		p.setPace(time.Second / time.Duration(fps))
		return
	}
	if p.state.Off && p.state.Alert == nil && p.state.Banner == nil {
		// Outside the hours only the clock moves: a frame a minute.
		p.setPace(time.Minute)
	} else {
		p.setPace(stillBeat)
	}
	p.setFPSMode(ebiten.FPSModeVsyncOffMinimum)
	var at time.Time
	sooner := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	nextMinute := now.Truncate(time.Minute).Add(time.Minute)
	switch {
	case p.state.Alert != nil:
		sooner(p.full.nextTurn(now))
		if len(p.full.panels) == 0 {
			sooner(nextMinute) // the clock stands in for its text
		}
	case p.state.Off:
		if p.cfg.OffHours == siteconfig.OffClock {
			sooner(nextMinute)
		}
	case p.cur.standby:
		sooner(nextMinute)
	case p.next != nil:
		sooner(slideEnd(p.cur))
	default:
		sooner(p.cur.spec.until) // it leaves at the end of its window
	}
	if p.banner != nil && p.state.Alert == nil {
		sooner(p.banner.nextTurn(now))
	}
	sooner(p.stateUntil)
	if at.IsZero() {
		return // the loader wakes the game when the next slide is ready
	}
	p.wake(at, now)
}

// scheduleInteractive asks for frames while an interactive screen shows:
// none but on input, at the countdown's start and at each of its seconds.
func (p *Player) scheduleInteractive(now time.Time) {
	if p.capture != nil || p.stats != nil {
		p.setFPSMode(ebiten.FPSModeVsyncOn)
		return
	}
	p.setPace(stillBeat)
	p.setFPSMode(ebiten.FPSModeVsyncOffMinimum)
	p.wake(p.interactiveWake(now), now)
}

// wake has a timer ask for a frame at at.
func (p *Player) wake(at, now time.Time) {
	if at.Equal(p.wakeAt) {
		return
	}
	p.wakeAt = at
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(max(at.Sub(now), time.Millisecond), ebiten.ScheduleFrame)
	p.log.Debug("still until", "at", at.Format(time.TimeOnly))
}

func (p *Player) setFPSMode(m ebiten.FPSModeType) {
	if p.fpsMode != m || ebiten.FPSMode() != m {
		p.fpsMode = m
		ebiten.SetFPSMode(m)
	}
}

// Draw shows the current slide, the crossfade into the next, and the ticker.
func (p *Player) Draw(screen *ebiten.Image) {
	if p.shots.wanted.Load() {
		// A screenshot: the screen read back once drawn (or, if nothing
		// moved, as it stands).
		defer p.shots.take(screen)
	}
	if p.interactiveShown() {
		if p.drawInteractive(screen) {
			p.afterInteractiveDraw()
			p.present()
		}
		p.afterDraw(screen)
		return
	}
	// The screen keeps its picture between frames; a frame in which
	// nothing moved (a still slide already drawn, a ticker that has not
	// crawled a whole pixel) is not drawn again, and after a few such
	// frames Ebiten stops presenting them.
	now := p.clock.Now()
	covered := p.covered()
	moving := (p.fading && !covered) || p.capture != nil || p.stats != nil
	crawl := p.tick.position(now)
	crawling := p.tick.active() && !covered
	video := p.videoWake(now) != time.Time{}
	if !p.dirty && !moving && (!crawling || crawl == p.drawnTick || p.videoFlowing()) {
		// (While a video's frames come, the ticker moves with them.)
		return
	}
	// When only the ticker moved, only its band is drawn again: the rest
	// of the screen still holds the slide.
	whole := p.dirty || moving
	p.dirty, p.drawnTick = false, crawl
	if p.stats != nil {
		p.stats.frame(time.Now())
	}
	// Canvases are opaque and cover the screen: no clearing needed.
	switch {
	case !whole:
	case p.state.Alert != nil && p.full != nil && p.full.canvas != nil:
		p.full.draw(screen, p.base)
	case p.state.Alert != nil:
		bg, _ := severityColors(p.state.Alert.Severity)
		screen.Fill(bg)
	case p.state.Off && p.cfg.OffHours == siteconfig.OffClock && p.off.canvas != nil:
		op := &ebiten.DrawImageOptions{}
		op.GeoM = p.base
		screen.DrawImage(p.off.canvas, op)
	case p.state.Off:
		screen.Fill(color.Black)
	case p.cur != nil && p.fading && p.next != nil && (p.cur.video != nil || p.next.video != nil):
		a := now.Sub(p.fadeStart).Seconds() / p.cfg.Playback.Transition.Seconds()
		p.drawFade(screen, float32(math.Min(1, math.Max(0, a))))
	case p.cur != nil && p.cur.video != nil:
		if !p.drawPicture(screen, p.cur, 1) {
			// Its first frame is not decoded yet (a video starting
			// again after an alert): the screen keeps its picture.
			p.dirty = true
			return
		}
	case p.cur == nil || p.cur.canvas == nil:
		screen.Fill(p.cfg.Display.Background)
	case p.fading && p.next != nil && p.next.canvas != nil && p.fade != nil:
		a := now.Sub(p.fadeStart).Seconds() / p.cfg.Playback.Transition.Seconds()
		p.fade.draw(screen, p.cur.canvas, p.next.canvas, float32(math.Min(1, math.Max(0, a))), p.base)
	default:
		op := &ebiten.DrawImageOptions{}
		op.GeoM = p.base
		screen.DrawImage(p.cur.canvas, op)
	}
	if !covered {
		p.tick.draw(screen, crawl, p.base)
	}
	if whole && p.state.Alert == nil && p.banner != nil && p.banner.canvas != nil {
		p.banner.draw(screen, p.base)
	}
	if whole {
		p.dim(screen, Rect{W: float64(p.lay.W), H: float64(p.lay.H)}, p.state.Brightness)
	} else {
		p.dim(screen, p.tick.band, p.state.Brightness)
	}
	if p.interactiveOn() {
		p.afterInteractiveDraw() // an input that led back to the slideshow
	}
	if whole && !moving && !crawling && !video {
		p.present()
	}
	p.afterDraw(screen)
}

// present asks for one more frame at once after a still frame is drawn.
// A frame's picture reaches the window only when the next frame is
// presented (measured under Xvfb with Mesa's software renderer: a change
// drawn on a still screen showed 80 to 250 ms later, at the pacer's next
// beat, and about one frame later with this); frames that move come often
// enough on their own. The frame asked for draws nothing (see Draw) and
// only presents, so a still screen stays still after it.
func (p *Player) present() {
	if p.capture == nil && p.stats == nil {
		ebiten.ScheduleFrame()
	}
}

// afterDraw hands a drawn frame to a capture and the watchdog.
func (p *Player) afterDraw(screen *ebiten.Image) {
	if p.capture != nil {
		p.capture.afterDraw(p, screen)
	}
	if p.wd != nil && !p.wdReady {
		p.wdReady = true
		p.wd.Ready()
	}
}

// rotation maps the logical screen (w×h) onto the output turned clockwise.
func rotation(deg int, w, h float64) ebiten.GeoM {
	var g ebiten.GeoM
	switch deg {
	case 90:
		g.Rotate(math.Pi / 2)
		g.Translate(h, 0)
	case 180:
		g.Rotate(math.Pi)
		g.Translate(w, h)
	case 270:
		g.Rotate(3 * math.Pi / 2)
		g.Translate(0, w)
	}
	return g
}

func darken(c color.RGBA) color.RGBA {
	return color.RGBA{R: c.R / 2, G: c.G / 2, B: c.B / 2, A: 0xff}
}
