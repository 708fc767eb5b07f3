// Package e2e is the department studio's end-to-end test: the studio as the
// department runs it, driven through a real browser, publishing into a real
// store that a real kiosk plays from. It has no code of its own outside its
// tests.
//
// The test builds kioskctl and kiosk with `go build`, starts MinIO
// (internal/miniotest), makes the keys with `kioskctl keygen` (root, two
// approvers and the publisher, each behind a passphrase given on stdin),
// creates the repository with `init-repo` (two approvals needed) and
// provisions a site with `provision`. It then starts `kioskctl studio` and
// drives it with Debian's headless Chromium over the DevTools protocol
// (github.com/chromedp/chromedp), as a member of staff would:
//
//   - creates a bundle, adds a text item in Vietnamese and Khmer and an
//     uploaded picture, and sees every preview image load;
//   - writes a character no font of the site draws into the Khmer text, sees
//     the lint error beside that item and language, fixes it and sees the
//     error go;
//   - is refused a sign with a wrong passphrase, then signs as the first
//     approver; signs again as the second approver in another studio on the
//     same workspace; publishes with the publisher's passphrase;
//   - is refused a POST whose CSRF token the page's own script forged, and a
//     form another origin submits with the page's real token, and finds the
//     workspace unchanged after each.
//
// The kiosk, synced from MinIO with the provisioned site's own credentials,
// runs on an X server of the test's own (Xvfb): the test waits until its
// log says it activated the published version and showed the text, reads
// its screen, sees the site's release on the studio's publish page, and
// captures the bundle again (kiosk --capture) to read the Vietnamese lines
// the player laid out. No passphrase may appear in a page or a log.
//
// A full-page screenshot of every page visited, and the kiosk's screen, are
// saved as PNG under $STUDIO_E2E_SHOTS when set (to look at them after the
// run), else in a temporary folder. The test needs chromium (Debian's, at
// /usr/bin/chromium, or $STUDIO_E2E_CHROMIUM), Xvfb, the MinIO binary that
// `make deps` builds and the Noto fonts, and runs on Linux only; it stops
// every process it started, pass or fail, and it needs no X display of the
// caller's.
package e2e
