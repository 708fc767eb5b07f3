// Package demo holds the demo bundle: short announcements for a border gate
// and a commune ICT support point in Vietnamese, Khmer, Lao, Chinese and
// English, a few illustrations, a ticker, and one long Vietnamese text that
// must shrink and wrap. It is built into the player so that `make run` plays
// something with no server and no files, and tests play it on real screens.
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
