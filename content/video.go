package content

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// KindVideo is the kind of an item that plays a video clip (see Video and
// FeatureVideo). It is shown once per loop, whatever the site's languages.
const KindVideo = "video"

// FeatureVideo is the Manifest.Requires value of a bundle with KindVideo
// items: a player without video refuses it and keeps its last good bundle,
// instead of leaving the clips out.
const FeatureVideo = "video"

// Bounds of a video item.
const (
	// MaxRenditions is the most renditions one video may have: one per
	// distinct screen geometry of the sites it is for.
	MaxRenditions = 16
	// MaxVideoDuration is the longest clip an item may play.
	MaxVideoDuration = time.Hour
	// MinVideoSide and MaxVideoSide bound a rendition's width and height
	// in pixels (8K is 7680 wide).
	MinVideoSide = 16
	MaxVideoSide = 7680
	// MaxVideoFPS is the highest frame rate of a rendition.
	MaxVideoFPS = 60
)

// VideoExt is the file name extension of a rendition: H.264 in MP4.
const VideoExt = ".mp4"

// Video is the clip a KindVideo item plays, encoded once per screen
// geometry of the sites it is for.
type Video struct {
	// Duration is the clip's length (as FFmpeg measured it when the
	// renditions were made).
	Duration Duration `json:"duration"`
	// Sound plays the clip with its sound (where the site plays sound);
	// false: silent, and the renditions carry no audio.
	Sound bool `json:"sound,omitempty"`
	// Renditions are the clip encoded for each screen geometry.
	Renditions []Rendition `json:"renditions"`
}

// Rendition is the clip encoded for one screen geometry: H.264 in MP4
// (.mp4), yuv420p, frames Width x Height = the site's output size (its
// resolution turned by its rotation), the picture already turned
// clockwise by Rotation, at FPS frames a second. The player plays it as
// it is: it neither scales nor turns video.
type Rendition struct {
	File     string `json:"file"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Rotation int    `json:"rotation"`
	FPS      int    `json:"fps"`
}

// Geometry describes the screen the rendition is for, such as
// "768x1536 turned 90° at 25 fps".
func (r Rendition) Geometry() string { return Geometry(r.Width, r.Height, r.Rotation, r.FPS) }

// Geometry describes a screen of output size w x h turned by rotation, at
// fps frames a second, as lint and kioskctl name it.
func Geometry(w, h, rotation, fps int) string {
	if rotation == 0 {
		return fmt.Sprintf("%dx%d at %d fps", w, h, fps)
	}
	return fmt.Sprintf("%dx%d turned %d° at %d fps", w, h, rotation, fps)
}

// Rendition returns the rendition made for a screen of output size w x h
// turned by rotation, at fps.
func (v *Video) Rendition(w, h, rotation, fps int) (Rendition, bool) {
	if v == nil {
		return Rendition{}, false
	}
	for _, r := range v.Renditions {
		if r.Width == w && r.Height == h && r.Rotation == rotation && r.FPS == fps {
			return r, true
		}
	}
	return Rendition{}, false
}

// UsesVideo reports whether the manifest has a video item, and so needs
// FeatureVideo.
func (m *Manifest) UsesVideo() bool { return m.videoField() != "" }

// videoField names the first item that makes the bundle need FeatureVideo.
func (m *Manifest) videoField() string {
	for i := range m.Items {
		if m.Items[i].Kind == KindVideo {
			return fmt.Sprintf("items[%d].kind", i)
		}
		if m.Items[i].Video != nil {
			return fmt.Sprintf("items[%d].video", i)
		}
	}
	return ""
}

// validateVideoItem checks the fields of a KindVideo item at field (such
// as "items[3]"): its video, and no field that only other kinds have.
func validateVideoItem(it *Item, field string, bad func(field, format string, args ...any), needFile func(field, p string, lim sizeLimit)) {
	if it.Duration != 0 && it.Duration != invalidDuration {
		bad(field+".duration", "a video plays for its own length (video.duration); leave the item's duration out")
	}
	if len(it.Images) > 0 {
		bad(field+".images", "a video item has no images")
	}
	if it.Fit != "" {
		bad(field+".fit", "%q: a video is fitted to each screen when its renditions are made (kioskctl add-video --fit); leave fit out", it.Fit)
	}
	if it.Layout == LayoutSideBySide {
		bad(field+".layout", "%q: a video fills the screen; leave layout out", it.Layout)
	}
	v := it.Video
	if v == nil {
		bad(field+".video", "missing; a video item needs video with its duration and renditions (kioskctl add-video makes them)")
		return
	}
	field += ".video"
	switch d := time.Duration(v.Duration); {
	case v.Duration == invalidDuration:
		bad(field+".duration", "want a duration string such as \"1m30s\"")
	case d <= 0:
		bad(field+".duration", "missing; want the clip's length, more than 0")
	case d > MaxVideoDuration:
		bad(field+".duration", "%v: a clip plays for at most %v", d, MaxVideoDuration)
	}
	switch n := len(v.Renditions); {
	case n == 0:
		bad(field+".renditions", "empty; a video needs 1 to %d renditions", MaxRenditions)
	case n > MaxRenditions:
		bad(field+".renditions", "%d renditions; a video has at most %d", n, MaxRenditions)
		return // do not report on hundreds of renditions
	}
	seen := map[[4]int]int{}
	for i, r := range v.Renditions {
		f := fmt.Sprintf("%s.renditions[%d]", field, i)
		if !strings.EqualFold(path.Ext(r.File), VideoExt) {
			bad(f+".file", "%q: want an %s file (H.264 in MP4)", r.File, VideoExt)
		}
		needFile(f+".file", r.File, noLimit)
		for _, side := range []struct {
			name string
			v    int
		}{{"width", r.Width}, {"height", r.Height}} {
			if side.v < MinVideoSide || side.v > MaxVideoSide || side.v%2 != 0 {
				bad(f+"."+side.name, "%d: want an even number of pixels from %d to %d", side.v, MinVideoSide, MaxVideoSide)
			}
		}
		switch r.Rotation {
		case 0, 90, 180, 270:
		default:
			bad(f+".rotation", "%d: want 0, 90, 180 or 270", r.Rotation)
		}
		if r.FPS < 1 || r.FPS > MaxVideoFPS {
			bad(f+".fps", "%d: want 1 to %d frames a second", r.FPS, MaxVideoFPS)
		}
		key := [4]int{r.Width, r.Height, r.Rotation, r.FPS}
		if j, ok := seen[key]; ok {
			bad(f, "is for %s, as renditions[%d] is; give each screen geometry one rendition", r.Geometry(), j)
			continue
		}
		seen[key] = i
	}
}
