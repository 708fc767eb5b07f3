// Package e2e is the department studio's end-to-end test: the studio as the
// department runs it, driven through a real browser, publishing into a real
// store that a real kiosk plays from. It has no code outside its tests.
//
// The test builds kioskctl and kiosk with `go build`, starts MinIO
// (internal/miniotest), makes the keys with `kioskctl keygen` (root, two
// approvers and the publisher, each encrypted with a passphrase given on
// stdin), creates the repository with `init-repo` (two approvals needed) and
// provisions a site with `provision`. It then starts `kioskctl studio` and
// drives it with Debian's headless Chromium over the DevTools protocol
// (github.com/chromedp/chromedp), as a member of staff would:
//
//   - creates a bundle, adds a text item in Vietnamese and Khmer and an
//     uploaded picture (the manifest then lists it with its SHA-256), and
//     sees every slide's preview load at the site's size;
//   - writes a character no font of the site draws into the Khmer text, sees
//     the lint error beside that item and language, is refused a signature
//     while it is there, fixes it and sees the error go;
//   - sends, from the page's own script, a POST with a forged CSRF token and
//     one with none, and has pages of two other origins (another port, and
//     another host name) submit a form with the page's real token: each is
//     refused and leaves the workspace byte for byte as it was;
//   - reads what the approval adds, is refused a signature with a wrong
//     passphrase, signs as the first approver, then as the second in another
//     studio on the same workspace, and publishes with the publisher's
//     passphrase.
//
// The kiosk, synced from MinIO with the provisioned site's own credentials,
// runs from the start on an X server of the test's own (Xvfb). The test
// waits until its log says it activated the published version and showed
// the Vietnamese slide, reads its screen and finds there the studio's
// preview of that slide (and not the Khmer one's), sees the version in the
// studio's rollout table and the site's screenshot on the fleet page, and
// plays the bundle once more with `kiosk --capture` to read the Vietnamese
// lines the player laid out, every character drawn. No passphrase may appear
// in a page, a log or a file the programs wrote.
//
// A full-page screenshot of every page visited, the previews and the
// kiosk's screen are saved as PNG under $STUDIO_E2E_SHOTS/TEST when set (to
// look at them after the run), else in a temporary folder. The test needs
// chromium (Debian's, at /usr/bin/chromium, or $STUDIO_E2E_CHROMIUM), Xvfb,
// the MinIO binary that `make deps` builds and the Noto fonts, and runs on
// Linux only. It needs no X display of the caller's, and stops every
// process it started, pass or fail.
package e2e
