package player

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// screenKind is one of the interactive screens.
type screenKind int

const (
	scrAttract screenKind = iota // the slideshow, waiting for a touch
	scrHome                      // the language picker
	scrMenu                      // the guides in the chosen language
	scrStep                      // a step of a guide
)

func (k screenKind) String() string {
	return [...]string{"attract", "home", "menu", "step"}[k]
}

// Bounds of what a guide worker keeps and reads.
const (
	// pictureCacheBytes bounds the decoded pictures kept for the next
	// screens (a tile picture is shown again at every visit of the menu).
	pictureCacheBytes = 48 << 20
	// narrationCacheBytes bounds the narration kept for the screens laid
	// out ahead: four files of the largest size (content.MaxNarrationBytes),
	// or the narration of a few dozen steps as departments record it.
	narrationCacheBytes = 64 << 20
)

// screenReq asks the guide worker for a screen.
type screenReq struct {
	seq   int
	cfg   *siteconfig.Config
	kind  screenKind
	lang  string // the chosen language; on Home, the one chosen before if any
	guide string
	step  int                // from 0
	page  int                // of the menu, from 0
	voice bool               // a narrator is there: find the step's narration
	check func([]byte) error // the narrator's check of narration bytes; nil: none
	now   time.Time          // for the guides' schedules
	warm  bool               // lay the screen out ahead; nothing is waiting for it
}

// screenKey names a screen laid out ahead.
type screenKey struct {
	kind        screenKind
	lang, guide string
	step, page  int
	voice       bool
}

// maxAhead bounds the screens laid out ahead and kept: their pictures are
// in the picture cache anyway, their text is small.
const maxAhead = 24

// target is something on an interactive screen to touch, click or focus.
type target struct {
	name string
	r    Rect
}

// filled is a rectangle of colour: a button or a tile.
type filled struct {
	r Rect
	c color.Color
}

// placedPic is a picture at its place on the screen.
type placedPic struct {
	img *image.RGBA
	at  image.Point
}

// iscreen is one interactive screen, laid out by the guide worker; the
// game goroutine draws it into canvas once and shows canvas.
type iscreen struct {
	req    screenReq
	gone   bool // the guide asked for is no longer offered here
	total  int  // steps of the guide
	bundle string

	targets []target
	focus   string // the target focused when the screen opens
	fills   []filled
	pics    []placedPic
	blocks  []textBlock
	regions []Region

	// narration is the step's narration, ready to play; nil: none (no
	// sound, none in the language, or it did not load).
	narration *narration

	// The countdown over the screen when it is left idle.
	cdBox    Rect
	cdFace   text.Face
	cdDigitY float64 // top of the digits
	cdMsg    []textBlock

	canvas *ebiten.Image
}

// render draws the screen into its canvas (the one of the screen before it
// when handed one). Called on the game goroutine.
func (s *iscreen) render(w, h int, bg color.Color) {
	if s.canvas == nil {
		s.canvas = newCanvas(w, h)
	}
	s.canvas.Fill(bg)
	for _, f := range s.fills {
		fillRect(s.canvas, f.r, f.c)
	}
	bounds := s.canvas.Bounds()
	for _, pic := range s.pics {
		r := pic.img.Bounds().Sub(pic.img.Bounds().Min).Add(pic.at)
		if !r.In(bounds) {
			continue // laid out for another screen size
		}
		s.canvas.SubImage(r).(*ebiten.Image).WritePixels(pic.img.Pix)
	}
	for i := range s.blocks {
		s.blocks[i].draw(s.canvas)
	}
}

// release frees the screen's canvas.
func (s *iscreen) release() {
	if s != nil && s.canvas != nil {
		s.canvas.Deallocate()
		s.canvas = nil
	}
}

func (s *iscreen) target(name string) (target, bool) {
	for _, t := range s.targets {
		if t.name == name {
			return t, true
		}
	}
	return target{}, false
}

// uiMetrics are the sizes of the interactive screens, from the shorter
// side of the logical screen: text at least 32 px at 1080 (and never
// smaller), buttons much taller than the site's smallest touch target.
type uiMetrics struct {
	w, h     float64
	u        float64 // pixels per pixel of a 1080-line screen
	text     float64 // the smallest text
	margin   float64
	bar      float64 // height of the buttons' bars
	btnW     float64 // width of Back, Home, Previous and Next
	pad      float64 // inside a tile or button
	ring     float64 // width of the focus ring
	portrait bool
}

