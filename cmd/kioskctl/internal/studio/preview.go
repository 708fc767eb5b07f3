package studio

import (
	"net/http"
)

// previewCache will keep the renderers of the bundles previewed.
type previewCache struct{}

func newPreviewCache() *previewCache { return &previewCache{} }

type previewSlide struct {
	Index             int
	Item, Kind, Langs string
	Width, Height     int
	Rev               string
}

type previewSite struct {
	ID, Name, Resolution string
	Slides               []previewSlide
	Error                string
}

type previewData struct {
	pageData
	ID    string
	Sites []previewSite
	Error string
}

// previewPage says the preview is not ready: the software rasteriser
// (kiosk/preview) comes next.
func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.bundleDir(id); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	data := &previewData{pageData: s.page(r, "Xem trước "+id+" (preview)", "bundles"), ID: id,
		Error: "Xem trước chưa sẵn sàng (preview not ready)"}
	s.render(w, r, "preview", data)
}

func (s *Server) previewPNG(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
