package watch

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
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
	expectCalls(t, calls, 1)
	// A file deep in a folder made after the watch began.
	os.WriteFile(filepath.Join(sub, "timestamp.json"), []byte("{}"), 0o644)
	expectCalls(t, calls, 1)
}