func newUIMetrics(cfg *siteconfig.Config) uiMetrics {
	w, h := float64(cfg.Display.Resolution.W), float64(cfg.Display.Resolution.H)
	u := min(w, h) / 1080
	m := uiMetrics{w: w, h: h, u: u, portrait: h > w}
	m.text = math.Max(32, math.Round(32*u))
	m.margin = math.Round(math.Max(12, 28*u))
	m.bar = math.Max(cfg.Display.TouchTarget(), math.Round(140*u))
	m.btnW = math.Round(math.Max(1.8*m.bar, math.Min(0.22*w, 400*u)))
	m.pad = math.Round(math.Max(8, 20*u))
	m.ring = math.Max(4, math.Round(7*u))
	return m
}

// colours of the interactive screens, from the site's.
type uiColours struct {
	bg, fg, accent, panel color.RGBA
}

func newUIColours(cfg *siteconfig.Config) uiColours {
	bg, fg := color.RGBA(cfg.Display.Background), color.RGBA(cfg.Display.Foreground)
	c := uiColours{bg: bg, fg: fg, accent: color.RGBA(cfg.Display.Accent), panel: bg}
	// Tiles and buttons are the background lightened towards the text's
	// colour, as far as keeps the text on them as plain as the site's
	// own colours make it, up to 7:1 (which lint asks of them).
	want := math.Min(7, siteconfig.Contrast(siteconfig.Color(fg), siteconfig.Color(bg)))
	for _, pct := range []int{14, 11, 8, 5, 3} {
		mix := func(a, b uint8) uint8 { return uint8((int(a)*(100-pct) + int(b)*pct) / 100) }
		panel := color.RGBA{R: mix(bg.R, fg.R), G: mix(bg.G, fg.G), B: mix(bg.B, fg.B), A: 0xff}
		if siteconfig.Contrast(siteconfig.Color(fg), siteconfig.Color(panel)) >= want {
			c.panel = panel
			break
		}
	}
	return c
}

// guideWorker lays out interactive screens off the game goroutine: it
// shapes and breaks their text, decodes and scales pictures, draws QR codes
// and reads and checks narration, and hands each screen to the game.
type guideWorker struct {
	log     *slog.Logger
	src     Source
	fonts   fontChainer
	newType func(*fonts.Chain) *typesetter
	wake    func()
	in      chan screenReq // the latest request; an older one not taken is replaced
	out     chan *iscreen

	// Worker-goroutine state.
	todo       []screenReq // screens to lay out ahead
	ahead      map[screenKey]*iscreen
	aheadOrder []screenKey // oldest first
	cfg        *siteconfig.Config
	bundle     *content.Bundle
	fontsOf    []siteconfig.Font
	ts         *typesetter
	pics       pictureCache
	voices     narrationCache
	current    string // SHA-256 of the narration of the screen last handed to the game
	warned     map[string]bool
}

func newGuideWorker(log *slog.Logger, src Source, f fontChainer, newType func(*fonts.Chain) *typesetter) *guideWorker {
	return &guideWorker{log: log, src: src, fonts: f, newType: newType, wake: ebiten.ScheduleFrame,
		in: make(chan screenReq, 1), out: make(chan *iscreen, 1), pics: pictureCache{max: pictureCacheBytes},
		voices: narrationCache{max: narrationCacheBytes}}
}

// ask sends r to the worker, replacing a request it has not taken.
func (w *guideWorker) ask(r screenReq) {
	select {
	case <-w.in:
	default:
	}
	w.in <- r
}

func (w *guideWorker) run(ctx context.Context) {
	for {
		var r screenReq
		if len(w.todo) == 0 {
			select {
			case <-ctx.Done():
				return
			case r = <-w.in:
			}
		} else {
			// Between requests, the screens a resident may ask for next
			// are laid out ahead, one at a time.
			select {
			case <-ctx.Done():
				return
			case r = <-w.in:
			default:
				next := w.todo[0]
				w.todo = w.todo[1:]
				w.ready(next)
				continue
			}
		}
		if r.warm {
			w.todo = []screenReq{r}
			continue
		}
		s := w.ready(r)
		w.current = ""
		if s.narration != nil {
			w.current = s.narration.sha
		}
		select { // replace a screen the game has not taken
		case <-w.out:
		default:
		}
		w.out <- s
		w.wake()
		w.todo = w.likely(r, s)
	}
}

