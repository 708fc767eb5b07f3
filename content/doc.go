// Package content defines the content bundle, the unit a department writes,
// approves and publishes, and that a site plays.
//
// A bundle is a folder (or any fs.FS) holding manifest.json and the files it
// names. The manifest lists the items to play (image slides and text slides,
// each with per-language texts or media and a duration, and guides: steps
// with text, pictures, QR addresses and narration that residents follow at
// an interactive site; and videos: a clip encoded once per screen geometry
// of the sites it is for, see Video), ticker messages, the fonts the bundle carries, and
// every file with its SHA-256 and size. The format is described in
// FORMAT.md next to this file.
//
// Load reads and validates a manifest and checks that every listed file is
// present with its listed size; every problem it finds is a *FieldError
// naming the file and the JSON field. Bundle.ReadFile returns a file's bytes
// only when they match the manifest's size and hash, so a player that reads
// through it never shows altered media. Bundle.Verify hashes every file, for
// the linter and for sync.
//
// The package is the vocabulary shared by the player, sync and the department
// tool: it imports none of them and never links Ebiten. Text is normalised to
// Unicode NFC on load (golang.org/x/text/unicode/norm), so Vietnamese typed
// in decomposed form looks the same as precomposed.
package content
