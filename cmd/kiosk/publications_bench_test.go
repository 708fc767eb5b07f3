package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

var (
	publishSpan  = flag.Duration("publish-span", 5*time.Minute, "BenchmarkMemoryAcrossPublications: how long to publish")
	publishEvery = flag.Duration("publish-every", 30*time.Second, "BenchmarkMemoryAcrossPublications: time between publications")
)

// BenchmarkMemoryAcrossPublications runs the real player as a synced site
// of the Tịnh Biên wall's shape (1536x768, four languages with Chinese,
// the ticker) against a real MinIO, publishes a new version every
// -publish-every for -publish-span, a new picture every other time, and
// samples the player's resident memory every five seconds from the first
// activation on. It reports the samples' minimum, median and maximum, and
// the growth from the second quarter of the run to the last (medians; the
// first quarter is warm-up: fonts and pictures loaded for the first time).
// Run it through `make bench`.
func BenchmarkMemoryAcrossPublications(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Fatal("DISPLAY is not set: run it through `make bench`, which starts Xvfb")
	}
	for range b.N {
		d := publishtest.New(b)
		bundle := contenttest.CopyDemo(b)
		cfg := writeWallSite(b, d)
		cmd, log := startKiosk(b, cfg)
		log.waitFor(b, "no content bundle; showing the standby slide", 1)

		rng := rand.New(rand.NewPCG(1, 2))
		publish := func(n int) {
			b.Helper()
			if n%2 == 0 {
				// A new picture in place of the last.
				old, _ := filepath.Glob(filepath.Join(bundle, "images", "news-*.jpg"))
				for _, f := range old {
					os.Remove(f)
				}
				name := fmt.Sprintf("images/news-%d.jpg", n)
				writeJPEG(b, filepath.Join(bundle, name), 1920, 1080, rng)
				contenttest.EditManifest(b, bundle, func(m map[string]any) {
					contenttest.Item(b, m, "rice-fields")["images"] = map[string]any{"*": name}
				})
			}
			contenttest.EditManifest(b, bundle, func(m map[string]any) { m["version"] = n })
			if _, err := content.IndexDir(bundle); err != nil {
				b.Fatal(err)
			}
			d.Release(b, bundle, layout.Targeting{})
		}
		publish(1)
		log.waitFor(b, "publication activated", 1)
		log.waitFor(b, "first content slide", 1)

		var samples []float64
		start := time.Now()
		nextPub, n := start.Add(*publishEvery), 1
		sample := time.NewTicker(5 * time.Second)
		for time.Since(start) < *publishSpan {
			<-sample.C
			rss, err := residentOf(cmd.Process.Pid)
			if err != nil { // the player has stopped
				b.Fatalf("%v\n%s", err, log.String())
			}
			samples = append(samples, float64(rss)/(1<<20))
			if !time.Now().Before(nextPub) {
				n++
				publish(n)
				nextPub = nextPub.Add(*publishEvery)
			}
		}
		sample.Stop()
		activated := strings.Count(log.String(), "publication activated")
		if activated < n-1 {
			b.Errorf("%d of %d publications activated", activated, n)
		}
		q := max(len(samples)/4, 1)
		growth := median(samples[len(samples)-q:]) - median(samples[q:min(2*q, len(samples))])
		sorted := slices.Sorted(slices.Values(samples))
		b.Logf("rss (MB), %d samples over %v, %d publications (%d activated): min %.0f median %.0f max %.0f, growth second to last quarter %+.0f",
			len(samples), *publishSpan, n, activated, sorted[0], median(sorted), sorted[len(sorted)-1], growth)
		// The highest sample of each minute, to see the shape.
		var perMinute []string
		for i := 0; i < len(samples); i += 12 {
			perMinute = append(perMinute, fmt.Sprintf("%.0f", slices.Max(samples[i:min(i+12, len(samples))])))
		}
		b.Logf("rss (MB), highest each minute: %s", strings.Join(perMinute, " "))
		b.ReportMetric(sorted[0], "rss-min-MB")
		b.ReportMetric(median(sorted), "rss-median-MB")
		b.ReportMetric(sorted[len(sorted)-1], "rss-max-MB")
		b.ReportMetric(growth, "rss-growth-MB")
		b.ReportMetric(float64(n), "publications")
		b.ReportMetric(float64(activated), "activated")
	}
}

// writeWallSite writes the config of a site like the Tịnh Biên wall,
// syncing from d's store, and returns its path.
func writeWallSite(t testing.TB, d *publishtest.Department) string {
	t.Helper()
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "root.json"), d.Root, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "secret"), []byte(d.Server.SecretKey), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(site, "site.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
display: {resolution: 1536x768, background: "#0b2545"}
languages: [vi, km, en, zh]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans CJK SC}]
content: {cache: cache}
ticker: {edge: bottom, height: 80, speed: 100}
playback: {item_duration: 10s, transition: 1s}
sync: {endpoint: %q, secure: false, bucket: %s, prefix: %s, access_key: %s, secret_key_file: secret, root: root.json, poll: 5s}
`, d.Server.Endpoint, d.Bucket, d.Prefix, d.Server.AccessKey)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// writeJPEG writes a w×h picture that compresses like a photograph.
func writeJPEG(t testing.TB, path string, w, h int, rng *rand.Rand) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
	for y := range h {
		for x := range w {
			n := rng.IntN(48)
			img.SetRGBA(x, y, color.RGBA{
				R: uint8(int(base[0]+float64(x)*96/float64(w)+float64(n)) % 256),
				G: uint8(int(base[1]+float64(y)*96/float64(h)+float64(n)) % 256),
				B: uint8(int(base[2]+float64(n)) % 256), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// residentOf returns a process's resident memory in bytes (Linux).
func residentOf(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