// ready returns the screen r asks for: laid out ahead, or now. The game
// gets a copy of its own (it hands the screen its canvas).
func (w *guideWorker) ready(r screenReq) *iscreen {
	key := screenKey{kind: r.kind, lang: r.lang, guide: r.guide, step: r.step, page: r.page, voice: r.voice}
	b := w.src.Current()
	if b != w.bundle || r.cfg != w.cfg {
		clear(w.ahead)
		w.aheadOrder = w.aheadOrder[:0]
		w.cfg = r.cfg
	}
	s, ok := w.ahead[key]
	if !ok || r.now.Sub(s.req.now) > time.Minute || r.now.Before(s.req.now) {
		s = w.prepare(r)
		if w.ahead == nil {
			w.ahead = map[screenKey]*iscreen{}
		}
		if _, had := w.ahead[key]; !had {
			w.aheadOrder = append(w.aheadOrder, key)
		}
		w.ahead[key] = s
		for len(w.aheadOrder) > maxAhead {
			delete(w.ahead, w.aheadOrder[0])
			w.aheadOrder = w.aheadOrder[1:]
		}
	}
	c := *s
	c.req.seq = r.seq
	return &c
}

// likely are the screens a resident may ask for after r: from Home a
// language's menu, from a menu a guide's first step, from a step the next
// and the one before.
func (w *guideWorker) likely(r screenReq, s *iscreen) []screenReq {
	var out []screenReq
	with := func(k screenKind, lang, guide string, step int) {
		x := r
		x.kind, x.lang, x.guide, x.step, x.page, x.warm = k, lang, guide, step, 0, false
		out = append(out, x)
	}
	switch r.kind {
	case scrHome:
		for _, l := range r.cfg.Languages {
			with(scrMenu, l, "", 0)
		}
	case scrMenu:
		for _, t := range s.targets {
			if g, ok := strings.CutPrefix(t.name, "guide:"); ok {
				with(scrStep, r.lang, g, 0)
			}
		}
	case scrStep:
		if s.req.step+1 < s.total {
			with(scrStep, r.lang, r.guide, s.req.step+1)
		}
		if s.req.step > 0 {
			with(scrStep, r.lang, r.guide, s.req.step-1)
		}
		with(scrMenu, r.lang, "", 0)
	}
	return out
}

func (w *guideWorker) warnOnce(key, msg string, args ...any) {
	if w.warned[key] {
		return
	}
	if w.warned == nil {
		w.warned = map[string]bool{}
	}
	w.warned[key] = true
	w.log.Warn(msg, args...)
}

// prepare lays out the screen r asks for.
func (w *guideWorker) prepare(r screenReq) *iscreen {
	s := &iscreen{req: r}
	b := w.src.Current()
	if b != w.bundle || !sameFonts(r.cfg.Fonts, w.fontsOf) || w.ts == nil {
		w.bundle, w.fontsOf, w.ts = b, r.cfg.Fonts, nil
		if chain, err := w.fonts.Load(b, r.cfg.Fonts); err != nil {
			w.warnOnce("fonts", "no font for the interactive screens", "err", err)
		} else {
			w.ts = w.newType(chain)
		}
	}
	if b != nil {
		s.bundle = fmt.Sprintf("%s@%d", b.Manifest.ID, b.Manifest.Version)
	}
	l := &screenLayout{w: w, s: s, m: newUIMetrics(r.cfg), c: newUIColours(r.cfg), cfg: r.cfg, b: b}
	switch r.kind {
	case scrHome:
		l.home()
	case scrMenu:
		l.menu(guidesOffered(b, r.cfg, r.lang, r.now))
	case scrStep:
		var it *content.Item
		for _, g := range guidesOffered(b, r.cfg, r.lang, r.now) {
			if g.ID == r.guide {
				it = g
			}
		}
		if it == nil {
			s.gone = true
			return s
		}
		l.step(it)
	}
	l.countdown()
	return s
}

