package studio

import "testing"

func TestFieldLabel(t *testing.T) {
	for _, tc := range []struct{ field, want string }{
		{"title", "tiêu đề (title)"},
		{"guide.steps[0].qr", "hướng dẫn (guide), bước (step) 1: mã QR (QR code)"},
		{"guide.steps[12].narration", "hướng dẫn (guide), bước (step) 13: lời đọc (narration)"},
		{"video.renditions[1].geometry", "video, bản (rendition) 2: khổ hình (geometry)"},
		{"video.duration", "video: thời lượng (duration)"},
		{"video.sound", "video: âm thanh (sound)"},
		{"guide.steps[2].colour", "hướng dẫn (guide), bước (step) 3: colour"},
		{"guide.steps[x].qr", "guide.steps[x].qr"},
		{"guide.steps[-1].qr", "guide.steps[-1].qr"},
		{"something-new", "something-new"},
	} {
		if got := fieldLabel(tc.field); got != tc.want {
			t.Errorf("fieldLabel(%q) = %q, want %q", tc.field, got, tc.want)
		}
	}
}
