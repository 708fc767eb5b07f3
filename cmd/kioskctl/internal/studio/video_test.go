package studio

import (
	"net/http"
	"strings"
	"testing"
)

// One clip is transcoded at a time, and a clip is refused when the
// temporary folder has less than twice its size free; neither reaches
// FFmpeg.
func TestVideoUploadBusyAndFreeSpace(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.FFmpeg = "/nonexistent/ffmpeg" })
	h.submit("/bundles", map[string][]string{"id": {"b"}})
	clip := []byte(strings.Repeat("not really a clip ", 1000))
	upload := func() string {
		t.Helper()
		resp, body := h.upload("/bundles/b/video", [][2]string{{"csrf", h.token()}, {"id", "clip"}}, "clip.mp4", clip)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %s %s", resp.Status, body)
		}
		return flashOf(h.page("/bundles/b"))
	}

	h.srv.transcoding <- struct{}{} // another upload is being transcoded
	if f := upload(); !strings.Contains(f, "busy") {
		t.Errorf("a second clip while one is transcoded: %q", f)
	}
	<-h.srv.transcoding

	h.srv.freeBytes = func(string) uint64 { return uint64(len(clip)) * 3 / 2 }
	if f := upload(); !strings.Contains(f, "not enough free space") {
		t.Errorf("a clip with less than twice its size free: %q", f)
	}
	h.srv.freeBytes = func(string) uint64 { return 1 << 40 }
	if f := upload(); strings.Contains(f, "not enough free space") || strings.Contains(f, "busy") || !strings.Contains(f, "class=\"error\"") {
		t.Errorf("a clip with room, and FFmpeg missing: %q", f)
	}
	select {
	case h.srv.transcoding <- struct{}{}:
		<-h.srv.transcoding
	default:
		t.Error("the transcoding slot is still held after the upload ended")
	}
}
