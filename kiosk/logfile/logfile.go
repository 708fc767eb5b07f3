// Package logfile writes a program's log to a file that is rotated at a
// size bound, keeping a few old files, so that a site PC's disk never fills
// with logs. It is for where no service manager keeps the log: on Windows,
// `kiosk supervise` started by Task Scheduler at logon has no console, and
// what it and the player write to stderr is lost.
//
// It builds on gopkg.in/natefinch/lumberjack.v2, the rotating writer most
// Go programs use: a plain io.Writer (so log/slog writes to it as to
// stderr), safe for concurrent writes, rotating by renaming aside with a
// timestamp and removing the oldest, on Windows as on Linux. Rotation with
// open files on Windows is easy to get wrong; it is not written again here.
package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Options bound a log file. Zero values take the defaults named.
type Options struct {
	// MaxMB is the size in MiB at which the file is rotated. Default 10.
	MaxMB int
	// Backups is how many rotated files are kept beside it. Default 5.
	Backups int
}

// DefaultMaxMB and DefaultBackups bound a log file to about 60 MB.
const (
	DefaultMaxMB   = 10
	DefaultBackups = 5
)

// File is a log file rotated at a size bound. Rotated files sit beside it,
// named with the time of the rotation (kiosk-2026-03-02T08-00-00.000.log);
// the oldest beyond the bound are removed.
type File struct {
	path string
	w    *lumberjack.Logger
}

// Open opens (or creates, with its folder) the log file at path and
// appends to it.
func Open(path string, opts Options) (*File, error) {
	if path == "" {
		return nil, fmt.Errorf("log file: no path")
	}
	if opts.MaxMB <= 0 {
		opts.MaxMB = DefaultMaxMB
	}
	if opts.Backups <= 0 {
		opts.Backups = DefaultBackups
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log file %s: create its folder: %w", path, err)
	}
	// Only the program's own user may put a file at the log's name: in a
	// folder others can write to, they could put a link there at any
	// rotation (the log then written through it, to a file of their
	// choosing) or a FIFO (the program stuck at its start). Folders on
	// Windows are guarded by their ACL, not by these bits.
	if fi, err := os.Stat(filepath.Dir(path)); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o002 != 0 {
		return nil, fmt.Errorf("log file %s: its folder can be written to by every user (%s)", path, fi.Mode().Perm())
	}
	// A folder in its place would be renamed aside as an old log; a link
	// would be written through.
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("log file %s: a folder", path)
	} else if err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("log file %s: not a regular file (%s)", path, fi.Mode().Type())
	}
	f := &File{path: path, w: &lumberjack.Logger{Filename: path, MaxSize: opts.MaxMB, MaxBackups: opts.Backups, LocalTime: true}}
	// The file is opened at the first write: an empty one opens it now,
	// so that a file that cannot be written is an error at start.
	if _, err := f.w.Write(nil); err != nil {
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Write appends p to the file, rotating it first if p would take it over
// its bound.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Close closes the file.
func (f *File) Close() error { return f.w.Close() }
