package player

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// CaptureOptions drive a capture run: the player steps through every slide
// of its program on a clock of its own, as fast as slides can be prepared,
// saves each settled slide (and one frame halfway through a crossfade) as
// PNG, writes a summary, and stops. The whole real pipeline runs: files are
// read and verified, images decoded and scaled, text shaped and drawn, the
// frame read back from the screen.
type CaptureOptions struct {
	// Dir receives the PNG frames and summary.json; empty saves no PNG
	// but still writes Summary to SummaryPath.
	Dir string
	// SummaryPath is where the summary goes; default Dir/summary.json.
	SummaryPath string
	// Cycles is how many times to play the program through; default 1.
	Cycles int
	// Timeout bounds the wait for one slide to be prepared; default 20s.
	Timeout time.Duration
	// Steps, when given, capture the screen at chosen moments instead of
	// walking through the program: the clock is set to each step's time
	// in turn, the alerts are read again, a crossfade due then is let
	// finish, and the screen is saved. Hours and brightness apply as
	// scheduled (a walk through the program ignores them).
	Steps []CaptureStep
}

// CaptureStep is one moment of a capture by steps.
type CaptureStep struct {
	At   time.Time
	File string
	// Before, when set, runs before the clock moves to At: a change to
	// the world (an alert cancelled) at that moment.
	Before func()
	// Fading captures a crossfade under way at At as it stands, instead
	// of letting it finish first.
	Fading bool
}

// CaptureSummary describes a capture run.
type CaptureSummary struct {
	Frames         []CapturedFrame `json:"frames"`
	UnmappedGlyphs int64           `json:"unmapped_glyphs"`
	Logical        [2]int          `json:"logical"`
	Output         [2]int          `json:"output"`
	Rotation       int             `json:"rotation"`
	// CycleRSS is the resident memory in bytes after each cycle.
	CycleRSS []int64 `json:"cycle_rss,omitempty"`
}

// CapturedFrame is one saved frame.
type CapturedFrame struct {
	File    string   `json:"file,omitempty"`
	Item    string   `json:"item"`
	Langs   []string `json:"langs,omitempty"`
	Fade    bool     `json:"fade,omitempty"`
	Regions []Region `json:"regions"`
	// Of captures by steps: the alert on the whole screen or as a banner
	// ("id#serial"), whether the screen was outside its hours, and its
	// brightness (0.05 to 1).
	Alert      string  `json:"alert,omitempty"`
	Banner     string  `json:"banner,omitempty"`
	OffHours   bool    `json:"off_hours,omitempty"`
	Brightness float64 `json:"brightness,omitempty"`
	// Of captures by steps: the clock's time, and the video frames on
	// screen (two during a crossfade between videos).
	At     time.Time       `json:"at,omitempty"`
	Videos []CapturedVideo `json:"videos,omitempty"`
}

// CapturedVideo is a video's frame in a captured frame.
type CapturedVideo struct {
	Item  string `json:"item"`
	File  string `json:"file"`
	Frame int    `json:"frame"`
	// Start is when its first frame showed, on the capture's clock.
	Start time.Time `json:"start"`
}

type capturer struct {
	opts  CaptureOptions
	clock *manualClock

	pending  *CapturedFrame // to save at the next Draw
	last     *slide         // the slide last captured
	fadeDone bool
	content  int // content slides captured
	cycle    int
	summary  CaptureSummary
	finished bool
	err      error
	step     int  // the step under way, for captures by steps
	stepSet  bool // its clock is set
}

// beforeUpdate sets the clock for the next step. It reports done when the
// run is over, and hold when a frame is due to be saved, in which case the
// scene must not change before Draw.
func (c *capturer) beforeUpdate(p *Player) (done, hold bool) {
	if c.finished {
		return true, false
	}
	if c.pending != nil {
		return false, true
	}
	if p.cur == nil {
		return false, false
	}
	if c.opts.Timeout == 0 {
		c.opts.Timeout = 20 * time.Second
	}
	if c.opts.Cycles == 0 {
		c.opts.Cycles = 1
	}
	if len(c.opts.Steps) > 0 {
		return c.stepUpdate(p)
	}
	switch {
	case p.fading:
		if !c.fadeDone {
			c.fadeDone = true
			c.clock.Set(p.fadeStart.Add(p.cfg.Playback.Transition / 2))
			c.pending = &CapturedFrame{File: "fade.png", Item: p.next.itemID(), Fade: true}
			return false, true
		}
		c.clock.Set(p.fadeStart.Add(p.cfg.Playback.Transition))
		return false, false
	case p.cur.standby:
		if p.next == nil && !p.idle && c.content == 0 {
			c.wait(p)
		}
		if p.next != nil && !p.next.standby {
			return false, false // Update cuts or fades to it
		}
		if c.last != p.cur {
			c.settled(p)
			return false, true
		}
		c.finish(p)
		return true, false
	case c.last != p.cur:
		c.settled(p)
		return false, true
	}
	// The slide was saved: move to its end.
	if p.cur.index == p.cur.total-1 {
		c.cycle++
		c.summary.CycleRSS = append(c.summary.CycleRSS, residentBytes())
		if c.cycle >= c.opts.Cycles {
			c.finish(p)
			return true, false
		}
	}
	if p.next == nil && !c.wait(p) {
		if !p.idle {
			c.err = fmt.Errorf("capture: no next slide within %v", c.opts.Timeout)
			c.finish(p)
			return true, false
		}
	}
	c.clock.Set(slideEnd(p.cur))
	return false, false
}

