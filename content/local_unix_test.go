//go:build unix

package content

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenVerifiedStaysInFolder: a clip's name made a symbolic link out of
// the bundle (to a file with the very bytes listed) or a FIFO is refused,
// so the decoder is never handed a file outside the bundle or one that
// blocks.
func TestOpenVerifiedStaysInFolder(t *testing.T) {
	data := []byte("the clip's bytes")
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, dir, outside string) error
	}{
		{"link out of the folder", func(t *testing.T, dir, outside string) error {
			return os.Symlink(outside, filepath.Join(dir, "video/a.mp4"))
		}},
		{"FIFO", func(t *testing.T, dir, outside string) error {
			return syscall.Mkfifo(filepath.Join(dir, "video/a.mp4"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outside := filepath.Join(t.TempDir(), "secret.mp4")
			if err := os.WriteFile(outside, data, 0o600); err != nil {
				t.Fatal(err)
			}
			b := clipBundle(t, dir, data)
			if err := os.Remove(filepath.Join(dir, "video/a.mp4")); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(t, dir, outside); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				f, err := b.OpenVerified("video/a.mp4")
				if err == nil {
					f.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				var fe *FieldError
				if err == nil || !errors.As(err, &fe) || fe.File != "video/a.mp4" {
					t.Errorf("OpenVerified = %v, want a refusal naming video/a.mp4", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("OpenVerified blocked")
			}
		})
	}
}
