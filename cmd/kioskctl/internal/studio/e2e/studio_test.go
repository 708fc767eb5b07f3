//go:build linux

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/trust"
)

// The bundle the test writes in the studio: a text slide in Vietnamese
// and Khmer (the demo's welcome), and a picture.
const (
	bundleID = "tin-cua-khau"
	textID   = "chao-mung"
	imageID  = "ban-do"
	viTitle  = "Chào mừng quý khách đến Việt Nam"
	viBody   = "Cửa khẩu Quốc tế Tịnh Biên, tỉnh An Giang"
	kmTitle  = "សូមស្វាគមន៍មកកាន់ប្រទេសវៀតណាម"
	kmBody   = "ច្រកទ្វារ\u200bព្រំដែន\u200bអន្តរជាតិ\u200bទិញបៀន"
	// undrawable is a character neither Noto Sans nor Noto Sans Khmer
	// has (MUSICAL SYMBOL G CLEF): the site would show a box.
	undrawable = "\U0001D11E"
)

// TestStudioEndToEnd authors, previews, lints, approves (two approvers,
// two studios) and publishes a bundle in the studio through a browser,
// and sees a real kiosk synced from MinIO play it (see the package doc).
func TestStudioEndToEnd(t *testing.T) {
	began := time.Now()
	progs := buildPrograms(t)
	d := newDepartment(t, progs.kioskctl)
	for _, name := range []string{approver1, approver2, publisher} {
		k, err := trust.ReadPrivateKey(d.key(name, ".key"))
		if err != nil {
			t.Fatal(err)
		}
		if !k.Encrypted() {
			t.Fatalf("%s.key was written without encryption", name)
		}
	}
	s := d.provision("an-giang-tinh-bien", "Cửa khẩu Quốc tế Tịnh Biên", t.TempDir())
	// The studio reads the site configs of the department's folder.
	sites := t.TempDir()
	copyFile(t, s.config, filepath.Join(sites, s.id+".yaml"))
	workspace := t.TempDir()
	t.Logf("programs built, repository made, site provisioned: %v", time.Since(began).Round(time.Millisecond))

	// The site plays from the start: the standby slide, then what the
	// department publishes.
	x := startXScreen(t, s.w, s.h)
	k := startKiosk(t, progs.kiosk, s, x)
	k.waitRecord(t, "no content bundle; showing the standby slide", nil, time.Minute)

	b := startBrowser(t)
	for _, p := range d.pass {
		b.secrets = append(b.secrets, p)
	}
	st := startStudio(t, d, progs.kioskctl, workspace, sites, approver1, "")

	// Author: a bundle, a text slide in two languages, a picture.
	b.open(st.launch, "bundles")
	b.fill("#new-bundle", map[string]string{"id": bundleID})
	b.submitOK("#create", "bundle-created")
	b.open(st.url+"bundles/"+bundleID, "editor")
	b.fill("#add-text", map[string]string{"id": textID, "duration": "4s",
		"title-vi": viTitle, "body-vi": viBody, "title-km": kmTitle, "body-km": kmBody})
	b.submitOK("#add-text-submit", "text-added")
	b.do("the text item", chromedp.WaitVisible(chromedp.CSS(itemSel(textID))))
	picture := writePicture(t, filepath.Join(t.TempDir(), "ban-do-cua-khau.png"), 1280, 720)
	b.fill("#add-image", map[string]string{"id": imageID, "duration": "4s"})
	b.do("choose the picture", chromedp.SetUploadFiles(chromedp.CSS("#add-image input[name=file]"), []string{picture}))
	b.submitOK("#add-image-submit", "image-added")
	b.do("the image item", chromedp.WaitVisible(chromedp.CSS(itemSel(imageID))))
	if n := b.count("li.finding.error"); n != 0 {
		b.fail("authoring", fmt.Errorf("%d lint errors on a bundle that has none", n))
	}
	checkManifest(t, filepath.Join(workspace, bundleID), picture)

	// Preview: every slide of the site, drawn at its size.
	b.open(st.url+"bundles/"+bundleID+"/preview", "preview")
	previews := b.previews()
	if len(previews) < 3 {
		b.fail("preview", fmt.Errorf("%d slides previewed, want the text in vi and km and the picture: %+v", len(previews), previews))
	}
	for _, p := range previews {
		if p.Site != s.id || p.Width != s.w || p.Height != s.h {
			b.fail("preview", fmt.Errorf("slide %s of site %s is %dx%d, want site %s at %dx%d", p.Slide, p.Site, p.Width, p.Height, s.id, s.w, s.h))
		}
	}
	b.screenshot("preview-loaded")
	// The text slide in each language, as the kiosk should show it (the
	// image's text names the item and its languages).
	var viPreview, kmPreview image.Image
	for _, p := range previews {
		if !strings.HasPrefix(p.Alt, textID+" ") {
			continue
		}
		switch vi, km := strings.Contains(p.Alt, "vi"), strings.Contains(p.Alt, "km"); {
		case vi && !km:
			viPreview = b.savePreview(p)
		case km && !vi:
			kmPreview = b.savePreview(p)
		}
	}
	if viPreview == nil || kmPreview == nil {
		b.fail("preview", fmt.Errorf("no preview of %s in Vietnamese alone and in Khmer alone: %+v", textID, previews))
	}

	// Lint inline: a character no font of the site draws, in the Khmer
	// text, is an error beside that item and language; fixed, it goes.
	edit := fmt.Sprintf("form.edit-item[data-item=%q]", textID)
	finding := fmt.Sprintf("li.finding.error[data-item=%q][data-lang=km]", textID)
	b.open(st.url+"bundles/"+bundleID, "editor-before-lint")
	b.fill(edit, map[string]string{"body-km": kmBody + " " + undrawable})
	b.submitOK(edit+" button.save", "lint-error")
	b.do("the lint error", chromedp.WaitVisible(chromedp.CSS(finding)))
	if n := b.count(fmt.Sprintf("li.finding.error[data-lang=vi], li.finding.error[data-item=%q]", imageID)); n != 0 {
		b.fail("lint", fmt.Errorf("%d errors for the Vietnamese text or the picture, which have none", n))
	}
	// Signing it is refused, with the right passphrase.
	b.open(st.url+"bundles/"+bundleID+"/approve", "approve-with-lint-error")
	b.typeInto("#sign input[name=passphrase]", d.pass[approver1])
	b.submit("#sign-submit", "approve-refused-lint-error")
	b.do("the refusal", chromedp.WaitVisible(chromedp.CSS("#flash .error")))
	b.expectNames("#signed li")
	b.open(st.url+"bundles/"+bundleID, "editor-fix")
	b.fill(edit, map[string]string{"body-km": kmBody})
	b.submitOK(edit+" button.save", "lint-fixed")
	if n := b.count("li.finding.error"); n != 0 {
		b.fail("lint", fmt.Errorf("%d lint errors left after the fix", n))
	}

	// A forged CSRF token, and a form from another origin, change nothing.
	checkForgeries(t, b, st, workspace)

	// Approve: the first approver, once with a wrong passphrase.
	approve := st.url + "bundles/" + bundleID + "/approve"
	b.open(approve, "approve")
	for _, id := range []string{textID, imageID} {
		if b.count(fmt.Sprintf("#diff li.change.added[data-item=%q]", id)) == 0 {
			t.Errorf("the approve page's changes do not list item %s as added", id)
		}
	}
	b.expectNames("#signed li")
	b.check(fmt.Sprintf("#sign input[name=sites][value=%q]", s.id))
	b.typeInto("#sign input[name=passphrase]", "sai mật khẩu rồi")
	b.submit("#sign-submit", "approve-wrong-passphrase")
	b.do("the refusal", chromedp.WaitVisible(chromedp.CSS("#flash .error")))
	b.expectNames("#signed li")
	b.check(fmt.Sprintf("#sign input[name=sites][value=%q]", s.id))
	b.typeInto("#sign input[name=passphrase]", d.pass[approver1])
	b.submitOK("#sign-submit", "approved-1")
	b.expectNames("#signed li", approver1)
	b.expectNames("#missing li", approver2)
	st.p.stop()

	// The second approver, in a studio of their own on the same
	// workspace, signs; it also has the publisher's key.
	st = startStudio(t, d, progs.kioskctl, workspace, sites, approver2, publisher)
	b.open(st.launch, "bundles-2")
	b.open(st.url+"bundles/"+bundleID+"/approve", "approve-2")
	// The slides this signature covers are drawn on the page itself.
	b.waitJS("the approve page's slides", `(imgs => imgs.length === 3 && imgs.every(i => i.complete && i.naturalWidth > 0))([...document.querySelectorAll('img.thumb')])`, time.Minute)
	b.screenshot("approve-2-slides")
	b.expectNames("#signed li", approver1)
	b.check(fmt.Sprintf("#sign input[name=sites][value=%q]", s.id))
	b.typeInto("#sign input[name=passphrase]", d.pass[approver2])
	b.submitOK("#sign-submit", "approved-2")
	b.expectNames("#signed li", approver1, approver2)
	b.expectNames("#missing li")

	// Publish, and watch the site take it.
	b.open(st.url+"publish", "publish")
	b.typeInto("#publish input[name=passphrase]", d.pass[publisher])
	publishing := time.Now()
	b.submitOK("#publish-submit", "published")
	rec := k.waitRecord(t, "publication activated", map[string]string{"bundle": bundleID}, time.Minute)
	version := rec["version"]
	if at, err := time.Parse(time.RFC3339Nano, rec["time"]); err == nil {
		t.Logf("the kiosk activated %s v%s %v after the publish was submitted", bundleID, version, at.Sub(publishing).Round(time.Millisecond))
	}
	k.waitRecord(t, "slide", map[string]string{"item": textID, "lang": "[vi]"}, time.Minute)
	// The studio's preview is the slide the kiosk shows: the same lines
	// at the same places, but for the edges of the glyphs, which two
	// rasterisers smooth differently. The slides go round every 12 s.
	screen, differ := x.closest(viPreview, 30*time.Second)
	b.savePNG("kiosk-screen", screen)
	if differ > maxPreviewDiffer {
		t.Errorf("the kiosk's screen was never the preview of %s in Vietnamese: at best %.2f%% of the pixels differ, more than %.2f%%",
			textID, 100*differ, 100*maxPreviewDiffer)
	} else {
		t.Logf("the preview and the kiosk's screen differ in %.2f%% of their pixels", 100*differ)
	}
	// The comparison tells two slides apart: the Khmer slide is not the
	// Vietnamese one.
	if other := differingShare(kmPreview, screen); other < 3*maxPreviewDiffer {
		t.Errorf("the Khmer slide's preview differs from the Vietnamese slide on screen in only %.2f%% of the pixels", 100*other)
	}
	if ink := inkShare(screen, siteBackground); ink < 0.02 {
		t.Errorf("the kiosk's screen is blank on the text slide: %.1f%% ink", 100*ink)
	}
	b.waitText(fmt.Sprintf("tr.site[data-site=%q] td.want", s.id), bundleID+"@"+version, stepTimeout)
	b.waitText(fmt.Sprintf("tr.site[data-site=%q] td.release", s.id), bundleID+"@"+version, 90*time.Second)
	b.screenshot("rollout")
	b.open(st.url+"fleet", "fleet")
	b.waitJS("the site's screenshot", `[...document.querySelectorAll('img.screenshot')].some(i => i.complete && i.naturalWidth > 0)`, time.Minute)
	b.screenshot("fleet-screenshot")
	st.p.stop()

	// What the player laid out: the bundle's Vietnamese lines, every
	// character drawn.
	k.p.stop()
	frames := t.TempDir()
	sum := capture(t, progs.kiosk, s, x, frames)
	checkCapture(t, b, sum, frames)

	// No passphrase in a log, nor in a file the studio or the kiosk wrote.
	for _, out := range []*process{st.p, k.p} {
		for name, p := range d.pass {
			if strings.Contains(out.out.String(), p) {
				t.Errorf("%s's output holds %s's passphrase", out.name, name)
			}
		}
	}
	for _, dir := range []string{workspace, filepath.Dir(d.root), s.dir, d.keys} {
		checkNoPassphrase(t, dir, d.pass)
	}
	t.Logf("end to end in %v; screenshots in %s", time.Since(began).Round(time.Millisecond), b.shots)
}

