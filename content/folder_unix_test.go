//go:build unix

package content

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadDirStaysInFolder loads bundle folders whose listed files are
// not what they claim: a symbolic link out of the folder (to a file the
// bundle must not reveal, to /dev/zero), a FIFO, a device. Each is
// refused, quickly, without its size in the message; a link to another
// file inside the folder still reads. Through os.DirFS the link out read
// the other file ("found 1221 or more" bytes of /etc/passwd), /dev/zero
// was read for the listed size and a FIFO blocked forever.
func TestLoadDirStaysInFolder(t *testing.T) {
	good := []byte("PNG bytes")
	secret := []byte("a file outside the bundle, 51 bytes long, say so!!")
	tests := []struct {
		name  string
		place func(t *testing.T, dir, p string) // puts the listed file at p
		// listed are the bytes the manifest lists for it (their size
		// and SHA-256); nil: good. A bundle probing for a file outside
		// lists that file's.
		listed []byte
		ok     bool
	}{
		{name: "regular file", ok: true, place: func(t *testing.T, dir, p string) { write(t, p, good) }},
		{name: "link within the folder", ok: true, place: func(t *testing.T, dir, p string) {
			write(t, filepath.Join(dir, "images", "real.png"), good)
			link(t, "real.png", p)
		}},
		{name: "link out of the folder", listed: secret, place: func(t *testing.T, dir, p string) {
			out := filepath.Join(t.TempDir(), "secret")
			write(t, out, secret)
			link(t, out, p)
		}},
		{name: "link up and out", listed: secret, place: func(t *testing.T, dir, p string) {
			write(t, filepath.Join(filepath.Dir(dir), "secret"), secret)
			link(t, "../../secret", p)
		}},
		{name: "link to /dev/zero", listed: make([]byte, 1<<20), place: func(t *testing.T, dir, p string) { link(t, "/dev/zero", p) }},
		{name: "FIFO", place: func(t *testing.T, dir, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "folder", place: func(t *testing.T, dir, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bundle")
			if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
				t.Fatal(err)
			}
			m := validManifest()
			listed := good
			if tc.listed != nil {
				listed = tc.listed
			}
			f := Describe("images/map.png", listed)
			m["files"] = []any{map[string]any{"path": f.Path, "sha256": f.SHA256, "size": f.Size}}
			write(t, filepath.Join(dir, ManifestName), mustJSON(t, m))
			tc.place(t, dir, filepath.Join(dir, "images", "map.png"))

			b, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan [2]error, 1)
			go func() {
				_, rerr := b.ReadFile("images/map.png")
				done <- [2]error{rerr, b.Verify()}
			}()
			var errs [2]error
			select {
			case errs = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("reading the file still blocks after 10s")
			}
			for i, name := range []string{"ReadFile", "Verify"} {
				err := errs[i]
				if tc.ok {
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("%s accepted it", name)
				}
				var fe *FieldError
				if !errors.As(err, &fe) || fe.File != "images/map.png" {
					t.Errorf("%s error %v does not name images/map.png", name, err)
				}
				if strings.Contains(err.Error(), strconv.Itoa(len(secret))) {
					t.Errorf("%s error %q gives the size of the file found", name, err)
				}
			}
		})
	}
}

// TestLoadDirManifestLinkOut refuses a manifest.json linking out of the
// bundle folder.
func TestLoadDirManifestLinkOut(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "manifest.json")
	write(t, out, mustJSON(t, validManifest()))
	link(t, out, filepath.Join(dir, ManifestName))
	if _, err := LoadDir(dir); err == nil {
		t.Fatal("a manifest linking out of the folder was read")
	}
}

// TestSizeMismatchKeepsSizeFound checks that a file of another size than
// listed is refused without the size found in the message.
func TestSizeMismatchKeepsSizeFound(t *testing.T) {
	dir := t.TempDir()
	m := validManifest()
	f := Describe("images/map.png", []byte("PNG bytes"))
	m["files"] = []any{map[string]any{"path": f.Path, "sha256": f.SHA256, "size": f.Size}}
	write(t, filepath.Join(dir, ManifestName), mustJSON(t, m))
	write(t, filepath.Join(dir, "images", "map.png"), []byte("PNG byt")) // 7 bytes
	b, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, rerr := b.ReadFile("images/map.png")
	for name, err := range map[string]error{"ReadFile": rerr, "Verify": b.Verify()} {
		if !errors.Is(err, ErrSizeMismatch) {
			t.Errorf("%s error = %v, want ErrSizeMismatch", name, err)
		} else if strings.Contains(err.Error(), "7") {
			t.Errorf("%s error %q gives the size found", name, err)
		}
	}
}

func write(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}