func sameFonts(a, b []siteconfig.Font) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// guidesOffered are the bundle's guides the site offers in lang at now:
// targeted at the site, within their schedules, with a title in lang. The
// slideshow's own scheduling decides it (a sequencer of the guides alone,
// all at one priority: a guide's priority orders nothing on the menu).
func guidesOffered(b *content.Bundle, cfg *siteconfig.Config, lang string, now time.Time) []*content.Item {
	if b == nil {
		return nil
	}
	site, err := schedule.NewSite(cfg)
	if err != nil {
		return nil
	}
	m := b.Manifest
	m.Items = nil
	for _, it := range b.Manifest.Items {
		if it.Kind != content.KindGuide || it.Guide == nil || len(it.Guide.Steps) == 0 {
			continue
		}
		if it.Schedule != nil {
			sc := *it.Schedule
			sc.Priority = 0
			it.Schedule = &sc
		}
		m.Items = append(m.Items, it)
	}
	if len(m.Items) == 0 {
		return nil
	}
	langs := cfg.Languages
	if lang != "" {
		langs = []string{lang}
	}
	shares, _, _ := schedule.NewSequencer(&m, site, langs, time.Minute).Loop(now)
	var out []*content.Item
	for _, sh := range shares {
		if lang == "" || sh.Item.Text[lang].Title != "" {
			out = append(out, sh.Item)
		}
	}
	return out
}

// screenLayout lays out one screen.
type screenLayout struct {
	w   *guideWorker
	s   *iscreen
	m   uiMetrics
	c   uiColours
	cfg *siteconfig.Config
	b   *content.Bundle
}

// text lays s out in box and adds it to the screen; false when there is
// no font or nothing to draw.
func (l *screenLayout) text(name, lang, s string, bold bool, box Rect, minSize, maxSize, valign float64, col color.Color) (Rect, bool) {
	return l.textAligned(name, lang, s, bold, box, minSize, maxSize, valign, col, true)
}

// textAligned is text, centred or at the start of box.
func (l *screenLayout) textAligned(name, lang, s string, bold bool, box Rect, minSize, maxSize, valign float64, col color.Color, center bool) (Rect, bool) {
	if l.w.ts == nil || strings.TrimSpace(s) == "" || box.W <= 0 || box.H <= 0 {
		return Rect{}, false
	}
	// Layout measures through the typesetter's measurer alone: Ebiten's
	// faces are used on the game goroutine only (see typesetter).
	blk, ok := l.w.ts.layoutBlock(name, "interactive", lang, s, bold, box, minSize, math.Max(minSize, maxSize), valign, center, col)
	if !ok {
		return Rect{}, false
	}
	if !center {
		blk.x, blk.region.Rect.X = box.X, box.X
	}
	blk.region.Size = blk.size
	l.s.blocks = append(l.s.blocks, blk)
	l.s.regions = append(l.s.regions, blk.region)
	return blk.region.Rect, true
}

// box adds a tile's or a button's box; where its colour is the
// background's (the site's colours leave no room for a lighter one), a
// line round it in the text's colour.
func (l *screenLayout) box(r Rect, c color.RGBA) {
	l.s.fills = append(l.s.fills, filled{r: r, c: c})
	if c != l.c.bg {
		return
	}
	w := math.Max(2, math.Round(3*l.m.u))
	for _, e := range []Rect{{X: r.X, Y: r.Y, W: r.W, H: w}, {X: r.X, Y: r.Y + r.H - w, W: r.W, H: w},
		{X: r.X, Y: r.Y, W: w, H: r.H}, {X: r.X + r.W - w, Y: r.Y, W: w, H: r.H}} {
		l.s.fills = append(l.s.fills, filled{r: e, c: l.c.fg})
	}
}

// button adds a button: a filled box with a centred label.
func (l *screenLayout) button(name, lang, label string, r Rect, primary bool) {
	fill, ink := l.c.panel, l.c.fg
	if primary {
		fill, ink = l.c.accent, l.c.bg
	}
	l.box(r, fill)
	l.text(name, lang, label, true, slides.Inset(r, l.m.pad), l.m.text, l.m.text*1.25, 0.5, ink)
	l.s.targets = append(l.s.targets, target{name: name, r: r})
}

// bars lays out Back and Home, in the same place on every screen, with a
// heading between them, and returns the area below.
func (l *screenLayout) bars(lang, heading string) Rect {
	m := l.m
	wd, wl := wordsFor(lang)
	l.button("back", wl, wd.back, Rect{X: m.margin, Y: m.margin, W: m.btnW, H: m.bar}, false)
	l.button("home", wl, wd.home, Rect{X: m.w - m.margin - m.btnW, Y: m.margin, W: m.btnW, H: m.bar}, false)
	hx := 2*m.margin + m.btnW
	l.text("heading", lang, heading, true, Rect{X: hx, Y: m.margin, W: m.w - 2*hx, H: m.bar}, m.text, m.text*1.5, 0.5, l.c.fg)
	top := 2*m.margin + m.bar
	return Rect{X: m.margin, Y: top, W: m.w - 2*m.margin, H: m.h - top - m.margin}
}

