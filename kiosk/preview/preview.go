package preview

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-text/typesetting/font"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/slides"
)

// Slide is one slide of the site's loop.
type Slide struct {
	Index  int // its place in the loop, from 0
	ItemID string
	Kind   string // content.KindText, KindImage or KindVideo
	// Langs are the languages it shows: one, or two side by side.
	Langs []string
}

// Renderer draws one bundle's slides for one site. Its methods are safe
// for concurrent use; Render calls for the same Renderer take turns (a
// slide takes tens of milliseconds), those of different Renderers run in
// parallel.
type Renderer struct {
	cfg    *siteconfig.Config
	bundle *content.Bundle
	scr    slides.Screen
	loop   []schedule.Slide
	list   []Slide

	notes  *notes
	fonts  *slides.Fonts
	shared *FontCache

	mu       sync.Mutex // serialises Render: the glyph cache and faces below
	outlines *outlineCache
	notdef   atomic.Int64 // missing-glyph boxes drawn
	// pictures keeps image slides' scaled pictures (decoding and
	// scaling a photo is most of an image slide's time), up to
	// maxCachedPixels in all.
	pictures      map[string]slides.Picture
	picturePixels int
}

// maxPictureBytes bounds a picture the preview decodes, beyond the
// player's pixels: an 8-bit photo of 32 million pixels stays within it, a
// 16-bit PNG of 40 million pixels (a few hundred kilobytes of file if it
// is flat, 515 MB while decoded) does not.
const maxPictureBytes = 128 << 20

// maxCachedPixels bounds the pictures a Renderer keeps: four full-HD
// screens, some 32 MB.
const maxCachedPixels = 4 * 1920 * 1080

// New readies the preview of bundle b for the site cfg, with the site's
// font chain (fonts.NewLoader(log, cacheDir).Load(b, cfg.Fonts)). Its loop
// is the one the site plays at the time of the call.
func New(cfg *siteconfig.Config, b *content.Bundle, chain *fonts.Chain, log *slog.Logger) (*Renderer, error) {
	return NewWith(cfg, b, chain, log, Options{})
}

// Options tune NewWith.
type Options struct {
	// At is the moment whose loop is previewed (items have schedules);
	// zero: now.
	At time.Time
	// Fonts are parsed fonts to share with other Renderers (a CJK font is
	// tens of megabytes parsed); nil: the Renderer parses its own.
	Fonts *FontCache
}

