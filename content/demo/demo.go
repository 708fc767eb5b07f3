// Package demo holds the demo bundle: short announcements for a border gate
// and a commune ICT support point in Vietnamese, Khmer, Lao, Chinese and
// English, a few illustrations, a ticker, and one long Vietnamese text that
// must shrink and wrap. It is built into the player so that `make run` plays
// something with no server and no files, and tests play it on real screens.
//
// The bundle also carries two guides for an interactive site (see
// configs/commune-support-point.yaml): registering a birth online on the
// National Public Service Portal, and installing VNeID and getting a level 2
// electronic identity. Their steps are in Vietnamese, Khmer and English, with
// a picture each, QR codes to the portal and to VNeID's page, and Vietnamese
// and English narration rendered with espeak-ng (Khmer has no voice there).
// A wall leaves guides out of its slideshow, so the wall demo plays as it
// did before they were added.
package demo

import (
	"embed"
	"io/fs"

	"github.com/vnict/kiosk/content"
)

//go:embed bundle
var files embed.FS

// FS returns the demo bundle's files, manifest.json at the root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "bundle")
	if err != nil {
		panic(err) // the embedded folder is fixed at build time
	}
	return sub
}

// Load loads the demo bundle.
func Load() (*content.Bundle, error) {
	return content.Load(FS(), "built-in demo")
}