// grid places n tiles in area, at most maxH tall each, centred.
func grid(area Rect, n, cols int, gap, maxH float64) []Rect {
	if n == 0 {
		return nil
	}
	cols = max(1, min(cols, n))
	rows := (n + cols - 1) / cols
	tw := (area.W - float64(cols-1)*gap) / float64(cols)
	th := math.Min(maxH, (area.H-float64(rows-1)*gap)/float64(rows))
	totalH := float64(rows)*th + float64(rows-1)*gap
	y0 := area.Y + (area.H-totalH)/2
	out := make([]Rect, n)
	for i := range out {
		r, c := i/cols, i%cols
		inRow := min(cols, n-r*cols)
		rowW := float64(inRow)*tw + float64(inRow-1)*gap
		x0 := area.X + (area.W-rowW)/2
		out[i] = Rect{X: math.Round(x0 + float64(c)*(tw+gap)), Y: math.Round(y0 + float64(r)*(th+gap)), W: math.Round(tw), H: math.Round(th)}
	}
	return out
}

// home lays out the language picker: each language named in its own
// script, as big tiles.
func (l *screenLayout) home() {
	langs := l.cfg.Languages
	first := l.s.req.lang
	if first == "" {
		first = langs[0]
	}
	wd, wl := wordsFor(first)
	area := l.bars(wl, wd.chooseLang)
	cols := 3
	switch {
	case l.m.portrait:
		cols = 1
		if len(langs) > 4 {
			cols = 2
		}
	case len(langs) == 4:
		cols = 2
	}
	for i, r := range grid(area, len(langs), cols, 2*l.m.margin, 260*l.m.u) {
		lang := langs[i]
		l.box(r, l.c.panel)
		l.text("lang:"+lang, lang, languageName(lang), true, slides.Inset(r, l.m.pad), l.m.text, l.m.text*2, 0.5, l.c.fg)
		l.s.targets = append(l.s.targets, target{name: "lang:" + lang, r: r})
	}
	l.s.focus = "lang:" + first
}

// menu lays out the guides offered in the chosen language as picture
// tiles with their titles.
func (l *screenLayout) menu(guides []*content.Item) {
	lang := l.s.req.lang
	wd, wl := wordsFor(lang)
	area := l.bars(lang, wd.chooseGuide)
	cols := 3
	if l.m.portrait || len(guides) <= 4 {
		cols = 2
	}
	if len(guides) == 1 {
		cols = 1
	}
	m := l.m
	gap := 2 * m.margin
	titleH := math.Round(2 * m.text * 1.3)
	// Tiles stay large: with more guides than fit, the menu has pages,
	// turned by buttons where a step's Previous and Next are.
	minTileH := math.Max(1.6*m.bar, 3*titleH)
	rows := func(h float64) int { return max(1, int((h+gap)/(minTileH+gap))) }
	perPage, pages := len(guides), 1
	if n := cols * rows(area.H); len(guides) > n {
		area.H -= m.bar + m.margin
		perPage = cols * rows(area.H)
		pages = (len(guides) + perPage - 1) / perPage
	}
	page := max(0, min(l.s.req.page, pages-1))
	l.s.req.page = page
	shown := guides[min(len(guides), page*perPage):min(len(guides), (page+1)*perPage)]
	for i, r := range grid(area, len(shown), cols, gap, math.Max(560*m.u, minTileH)) {
		it := shown[i]
		name := "guide:" + it.ID
		l.box(r, l.c.panel)
		picBox := Rect{X: r.X + m.pad, Y: r.Y + m.pad, W: r.W - 2*m.pad, H: r.H - titleH - 3*m.pad}
		titleBox := Rect{X: r.X + m.pad, Y: r.Y + r.H - titleH - m.pad, W: r.W - 2*m.pad, H: titleH}
		if name := it.Image(lang); name != "" && picBox.H > m.text {
			l.picture("tile:"+it.ID, name, picBox)
		} else {
			titleBox = slides.Inset(r, m.pad)
		}
		l.text(name, lang, it.Text[lang].Title, true, titleBox, m.text, m.text*1.2, 0.5, l.c.fg)
		l.s.targets = append(l.s.targets, target{name: name, r: r})
	}
	if len(shown) > 0 {
		l.s.focus = "guide:" + shown[0].ID
	}
	if pages == 1 {
		return
	}
	y := m.h - m.margin - m.bar
	if page > 0 {
		l.button("page-prev", wl, wd.prev, Rect{X: m.margin, Y: y, W: m.btnW, H: m.bar}, false)
	}
	if page < pages-1 {
		l.button("page-next", wl, wd.next, Rect{X: m.w - m.margin - m.btnW, Y: y, W: m.btnW, H: m.bar}, false)
	}
	hx := 2*m.margin + m.btnW
	l.text("page-of", "en", fmt.Sprintf("%d / %d", page+1, pages), false, Rect{X: hx, Y: y, W: m.w - 2*hx, H: m.bar}, m.text, m.text*1.25, 0.5, l.c.fg)
}

