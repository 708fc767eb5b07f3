package player

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// layout is the geometry of the logical screen.
type layout = slides.Screen

// preparer builds slides off the game goroutine.
type preparer struct {
	cfg    *siteconfig.Config
	lay    layout
	ts     *typesetter
	bundle *content.Bundle
	fg     color.Color
}

var errNothingToShow = slides.ErrNothingToShow

// prepare reads, decodes and lays out one slide.
func (p *preparer) prepare(spec slideSpec) (*slide, error) {
	s := &slide{spec: spec}
	switch spec.item.Kind {
	case content.KindImage:
		return s, p.prepareImage(s)
	case content.KindText:
		return s, p.prepareText(s)
	case content.KindVideo:
		return s, p.prepareVideo(s)
	}
	return nil, fmt.Errorf("item %s: unknown kind %q", spec.item.ID, spec.item.Kind)
}

func (p *preparer) prepareImage(s *slide) error {
	pic, err := slides.ImageSlide(p.lay, p.bundle, s.spec.item, s.spec.langs[0])
	if err != nil {
		return err
	}
	s.picture, s.pictureAt = pic.Image, pic.At
	s.regions = append(s.regions, pic.Region)
	return nil
}

// reconfig carries a new config to the loader.
type reconfig struct {
	cfg *siteconfig.Config
	gen int
	// onScreen is the content slide on screen, after which the loop goes
	// on; slides prepared after it are dropped with the old config. Its
	// prog is nil when the standby slide shows.
	onScreen place
}

// fontChainer builds a bundle's font chain; *fonts.Loader is one.
type fontChainer interface {
	Load(b *content.Bundle, links []siteconfig.Font) (*fonts.Chain, error)
}

// loader prepares the loop's slides in order, one ahead of the screen, as
// the bundle's schedule picks them on the player's clock, and starts a new
// sequencer when the source's bundle or the config changes. When nothing
// is scheduled it hands over the standby marker and looks again when the
// schedule changes.
type loader struct {
	log     *slog.Logger
	cfg     *siteconfig.Config
	lay     layout
	fonts   fontChainer
	src     Source
	newType func(*fonts.Chain) *typesetter

	out      chan *slide    // prepared slides, standby markers included
	reconfig chan reconfig  // a new site config
	gen      int            // the config generation slides are laid out for
	ticker   chan tickerJob // the ticker, after each bundle change
	wake     func()         // asks the game for a frame
	retry    time.Duration  // wait after a pass in which nothing was playable
	clock    Clock          // the player's clock, which schedules are read on
}

// tickerJob is a bundle's ticker for the game to lay out: its messages and
// the typesetter, geometry and config they are set with. The ticker is
// measured and drawn through Ebiten's text functions, which only the game
// goroutine may use (see measurer); its few lines are shaped once, for
// both.
type tickerJob struct {
	ts   *typesetter
	lay  layout
	cfg  *siteconfig.Config
	msgs []slides.TickerText
}

// layout lays the ticker out; nil when there is none. Called on the game
// goroutine.
func (j tickerJob) layout() []tickerSeg {
	if j.ts == nil {
		return nil
	}
	return layoutTicker(j.ts, j.lay, j.cfg, j.msgs)
}

