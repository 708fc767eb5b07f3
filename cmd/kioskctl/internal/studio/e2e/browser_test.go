package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step: a page load, a wait for an element.
const stepTimeout = 30 * time.Second

// browser is a headless Chromium driven over the DevTools protocol, with
// one tab, and the folder the screenshots of its pages go to.
type browser struct {
	t     testing.TB
	tab   context.Context
	shots string
	n     int // screenshots taken
}

// startBrowser starts Debian's Chromium headless, in a window of
// 1366×900 (a department PC's screen) with a temporary profile, and stops
// it, its child processes and its profile when the test ends.
func startBrowser(t testing.TB) *browser {
	t.Helper()
	exe := os.Getenv("STUDIO_E2E_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no Chromium at %s (%v): `make deps` installs Debian's; or set STUDIO_E2E_CHROMIUM", exe, err)
	}
	var out output
	out.more = make(chan struct{}, 1)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		// The test may run as root, or where user namespaces are off:
		// Chromium's sandbox needs one or the other.
		chromedp.NoSandbox,
		chromedp.WindowSize(1366, 900),
		chromedp.Flag("lang", "vi"),
		chromedp.CombinedOutput(&out),
	)
	// chromedp makes the profile a temporary folder of its own, and
	// removes it with whatever Chromium left running in it.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", tail(out.String(), 40))
		}
	})
	// The first action starts the browser, which lives as long as the
	// context it is given: the tab's own, not one with a step's timeout.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v\n%s", err, out.String())
	}
	return &browser{t: t, tab: tab, shots: shotsDir(t)}
}

// shotsDir is where a test's screenshots go: $STUDIO_E2E_SHOTS/TEST when
// set (to look at them afterwards), else a temporary folder.
func shotsDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("STUDIO_E2E_SHOTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "-"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// do runs steps in the tab within stepTimeout, failing the test with
// what is on the page (saved as a screenshot) if one fails.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// fail saves the page as it is and fails the test.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	name := b.screenshot("failed-" + what)
	url, _ := run(b, chromedp.Location())
	text, _ := run(b, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("%s: %v\npage %s (screenshot %s) says:\n%s", what, err, url, name, tail(text, 40))
}

// run runs one action with a result in the tab within stepTimeout.
func run[T any](b *browser, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// must runs one action with a result and fails the test if it fails.
func must[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := run(b, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// open loads url in the tab, fails the test unless the studio answers
// 200, and saves a screenshot of the page as name.
func (b *browser) open(url, name string) {
	b.t.Helper()
	resp := must(b, "open "+name, chromedp.NavigateResponse(url))
	if resp == nil || resp.Status != 200 {
		b.fail("open "+name, fmt.Errorf("status %v", statusOf(resp)))
	}
	b.screenshot(name)
}

// submit clicks a form's submit button, waits for the page it leads to,
// and saves a screenshot of it as name. It returns the HTTP status of
// that page.
func (b *browser) submit(button, name string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	if err != nil {
		b.fail("submit "+name, err)
	}
	b.screenshot(name)
	return statusOf(resp)
}

// statusOf is the HTTP status of a page's response, 0 when none came.
func statusOf(resp *network.Response) int64 {
	if resp == nil {
		return 0
	}
	return resp.Status
}

// screenshot saves the whole page (beyond the window) as the next
// numbered PNG, checks it decodes, and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	data, err := run(b, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, strings.ReplaceAll(name, " ", "-")))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		b.t.Errorf("screenshot %s is no PNG: %v", path, err)
	}
	return path
}

// savePNG saves img as the next numbered screenshot, name.png.
func (b *browser) savePNG(name string, img image.Image) string {
	b.t.Helper()
	b.n++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	f, err := os.Create(path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		b.t.Fatal(err)
	}
	return path
}