// picture decodes the bundle file name into box (kept whole, centred); a
// missing or unreadable file is logged once and left out.
func (l *screenLayout) picture(region, name string, box Rect) bool {
	img, err := l.w.pics.get(l.b, name, int(box.W), int(box.H))
	if err != nil {
		l.w.warnOnce("pic/"+name, "picture left out of a guide screen", "file", name, "err", err)
		return false
	}
	b := img.Bounds()
	at := image.Pt(int(box.X)+(int(box.W)-b.Dx())/2, int(box.Y)+(int(box.H)-b.Dy())/2)
	l.s.pics = append(l.s.pics, placedPic{img: img, at: at})
	l.s.regions = append(l.s.regions, Region{Name: region, Rect: Rect{X: float64(at.X), Y: float64(at.Y), W: float64(b.Dx()), H: float64(b.Dy())}})
	return true
}

// stepText is a step's text in lang, or in the first of the site's
// languages it has.
func stepText(st content.Step, lang string, langs []string) (content.Text, string) {
	if t, ok := st.Text[lang]; ok {
		return t, lang
	}
	for _, l := range langs {
		if t, ok := st.Text[l]; ok {
			return t, l
		}
	}
	return content.Text{}, lang
}

// step lays out a guide's step: the guide's title between Back and Home,
// "step n of N", the step's title and body, its picture and QR code, and
// Previous, Replay and Next (Done on the last step) along the bottom.
func (l *screenLayout) step(it *content.Item) {
	m, s := l.m, l.s
	lang := s.req.lang
	steps := it.Guide.Steps
	s.total = len(steps)
	s.req.step = max(0, min(s.req.step, len(steps)-1))
	idx := s.req.step
	st := steps[idx]
	wd, wl := wordsFor(lang)
	area := l.bars(lang, it.Text[lang].Title)

	// The bottom bar.
	y := m.h - m.margin - m.bar
	if idx > 0 {
		l.button("prev", wl, wd.prev, Rect{X: m.margin, Y: y, W: m.btnW, H: m.bar}, false)
	}
	nextR := Rect{X: m.w - m.margin - m.btnW, Y: y, W: m.btnW, H: m.bar}
	if idx == len(steps)-1 {
		l.button("done", wl, wd.done, nextR, true)
		s.focus = "done"
	} else {
		l.button("next", wl, wd.next, nextR, true)
		s.focus = "next"
	}
	if s.req.voice {
		if name := st.Narration[lang]; name != "" {
			if n, err := l.w.narration(l.b, name, s.req.check); err != nil {
				l.w.warnOnce("audio/"+s.bundle+"/"+name, "narration left out of a guide step", "bundle", s.bundle, "file", name,
					"guide", it.ID, "step", idx+1, "lang", lang, "err", err)
			} else {
				s.narration = n
				rw := math.Min(1.6*m.btnW, m.w-4*m.margin-2*m.btnW)
				l.button("replay", wl, wd.replay, Rect{X: math.Round((m.w - rw) / 2), Y: y, W: rw, H: m.bar}, false)
			}
		}
	}
	area.H = y - m.margin - area.Y

	// Text beside (or above) the picture and the QR code.
	text, tl := stepText(st, lang, l.cfg.Languages)
	hasMedia := st.Picture != "" || st.QR != ""
	textBox, media := area, Rect{}
	if hasMedia {
		if m.portrait {
			textBox.H = math.Round(area.H * 0.5)
			media = Rect{X: area.X, Y: area.Y + textBox.H + m.margin, W: area.W, H: area.H - textBox.H - m.margin}
		} else {
			textBox.W = math.Round(area.W * 0.54)
			media = Rect{X: area.X + textBox.W + 2*m.margin, Y: area.Y, W: area.W - textBox.W - 2*m.margin, H: area.H}
		}
	}
	cur := textBox.Y
	if r, ok := l.textAligned("step-of", wl, wd.stepOf(idx+1, len(steps)), false, Rect{X: textBox.X, Y: textBox.Y, W: textBox.W, H: 3 * m.text}, m.text, m.text, 0, l.c.accent, false); ok {
		cur = r.Y + r.H + m.pad
	}
	if r, ok := l.textAligned("title", tl, text.Title, true, Rect{X: textBox.X, Y: cur, W: textBox.W, H: (textBox.Y + textBox.H - cur) * 0.4}, m.text*1.2, m.text*2, 0, l.c.fg, false); ok {
		cur = r.Y + r.H + m.pad
	}
	l.textAligned("body", tl, text.Body, false, Rect{X: textBox.X, Y: cur, W: textBox.W, H: textBox.Y + textBox.H - cur}, m.text, m.text*1.75, 0, l.c.fg, false)

	// The picture and the QR code share the media area.
	if !hasMedia {
		return
	}
	picBox, qrBox := media, media
	if st.Picture != "" && st.QR != "" {
		if m.portrait {
			side := math.Min(media.H, media.W*0.45)
			qrBox = Rect{X: media.X + media.W - side, Y: media.Y, W: side, H: media.H}
			picBox = Rect{X: media.X, Y: media.Y, W: media.W - side - m.margin, H: media.H}
		} else {
			side := math.Min(media.W, media.H*0.5)
			qrBox = Rect{X: media.X, Y: media.Y + media.H - side, W: media.W, H: side}
			picBox = Rect{X: media.X, Y: media.Y, W: media.W, H: media.H - side - m.margin}
		}
	}
	if st.Picture != "" && !l.picture("picture", st.Picture, picBox) {
		qrBox = media // the QR code takes the lost picture's room
	}
	if st.QR != "" {
		l.qr(st.QR, qrBox)
	}
}

