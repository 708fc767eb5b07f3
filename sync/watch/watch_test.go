package watch

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// expectCalls waits for n calls on ch, then checks no more come within a
// debounce period.
func expectCalls(t *testing.T, ch <-chan struct{}, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d of %d did not come", i+1, n)
		}
	}
	select {
	case <-ch:
		t.Fatal("one call too many")
	case <-time.After(3 * DefaultDebounce / 2):
	}
}

// expectSomeCalls waits for at least one call, then for the calls to stop.
func expectSomeCalls(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no call came")
	}
	for {
		select {
		case <-ch:
		case <-time.After(3 * DefaultDebounce / 2):
			return
		}
	}
}

func TestFileRenameReplaceAndBursts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "site.yaml")
	os.WriteFile(path, []byte("a: 1\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 10)
	if err := File(ctx, path, 100*time.Millisecond, quiet(), func() { calls <- struct{}{} }); err != nil {
		t.Fatal(err)
	}

	// An editor's save: write a temporary file, rename it over the config.
	tmp := filepath.Join(dir, ".site.yaml.swp")
	os.WriteFile(tmp, []byte("a: 2\n"), 0o644)
	os.Rename(tmp, path)
	expectCalls(t, calls, 1)

	// A burst of writes is one call.
	for i := 0; i < 20; i++ {
		os.WriteFile(path, []byte("a: 3\n"), 0o644)
	}
	expectCalls(t, calls, 1)

	// Other files in the folder do not count.
	os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("x"), 0o644)
	expectCalls(t, calls, 0)

	// A second rename-replace still works: the watch survived the first.
	os.WriteFile(tmp, []byte("a: 4\n"), 0o644)
	os.Rename(tmp, path)
	expectCalls(t, calls, 1)
}

func TestTreeSeesNewSubfolders(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 10)
	if err := Tree(ctx, dir, 100*time.Millisecond, quiet(), func() { calls <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "publication", "tuf", "metadata")
	os.MkdirAll(sub, 0o755)
	// Each new folder is watched as it is seen, so on a busy machine its
	// subfolders may be found in more than one debounce window.
	expectSomeCalls(t, calls)
	// A file deep in a folder made after the watch began.
	os.WriteFile(filepath.Join(sub, "timestamp.json"), []byte("{}"), 0o644)
	expectCalls(t, calls, 1)
}

// TestTreeStaysOnTheStick: a link on the stick to a folder elsewhere is not
// followed, and a stick of many nested folders uses a bounded number of
// watches.
func TestTreeStaysOnTheStick(t *testing.T) {
	outside := t.TempDir()
	for i := range 20 {
		os.MkdirAll(filepath.Join(outside, "d", string(rune('a'+i))), 0o755)
	}
	stick := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(stick, "link")); err != nil {
		t.Fatal(err)
	}
	deep := stick
	for range MaxTreeDepth + 5 {
		deep = filepath.Join(deep, "n")
	}
	os.MkdirAll(deep, 0o755)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tr := &tree{w: w, root: stick, log: quiet()}
	if err := tr.add(stick); err != nil {
		t.Fatal(err)
	}
	for _, p := range w.WatchList() {
		if rel, _ := filepath.Rel(stick, p); strings.HasPrefix(rel, "..") || strings.HasPrefix(rel, "link") {
			t.Errorf("watching %s, outside the stick", p)
		}
	}
	if got, want := len(w.WatchList()), MaxTreeDepth+1; got != want {
		t.Errorf("%d folders watched, want %d (the stick and %d levels)", got, want, MaxTreeDepth)
	}
}
