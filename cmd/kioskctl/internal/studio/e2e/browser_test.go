//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	// secrets are texts no page may hold (the passphrases): each page
	// screenshotted is checked for them.
	secrets []string
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
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	// The page gets the whole window: headless, the window's frame would
	// take some of it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("chromium: viewport: %v", err)
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
	// The page as the server sent it and as it is now, form values
	// included.
	page, err := run(b, chromedp.Evaluate[string](`document.documentElement.outerHTML + "\n" +
		[...document.querySelectorAll('input, textarea')].map(i => i.value).join("\n")`))
	if err != nil {
		b.t.Errorf("page %s: %v", name, err)
	}
	for _, s := range b.secrets {
		if strings.Contains(page, s) {
			b.t.Errorf("page %s (%s) holds a passphrase", name, path)
		}
	}
	return path
}

// fill sets the fields of the form (a selector) by name, as typed.
func (b *browser) fill(form string, fields map[string]string) {
	b.t.Helper()
	for name, v := range fields {
		b.do("fill "+form+" "+name, chromedp.SetValue(chromedp.CSS(fmt.Sprintf("%s [name=%q]", form, name)), v))
	}
}

// typeInto types text into the field with key events, as a person does
// (the passphrases).
func (b *browser) typeInto(field, text string) {
	b.t.Helper()
	b.do("type into "+field, chromedp.Clear(chromedp.CSS(field)), chromedp.SendKeys(chromedp.CSS(field), text))
	if got := must(b, "read "+field, chromedp.Value(chromedp.CSS(field))); got != text {
		b.fail("type into "+field, fmt.Errorf("the field holds %d characters, want %d", len([]rune(got)), len([]rune(text))))
	}
}

// check ticks the checkbox.
func (b *browser) check(box string) {
	b.t.Helper()
	on := must(b, "read "+box, chromedp.JavascriptAttribute[bool](chromedp.CSS(box), "checked"))
	if !on {
		b.do("tick "+box, chromedp.Click(chromedp.CSS(box), chromedp.NodeVisible))
	}
}

// submitOK submits like submit and fails the test unless the page it
// leads to is a 200 without an error message.
func (b *browser) submitOK(button, name string) {
	b.t.Helper()
	if status := b.submit(button, name); status != 200 {
		b.fail(name, fmt.Errorf("status %d", status))
	}
	if n := b.count("#flash .error"); n != 0 {
		text, _ := run(b, chromedp.Text(chromedp.CSS("#flash")))
		b.fail(name, fmt.Errorf("the studio says: %s", text))
	}
}

// count is the number of elements the selector matches now.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return must(b, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// expectNames fails the test unless the elements sel matches name
// exactly want, in any order: each element's first word is a name (an
// approver, "approver1 (016906a57aa5)", is named with their key's ID).
func (b *browser) expectNames(sel string, want ...string) {
	b.t.Helper()
	got := must(b, "read "+sel, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent.trim().split(/\s+/)[0])`, sel)))
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		b.fail("list "+sel, fmt.Errorf("holds %q, want %q", got, want))
	}
}

// waitJS waits up to d until the expression is true in the page.
func (b *browser) waitJS(what, expr string, d time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		b.fail(what, err)
	}
}

// waitText waits up to d until the element sel's text holds want.
func (b *browser) waitText(sel, want string, d time.Duration) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("%s holding %q", sel, want),
		fmt.Sprintf(`(e => e !== null && e.textContent.includes(%q))(document.querySelector(%q))`, want, sel), d)
}

// preview is one slide's preview image on the preview page.
type preview struct {
	Site   string `json:"site"`
	Slide  string `json:"slide"`
	Alt    string `json:"alt"` // "ITEM [LANG...]"
	Src    string `json:"src"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// previews brings each preview image of the page into view (they load
// lazily), waits until it has loaded, and returns their sizes as
// decoded: 0 for an image that did not load.
func (b *browser) previews() []preview {
	b.t.Helper()
	return must(b, "load the previews", chromedp.Evaluate[[]preview](`(async () => {
		const out = [];
		for (const img of document.querySelectorAll('img.preview')) {
			img.scrollIntoView();
			try { await img.decode(); } catch (e) {}
			out.push({site: img.dataset.site, slide: img.dataset.slide, alt: img.alt, src: img.currentSrc,
				width: img.naturalWidth, height: img.naturalHeight});
		}
		window.scrollTo(0, 0);
		return out;
	})()`, chromedp.EvalAwaitPromise))
}

// savePreview fetches the preview image through the page, as the page
// loads it, saves it as the next screenshot and returns it.
func (b *browser) savePreview(p preview) image.Image {
	b.t.Helper()
	encoded := must(b, "fetch "+p.Src, chromedp.Evaluate[string](fmt.Sprintf(`(async () => {
		const r = await fetch(%q, {credentials: 'same-origin'});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (const c of bytes) { s += String.fromCharCode(c); }
		return btoa(s);
	})()`, p.Src), chromedp.EvalAwaitPromise))
	data, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		b.t.Fatalf("preview %s: %v", p.Src, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		b.t.Fatalf("preview %s: %v", p.Src, err)
	}
	b.savePNG("preview-"+p.Site+"-"+p.Slide, img)
	return img
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