// NewWith is New with options.
func NewWith(cfg *siteconfig.Config, b *content.Bundle, chain *fonts.Chain, log *slog.Logger, opts Options) (*Renderer, error) {
	if cfg == nil || b == nil || chain == nil {
		return nil, errors.New("preview: a site config, a bundle and a font chain are needed")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("site", cfg.Site.ID, "bundle", b.Manifest.ID)
	site, err := schedule.NewSite(cfg)
	if err != nil {
		return nil, fmt.Errorf("preview of site %s: %w", cfg.Site.ID, err)
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	parsed := opts.Fonts
	if parsed == nil {
		parsed = NewFontCache()
	}
	r := &Renderer{cfg: cfg, bundle: b, scr: slides.NewScreen(cfg),
		notes: &notes{log: log, seen: map[string]bool{}}, outlines: newOutlineCache()}
	r.shared = parsed
	used := &usedFonts{cache: parsed, m: map[string]*font.Font{}}
	r.fonts = slides.NewFonts(chain, used.parse, slides.NewMeasurer(), r.notes)

	// The loop as the player's loader sequences it: the same sequencer
	// over the same slideshow, site and languages, round once.
	seq := schedule.NewSequencer(b.Manifest.Slideshow(), site, cfg.Languages, cfg.Playback.ItemDuration)
	for _, x := range seq.Excluded() {
		log.Info("item not for this site", "item", x.Item.ID, "why", x.Reason)
	}
	first, ok := seq.Next(at)
	if ok {
		r.loop = append(r.loop, first)
		for len(r.loop) < first.Total {
			s, ok := seq.Next(at)
			if !ok {
				break
			}
			r.loop = append(r.loop, s)
		}
	}
	for i, s := range r.loop {
		r.list = append(r.list, Slide{Index: i, ItemID: s.Item.ID, Kind: s.Item.Kind, Langs: s.Langs})
	}
	return r, nil
}

// Slides are the slides of one loop of the site's slideshow, in the order
// and with the languages the player shows them.
func (r *Renderer) Slides() []Slide { return r.list }

// LeftOut counts the characters left out of the slides rendered so far
// because no font of the chain draws them.
func (r *Renderer) LeftOut() int64 { return r.notes.leftOut() }

// FontCache is what Renderers share: parsed fonts by origin
// (fonts.Data.Path), and turns at decoding pictures. It is safe for
// concurrent use.
//
// It keeps the fonts last used, up to maxCachedFontBytes of font files;
// a Renderer keeps the fonts it has drawn with for its own life, so a
// font dropped here is parsed again only by a Renderer that had not used
// it yet. At most maxDecodes pictures are decoded at once by all the
// Renderers sharing it (a picture may take a hundred megabytes while
// decoded).
type FontCache struct {
	mu       sync.Mutex
	m        map[string]*cachedFont
	bytes    int64  // the file sizes of the fonts in m
	maxBytes int64  // bound on bytes
	clock    uint64 // counts uses, to find the font used least recently

	decodes chan struct{} // a slot per picture decoded at once
}

type cachedFont struct {
	f       *font.Font
	size    int64
	lastUse uint64
}

// maxCachedFontBytes bounds the fonts a FontCache keeps, by the size of
// their files: a site's chain (Noto Sans, Khmer, Lao, a CJK font) with
// room for many bundles' own fonts.
const maxCachedFontBytes = 256 << 20

// maxDecodes is how many pictures Renderers sharing a FontCache decode at
// once.
const maxDecodes = 2

// NewFontCache returns an empty cache.
func NewFontCache() *FontCache {
	return &FontCache{m: map[string]*cachedFont{}, maxBytes: maxCachedFontBytes, decodes: make(chan struct{}, maxDecodes)}
}

// parse parses a font of a chain once while it is kept. The parsed font
// is safe for concurrent use; each Renderer reads it through faces of its
// own.
func (c *FontCache) parse(d fonts.Data) (*font.Font, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	if e, ok := c.m[d.Path]; ok {
		e.lastUse = c.clock
		return e.f, nil
	}
	rd, err := d.Open()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	face, err := font.ParseTTF(rd)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", d.Path, err)
	}
	c.m[d.Path] = &cachedFont{f: face.Font, size: rd.Size(), lastUse: c.clock}
	c.bytes += rd.Size()
	for c.bytes > c.maxBytes && len(c.m) > 1 {
		var oldest string
		for p, e := range c.m {
			if oldest == "" || e.lastUse < c.m[oldest].lastUse {
				oldest = p
			}
		}
		c.bytes -= c.m[oldest].size
		delete(c.m, oldest)
	}
	return face.Font, nil
}

// kept reports how many fonts the cache keeps, and their files' bytes.
func (c *FontCache) kept() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.bytes
}

// decode runs f in one of the cache's decoding turns.
func (c *FontCache) decode(f func()) {
	c.decodes <- struct{}{}
	defer func() { <-c.decodes }()
	f()
}

// usedFonts are the fonts one Renderer has drawn with, kept for its life
// whatever its FontCache drops.
type usedFonts struct {
	cache *FontCache
	mu    sync.Mutex
	m     map[string]*font.Font
}

func (u *usedFonts) parse(d fonts.Data) (*font.Font, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if f, ok := u.m[d.Path]; ok {
		return f, nil
	}
	f, err := u.cache.parse(d)
	if err != nil {
		return nil, err
	}
	u.m[d.Path] = f
	return f, nil
}