// maxPreviewDiffer is the largest share of pixels in which the studio's
// preview of a text slide may differ from the kiosk's screen showing it.
// Measured: 0.02% to 0.14% (the edges of glyphs); the slide in another
// language, 15%.
const maxPreviewDiffer = 0.005

// differingShare is the share of pixels in which a and b differ by more
// than a quarter of the range in some channel; 1 when their sizes differ.
func differingShare(a, b image.Image) float64 {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 1
	}
	ab, bb := a.Bounds(), b.Bounds()
	n := 0
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				n++
			}
		}
	}
	return float64(n) / float64(ab.Dx()*ab.Dy())
}

func far(a, b uint32) bool { return max(a, b)-min(a, b) > 0x4000 }

// itemSel selects the editor's section of item id.
func itemSel(id string) string { return fmt.Sprintf("section.item[data-item=%q]", id) }

// studio is a running `kioskctl studio`.
type studio struct {
	url    string // the base URL it printed, ending in "/"
	launch string // the URL it printed, with its launch token
	p      *process
}

// studioURL is the line the studio prints when it is ready.
// It carries the launch token, which gives the browser that opens it a
// session.
var studioURL = regexp.MustCompile(`(?m)^studio: ((http://127\.0\.0\.1:[0-9]+/)\?token=[A-Za-z0-9_-]{43})$`)

