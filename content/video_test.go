//go:build !noguides

package content

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVideoItemValid(t *testing.T) {
	m, err := ParseManifest(mustJSON(t, videoManifest()))
	if err != nil {
		t.Fatalf("valid video manifest refused: %v", err)
	}
	it := &m.Items[2]
	if it.Kind != KindVideo || it.Video == nil {
		t.Fatalf("item 2 = %+v, want a video", it)
	}
	if got := time.Duration(it.Video.Duration); got != 90*time.Second || !it.Video.Sound {
		t.Errorf("video duration %v sound %v, want 1m30s with sound", got, it.Video.Sound)
	}
	if got := it.Languages([]string{"km", "lo", "vi"}); len(got) != 3 {
		t.Errorf("video languages = %v, want every language the site shows", got)
	}
	if it.Fit != "" {
		t.Errorf("video fit defaulted to %q; a video has none", it.Fit)
	}
	if s := m.Slideshow(); len(s.Items) != 3 {
		t.Errorf("slideshow has %d items, want the video kept among 3", len(s.Items))
	}
	if !m.UsesVideo() {
		t.Error("UsesVideo = false")
	}
}

func TestVideoRendition(t *testing.T) {
	m, err := ParseManifest(mustJSON(t, videoManifest()))
	if err != nil {
		t.Fatal(err)
	}
	v := m.Items[2].Video
	tests := []struct {
		name           string
		w, h, rot, fps int
		want           string // file; "" for none
	}{
		{"landscape", 1536, 768, 0, 25, "video/border-report-1536x768-r0-25.mp4"},
		{"turned", 1536, 768, 90, 25, "video/border-report-1536x768-r90-25.mp4"},
		{"other fps", 1536, 768, 0, 30, ""},
		{"other rotation", 1536, 768, 270, 25, ""},
		{"swapped size", 768, 1536, 0, 25, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := v.Rendition(tc.w, tc.h, tc.rot, tc.fps)
			if ok != (tc.want != "") || r.File != tc.want {
				t.Errorf("Rendition(%d, %d, %d, %d) = %q, %v; want %q", tc.w, tc.h, tc.rot, tc.fps, r.File, ok, tc.want)
			}
		})
	}
	var none *Video
	if _, ok := none.Rendition(1536, 768, 0, 25); ok {
		t.Error("a nil video has a rendition")
	}
}

func TestVideoItemErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		field  string // the FieldError.Field expected among the errors
		substr string // a part of that error's message
		is     error
	}{
		{name: "requires missing", edit: func(m map[string]any) { delete(m, "requires") }, field: "items[2].kind", substr: `add "video" to requires`},
		{name: "video missing", edit: func(m map[string]any) { delete(item(m, 2), "video") }, field: "items[2].video", substr: "add-video"},
		{name: "video on a text item", edit: func(m map[string]any) { item(m, 0)["video"] = videoOf(m) }, field: "items[0].video", substr: `only a "video" item`},
		{name: "item duration", edit: func(m map[string]any) { item(m, 2)["duration"] = "8s" }, field: "items[2].duration", substr: "its own length"},
		{name: "images", edit: func(m map[string]any) { item(m, 2)["images"] = map[string]any{"*": "images/map.png"} }, field: "items[2].images"},
		{name: "fit", edit: func(m map[string]any) { item(m, 2)["fit"] = "fill" }, field: "items[2].fit", substr: "--fit"},
		{name: "side by side", edit: func(m map[string]any) { item(m, 2)["layout"] = "side-by-side" }, field: "items[2].layout"},
		{name: "guide", edit: func(m map[string]any) {
			m["requires"] = []any{FeatureVideo, FeatureGuides}
			item(m, 2)["guide"] = map[string]any{"steps": []any{map[string]any{"text": map[string]any{"vi": map[string]any{"title": "x"}}}}}
		}, field: "items[2].guide", substr: `only a "guide" item`},
		{name: "duration missing", edit: func(m map[string]any) { delete(videoOf(m), "duration") }, field: "items[2].video.duration", substr: "missing"},
		{name: "duration zero", edit: func(m map[string]any) { videoOf(m)["duration"] = "0s" }, field: "items[2].video.duration"},
		{name: "duration unparsable", edit: func(m map[string]any) { videoOf(m)["duration"] = "long" }, field: "items[2].video.duration", substr: "1m30s"},
		{name: "duration over an hour", edit: func(m map[string]any) { videoOf(m)["duration"] = "1h0m1s" }, field: "items[2].video.duration", substr: "at most 1h0m0s"},
		{name: "no renditions", edit: func(m map[string]any) { videoOf(m)["renditions"] = []any{} }, field: "items[2].video.renditions", substr: "1 to 16"},
		{name: "too many renditions", edit: func(m map[string]any) {
			var rs []any
			for i := range MaxRenditions + 1 {
				rs = append(rs, map[string]any{"file": "video/border-report-1536x768-r0-25.mp4", "width": 1536, "height": 768 + 2*i, "rotation": 0, "fps": 25})
			}
			videoOf(m)["renditions"] = rs
		}, field: "items[2].video.renditions", substr: "at most 16"},
		{name: "file not listed", edit: func(m map[string]any) { rendition(m, 0)["file"] = "video/other.mp4" }, field: "items[2].video.renditions[0].file", is: ErrNotListed},
		{name: "file not mp4", edit: func(m map[string]any) {
			rendition(m, 0)["file"] = "images/map.png"
		}, field: "items[2].video.renditions[0].file", substr: ".mp4"},
		{name: "file escapes", edit: func(m map[string]any) { rendition(m, 1)["file"] = "../clip.mp4" }, field: "items[2].video.renditions[1].file", substr: "inside the bundle"},
		{name: "odd width", edit: func(m map[string]any) { rendition(m, 0)["width"] = 1535 }, field: "items[2].video.renditions[0].width", substr: "even"},
		{name: "height too small", edit: func(m map[string]any) { rendition(m, 1)["height"] = 8 }, field: "items[2].video.renditions[1].height", substr: "16 to 7680"},
		{name: "width too large", edit: func(m map[string]any) { rendition(m, 0)["width"] = 7682 }, field: "items[2].video.renditions[0].width"},
		{name: "rotation", edit: func(m map[string]any) { rendition(m, 1)["rotation"] = 45 }, field: "items[2].video.renditions[1].rotation", substr: "0, 90, 180 or 270"},
		{name: "fps zero", edit: func(m map[string]any) { rendition(m, 0)["fps"] = 0 }, field: "items[2].video.renditions[0].fps", substr: "1 to 60"},
		{name: "fps too high", edit: func(m map[string]any) { rendition(m, 0)["fps"] = 61 }, field: "items[2].video.renditions[0].fps"},
		{name: "same geometry twice", edit: func(m map[string]any) { rendition(m, 1)["rotation"] = 0 }, field: "items[2].video.renditions[1]", substr: "1536x768 at 25 fps, as renditions[0] is"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := videoManifest()
			tc.edit(m)
			_, err := ParseManifest(mustJSON(t, m))
			if err == nil {
				t.Fatal("manifest accepted, want an error")
			}
			fe := fieldError(err, tc.field)
			if fe == nil {
				t.Fatalf("error %q does not name field %q", err, tc.field)
			}
			if fe.File != ManifestName {
				t.Errorf("error %q names file %q, want %s", fe, fe.File, ManifestName)
			}
			if tc.substr != "" && !strings.Contains(fe.Error(), tc.substr) {
				t.Errorf("error %q does not contain %q", fe, tc.substr)
			}
			if tc.is != nil && !errors.Is(fe, tc.is) {
				t.Errorf("error %q is not %v", fe, tc.is)
			}
		})
	}
}

// fieldError returns the first FieldError in err's tree naming field.
func fieldError(err error, field string) *FieldError {
	if fe, ok := err.(*FieldError); ok && fe.Field == field {
		return fe
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if fe := fieldError(e, field); fe != nil {
				return fe
			}
		}
	}
	return nil
}
