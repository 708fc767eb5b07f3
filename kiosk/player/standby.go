package player

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/vnict/kiosk/kiosk/slides"
)

var vietnameseWeekdays = [...]string{"Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// standbySlide returns the built-in slide shown when nothing else can be:
// the site's name, the time and the date. It never needs the bundle.
func (p *Player) standbySlide(now time.Time) *slide {
	s, _ := p.standbyAt(now)
	return s
}

// standbyAt is the standby slide at now, and whether it was just drawn
// again (the minute changed).
func (p *Player) standbyAt(now time.Time) (*slide, bool) {
	if p.standby == nil {
		p.standby = &slide{standby: true, minute: -1}
	}
	redrawn := p.refreshStandby(now)
	return p.standby, redrawn
}

// refreshStandby redraws the standby slide when the minute changes, and
// reports whether it did.
func (p *Player) refreshStandby(now time.Time) bool {
	s := p.standby
	minute := now.Hour()*60 + now.Minute()
	if s.minute == minute && s.canvas != nil {
		return false
	}
	s.minute = minute
	s.texts, s.regions, s.rules = nil, nil, nil
	if ts := p.standbyT; ts != nil {
		area := slides.Inset(p.lay.Area, p.lay.Margin)
		short := float64(min(p.lay.W, p.lay.H))
		fg := p.cfg.Display.Foreground
		rows := []infoRow{
			{"site", p.cfg.Site.Name, true, 0.25, 0.08},
			{"clock", now.Format("15:04"), true, 0.35, 0.22},
			{"date", dateLine(now), false, 0.2, 0.06},
			{"notice", "Đang cập nhật nội dung · Content is being updated", false, 0.2, 0.035},
		}
		for _, b := range layoutRows(ts, "standby", p.firstLang(), area, short, rows, fg) {
			s.texts = append(s.texts, b)
			s.regions = append(s.regions, b.region)
		}
	}
	// A band in the accent colour, so the screen is never one flat colour
	// even with no font at all.
	s.rules = append(s.rules, Rect{X: 0, Y: p.lay.Area.Y, W: float64(p.lay.W), H: math.Max(4, float64(min(p.lay.W, p.lay.H))*0.012)})
	s.render(p.lay.W, p.lay.H, p.cfg.Display.Background, p.cfg.Display.Accent)
	return true
}

// infoRow is one line of the player's own screens (standby, off-hours):
// its text, and its share of the height and its largest size, as
// fractions of the area and of the screen's short side.
type infoRow struct {
	name, text string
	bold       bool
	h, size    float64
}

// layoutRows sets rows one under the other in area, centred, each as
// large as its box allows up to its size; rows that cannot be set are
// left out (the screen is never blank for want of one).
func layoutRows(ts *typesetter, where, lang string, area Rect, short float64, rows []infoRow, col color.Color) []textBlock {
	var out []textBlock
	y := area.Y
	for _, r := range rows {
		box := Rect{X: area.X, Y: y, W: area.W, H: area.H * r.h}
		y += box.H
		maxSize := math.Min(short*r.size*1.6, box.H*0.8)
		if b, ok := ts.layoutBlock(r.name, where, lang, r.text, r.bold, box, 12, maxSize, 0.5, true, col); ok {
			out = append(out, b)
		}
	}
	return out
}

// dateLine is the date as the player's own screens write it: the
// Vietnamese weekday and day/month/year.
func dateLine(now time.Time) string {
	return fmt.Sprintf("%s, %s", vietnameseWeekdays[now.Weekday()], now.Format("02/01/2006"))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
