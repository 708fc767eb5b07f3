// Command mkbundle writes the bundles the benchmarks play: "still", one text
// slide shown for ten minutes; "images", N distinct full-HD pictures; and
// "scripts", a commune support point's loop in six languages (Vietnamese,
// Khmer, Lao, Chinese, Hmong, English) with a ticker in all of them.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"time"

	"github.com/vnict/kiosk/content"
)

func main() {
	kind := flag.String("kind", "still", "still, images or scripts")
	n := flag.Int("n", 200, "number of images")
	dir := flag.String("dir", "", "output folder")
	flag.Parse()
	if err := run(*kind, *n, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "mkbundle:", err)
		os.Exit(1)
	}
}

func run(kind string, n int, dir string) error {
	if dir == "" {
		return fmt.Errorf("want -dir")
	}
	m := content.Manifest{Format: content.FormatVersion, ID: "bench-" + kind, Version: 1, Created: time.Now().UTC()}
	switch kind {
	case "still":
		m.Items = []content.Item{{ID: "still", Kind: content.KindText, Duration: content.Duration(10 * time.Minute),
			Text: map[string]content.Text{"vi": {Title: "Cửa khẩu Quốc tế Tịnh Biên", Body: "Chào mừng quý khách đến Việt Nam"}}}}
	case "images":
		if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
			return err
		}
		for i := range n {
			name := fmt.Sprintf("images/%03d.jpg", i)
			if err := writeImage(filepath.Join(dir, name), i); err != nil {
				return err
			}
			m.Items = append(m.Items, content.Item{ID: fmt.Sprintf("img-%03d", i), Kind: content.KindImage,
				Images: map[string]string{content.AnyLanguage: name}, Duration: content.Duration(time.Second)})
		}
	case "scripts":
		m.Items, m.Ticker = scriptItems()
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), data, 0o644); err != nil {
		return err
	}
	_, err = content.IndexDir(dir)
	return err
}

// writeImage draws a distinct 1920x1080 picture: gradients and bands that
// depend on i.
func writeImage(path string, i int) error {
	img := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	for y := 0; y < 1080; y++ {
		for x := 0; x < 1920; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x/8 + i*7), uint8(y/5 + i*13), uint8((x+y)/9 + i*29), 0xff})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
