package content

import "strings"

// videoManifest returns validManifest with a video item (index 2) of two
// renditions, a landscape wall's and a portrait one's, and "video" in
// requires.
func videoManifest() map[string]any {
	m := validManifest()
	m["requires"] = []any{FeatureVideo}
	m["items"] = append(m["items"].([]any), map[string]any{
		"id": "border-report", "kind": "video",
		"text": map[string]any{"vi": map[string]any{"title": "Phóng sự cửa khẩu"}},
		"video": map[string]any{
			"duration": "1m30s",
			"sound":    true,
			"renditions": []any{
				map[string]any{"file": "video/border-report-1536x768-r0-25.mp4", "width": 1536, "height": 768, "rotation": 0, "fps": 25},
				map[string]any{"file": "video/border-report-1536x768-r90-25.mp4", "width": 1536, "height": 768, "rotation": 90, "fps": 25},
			},
		},
	})
	m["files"] = append(m["files"].([]any),
		map[string]any{"path": "video/border-report-1536x768-r0-25.mp4", "sha256": strings.Repeat("c", 64), "size": 5 << 20},
		map[string]any{"path": "video/border-report-1536x768-r90-25.mp4", "sha256": strings.Repeat("d", 64), "size": 6 << 20},
	)
	return m
}

func videoOf(m map[string]any) map[string]any { return item(m, 2)["video"].(map[string]any) }

func rendition(m map[string]any, i int) map[string]any {
	return videoOf(m)["renditions"].([]any)[i].(map[string]any)
}
