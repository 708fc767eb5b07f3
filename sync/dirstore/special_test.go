//go:build unix

package dirstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFilesRefusedWithoutBlocking: a stick can hold FIFOs and links
// where objects should be. Get and Stat refuse them at once; opening a FIFO
// for reading would wait for a writer that never comes.
func TestSpecialFilesRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "outside")
	if err := os.WriteFile(outside, []byte("a file off the stick"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "stick")
	s := New(root)
	put(t, s, "tuf/metadata/1.root.json", "root")
	meta := filepath.Join(root, "tuf", "metadata")
	if err := syscall.Mkfifo(filepath.Join(meta, "timestamp.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(meta, "timestamp.json"), filepath.Join(meta, "link-to-fifo.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("1.root.json", filepath.Join(meta, "link-inside.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(meta, "link-outside.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		key     string
		regular bool // refused as not a regular file (else: any refusal)
	}{
		{"FIFO", "tuf/metadata/timestamp.json", true},
		{"link to a FIFO", "tuf/metadata/link-to-fifo.json", true},
		{"link inside the stick", "tuf/metadata/link-inside.json", true},
		{"link off the stick", "tuf/metadata/link-outside.json", true},
		{"through a folder link off the stick", "up/outside", false},
		{"folder", "tuf/metadata", true},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for op, call := range map[string]func() error{
				"Get":      func() error { _, err := s.Get(ctx, tt.key); return err },
				"GetRange": func() error { _, err := s.GetRange(ctx, tt.key, 1); return err },
				"Stat":     func() error { _, err := s.Stat(ctx, tt.key); return err },
			} {
				done := make(chan error, 1)
				go func() { done <- call() }()
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					// Release the reader so the test can end, then fail.
					if w, werr := os.OpenFile(filepath.Join(meta, "timestamp.json"), os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
						w.Close()
					}
					t.Fatalf("%s(%q) still blocked after 10 s", op, tt.key)
				}
				if err == nil {
					t.Fatalf("%s(%q) succeeded, want a refusal", op, tt.key)
				}
				if !errors.Is(err, fs.ErrNotExist) && tt.regular {
					t.Errorf("%s(%q) = %v, want fs.ErrNotExist", op, tt.key, err)
				}
				if tt.regular && !errors.Is(err, ErrNotRegular) {
					t.Errorf("%s(%q) = %v, want ErrNotRegular", op, tt.key, err)
				}
			}
		})
	}
	// The store still serves its real objects.
	rc, err := s.Get(ctx, "tuf/metadata/1.root.json")
	if got := read(t, rc, err); got != "root" {
		t.Errorf("Get of a real object = %q", got)
	}
}
