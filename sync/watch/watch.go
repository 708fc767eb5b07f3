// Package watch calls a function when a file or a folder changes, built on
// github.com/fsnotify/fsnotify (inotify, ReadDirectoryChangesW, kqueue).
//
// It handles fsnotify's known traps: editors save by writing a new file and
// renaming it over the old one, which ends a watch on the file itself, so
// the parent folder is watched and events filtered by name; one copy emits a
// burst of events, so calls are debounced; watches are not recursive, so a
// folder watch reports changes anywhere below it by rescanning; and when the
// kernel's event queue overflows, events are lost, so an overflow is treated
// as a change.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is the quiet time after the last event before a call.
const DefaultDebounce = 300 * time.Millisecond

// File calls onChange after the file at path is created, written, replaced
// or removed, once per burst of events, until ctx ends. The file need not
// exist yet; its folder must.
func File(ctx context.Context, path string, debounce time.Duration, log *slog.Logger, onChange func()) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	if err := w.Add(filepath.Dir(abs)); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", path, err)
	}
	match := func(name string) bool { return filepath.Clean(name) == abs }
	go loop(ctx, w, debounce, log, match, nil, onChange)
	return nil
}

// Tree calls onChange after anything below dir changes (a USB stick's
// files arriving), once per burst, until ctx ends. New subfolders are
// watched as they appear, up to MaxTreeDepth below dir and MaxTreeWatches
// folders in all; links are never followed, so a stick cannot make the
// site watch (or exhaust its watches on) folders outside it.
func Tree(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger, onChange func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	t := &tree{w: w, root: filepath.Clean(dir), log: log}
	if err := t.add(t.root); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	grow := func(ev fsnotify.Event) {
		if ev.Has(fsnotify.Create) {
			if st, err := os.Lstat(ev.Name); err == nil && st.IsDir() {
				if err := t.add(ev.Name); err != nil {
					log.Warn("cannot watch new folder", "dir", ev.Name, "err", err)
				}
			}
		}
	}
	go loop(ctx, w, debounce, log, func(string) bool { return true }, grow, onChange)
	return nil
}

// Bounds of a Tree watch. An export is four folders deep below its own
// folder (tuf/targets/bundles/...), which may be one below the watched one.
const (
	MaxTreeDepth   = 6
	MaxTreeWatches = 1024
)

// tree adds the folders of a Tree watch, within its bounds. Only the loop
// goroutine calls add after Tree returns.
type tree struct {
	w       *fsnotify.Watcher
	root    string
	log     *slog.Logger
	watched int
	warned  bool
}

func (t *tree) add(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// WalkDir does not follow links: a link to a folder is not a
		// folder here.
		if !d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(t.root, p)
		if err != nil {
			return err
		}
		depth := 0
		if rel != "." {
			depth = len(strings.Split(rel, string(filepath.Separator)))
		}
		if depth > MaxTreeDepth || t.watched >= MaxTreeWatches {
			if !t.warned {
				t.warned = true
				t.log.Warn("folder watch bounds reached; deeper or further folders are seen at the next scan", "dir", p,
					"max_depth", MaxTreeDepth, "max_watches", MaxTreeWatches)
			}
			return fs.SkipDir
		}
		if err := t.w.Add(p); err != nil {
			return err
		}
		t.watched++
		return nil
	})
}

func loop(ctx context.Context, w *fsnotify.Watcher, debounce time.Duration, log *slog.Logger,
	match func(string) bool, each func(fsnotify.Event), onChange func()) {
	defer w.Close()
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if each != nil {
				each(ev)
			}
			if match(ev.Name) {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: assume the change happened.
				log.Warn("file events overflowed; rescanning")
				timer.Reset(debounce)
				continue
			}
			log.Warn("file watch error", "err", err)
		case <-timer.C:
			onChange()
		}
	}
}