// stepUpdate is beforeUpdate for a capture by steps.
func (c *capturer) stepUpdate(p *Player) (done, hold bool) {
	if c.step == len(c.opts.Steps) {
		c.finish(p)
		return true, false
	}
	st := c.opts.Steps[c.step]
	if !c.stepSet {
		if p.cur.standby && p.next == nil && !p.idle && c.content == 0 {
			c.wait(p) // the first content slide, before the first step
		}
		if st.Before != nil {
			st.Before()
		}
		c.clock.Set(st.At)
		p.alertsStale.Store(p.alertSrc != nil)
		c.stepSet = true
		return false, false
	}
	if err := p.settleInteractive(c.clock.Now(), c.opts.Timeout); err != nil {
		c.err = err
		c.finish(p)
		return true, false
	}
	if p.interactiveShown() {
		// A resident's screen over the slideshow, which waits beneath.
		name := p.ia.screen.String()
		if p.ia.countdown {
			name = "countdown"
		}
		c.pending = &CapturedFrame{File: st.File, Item: "interactive:" + name, Langs: []string{p.ia.lang},
			Regions: p.interactiveRegions(), Brightness: p.state.Brightness}
		c.step++
		c.stepSet = false
		return false, true
	}
	if p.fading && !p.covered() && !st.Fading {
		c.clock.Set(p.fadeStart.Add(p.cfg.Playback.Transition))
		return false, false
	}
	if !p.covered() && p.cur.standby && p.next == nil && !p.idle {
		// A slide left at its window's end: the next comes, once the
		// slides prepared before that end have been dropped.
		for deadline := time.Now().Add(c.opts.Timeout); p.next == nil && !p.idle && time.Now().Before(deadline); {
			c.wait(p)
		}
		if p.next != nil {
			return false, false
		}
	}
	now := c.clock.Now()
	f := &CapturedFrame{File: st.File, Item: p.cur.itemID(), Langs: p.cur.spec.langs, Regions: p.screenRegions(now),
		Alert: viewName(p.full), Banner: viewName(p.banner), OffHours: p.state.Off, Brightness: p.state.Brightness,
		At: now, Videos: p.videosShown()}
	switch {
	case p.full != nil:
		f.Item, f.Langs = "alert", []string{p.full.lang(now)}
	case p.state.Off:
		f.Item, f.Langs = "off-hours", nil
	}
	c.pending = f
	c.step++
	c.stepSet = false
	return false, true
}

// settled asks for the current slide to be saved, a moment after it came
// on screen.
func (c *capturer) settled(p *Player) {
	c.clock.Set(p.cur.start.Add(time.Second))
	f := &CapturedFrame{Item: p.cur.itemID(), Langs: p.cur.spec.langs, Regions: p.cur.regions}
	if p.tick.active() {
		f.Regions = append(append([]Region(nil), f.Regions...), Region{Name: "ticker", Rect: p.tick.band})
	}
	if p.cur.standby {
		f.File = "standby.png"
	} else {
		f.File = fmt.Sprintf("%02d-%d-%s-%s.png", c.content, c.cycle, p.cur.itemID(), joinLangs(p.cur.spec.langs))
	}
	c.pending = f
	c.last = p.cur
}

// wait blocks until the loader hands over the next slide, and reports
// whether there is one.
func (c *capturer) wait(p *Player) bool {
	select {
	case s := <-p.load.out:
		p.accept(s, c.clock.Now())
		return p.next != nil
	case <-time.After(c.opts.Timeout):
		return false
	}
}

// afterDraw saves the frame just drawn, if one is due.
func (c *capturer) afterDraw(p *Player, screen *ebiten.Image) {
	f := c.pending
	if f == nil {
		return
	}
	c.pending = nil
	if !f.Fade && f.Item != "standby" {
		c.content++
	}
	if c.opts.Dir != "" && (c.cycle == 0 || f.Fade) {
		if err := savePNG(screen, filepath.Join(c.opts.Dir, f.File)); err != nil {
			c.err = err
			c.finished = true
			return
		}
	} else {
		f.File = ""
	}
	if c.cycle == 0 {
		c.summary.Frames = append(c.summary.Frames, *f)
	}
}

func (c *capturer) finish(p *Player) {
	c.finished = true
	s := &c.summary
	s.UnmappedGlyphs = p.UnmappedGlyphs()
	s.Logical = [2]int{p.lay.W, p.lay.H}
	ow, oh := p.cfg.Display.OutputSize()
	s.Output = [2]int{ow, oh}
	s.Rotation = p.cfg.Display.Rotation
	path := c.opts.SummaryPath
	if path == "" {
		path = filepath.Join(c.opts.Dir, "summary.json")
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("capture summary: %w", err)
	}
}

func savePNG(screen *ebiten.Image, path string) error {
	b := screen.Bounds()
	img := image.NewRGBA(b)
	screen.ReadPixels(img.Pix)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("capture %s: %w", path, err)
	}
	return f.Close()
}

func joinLangs(langs []string) string {
	s := ""
	for i, l := range langs {
		if i > 0 {
			s += "+"
		}
		s += l
	}
	return s
}