// startStudio starts kioskctl studio on the workspace and the site
// configs in sites, with the approver's key and, unless "", the
// publisher's, and waits until it prints its URL.
func startStudio(t testing.TB, d *department, kioskctl, workspace, sites, approver, pub string) *studio {
	t.Helper()
	args := append([]string{"studio", "--no-browser", "--workspace", workspace, "--sites", sites,
		"--key", d.key(approver, ".key"), "--root", d.root}, d.storeArgs()...)
	if pub != "" {
		args = append(args, "--publisher-key", d.key(pub, ".key"))
	}
	cmd := exec.Command(kioskctl, args...)
	cmd.Env = d.env(t.TempDir())
	p := start(t, "kioskctl studio ("+approver+")", cmd)
	p.waitFor(t, "studio: http", 1, time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := studioURL.FindStringSubmatch(p.out.String()); m != nil {
			return &studio{url: m[2], launch: m[1], p: p}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the studio printed no URL line:\n%s", p.out.String())
		}
		select {
		case <-p.out.more:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkManifest checks the bundle's manifest as the studio wrote it: it
// validates, holds both items, and lists the uploaded picture with its
// SHA-256.
func checkManifest(t testing.TB, dir, picture string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatalf("the studio wrote no manifest: %v", err)
	}
	m, err := content.ParseManifest(raw)
	if err != nil {
		t.Fatalf("the studio's manifest: %v", err)
	}
	var ids []string
	for _, it := range m.Items {
		ids = append(ids, it.ID)
	}
	if strings.Join(ids, ",") != textID+","+imageID {
		t.Errorf("manifest items %v, want %s then %s", ids, textID, imageID)
	}
	data, err := os.ReadFile(picture)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for _, f := range m.Files {
		if f.SHA256 == want {
			return
		}
	}
	t.Errorf("manifest files %+v do not list the uploaded picture (SHA-256 %s)", m.Files, want)
}

// checkForgeries sends the studio, from the browser, POSTs it must refuse
// (a forged CSRF token from the page's own script; a form on a page of
// another origin, carrying the page's real token), and checks each is
// refused and leaves the workspace as it was.
func checkForgeries(t *testing.T, b *browser, st *studio, workspace string) {
	t.Helper()
	editor := st.url + "bundles/" + bundleID
	b.open(editor, "editor-before-forgeries")
	before := snapshot(t, workspace)
	unchanged := func(what string) {
		t.Helper()
		if after := snapshot(t, workspace); after != before {
			t.Errorf("%s changed the workspace:\nbefore:\n%s\nafter:\n%s", what, before, after)
		}
	}

	// The page's own script posts the add-text form with the token
	// forged, and with none.
	for _, tc := range []struct{ name, token string }{
		{"forged token", "Zm9yZ2VkLXRva2VuLW9mLXRoZS1yaWdodC1sZW5ndGg"},
		{"no token", ""},
	} {
		status := must(b, "POST with "+tc.name, chromedp.Evaluate[int](fmt.Sprintf(`(async () => {
			const f = document.querySelector('#add-text');
			const body = new URLSearchParams(new FormData(f));
			body.set('id', 'gia-mao');
			body.set('title-vi', 'Tin giả');
			if (%q === '') { body.delete('csrf'); } else { body.set('csrf', %q); }
			const r = await fetch(f.action, {method: 'POST', body, redirect: 'manual', credentials: 'same-origin'});
			return r.status;
		})()`, tc.token, tc.token), chromedp.EvalAwaitPromise))
		// 0 is an opaque redirect: the form was taken.
		if status < 400 {
			t.Errorf("a POST with %s: status %d, want a refusal", tc.name, status)
		}
		unchanged("a POST with " + tc.name)
	}

	// A page of another origin submits the form with the real token, as
	// if it had learnt it: once from the same host on another port
	// (same-site), once from another host name (cross-site).
	token := must(b, "the CSRF token", chromedp.Value(chromedp.CSS("#add-text input[name=csrf]")))
	rev := must(b, "the revision", chromedp.Value(chromedp.CSS("#add-text input[name=rev]")))
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><meta charset="utf-8"><title>Trang khác</title>
<form id="f" method="post" action="%sbundles/%s/text">
<input name="csrf" value="%s"><input name="rev" value="%s">
<input name="id" value="tu-trang-khac"><input name="title-vi" value="Tin từ trang khác">
</form><script>document.getElementById('f').submit()</script>`, st.url, bundleID, token, rev)
	}))
	defer attacker.Close()
	port := attacker.URL[strings.LastIndex(attacker.URL, ":")+1:]
	for _, origin := range []string{attacker.URL, "http://localhost:" + port} {
		b.do("the other origin's page", chromedp.Navigate(origin+"/"))
		b.waitJS("the form's answer", fmt.Sprintf(`location.href.startsWith(%q) && document.readyState === 'complete'`, st.url), stepTimeout)
		status := must(b, "the answer's status", chromedp.Evaluate[int](`performance.getEntriesByType('navigation')[0].responseStatus`))
		b.screenshot("refused-from-" + strings.NewReplacer("http://", "", ":", "-").Replace(origin))
		if status != http.StatusForbidden {
			t.Errorf("a form from %s: status %d, want 403", origin, status)
		}
		unchanged("a form from " + origin)
	}
	b.open(editor, "editor-after-forgeries")
	for _, id := range []string{"gia-mao", "tu-trang-khac"} {
		if b.count(itemSel(id)) != 0 {
			t.Errorf("item %s was added", id)
		}
	}
}

// checkNoPassphrase fails the test if a file under dir holds one of the
// passphrases.
func checkNoPassphrase(t testing.TB, dir string, pass map[string]string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name, p := range pass {
			if strings.Contains(string(data), p) {
				t.Errorf("%s holds %s's passphrase", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every file under dir with its size and SHA-256.
func snapshot(t testing.TB, dir string) string {
	t.Helper()
	var sb strings.Builder
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(&sb, "%s %d %x\n", rel, len(data), sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// checkCapture checks the kiosk's capture of the published bundle: the
// text item's Vietnamese title and body laid out as written, the Khmer
// shown too, every character drawn; and saves the Vietnamese frame.
func checkCapture(t testing.TB, b *browser, sum captureSummary, dir string) {
	t.Helper()
	if sum.UnmappedGlyphs != 0 {
		t.Errorf("the kiosk drew %d characters without a glyph", sum.UnmappedGlyphs)
	}
	got := map[string]string{} // lang/region: the text as laid out
	shown := map[string]bool{}
	for _, f := range sum.Frames {
		shown[f.Item] = true
		if f.Item != textID || f.Fade {
			continue
		}
		for _, r := range f.Regions {
			if r.Lang != "" && len(r.Text) > 0 {
				got[r.Lang+"/"+r.Name] = strings.Join(r.Text, " ")
			}
		}
		if len(f.Langs) == 1 && f.Langs[0] == "vi" && f.File != "" {
			copyFile(t, filepath.Join(dir, f.File), filepath.Join(b.shots, fmt.Sprintf("%02d-kiosk-capture-vi.png", b.n+1)))
			b.n++
		}
	}
	for key, want := range map[string]string{"vi/title": viTitle, "vi/body": viBody} {
		if got[key] != want {
			t.Errorf("the kiosk laid out %s as %q, want %q", key, got[key], want)
		}
	}
	if got["km/title"] == "" {
		t.Errorf("the kiosk showed no Khmer title; regions: %v", got)
	}
	for _, id := range []string{textID, imageID} {
		if !shown[id] {
			t.Errorf("the kiosk's capture never showed item %s", id)
		}
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writePicture writes a w×h PNG picture to path: a map-like drawing of
// bands and a disc, different in every part, so a preview or a screen
// that shows it is plainly not blank.
func writePicture(t testing.TB, path string, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(40 + 150*x/w), uint8(120 + 100*y/h), 90, 255}
			if (x/80+y/80)%2 == 0 {
				c.B = 160
			}
			if dx, dy := x-w/2, y-h/2; dx*dx+dy*dy < (h/4)*(h/4) {
				c = color.RGBA{0xda, 0x25, 0x1d, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}
