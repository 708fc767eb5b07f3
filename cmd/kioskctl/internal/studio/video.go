package studio

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/videoadd"
	"github.com/vnict/kiosk/content"
)

// clipExts are the file names a clip may be uploaded under: the
// containers kioskctl add-video reads (FFmpeg is kept from reading
// anything else, whatever the name).
var clipExts = []string{".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".ts", ".mpg", ".mpeg", ".flv", ".wmv"}

// addVideo takes a clip and makes the video item with kioskctl
// add-video's transcoding (package videoadd), one rendition per screen
// geometry of the sites in --sites. The clip is kept outside the bundle
// while FFmpeg reads it, and removed after. One clip is transcoded at a
// time, each FFmpeg run bounded in time by videoadd, and a clip is
// refused unless the temporary folder has twice its size free.
func (s *Server) addVideo(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id
	if err := s.receiveVideo(r, id, f); err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) receiveVideo(r *http.Request, id string, f *postForm) error {
	if s.opt.FFmpeg == "" {
		return errors.New("máy này không có FFmpeg: không chuyển mã video được (no ffmpeg; give --ffmpeg)")
	}
	if len(s.sites) == 0 {
		return errors.New("không có cấu hình điểm nào trong --sites: không biết khổ màn hình để chuyển mã (no site configs)")
	}
	dir, err := s.bundleDir(id)
	if err != nil {
		return err
	}
	// One clip is transcoded at a time: FFmpeg takes every core, and the
	// clip and its renditions take the disk.
	select {
	case s.transcoding <- struct{}{}:
		defer func() { <-s.transcoding }()
	default:
		return errors.New("máy đang chuyển mã một video khác: chờ xong rồi gửi lại (busy: another video is being transcoded; try again when it is done)")
	}
	declared := r.ContentLength
	if declared < 0 {
		declared = maxVideoUpload
	}
	if free := s.freeBytes(os.TempDir()); free < 2*uint64(declared) {
		return fmt.Errorf("thư mục tạm %s còn %d MiB, cần ít nhất %d MiB cho video %d MiB này (not enough free space: twice the upload)",
			os.TempDir(), free>>20, 2*declared>>20, declared>>20)
	}
	tmp, err := os.MkdirTemp("", "kiosk-studio-clip-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	itemID, clip, err := s.receiveUpload(tmp, f, "clip", clipExts, maxVideoUpload, func(*os.Root, string) error { return nil })
	if err != nil {
		return err
	}
	d, err := readDraft(dir)
	if err != nil {
		return err
	}
	if rev := f.get("rev"); rev != "" && rev != d.rev {
		return errBundleChanged
	}
	req := videoadd.Request{Bundle: dir, Clip: filepath.Join(tmp, filepath.FromSlash(clip)), ID: itemID, FFmpeg: s.opt.FFmpeg}
	for _, c := range s.sites {
		req.Sites = append(req.Sites, c.Path)
	}
	switch f.get("sound") {
	case "on":
		req.Sound = videoadd.SoundOn
	case "off":
		req.Sound = videoadd.SoundOff
	}
	if f.get("fit") == content.FitFill {
		req.Fit = content.FitFill
	}
	lock := s.bundleLock(id)
	lock.Lock()
	res, err := videoadd.Add(r.Context(), req, io.Discard)
	lock.Unlock()
	if err != nil {
		return err
	}
	s.log.Info("item added", "bundle", id, "item", res.ID, "kind", content.KindVideo, "renditions", res.Made, "user", f.sess.user)
	f.sess.addFlash("ok", fmt.Sprintf("Đã thêm video %s: %.1f giây, %d bản mã hoá (renditions)", res.ID, res.Duration.Seconds(), res.Made))
	return nil
}
