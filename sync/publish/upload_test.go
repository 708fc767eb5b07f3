package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
)

// uploadBundle writes a bundle folder whose manifest lists images/a.png
// as listed (its bytes, size and hash), and returns the folder.
func uploadBundle(t *testing.T, listed []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(listed)
	m := content.Manifest{Format: content.FormatVersion, ID: "b", Version: 1, Created: time.Now().UTC().Truncate(time.Second),
		Items: []content.Item{{ID: "p", Kind: content.KindImage, Images: map[string]string{"*": "images/a.png"}}},
		Files: []content.File{{Path: "images/a.png", Size: int64(len(listed)), SHA256: hex.EncodeToString(sum[:])}}}
	raw, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// UploadMedia sends only the bytes a manifest lists, read from inside the
// bundle: a link out of the bundle (to an approver's key, whose hash a
// hostile manifest lists) is not followed, and a file whose bytes are
// not the listed ones leaves nothing in the store under the listed hash.
func TestUploadMediaSendsOnlyTheListedBytes(t *testing.T) {
	ctx := context.Background()
	secret := []byte("-----BEGIN ENCRYPTED PRIVATE KEY----- the approver's key")
	picture := []byte("\x89PNG a picture, the same size as the key file (56 bytes)")[:len(secret)]
	for _, c := range []struct {
		name   string
		listed []byte
		put    func(t *testing.T, path string)
		want   string
	}{
		{"a link to a secret outside the bundle", secret, func(t *testing.T, path string) {
			key := filepath.Join(t.TempDir(), "approver.key")
			if err := os.WriteFile(key, secret, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(key, path); err != nil {
				t.Fatal(err)
			}
		}, "escapes"},
		{"other bytes of the listed size", picture, func(t *testing.T, path string) {
			other := []byte(strings.Repeat("x", len(picture)))
			if err := os.WriteFile(path, other, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "SHA-256 does not match"},
		{"a shorter file", picture, func(t *testing.T, path string) {
			if err := os.WriteFile(path, picture[:10], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "the manifest lists"},
		{"a folder", picture, func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := uploadBundle(t, c.listed)
			c.put(t, filepath.Join(dir, "images", "a.png"))
			store := dirstore.New(t.TempDir())
			_, err := UploadMedia(ctx, store, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "images/a.png") {
				t.Fatalf("UploadMedia: %v, want an error naming images/a.png with %q", err, c.want)
			}
			sum := sha256.Sum256(c.listed)
			if _, err := store.Stat(ctx, layout.MediaKey(hex.EncodeToString(sum[:]))); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the store holds media under the listed hash: %v", err)
			}
		})
	}
	t.Run("the listed bytes", func(t *testing.T) {
		dir := uploadBundle(t, picture)
		if err := os.WriteFile(filepath.Join(dir, "images", "a.png"), picture, 0o644); err != nil {
			t.Fatal(err)
		}
		store := dirstore.New(t.TempDir())
		if n, err := UploadMedia(ctx, store, dir); err != nil || n != int64(len(picture)) {
			t.Fatalf("UploadMedia: %d, %v", n, err)
		}
	})
}