// Render draws slide i of Slides as viewers see it, at the site's logical
// resolution, ticker band included, and returns the parts of it that must
// show something, as the player's capture lists them.
func (r *Renderer) Render(i int) (*image.RGBA, []slides.Region, error) {
	if i < 0 || i >= len(r.loop) {
		return nil, nil, fmt.Errorf("preview: no slide %d (the loop has %d)", i, len(r.loop))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	spec := r.loop[i]
	d := r.cfg.Display
	dst := image.NewRGBA(image.Rect(0, 0, r.scr.W, r.scr.H))
	fill(dst, dst.Bounds(), color.RGBA(d.Background))
	var regions []slides.Region
	switch spec.Item.Kind {
	case content.KindText:
		sl, err := r.fonts.TextSlide(r.scr, r.cfg, spec.Item, spec.Langs)
		if err != nil {
			return nil, nil, err
		}
		for _, rule := range sl.Rules {
			fill(dst, pixels(rule), color.RGBA(d.Accent))
		}
		for _, b := range sl.Texts {
			faces, _ := r.fonts.Faces(b.Lang, b.Text+"…", b.Bold, b.Size)
			for k, line := range b.Lines {
				if line == "" {
					continue
				}
				r.drawLine(dst, faces, line, b.X, b.W, b.Center, b.Y+b.Ascent+float64(k)*b.LineHeight, color.RGBA(d.Foreground), dst.Bounds())
			}
		}
		regions = sl.Regions
	case content.KindImage:
		pic, err := r.picture(spec)
		if err != nil {
			return nil, nil, err
		}
		draw.Draw(dst, pic.Image.Bounds().Sub(pic.Image.Bounds().Min).Add(pic.At), pic.Image, pic.Image.Bounds().Min, draw.Src)
		regions = []slides.Region{pic.Region}
	case content.KindVideo:
		r.drawVideo(dst, spec)
		regions = []slides.Region{{Name: "video", Rect: r.scr.Area}}
	default:
		return nil, nil, fmt.Errorf("item %s: unknown kind %q", spec.Item.ID, spec.Item.Kind)
	}
	if r.drawTicker(dst) {
		regions = append(regions, slides.Region{Name: "ticker", Rect: r.scr.Ticker})
	}
	return dst, regions, nil
}

// picture is the image slide's picture, scaled and placed, from the cache
// when it is there. Called with r.mu held.
func (r *Renderer) picture(spec schedule.Slide) (slides.Picture, error) {
	key := spec.Item.ID + "\x00" + spec.Item.Image(spec.Langs[0])
	if p, ok := r.pictures[key]; ok {
		return p, nil
	}
	var p slides.Picture
	var err error
	r.shared.decode(func() {
		p, err = slides.ImageSlideWithin(r.scr, r.bundle, spec.Item, spec.Langs[0],
			slides.PictureLimits{MaxPixels: slides.MaxPicturePixels, MaxBytes: maxPictureBytes})
	})
	if err != nil {
		return p, err
	}
	if n := p.Image.Bounds().Dx() * p.Image.Bounds().Dy(); r.picturePixels+n <= maxCachedPixels {
		if r.pictures == nil {
			r.pictures = map[string]slides.Picture{}
		}
		r.pictures[key] = p
		r.picturePixels += n
	}
	return p, nil
}

// pixels is the player's rounding of a filled rectangle (see its
// fillRect).
func pixels(r slides.Rect) image.Rectangle {
	return image.Rect(int(r.X), int(r.Y), int(r.X+r.W+0.5), int(r.Y+r.H+0.5))
}

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// darken is the player's ticker band colour for a background.
func darken(c color.RGBA) color.RGBA {
	return color.RGBA{R: c.R / 2, G: c.G / 2, B: c.B / 2, A: 0xff}
}

// notes logs each of the layout's compromises once, as the player does.
type notes struct {
	log  *slog.Logger
	mu   sync.Mutex
	seen map[string]bool
	n    int64
}

func (n *notes) Warn(key, msg string, args ...any) {
	n.mu.Lock()
	seen := n.seen[key]
	n.seen[key] = true
	n.mu.Unlock()
	if !seen {
		n.log.Warn(msg, args...)
	}
}

func (n *notes) LeftOut(k int) {
	n.mu.Lock()
	n.n += int64(k)
	n.mu.Unlock()
}

func (n *notes) leftOut() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.n
}