func (l *loader) run(ctx context.Context) {
	var (
		seq      *schedule.Sequencer
		prep     *preparer
		failures int
		problem  string // why nothing plays, when it is a fault
		// sent is the last content slide handed to the game: slides
		// already handed over are shown, so after a change the loop goes
		// on after it (see schedule.Sequencer.ResumeAfter).
		sent place
	)
	reload := func() {
		seq, prep, failures, problem = nil, nil, 0, ""
		b := l.src.Current()
		if b == nil {
			l.log.Warn("no content bundle; showing the standby slide")
			l.sendTicker(ctx, tickerJob{})
			return
		}
		site, err := schedule.NewSite(l.cfg)
		if err != nil {
			l.log.Error("the site cannot be scheduled; showing the standby slide", "err", err)
			problem = "site config: " + err.Error()
			l.sendTicker(ctx, tickerJob{})
			return
		}
		chain, err := l.fonts.Load(b, l.cfg.Fonts)
		if err != nil {
			l.log.Error("no usable font for the bundle; showing the standby slide", "bundle", b.Manifest.ID, "err", err)
			problem = "no usable font: " + err.Error()
			l.sendTicker(ctx, tickerJob{})
			return
		}
		ts := l.newType(chain)
		prep = &preparer{cfg: l.cfg, lay: l.lay, ts: ts, bundle: b, fg: l.cfg.Display.Foreground}
		seq = schedule.NewSequencer(b.Manifest.Slideshow(), site, l.cfg.Languages, l.cfg.Playback.ItemDuration)
		if sent.prog != nil {
			seq.ResumeAfter(*sent.prog)
		}
		for _, x := range seq.Excluded() {
			l.log.Info("item not for this site", "bundle", b.Manifest.ID, "item", x.Item.ID, "why", x.Reason)
		}
		l.log.Info("playing bundle", "bundle", b.Manifest.ID, "version", b.Manifest.Version, "schedule", seq.String(), "source", b.Source)
		l.sendTicker(ctx, tickerJob{ts: ts, lay: l.lay, cfg: l.cfg, msgs: slides.TickerMessages(b, l.cfg)})
	}
	changed := l.src.Changed()
	reload()
	for {
		var (
			s    *slide
			wait = l.retry // how long a standby slide waits before looking again
		)
		now := l.clock.Now()
		spec, plays := schedule.Slide{}, false
		if seq != nil {
			spec, plays = seq.Next(now)
		}
		switch {
		case !plays || failures > 0 && failures >= spec.Total:
			s = &slide{standby: true, problem: problem}
			if plays {
				s.problem = "no item of the bundle can be shown"
			} else if seq != nil {
				// Nothing is scheduled now: look again when the
				// schedule changes.
				wait = min(wait, max(seq.NextChange(now).Sub(now), time.Millisecond))
			}
		default:
			var err error
			s, err = prep.prepare(specOf(spec))
			if err != nil {
				failures++
				prep.ts.warnOnce(fmt.Sprintf("skip/%s/%v", spec.Item.ID, spec.Langs), "item skipped",
					"item", spec.Item.ID, "lang", spec.Langs, "err", err)
				continue
			}
			failures = 0
			s.index, s.total, s.prog = spec.Index, spec.Total, &s.spec.chosen
			s.bundle = fmt.Sprintf("%s@%d", prep.bundle.Manifest.ID, prep.bundle.Manifest.Version)
		}
		s.gen = l.gen
		select {
		case l.out <- s:
			if !s.standby {
				sent = place{prog: s.prog, idx: s.index}
			}
			l.wake()
		case <-changed:
			s.release() // prepared for the bundle before
			reload()
			continue
		case rc := <-l.reconfig:
			s.release()
			sent = l.reconfigure(rc, sent)
			reload()
			continue
		case <-ctx.Done():
			s.release()
			return
		}
		if s.standby {
			select {
			case <-changed:
				reload()
			case rc := <-l.reconfig:
				sent = l.reconfigure(rc, sent)
				reload()
			case <-time.After(wait):
				failures = 0
			case <-ctx.Done():
				return
			}
		}
	}
}

// reconfigure switches to a new config and returns the slide the loop goes
// on after: the one on screen, as the game drops the slides prepared after
// it.
func (l *loader) reconfigure(rc reconfig, sent place) place {
	l.cfg, l.lay, l.gen = rc.cfg, slides.NewScreen(rc.cfg), rc.gen
	if rc.onScreen.prog != nil {
		return rc.onScreen
	}
	return sent
}

func (l *loader) sendTicker(ctx context.Context, job tickerJob) {
	// Replace a ticker the game has not taken yet.
	select {
	case <-l.ticker:
	default:
	}
	select {
	case l.ticker <- job:
		l.wake()
	case <-ctx.Done():
	}
}