// countdown lays out the box shown over the screen when it is left idle:
// a big number ticking down and "touch to continue" in the chosen language
// and in Vietnamese.
func (l *screenLayout) countdown() {
	m, s := l.m, l.s
	bw := math.Min(m.w-2*m.margin, math.Max(760*m.u, m.w*0.5))
	bh := math.Min(m.h-2*m.margin, 620*m.u)
	s.cdBox = Rect{X: math.Round((m.w - bw) / 2), Y: math.Round((m.h - bh) / 2), W: math.Round(bw), H: math.Round(bh)}
	digitH := math.Round(bh * 0.5)
	if l.w.ts != nil {
		f, metrics := l.w.ts.face("en", "0123456789", true, math.Round(digitH*0.8))
		if f != nil {
			s.cdFace = f
			s.cdDigitY = s.cdBox.Y + m.pad + (digitH-(metrics.HAscent+metrics.HDescent))/2
		}
	}
	msgs := []string{s.req.lang}
	if s.req.lang == "" {
		msgs[0] = l.cfg.Languages[0]
	}
	if msgs[0] != "vi" {
		msgs = append(msgs, "vi")
	}
	y := s.cdBox.Y + m.pad + digitH
	h := (s.cdBox.Y + s.cdBox.H - m.pad - y) / float64(len(msgs))
	for _, lang := range msgs {
		wd, wl := wordsFor(lang)
		if l.w.ts == nil {
			break
		}
		box := Rect{X: s.cdBox.X + m.pad, Y: y, W: s.cdBox.W - 2*m.pad, H: h}
		if blk, ok := l.w.ts.layoutBlock("countdown", "interactive", wl, wd.touch, true, box, m.text, m.text*1.4, 0.5, true, l.c.fg); ok {
			s.cdMsg = append(s.cdMsg, blk)
		}
		y += h
	}
}

// narration is a step's narration: a WAV file's bytes read from the
// bundle, verified against the manifest and checked by the narrator.
type narration struct {
	name string // its path in the bundle
	sha  string // its SHA-256, as the manifest lists it
	wav  []byte // shared by every screen of the same file; never changed
}

