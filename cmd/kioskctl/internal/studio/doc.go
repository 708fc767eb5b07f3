// Package studio is the department's web studio, `kioskctl studio`: a
// small web application, served by net/http with html/template pages and a
// little plain JavaScript embedded in the binary, where the department's
// staff write bundles (texts per language, images, videos, the ticker),
// see every slide as each site will draw it (kiosk/preview), read the
// linter's findings next to the item and language they concern
// (kiosk/lint), approve a bundle with their own key (sync/publish, as
// `kioskctl approve`), publish it and watch the sites take it, and watch
// the fleet (kiosk/report/fleet) and download the month's report.
//
// Nobody edits JSON: every change is made to the manifest in memory and
// written through content.IndexDirWith, which lists every file with its
// size and SHA-256, validates the whole manifest and writes it
// atomically; a change that would not validate is refused with the
// validator's words and leaves the bundle as it was.
//
// The studio is built to be safe on a department's PC and, with logins,
// on its network:
//   - It listens on the loopback address by default; any other address
//     needs a users file (department logins, bcrypt hashes, see Users).
//   - Every Host header is checked against the listening address, so a
//     page of another site cannot reach it by DNS rebinding.
//   - Every POST is refused when the browser says it comes from another
//     origin (Sec-Fetch-Site, Origin, Referer), and carries a per-session
//     CSRF token compared in constant time.
//   - Pages forbid framing and inline script (Content-Security-Policy):
//     scripts come from /static only.
//   - Request bodies are bounded (forms 1 MiB, images 32 MiB, videos
//     512 MiB); uploaded files' names are never used as given, and files
//     are written through os.OpenRoot inside the bundle's folder, refusing
//     symbolic links on the way.
//   - Private keys stay in their files on the machine that runs the
//     studio (--key, --publisher-key): the page only carries the
//     passphrase typed by the approver, which is read from the request's
//     bytes, used once to unlock the key and zeroed; it is never logged,
//     echoed back or put in an error.
//
// Two approvers approve from two studios on two machines that share the
// workspace folder (a department's shared drive), each with its own key.
package studio
