package player

import (
	"fmt"
	"math"

	"github.com/vnict/kiosk/kiosk/typeset"
)

// Text slides are sized for the distance they are read from. A signage
// rule of thumb asks for an inch of capital letter for every ten feet of
// distance (1/120 of it, about 29 minutes of arc) for comfortable reading;
// Noto Sans capitals are 0.714 of the font size. Body text at that size is
// legible from the site's reading distance (siteconfig's
// Display.ReadingDistance). Where the slide has room the body grows, up to
// maxBodyOverLegible times that size and no more than a size at which a
// line holds about twenty Latin letters (minLineEms of the text's width,
// a letter being about half an em), so that a narrow portrait column
// still reads in phrases, not word by word; it shrinks below the legible
// size only when the text would not fit otherwise (logged), down to a
// floor that is still readable close up.
const (
	capitalPerDistance = 1.0 / 120
	capitalHeightEm    = 0.714
	maxBodyOverLegible = 2
	minLineEms         = 10
	// Titles are titleRatio times the body's size while every title of
	// the slide keeps to titleLines lines at it; a longer one comes down
	// towards minTitleRatio, and then the body too, but not below the
	// legible size: there a title takes more lines instead.
	titleRatio    = 1.5
	minTitleRatio = 1.2
	titleLines    = 2
	// On a panel at least tallPanel times as tall as it is wide (a
	// portrait wall's column), titles may take tallTitleLines lines where
	// that lets the body grow.
	tallTitleLines = 3
	tallPanel      = 1.5
)

// legibleBody is the body size, in pixels, legible from the site's reading
// distance.
func (p *preparer) legibleBody() float64 {
	return math.Round(p.cfg.Display.ReadingDistance() * capitalPerDistance / capitalHeightEm)
}

// textScale bounds the sizes of a text slide's titles and bodies, for
// panels width wide and height tall.
func (p *preparer) textScale(width, height, gap float64) typeset.Scale {
	short := float64(min(p.lay.w, p.lay.h))
	minBody := math.Round(math.Max(12, short*0.02))
	maxBody := math.Max(minBody, math.Round(math.Min(p.legibleBody()*maxBodyOverLegible, width/minLineEms)))
	more := 0
	if height >= tallPanel*width {
		more = tallTitleLines
	}
	return typeset.Scale{
		MinBody:           minBody,
		MaxBody:           maxBody,
		TitleRatio:        titleRatio,
		MinTitleRatio:     minTitleRatio,
		TitleLines:        titleLines,
		MoreTitleLines:    more,
		ShortTitlesDownTo: p.legibleBody(),
		MinTitle:          math.Round(math.Max(14, short*0.028)),
		MaxTitle:          math.Round(maxBody * titleRatio),
		Gap:               gap,
	}
}