// narration reads the bundle's narration file name (at most
// content.MaxNarrationBytes, its size and SHA-256 checked against the
// manifest) and checks it with check, or takes it from the cache of files
// read before, which screens share by content.
func (w *guideWorker) narration(b *content.Bundle, name string, check func([]byte) error) (*narration, error) {
	if b == nil {
		return nil, fmt.Errorf("%s: no bundle", name)
	}
	f, ok := b.File(name)
	if !ok {
		return nil, fmt.Errorf("%s: not listed in the bundle", name)
	}
	if f.Size > content.MaxNarrationBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a narration may have", name, f.Size, content.MaxNarrationBytes)
	}
	if wav, ok := w.voices.get(f.SHA256); ok {
		return &narration{name: name, sha: f.SHA256, wav: wav}, nil
	}
	wav, err := b.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(wav); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, sha := range w.voices.put(f.SHA256, wav, w.current) {
		w.forget(sha)
	}
	return &narration{name: name, sha: f.SHA256, wav: wav}, nil
}

// forget drops the screens laid out ahead that hold the narration whose
// SHA-256 is sha, gone from the cache: the bytes go with them, and such a
// screen is laid out again when asked for.
func (w *guideWorker) forget(sha string) {
	w.aheadOrder = slices.DeleteFunc(w.aheadOrder, func(k screenKey) bool {
		s := w.ahead[k]
		if s == nil || s.narration == nil || s.narration.sha != sha {
			return false
		}
		delete(w.ahead, k)
		return true
	})
}

// narrationCache keeps narration files' bytes by SHA-256, up to max bytes,
// the least recently used going first. Used by the guide worker alone.
type narrationCache struct {
	max   int64
	used  int64
	order []string // least recently used first
	m     map[string][]byte
}

func (c *narrationCache) get(sha string) ([]byte, bool) {
	wav, ok := c.m[sha]
	if ok {
		c.order = append(slices.DeleteFunc(c.order, func(k string) bool { return k == sha }), sha)
	}
	return wav, ok
}

// put keeps wav as the file sha, making room by dropping the least
// recently used files but keep (the narration on screen), and returns the
// files dropped.
func (c *narrationCache) put(sha string, wav []byte, keep string) (dropped []string) {
	if _, ok := c.m[sha]; ok || int64(len(wav)) > c.max {
		return nil
	}
	for i := 0; c.used+int64(len(wav)) > c.max && i < len(c.order); {
		old := c.order[i]
		if old == keep {
			i++
			continue
		}
		c.order = slices.Delete(c.order, i, i+1)
		c.used -= int64(len(c.m[old]))
		delete(c.m, old)
		dropped = append(dropped, old)
	}
	if c.used+int64(len(wav)) > c.max {
		return dropped // the one on screen and this one do not fit together
	}
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[sha] = wav
	c.order = append(c.order, sha)
	c.used += int64(len(wav))
	return dropped
}

// pictureCache keeps decoded, scaled pictures, up to max bytes, the least
// recently used going first.
type pictureCache struct {
	max   int64
	used  int64
	order []string // keys, least recently used first
	m     map[string]*image.RGBA
}

// get returns the bundle's picture name scaled to fit w×h.
func (c *pictureCache) get(b *content.Bundle, name string, w, h int) (*image.RGBA, error) {
	if b == nil {
		return nil, fmt.Errorf("%s: no bundle", name)
	}
	f, ok := b.File(name)
	if !ok {
		return nil, fmt.Errorf("%s: not listed in the bundle", name)
	}
	key := fmt.Sprintf("%s/%dx%d", f.SHA256, w, h)
	if img, ok := c.m[key]; ok {
		c.touch(key)
		return img, nil
	}
	data, err := b.ReadFile(name)
	if err != nil {
		return nil, err
	}
	img, err := decodePicture(name, data)
	if err != nil {
		return nil, err
	}
	scaled, _ := slides.ScalePicture(img, max(1, w), max(1, h), content.FitContain)
	size := int64(len(scaled.Pix))
	for c.used+size > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.used -= int64(len(c.m[old].Pix))
		delete(c.m, old)
	}
	if size <= c.max {
		if c.m == nil {
			c.m = map[string]*image.RGBA{}
		}
		c.m[key] = scaled
		c.order = append(c.order, key)
		c.used += size
	}
	return scaled, nil
}

func (c *pictureCache) touch(key string) {
	for i, k := range c.order {
		if k == key {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), key)
			return
		}
	}
}

// decodePicture decodes an image file, refusing one too large to decode.
func decodePicture(name string, data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable image: %w", name, err)
	}
	if cfg.Width*cfg.Height > slides.MaxPicturePixels {
		return nil, fmt.Errorf("%s: %dx%d is too large to show (more than %d pixels)", name, cfg.Width, cfg.Height, slides.MaxPicturePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable image: %w", name, err)
	}
	return img, nil
}
