package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the player's GOGC. Most of the player's Go heap is font
// tables that live as long as the process (a CJK face in two weights is
// about 45 MB of a 55 MB heap), while drawing and slide preparation
// allocate well under a megabyte a second. Go's default lets the heap grow
// by the live size again before collecting, up to the soft limit
// (--memory-limit), and that headroom stays resident: 25 keeps it to a
// quarter, at the cost of a collection every few seconds of a ticker
// rather than every twenty.
const gcPercent = 25

func init() { setGCPercent(os.Getenv) }

// setGCPercent sets gcPercent unless the environment gives GOGC.
func setGCPercent(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
