package player

import (
	"time"

	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// newPlanner returns the planner for cfg. A capture of the program shows
// every slide as in the hours at full brightness (it runs at whatever
// time it is run); a capture by steps shows the screen as scheduled.
func (p *Player) newPlanner(cfg *siteconfig.Config) *schedule.Site {
	site, err := schedule.NewSite(cfg)
	if err != nil {
		// Validate refuses such a config; play all day at full brightness.
		p.log.Error("site schedule unusable; playing all day", "err", err)
		site = &schedule.Site{ID: cfg.Site.ID, Zone: cfg.Location()}
	}
	if p.capture != nil && len(p.capture.opts.Steps) == 0 {
		site.Hours, site.Brightness = nil, nil
	}
	return site
}

// covered reports whether something other than the slides fills the
// screen: a full-screen alert, or the off-hours screen.
func (p *Player) covered() bool { return p.state.Alert != nil || p.state.Off }

// updateScreen works out the screen's state again when the alerts have
// changed, when the time of a scheduled change has come, or when the clock
// went back, and acts on what changed.
func (p *Player) updateScreen(now time.Time) {
	stale := p.alertsStale.Swap(false)
	if stale {
		p.alerts = p.alertSrc.Active(now)
	}
	if p.stateKnown && !stale && !now.Before(p.stateFrom) && (p.stateUntil.IsZero() || now.Before(p.stateUntil)) {
		return
	}
	prev, wasCovered := p.state, p.covered()
	p.state = p.plan.At(now, p.alerts)
	p.stateFrom, p.stateUntil, p.stateKnown = now, p.plan.NextChange(now, p.alerts), true

	p.full = p.swapView(p.full, p.state.Alert, true, now)
	p.banner = p.swapView(p.banner, p.state.Banner, false, now)
	if prev.Off != p.state.Off || !sameAlert(prev.Alert, p.state.Alert) || !sameAlert(prev.Banner, p.state.Banner) || prev.Brightness != p.state.Brightness {
		p.dirty = true
		p.log.Info("screen", "off_hours", p.state.Off, "alert", viewName(p.full), "banner", viewName(p.banner), "brightness", p.state.Brightness)
	}
	// The display sleeps outside the hours, unless an alert wakes it.
	p.dpms.set(p.state.Off && p.state.Alert == nil && p.state.Banner == nil)

	if ao, ok := p.obs.(alertObserver); ok {
		id := ""
		switch {
		case p.state.Alert != nil:
			id = p.state.Alert.ID
		case p.state.Banner != nil:
			id = p.state.Banner.ID
		}
		ao.Alerting(now, id)
	}
	switch covered := p.covered(); {
	case covered && !wasCovered && p.obs != nil && p.cur != nil:
		// The slide has left the screen: its play ends here.
		p.obs.Shown(now, report.Showing{Standby: true})
	case !covered && wasCovered && p.cur != nil:
		// The slide on screen before comes back for its whole time.
		p.cur.start = now
		p.dirty = true
		if p.obs != nil {
			p.observe(now)
		}
	}
}

// swapView keeps v when it shows a, and otherwise lays a out in its place
// (nil for none).
func (p *Player) swapView(v *alertView, a *alert.Alert, full bool, now time.Time) *alertView {
	if a == nil {
		v.release()
		return nil
	}
	if v != nil && v.id == a.ID && v.serial == a.Serial {
		return v
	}
	v.release()
	return p.layoutAlert(a, full, now)
}

// refreshCover draws what covers the screen, when it has changed: the
// alert's next language, the off-hours clock's new minute.
func (p *Player) refreshCover(now time.Time) {
	switch {
	case p.state.Alert != nil:
		if p.full.refresh(now, p.standbyAt) {
			p.dirty = true
		}
	case p.state.Off:
		if p.cfg.OffHours == siteconfig.OffClock && p.refreshOff(now) {
			p.dirty = true
		}
		if p.banner != nil && p.banner.refresh(now, p.standbyAt) {
			p.dirty = true
		}
	}
}

// screenRegions are the parts of the screen at now that must have ink,
// for captures.
func (p *Player) screenRegions(now time.Time) []Region {
	var out []Region
	switch {
	case p.state.Alert != nil:
		return p.full.regions(now, p.standby)
	case p.state.Off:
		if p.cfg.OffHours == siteconfig.OffClock {
			out = append(out, p.off.regions...)
		}
	default:
		if p.cur != nil {
			out = append(out, p.cur.regions...)
		}
		if p.tick.active() {
			out = append(out, Region{Name: "ticker", Rect: p.tick.band})
		}
	}
	if p.banner != nil {
		out = append(out, p.banner.regions(now, p.standby)...)
	}
	return out
}

func sameAlert(a, b *alert.Alert) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Serial == b.Serial
}

func viewName(v *alertView) string {
	if v == nil {
		return ""
	}
	return v.String()
}
