package content

import (
	"strings"
)

// guideManifest returns validManifest with a guide item (index 2) of two
// steps, a tile picture, a QR code and narration, and "guides" in requires.
func guideManifest() map[string]any {
	m := validManifest()
	m["requires"] = []any{FeatureGuides}
	m["items"] = append(m["items"].([]any), map[string]any{
		"id": "birth-registration", "kind": "guide",
		"text": map[string]any{
			"vi": map[string]any{"title": "Đăng ký khai sinh trực tuyến", "body": "Làm trên Cổng dịch vụ công"},
			"km": map[string]any{"title": "ការចុះបញ្ជីកំណើតតាមអនឡាញ"},
		},
		"images": map[string]any{"*": "guides/birth/tile.png"},
		"guide": map[string]any{
			"steps": []any{
				map[string]any{
					"text": map[string]any{
						"vi": map[string]any{"title": "Mở Cổng dịch vụ công", "body": "Quét mã QR bằng điện thoại."},
						"km": map[string]any{"title": "បើកវិបផតថលសេវាសាធារណៈ"},
					},
					"picture":   "guides/birth/1.jpg",
					"qr":        "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
					"narration": map[string]any{"vi": "narration/birth/1-vi.wav", "km": "narration/birth/1-km.wav"},
				},
				map[string]any{
					"text": map[string]any{"vi": map[string]any{"body": "Điền tờ khai và gửi."}},
				},
			},
		},
	})
	files := m["files"].([]any)
	for i, p := range []string{"guides/birth/tile.png", "guides/birth/1.jpg", "narration/birth/1-vi.wav", "narration/birth/1-km.wav"} {
		files = append(files, map[string]any{"path": p, "sha256": strings.Repeat(string(rune('b'+i)), 64), "size": 100 + i})
	}
	m["files"] = files
	return m
}

func guideStep(m map[string]any, i int) map[string]any {
	return item(m, 2)["guide"].(map[string]any)["steps"].([]any)[i].(map[string]any)
}
