// Package nodisplay, imported for its side effect by the kiosk command,
// answers the command line when there is no display to play on.
//
// Ebiten connects to the X server in its package initialisation, before
// main runs, and panics when there is none, so `kiosk --help` on a machine
// without X would crash instead of printing its usage. Go initialises
// packages in import-path order among those whose imports are ready
// (the Go spec, "Package initialization"); this one needs only the
// standard library, all of which Ebiten's user-interface package needs too,
// so this init runs first. With no display it prints the usage for --help
// and exits 0, reports a bad flag and exits 2, and otherwise says that a
// display is needed and exits 1. With a display it does nothing.
package nodisplay

import (
	"os"

	"github.com/vnict/kiosk/cmd/kiosk/internal/cli"
)

func init() {
	if !cli.HasDisplay(os.Getenv) {
		os.Exit(cli.WithoutDisplay(os.Args[1:], os.Stdout, os.Stderr))
	}
}
