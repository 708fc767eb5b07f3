// Package procgroup runs a child program so that stopping it stops what
// it started too: on Unix the child leads a process group of its own,
// killed whole; elsewhere (Windows) the child alone is killed. The
// player's sound probe and video decoders (FFmpeg, or a script around it)
// are run so.
package procgroup
