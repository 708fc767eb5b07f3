package slides

import (
	"errors"
	"fmt"
	"math"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// ErrNothingToShow: the item has no text any font of the site draws in a
// language it is to be shown in.
var ErrNothingToShow = errors.New("item has nothing to show in this language")

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
// size only when the text would not fit otherwise (noted), down to a
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

// LegibleBody is the body size, in pixels, legible from the site's
// reading distance.
func LegibleBody(cfg *siteconfig.Config) float64 {
	return math.Round(cfg.Display.ReadingDistance() * capitalPerDistance / capitalHeightEm)
}

// TextScale bounds the sizes of a text slide's titles and bodies, for
// panels width wide and height tall, with gap between title and body.
func TextScale(scr Screen, cfg *siteconfig.Config, width, height, gap float64) typeset.Scale {
	short := scr.Short()
	legible := LegibleBody(cfg)
	minBody := math.Round(math.Max(12, short*0.02))
	maxBody := math.Max(minBody, math.Round(math.Min(legible*maxBodyOverLegible, width/minLineEms)))
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
		ShortTitlesDownTo: legible,
		MinTitle:          math.Round(math.Max(14, short*0.028)),
		MaxTitle:          math.Round(maxBody * titleRatio),
		Gap:               gap,
	}
}

// TextBlock is laid-out text at a position, ready to draw.
type TextBlock struct {
	Region Region
	Lang   string
	// Text is the text as set (normalised, without the characters no
	// font draws); the faces to draw it are Fonts.Faces(Lang, Text+"…",
	// Bold, Size).
	Text       string
	Lines      []string
	Bold       bool
	Size       float64
	Ascent     float64 // of the primary face
	LineHeight float64
	// The block's box; lines are drawn from (X, Y), the first baseline
	// Ascent below Y, each centred across W or started at X.
	X, Y, W float64
	Center  bool
}

// Slide is a laid-out slide.
type Slide struct {
	Texts   []TextBlock
	Rules   []Rect // accent rules: between panels and under titles
	Regions []Region
}

// TextSlide lays out a text slide: item in one language, or in two side by
// side on a wide screen and one above the other on a tall one. Titles and
// bodies are sized together for the space (typeset.FitPanels), one size
// for titles and one for bodies in every language of the slide, and the
// title, its rule and the body are centred as a group, titles and bodies
// level across languages.
func (f *Fonts) TextSlide(scr Screen, cfg *siteconfig.Config, item *content.Item, langs []string) (Slide, error) {
	var s Slide
	inner := Inset(scr.Area, scr.Margin)
	boxes := []Rect{inner}
	if len(langs) > 1 {
		gap := scr.Margin
		if inner.W >= inner.H {
			half := (inner.W - gap) / 2
			boxes = []Rect{{X: inner.X, Y: inner.Y, W: half, H: inner.H}, {X: inner.X + half + gap, Y: inner.Y, W: half, H: inner.H}}
			s.Rules = append(s.Rules, Rect{X: inner.X + half + gap/2 - 1, Y: inner.Y, W: 2, H: inner.H})
		} else {
			half := (inner.H - gap) / 2
			boxes = []Rect{{X: inner.X, Y: inner.Y, W: inner.W, H: half}, {X: inner.X, Y: inner.Y + half + gap, W: inner.W, H: half}}
			s.Rules = append(s.Rules, Rect{X: inner.X, Y: inner.Y + half + gap/2 - 1, W: inner.W, H: 2})
		}
	}
	if len(langs) == 0 {
		return Slide{}, fmt.Errorf("item %s: no language to show it in", item.ID)
	}
	langs = langs[:len(boxes)]
	where := item.ID
	gap := math.Round(scr.Margin * 0.6) // around the rule under a title
	panels := make([]typeset.Panel, len(langs))
	for i, lang := range langs {
		t := item.Text[lang]
		for _, part := range []struct {
			text string
			bold bool
			dst  *typeset.Text
		}{{t.Title, true, &panels[i].Title}, {t.Body, false, &panels[i].Body}} {
			if part.text == "" {
				continue
			}
			d := f.Drawable(where, lang, part.text)
			if d == "" {
				return Slide{}, fmt.Errorf("item %s: %s: %w", where, lang, ErrNothingToShow)
			}
			*part.dst = typeset.Text{Text: d, Sizer: f.Sizer(lang, d, part.bold)}
		}
	}
	sc := TextScale(scr, cfg, boxes[0].W, boxes[0].H, 1.75*gap)
	sets := typeset.FitPanels(panels, boxes[0].W, boxes[0].H, sc)

	// The group: the tallest title, the gap and the tallest body.
	titleH, bodyH, group := typeset.Level(sets, sc.Gap)
	legible := LegibleBody(cfg)
	for i, lang := range langs {
		box, set := boxes[i], sets[i]
		top := box.Y + math.Round(math.Max(0, box.H-group)/2)
		if n := len(set.Body.Lines); n > 0 && set.Body.Size < legible {
			f.notes.Warn("small/"+where+"/"+lang, "text set smaller than legible from the reading distance",
				"item", where, "lang", lang, "size", set.Body.Size, "legible", legible)
		}
		if len(set.Title.Lines) > 0 {
			// Titles sit on their rule, level across languages.
			tb, err := f.textBlock("title", where, lang, panels[i].Title.Text, true, set.Title, box, top+titleH-set.Title.Height(), true)
			if err != nil {
				return Slide{}, err
			}
			s.Texts = append(s.Texts, tb)
			s.Regions = append(s.Regions, tb.Region)
			if bodyH > 0 {
				rw := math.Min(box.W*0.3, math.Max(tb.W, box.W*0.12))
				s.Rules = append(s.Rules, Rect{X: box.X + (box.W-rw)/2, Y: top + titleH + gap/2, W: rw, H: math.Max(3, scr.Short()*0.005)})
			}
		}
		if len(set.Body.Lines) > 0 {
			y := top
			if titleH > 0 {
				y += titleH + sc.Gap
			}
			bb, err := f.textBlock("body", where, lang, panels[i].Body.Text, false, set.Body, box, y, false)
			if err != nil {
				return Slide{}, err
			}
			s.Texts = append(s.Texts, bb)
			s.Regions = append(s.Regions, bb.Region)
		}
	}
	return s, nil
}

// textBlock positions a laid-out block at y, centred across box, and
// records its region.
func (f *Fonts) textBlock(name, where, lang, text string, bold bool, b typeset.Block, box Rect, y float64, center bool) (TextBlock, error) {
	faces, m := f.Faces(lang, text+"…", bold, b.Size)
	if len(faces) == 0 {
		return TextBlock{}, fmt.Errorf("item %s: %s %s: %w", where, lang, name, ErrNothingToShow)
	}
	if !b.Fits {
		f.notes.Warn("cut/"+where+"/"+lang+"/"+name, "text does not fit even at the smallest size; cut",
			"where", where, "lang", lang, "region", name, "size", b.Size)
	}
	x := box.X + (box.W-b.Width)/2
	space := box
	return TextBlock{
		Region: Region{Name: name, Lang: lang, Rect: Rect{X: x, Y: y, W: b.Width, H: b.Height()},
			Size: b.Size, Lines: len(b.Lines), Cut: !b.Fits, Space: &space, Text: b.Lines},
		Lang: lang, Text: text, Lines: b.Lines, Bold: bold, Size: b.Size, Ascent: m.HAscent, LineHeight: b.LineHeight,
		X: x, Y: y, W: b.Width, Center: center,
	}, nil
}
