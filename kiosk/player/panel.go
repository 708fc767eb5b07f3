package player

import "fmt"

// prepareText lays out a text slide through kiosk/slides (the layout the
// studio's preview shares) and gives each block the Ebiten faces that draw
// it.
func (p *preparer) prepareText(s *slide) error {
	sl, err := p.ts.layoutFonts().TextSlide(p.lay, p.cfg, s.spec.item, s.spec.langs)
	if err != nil {
		return err
	}
	s.rules = append(s.rules, sl.Rules...)
	s.regions = append(s.regions, sl.Regions...)
	for _, b := range sl.Texts {
		f, _ := p.ts.face(b.Lang, b.Text+"…", b.Bold, b.Size)
		if f == nil {
			return fmt.Errorf("item %s: %s %s: %w", s.spec.item.ID, b.Lang, b.Region.Name, errNothingToShow)
		}
		s.texts = append(s.texts, textBlock{
			region: b.Region, lines: b.Lines, face: f, ascent: b.Ascent, lineH: b.LineHeight,
			x: b.X, y: b.Y, w: b.W, center: b.Center, color: p.fg,
		})
	}
	return nil
}
