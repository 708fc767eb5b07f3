package studio

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/preview"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// previewCache keeps the renderers of the bundles previewed, by the
// manifest's SHA-256 and site, and the PNGs they drew.
type previewCache struct {
	mu        sync.Mutex
	renderers map[string]*preview.Renderer
	pngs      map[string][]byte
	pngBytes  int
	// fonts are the parsed fonts every renderer shares.
	fonts *preview.FontCache
}

// Bounds of the preview cache: a renderer keeps up to about 32 MB of
// scaled pictures (its parsed fonts are shared), and a page shows at most
// maxPreviewSites sites; a PNG is a few hundred KB.
const (
	maxRenderers = 16
	maxPNGBytes  = 256 << 20
)

func newPreviewCache() *previewCache {
	return &previewCache{renderers: map[string]*preview.Renderer{}, pngs: map[string][]byte{}, fonts: preview.NewFontCache()}
}

// renderer returns the preview of the bundle in dir, at revision rev,
// for the site cfg.
func (s *Server) renderer(dir, rev string, cfg *siteconfig.Config) (*preview.Renderer, error) {
	key := rev + "/" + cfg.Site.ID
	c := s.previews
	c.mu.Lock()
	r := c.renderers[key]
	c.mu.Unlock()
	if r != nil {
		return r, nil
	}
	b, err := content.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	chain, err := s.fonts.Load(b, cfg.Fonts)
	if err != nil {
		return nil, err
	}
	r, err = preview.NewWith(cfg, b, chain, s.log, preview.Options{At: s.now(), Fonts: c.fonts})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.renderers) >= maxRenderers {
		clear(c.renderers)
	}
	c.renderers[key] = r
	c.mu.Unlock()
	return r, nil
}

type previewSlide struct {
	Index             int
	Item, Kind, Langs string
	Width, Height     int
	Rev               string
}

type previewSite struct {
	ID, Name, Resolution string
	// Others counts the sites with the same kind of screen, which show
	// the bundle the same (an untargeted bundle).
	Others int
	Slides []previewSlide
	Error  string
}

type previewData struct {
	pageData
	ID    string
	Sites []previewSite
	// More are the sites not drawn on this page, each a link to its own.
	More  []string
	Error string
}

// maxPreviewSites bounds the sites drawn on one preview page; the others
// are a link away (?site=ID).
const maxPreviewSites = 12

func (s *Server) site(id string) *siteconfig.Config {
	for _, c := range s.sites {
		if c.Site.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	id, dir, d, ok := s.pageDraft(w, r)
	if !ok {
		return
	}
	data := &previewData{pageData: s.page(r, "Xem trước "+id+" (preview)", "bundles"), ID: id}
	if len(d.m.Items) == 0 {
		data.Error = "Bản tin chưa có mục nào (no items yet)"
	}
	if len(s.sites) == 0 {
		data.Error = "Không có cấu hình điểm nào trong --sites (no site configs)"
	}
	// One preview per kind of screen (as lint groups the sites), or the
	// one site asked for.
	groups := lintGroups(s.sites, targeted(&d.m))
	if want := r.URL.Query().Get("site"); want != "" {
		groups = nil
		if cfg := s.site(want); cfg != nil {
			groups = [][]*siteconfig.Config{{cfg}}
		}
	}
	for i, grp := range groups {
		if data.Error != "" {
			break
		}
		cfg := grp[0]
		if i >= maxPreviewSites {
			data.More = append(data.More, cfg.Site.ID)
			continue
		}
		ps := previewSite{ID: cfg.Site.ID, Name: cfg.Site.Name, Others: len(grp) - 1,
			Resolution: fmt.Sprintf("%dx%d", cfg.Display.Resolution.W, cfg.Display.Resolution.H)}
		rd, err := s.renderer(dir, d.rev, cfg)
		if err != nil {
			ps.Error = err.Error()
		} else {
			for _, sl := range rd.Slides() {
				ps.Slides = append(ps.Slides, previewSlide{Index: sl.Index, Item: sl.ItemID, Kind: sl.Kind,
					Langs: strings.Join(sl.Langs, " "), Width: cfg.Display.Resolution.W, Height: cfg.Display.Resolution.H, Rev: d.rev[:16]})
			}
		}
		data.Sites = append(data.Sites, ps)
	}
	s.render(w, r, "preview", data)
}

// previewPNG draws one slide for one site as a PNG.
func (s *Server) previewPNG(w http.ResponseWriter, r *http.Request) {
	id, siteID := r.PathValue("id"), r.PathValue("site")
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("slide"), ".png"))
	cfg := s.site(siteID)
	if err != nil || n < 0 || cfg == nil {
		http.NotFound(w, r)
		return
	}
	dir, err := s.bundleDir(id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	d, err := s.draft(dir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	key := fmt.Sprintf("%s/%s/%d", d.rev, siteID, n)
	c := s.previews
	c.mu.Lock()
	data := c.pngs[key]
	c.mu.Unlock()
	if data == nil {
		rd, err := s.renderer(dir, d.rev, cfg)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if n >= len(rd.Slides()) {
			http.NotFound(w, r)
			return
		}
		img, _, err := rd.Render(n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		data = buf.Bytes()
		c.mu.Lock()
		if c.pngBytes+len(data) > maxPNGBytes {
			clear(c.pngs)
			c.pngBytes = 0
		}
		c.pngs[key] = data
		c.pngBytes += len(data)
		c.mu.Unlock()
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write(data)
}