// prepareText lays out a text slide: the item in one language, or in two
// side by side on a wide screen and one above the other on a tall one.
// Titles and bodies are sized together for the space (typeset.FitPanels),
// one size for titles and one for bodies in every language of the slide,
// and the title, its rule and the body are centred as a group, titles and
// bodies level across languages.
func (p *preparer) prepareText(s *slide) error {
	inner := inset(p.lay.area, p.lay.margin)
	boxes := []Rect{inner}
	if len(s.spec.langs) > 1 {
		gap := p.lay.margin
		if inner.W >= inner.H {
			half := (inner.W - gap) / 2
			boxes = []Rect{{X: inner.X, Y: inner.Y, W: half, H: inner.H}, {X: inner.X + half + gap, Y: inner.Y, W: half, H: inner.H}}
			s.rules = append(s.rules, Rect{X: inner.X + half + gap/2 - 1, Y: inner.Y, W: 2, H: inner.H})
		} else {
			half := (inner.H - gap) / 2
			boxes = []Rect{{X: inner.X, Y: inner.Y, W: inner.W, H: half}, {X: inner.X, Y: inner.Y + half + gap, W: inner.W, H: half}}
			s.rules = append(s.rules, Rect{X: inner.X, Y: inner.Y + half + gap/2 - 1, W: inner.W, H: 2})
		}
	}
	langs := s.spec.langs[:len(boxes)]
	where := s.spec.item.ID
	gap := math.Round(p.lay.margin * 0.6) // around the rule under a title
	panels := make([]typeset.Panel, len(langs))
	for i, lang := range langs {
		t := s.spec.item.Text[lang]
		for _, part := range []struct {
			text string
			bold bool
			dst  *typeset.Text
		}{{t.Title, true, &panels[i].Title}, {t.Body, false, &panels[i].Body}} {
			if part.text == "" {
				continue
			}
			d := p.ts.drawable(where, lang, part.text)
			if d == "" {
				return fmt.Errorf("item %s: %s: %w", where, lang, errNothingToShow)
			}
			*part.dst = typeset.Text{Text: d, Sizer: p.ts.sizer(lang, d, part.bold)}
		}
	}
	sc := p.textScale(boxes[0].W, boxes[0].H, 1.75*gap)
	sets := typeset.FitPanels(panels, boxes[0].W, boxes[0].H, sc)

	// The group: the tallest title, the gap and the tallest body.
	titleH, bodyH, group := typeset.Level(sets, sc.Gap)
	short := float64(min(p.lay.w, p.lay.h))
	for i, lang := range langs {
		box, set := boxes[i], sets[i]
		top := box.Y + math.Round(math.Max(0, box.H-group)/2)
		if n := len(set.Body.Lines); n > 0 && set.Body.Size < p.legibleBody() {
			p.ts.warnOnce("small/"+where+"/"+lang, "text set smaller than legible from the reading distance",
				"item", where, "lang", lang, "size", set.Body.Size, "legible", p.legibleBody())
		}
		if len(set.Title.Lines) > 0 {
			// Titles sit on their rule, level across languages.
			tb, err := p.textBlock("title", where, lang, panels[i].Title.Text, true, set.Title, box, top+titleH-set.Title.Height(), true)
			if err != nil {
				return err
			}
			s.texts = append(s.texts, tb)
			s.regions = append(s.regions, tb.region)
			if bodyH > 0 {
				rw := math.Min(box.W*0.3, math.Max(tb.w, box.W*0.12))
				s.rules = append(s.rules, Rect{X: box.X + (box.W-rw)/2, Y: top + titleH + gap/2, W: rw, H: math.Max(3, short*0.005)})
			}
		}
		if len(set.Body.Lines) > 0 {
			y := top
			if titleH > 0 {
				y += titleH + sc.Gap
			}
			bb, err := p.textBlock("body", where, lang, panels[i].Body.Text, false, set.Body, box, y, false)
			if err != nil {
				return err
			}
			s.texts = append(s.texts, bb)
			s.regions = append(s.regions, bb.region)
		}
	}
	return nil
}

// textBlock positions a laid-out block at y, centred across box, and
// records its region.
func (p *preparer) textBlock(name, where, lang, text string, bold bool, b typeset.Block, box Rect, y float64, center bool) (textBlock, error) {
	f, m := p.ts.face(lang, text+"…", bold, b.Size)
	if f == nil {
		return textBlock{}, fmt.Errorf("item %s: %s %s: %w", where, lang, name, errNothingToShow)
	}
	if !b.Fits {
		p.ts.warnOnce("cut/"+where+"/"+lang+"/"+name, "text does not fit even at the smallest size; cut",
			"where", where, "lang", lang, "region", name, "size", b.Size)
	}
	x := box.X + (box.W-b.Width)/2
	space := box
	return textBlock{
		region: Region{Name: name, Lang: lang, Rect: Rect{X: x, Y: y, W: b.Width, H: b.Height()},
			Size: b.Size, Lines: len(b.Lines), Cut: !b.Fits, Space: &space, Text: b.Lines},
		lines: b.Lines, face: f, ascent: m.HAscent, lineH: b.LineHeight,
		x: x, y: y, w: b.Width, center: center, color: p.fg,
	}, nil
}
