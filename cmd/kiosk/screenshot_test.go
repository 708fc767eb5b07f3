package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// screenTolerance is the mean absolute difference, in levels of 255 per
// channel, allowed between screen.jpg and the X server's framebuffer
// scaled to the same size the same way: the pictures differ only by JPEG's
// loss at quality 80, which on the demo's first slide (flat colour and
// text, 480 wide) measured 2.1 levels. The same frame moved by a tenth of
// its width differs by about 14 (the test checks that the tolerance tells
// the two apart), a black one by the slide's mean brightness, about 40.
const screenTolerance = 5

// siteScreen runs the kiosk as a provisioned site (its own MinIO user
// and policy) on an X screen of the test's own, on the demo bundle with
// slides long enough to stay still and no ticker, and screenshots every
// interval. It returns the department, the X screen and the site's ID
// once the first content slide is on screen.
func siteScreen(t testing.TB, interval string) (*publishtest.Department, *xScreen, *logWatcher, string) {
	d, x, _, log, id := startSiteScreen(t, interval)
	return d, x, log, id
}

// startSiteScreen is siteScreen that also returns the kiosk's process.
func startSiteScreen(t testing.TB, interval string) (*publishtest.Department, *xScreen, *exec.Cmd, *logWatcher, string) {
	t.Helper()
	x := startXScreen(t, 1536, 768)
	d := publishtest.New(t)
	const id = "an-giang-tinh-bien"
	prov, err := provision.New(provision.Config{Endpoint: d.Server.Endpoint, AccessKey: d.Server.AccessKey,
		SecretKey: d.Server.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := prov.Provision(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	bundle := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, bundle, func(m map[string]any) {
		contenttest.SetSlideDurations(m, "2m")
	})
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	d.Release(t, bundle, layout.Targeting{})
	cfg := writeSyncedSite(t, d, creds.AccessKey, creds.SecretKey, "reports: {screenshot_interval: "+interval+"}\n")
	cmd, log := startKioskEnv(t, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "first content slide", 1)
	return d, x, cmd, log, id
}

// stillScreen waits until two grabs a moment apart are the same.
func stillScreen(t testing.TB, x *xScreen) {
	t.Helper()
	var last *image.RGBA
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		img, err := x.Grab()
		if err != nil {
			continue
		}
		if last != nil && bytes.Equal(last.Pix, img.Pix) && share(img, contentBlue) > 0.2 {
			return
		}
		last = img
	}
	t.Fatal("the screen did not settle on a content slide within 20 s")
}

// screenModified returns when screen.jpg was last written, zero if never.
func screenModified(t testing.TB, d *publishtest.Department, id string) time.Time {
	t.Helper()
	info, err := d.Server.Client(t).StatObject(context.Background(), d.Bucket, d.Prefix+screen.Key(id), minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == 404 {
			return time.Time{}
		}
		t.Fatal(err)
	}
	return info.LastModified
}

// waitScreenJPEG waits until screen.jpg is written after since (by the
// store's clock) and returns how long that took from start.
func waitScreenJPEG(t testing.TB, d *publishtest.Department, id string, since time.Time, start time.Time, within time.Duration) time.Duration {
	t.Helper()
	for {
		if m := screenModified(t, d, id); !m.IsZero() && m.After(since) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("no new %s within %v of the request", screen.Key(id), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestScreenshotOnRequest: a request brings screen.jpg within 5 s (the
// site's own interval is an hour, so only the request explains it); the
// picture is what the display shows, compared by pixels with the X
// server's framebuffer scaled the same way; a second request brings a new
// one.
func TestScreenshotOnRequest(t *testing.T) {
	ctx := context.Background()
	d, x, log, id := siteScreen(t, "1h")
	stillScreen(t, x)
	if m := screenModified(t, d, id); !m.IsZero() {
		t.Fatalf("screen.jpg written at %v before any request", m)
	}

	start := time.Now()
	if err := screen.Ask(ctx, d.Store, id, start); err != nil {
		t.Fatal(err)
	}
	took := waitScreenJPEG(t, d, id, time.Time{}, start, 5*time.Second)
	t.Logf("screen.jpg %v after the request", took.Round(time.Millisecond))
	grab, err := x.Grab()
	if err != nil {
		t.Fatal(err)
	}
	data, err := screen.Fetch(ctx, d.Store, id)
	if err != nil {
		t.Fatal(err)
	}
	shot, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := player.ScaleScreenshot(grab)
	os.WriteFile(filepath.Join(x.frames, "screen.jpg"), data, 0o644)
	x.save(t, "screen-jpg", shot)
	x.save(t, "framebuffer", grab)
	x.save(t, "framebuffer-scaled", want)
	if shot.Bounds().Size() != want.Bounds().Size() || shot.Bounds().Dx() != player.ScreenshotWidth {
		t.Fatalf("screen.jpg is %v, want %v (%d wide)", shot.Bounds().Size(), want.Bounds().Size(), player.ScreenshotWidth)
	}
	mad := meanAbsDiff(shot, want)
	t.Logf("mean absolute difference from the framebuffer: %.2f levels (%d bytes)", mad, len(data))
	if mad > screenTolerance {
		t.Errorf("screen.jpg differs from the display by %.2f levels on average, more than %d", mad, screenTolerance)
	}
	// The tolerance tells frames apart: the same picture moved by a
	// tenth of its width is far outside it, and so is a black one.
	shifted := image.NewRGBA(want.Bounds())
	for y := range want.Bounds().Dy() {
		for xx := range want.Bounds().Dx() {
			shifted.Set(xx, y, want.At((xx+48)%want.Bounds().Dx(), y))
		}
	}
	if m := meanAbsDiff(shot, shifted); m < 2*screenTolerance {
		t.Errorf("a shifted frame differs by only %.2f levels: the tolerance does not tell frames apart", m)
	}
	black := image.NewUniform(color.Black)
	if m := meanAbsDiff(shot, black); m < 4*screenTolerance {
		t.Errorf("screen.jpg is nearly black (%.2f levels from black)", m)
	}
	if s := dominantShare(shot, shot.Bounds()); s > 0.97 {
		t.Errorf("screen.jpg is one colour over %.0f%% of it", 100*s)
	}

	// Another request, once the site's least gap between two screenshots
	// has passed: a new screen.jpg within 5 s.
	first := screenModified(t, d, id)
	time.Sleep(time.Until(start.Add(took + screen.MinGap)))
	start = time.Now()
	if err := screen.Ask(ctx, d.Store, id, start); err != nil {
		t.Fatal(err)
	}
	took = waitScreenJPEG(t, d, id, first, start, 5*time.Second)
	t.Logf("second screen.jpg %v after its request", took.Round(time.Millisecond))
	log.waitFor(t, "screenshot sent", 2)
}

// meanAbsDiff is the mean absolute difference of a and b over a's
// bounds, in levels of 255, over the three colour channels.
func meanAbsDiff(a, b image.Image) float64 {
	r := a.Bounds()
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			for _, d := range [3][2]uint32{{ar, br}, {ag, bg}, {ab, bb}} {
				sum += float64(max(d[0], d[1])-min(d[0], d[1])) / 257
				n++
			}
		}
	}
	return sum / n
}
