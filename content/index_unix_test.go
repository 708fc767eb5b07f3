//go:build unix

package content

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// indexBundle writes a minimal bundle folder and returns it.
func indexBundle(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := Manifest{Format: FormatVersion, ID: "b", Version: 1, Created: time.Now().UTC().Truncate(time.Second),
		Items: []Item{{ID: "t", Kind: KindText, Text: map[string]Text{"vi": {Title: "Chào"}}}}, Files: []File{}}
	raw, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// describeFile describes what it opened, inside the bundle: a link out
// of it (to an approver's key, say) is refused, and what is not a
// regular file once opened is left out.
func TestDescribeFileStaysInTheBundle(t *testing.T) {
	dir := indexBundle(t)
	secret := filepath.Join(t.TempDir(), "approver.key")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "images", "out.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "images", "up")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if f, ok, err := describeFile(root, "images/out.png"); err == nil {
		t.Fatalf("a link out of the bundle described: %+v %v", f, ok)
	}
	if f, ok, err := describeFile(root, "images/up"); err != nil || ok {
		t.Fatalf("a folder reached by a link: %+v %v %v", f, ok, err)
	}
}

// A picture swapped for a link to a secret while the bundle is indexed
// never puts the secret's hash into the manifest (the walk once listed a
// regular file, then opened whatever the name led to).
func TestIndexDirRacingLinkSwap(t *testing.T) {
	dir := indexBundle(t)
	secret := []byte("-----BEGIN ENCRYPTED PRIVATE KEY----- the approver's key")
	keyFile := filepath.Join(t.TempDir(), "approver.key")
	if err := os.WriteFile(keyFile, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(secret)
	secretHash := hex.EncodeToString(sum[:])
	// A large file listed before the swapped one widens the window
	// between the listing of the folder and the opening of each file.
	if err := os.WriteFile(filepath.Join(dir, "images", "a.bin"), make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	z := filepath.Join(dir, "images", "z.png")
	if err := os.WriteFile(z, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmpFile, tmpLink := z+".f", z+".l"
		for {
			select {
			case <-stop:
				return
			default:
			}
			os.WriteFile(tmpFile, []byte("x"), 0o644)
			os.Rename(tmpFile, z)
			time.Sleep(time.Millisecond)
			os.Symlink(keyFile, tmpLink)
			os.Rename(tmpLink, z)
			time.Sleep(time.Millisecond)
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	for i := range 60 {
		m, err := IndexDir(dir)
		if err != nil {
			continue // the link was opened and refused
		}
		for _, f := range m.Files {
			if f.SHA256 == secretHash {
				t.Fatalf("try %d: the manifest lists the secret's hash under %s", i, f.Path)
			}
		}
	}
}
