package studio

import (
	"bytes"
	"fmt"
	"image/png"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

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

// renderer returns the preview of the bundle in dir, for the site cfg,
// with rev, the SHA-256 of the manifest it was drawn from. manifest.json
// is read once: the renderer is built from those very bytes (rev), the
// bundle's other files read from dir and each checked against them, so a
// manifest swapped meanwhile can neither change what a rev shows nor be
// cached under another's rev.
func (s *Server) renderer(dir string, cfg *siteconfig.Config) (*preview.Renderer, string, error) {
	p := filepath.Join(dir, content.ManifestName)
	raw, err := readBounded(p, content.MaxManifestSize)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", p, err)
	}
	d, err := parseDraft(dir, raw)
	if err != nil {
		return nil, "", err
	}
	key := d.rev + "/" + cfg.Site.ID
	c := s.previews
	c.mu.Lock()
	r := c.renderers[key]
	c.mu.Unlock()
	if r != nil {
		return r, d.rev, nil
	}
	b, err := content.Load(revFS{manifest: raw, dir: dir}, dir)
	if err != nil {
		return nil, "", err
	}
	chain, err := s.fonts.Load(b, cfg.Fonts)
	if err != nil {
		return nil, "", err
	}
	r, err = preview.NewWith(cfg, b, chain, s.log, preview.Options{At: s.now(), Fonts: c.fonts})
	if err != nil {
		return nil, "", err
	}
	c.mu.Lock()
	if len(c.renderers) >= maxRenderers {
		clear(c.renderers)
	}
	c.renderers[key] = r
	c.mu.Unlock()
	return r, d.rev, nil
}

// revFS is a bundle folder whose manifest.json is the bytes manifest,
// read once, and whose other files are read from dir through os.Root (no
// name leaves the folder), without waiting on a FIFO; content checks
// each file against the manifest as it reads it.
type revFS struct {
	manifest []byte
	dir      string
}

func (f revFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == content.ManifestName {
		return &bytesFile{Reader: bytes.NewReader(f.manifest), size: int64(len(f.manifest))}, nil
	}
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return nil, err
	}
	// Files opened stay open after their Root is closed.
	defer root.Close()
	return root.OpenFile(filepath.FromSlash(name), os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// bytesFile is revFS's manifest.json.
type bytesFile struct {
	*bytes.Reader
	size int64
}

func (b *bytesFile) Stat() (fs.FileInfo, error) { return bytesInfo(b.size), nil }
func (b *bytesFile) Close() error               { return nil }

// bytesInfo describes a bytesFile of that many bytes.
type bytesInfo int64

func (n bytesInfo) Name() string       { return content.ManifestName }
func (n bytesInfo) Size() int64        { return int64(n) }
func (n bytesInfo) Mode() fs.FileMode  { return 0o444 }
func (n bytesInfo) ModTime() time.Time { return time.Time{} }
func (n bytesInfo) IsDir() bool        { return false }
func (n bytesInfo) Sys() any           { return nil }

type previewSlide struct {
	Index             int
	Item, Kind, Langs string
	Width, Height     int
	Rev               string // the full SHA-256 of the manifest drawn
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

// previewSites lists the slides of the draft d of the bundle in dir for
// the first maxPreviewSites groups of sites (the others are returned by
// ID), each at 1/shrink of its site's size. A site whose preview is not
// of d's rev (the manifest changed since d was read) shows an error, not
// another manifest's slides.
func (s *Server) previewSites(dir string, d *draft, groups [][]*siteconfig.Config, shrink int) (sites []previewSite, more []string) {
	for i, grp := range groups {
		cfg := grp[0]
		if i >= maxPreviewSites {
			more = append(more, cfg.Site.ID)
			continue
		}
		ps := previewSite{ID: cfg.Site.ID, Name: cfg.Site.Name, Others: len(grp) - 1,
			Resolution: fmt.Sprintf("%dx%d", cfg.Display.Resolution.W, cfg.Display.Resolution.H)}
		rd, rev, err := s.renderer(dir, cfg)
		switch {
		case err != nil:
			ps.Error = err.Error()
		case rev != d.rev:
			ps.Error = errBundleChanged.Error()
		default:
			for _, sl := range rd.Slides() {
				ps.Slides = append(ps.Slides, previewSlide{Index: sl.Index, Item: sl.ItemID, Kind: sl.Kind,
					Langs: strings.Join(sl.Langs, " "), Width: cfg.Display.Resolution.W / shrink, Height: cfg.Display.Resolution.H / shrink, Rev: rev})
			}
		}
		sites = append(sites, ps)
	}
	return sites, more
}

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
	if data.Error == "" {
		data.Sites, data.More = s.previewSites(dir, d, groups, 1)
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
	// The page asks for the slide of the manifest it showed (?rev=); the
	// slide is drawn from the manifest now in the folder, read once, and
	// only when that is the one asked for.
	want := r.URL.Query().Get("rev")
	rd, rev, err := s.renderer(dir, cfg)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if want != rev {
		http.Error(w, errBundleChanged.Error(), http.StatusConflict)
		return
	}
	key := fmt.Sprintf("%s/%s/%d", rev, siteID, n)
	c := s.previews
	c.mu.Lock()
	data := c.pngs[key]
	c.mu.Unlock()
	if data == nil {
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
