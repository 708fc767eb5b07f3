package main

import (
	"image/color"
	"slices"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// BenchmarkAlertToScreen measures publish-to-screen of an emergency alert:
// from the start of the department's publish to the alert's colour in the
// middle of the site's screen, read from outside the player, with the site
// connected to a real MinIO on loopback and its poll set to ten minutes,
// so only the notification brings it. Each round publishes an alert and
// then its cancel; both are timed. Reported: median-ms and max-ms of the
// alerts, cancel-median-ms of the cancels.
func BenchmarkAlertToScreen(b *testing.B) {
	const rounds = 15
	x := startXScreen(b, 1536, 768)
	d := publishtest.New(b)
	duty := addAlertsRole(b, d)
	bundle := contenttest.CopyDemo(b)
	contenttest.EditManifest(b, bundle, func(m map[string]any) {
		contenttest.SetSlideDurations(m, "5s")
	})
	if _, err := content.IndexDir(bundle); err != nil {
		b.Fatal(err)
	}
	d.Release(b, bundle, layout.Targeting{})
	cfg := writeSyncedSite(b, d, d.Server.AccessKey, d.Server.SecretKey, "")
	cfg = rewriteSync(b, cfg, "long-poll.yaml", "poll", "10m")
	_, log := startKioskEnv(b, cfg, "DISPLAY="+x.Display)
	log.waitFor(b, "first content slide", 1)

	// The screen's middle: the alert's colour, or any other.
	until := func(want bool) {
		for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(2 * time.Millisecond) {
			if c, err := x.Pixel(1536/2, 768*3/4); err == nil && isColor(c, severeRed) == want {
				return
			}
		}
		b.Fatalf("screen did not change in 30 s (want alert: %v)\n%s", want, log.String())
	}
	var on, off []float64
	b.ResetTimer()
	for range b.N {
		for i := range rounds {
			a := alert.Alert{
				ID: "bench", Serial: int64(2*i + 1), Sent: time.Now(), Start: time.Now().Add(-time.Minute),
				Expires: time.Now().Add(time.Hour), Severity: alert.Extreme,
				Text: map[string]alert.Text{"vi": {Headline: "Cảnh báo lũ khẩn cấp"}},
			}
			start := time.Now()
			publishAlert(b, d, duty, a)
			until(true)
			on = append(on, float64(time.Since(start).Microseconds())/1000)
			c := a
			c.Serial, c.Cancel, c.Text, c.Sent = a.Serial+1, true, nil, time.Now()
			start = time.Now()
			publishAlert(b, d, duty, c)
			until(false)
			off = append(off, float64(time.Since(start).Microseconds())/1000)
		}
	}
	b.StopTimer()
	b.Logf("alert latencies (ms): %.0f", on)
	b.Logf("cancel latencies (ms): %.0f", off)
	b.ReportMetric(median(on), "median-ms")
	b.ReportMetric(slices.Max(on), "max-ms")
	b.ReportMetric(median(off), "cancel-median-ms")
}

// isColor reports whether c is near want.
func isColor(c, want color.RGBA) bool {
	return near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B)
}
