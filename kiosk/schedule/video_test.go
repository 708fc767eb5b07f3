package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

func videoItem(id string, d time.Duration) content.Item {
	return content.Item{ID: id, Kind: content.KindVideo, Layout: content.LayoutSingle,
		Text: map[string]content.Text{"vi": {Title: "Phóng sự " + id}},
		Video: &content.Video{Duration: content.Duration(d), Renditions: []content.Rendition{
			{File: "video/" + id + "-1536x768-r0-25.mp4", Width: 1536, Height: 768, FPS: 25},
		}}}
}

// TestVideoOncePerLoop checks that a video is one slide per loop, however
// many languages the site shows (and whichever they are), lasting the
// clip's length rather than the site's item duration, and is reported as
// shown in every language.
func TestVideoOncePerLoop(t *testing.T) {
	tests := []struct {
		name  string
		langs []string
		want  string
	}{
		{"one language", []string{"vi"}, "welcome:vi report:vi"},
		{"three languages", []string{"vi", "km", "en"}, "welcome:vi welcome:km report:vi"},
		{"languages the title lacks", []string{"lo", "zh"}, "report:lo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &content.Manifest{Items: []content.Item{
				textItem("welcome", nil, "vi", "km"),
				videoItem("report", 93*time.Second+400*time.Millisecond),
			}}
			q := NewSequencer(m, testSite(), tc.langs, 8*time.Second)
			if got := playsAt(q, at(2, 8, 0, 0)); got != tc.want {
				t.Fatalf("loop = %s, want %s", got, tc.want)
			}
			for range 6 {
				s, ok := q.Next(at(2, 8, 0, 0))
				if !ok {
					t.Fatal("nothing plays")
				}
				if s.Item.Kind != content.KindVideo {
					if s.Duration != 8*time.Second {
						t.Errorf("%s: duration %v, want the site's 8s", s.Item.ID, s.Duration)
					}
					continue
				}
				if s.Duration != 93*time.Second+400*time.Millisecond {
					t.Errorf("video duration %v, want the clip's 1m33.4s", s.Duration)
				}
				if !s.AnyLang || len(s.Langs) != 1 || s.Langs[0] != tc.langs[0] {
					t.Errorf("video slide langs %v AnyLang %v, want [%s] once for every language", s.Langs, s.AnyLang, tc.langs[0])
				}
				if got := strings.Join(s.ShownLangs(), "+"); got != content.AnyLanguage {
					t.Errorf("video reported as shown in %s, want %s", got, content.AnyLanguage)
				}
			}
		})
	}
}

// TestVideoWeightAndLoopShare checks that a weighted video appears as
// often as its weight asks, and that the loop's time counts its length.
func TestVideoWeightAndLoopShare(t *testing.T) {
	v := videoItem("report", 30*time.Second)
	v.Schedule = &content.Schedule{Weight: 2}
	m := &content.Manifest{Items: []content.Item{textItem("welcome", nil, "vi"), v}}
	q := NewSequencer(m, testSite(), []string{"vi", "km"}, 10*time.Second)
	if got := playsAt(q, at(2, 8, 0, 0)); strings.Count(got, "report:vi") != 2 || strings.Count(got, "welcome:vi") != 1 {
		t.Fatalf("loop = %s, want the video twice and the text once", got)
	}
	shares, _, _ := q.Loop(at(2, 8, 0, 0))
	var total time.Duration
	for _, s := range shares {
		total += s.Time
	}
	if total != 70*time.Second {
		t.Errorf("loop of %v, want 70s (two 30 s videos and one 10 s slide): %+v", total, shares)
	}
}
