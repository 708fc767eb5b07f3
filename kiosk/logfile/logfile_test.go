package logfile

import (
	"bufio"
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

const mib = 1 << 20

// TestRotation writes 3.5 MiB of log records to a file bounded at 1 MiB
// with 2 backups: each file is rotated just before the record that would
// take it over 1 MiB, the oldest is removed, and the newest records are in
// the file itself.
func TestRotation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	path := filepath.Join(dir, "kiosk.log")
	f, err := Open(path, Options{MaxMB: 1, Backups: 2})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(f, nil))
	pad := strings.Repeat("x", 100)
	n := 0
	for written := int64(0); written < 7*mib/2; n++ {
		log.Info("frame", "n", n, "pad", pad)
		written += 150 // about a record's length
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	// Old files are removed in the background after a rotation.
	var backups []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, err := filepath.Glob(filepath.Join(dir, "kiosk-*.log"))
		if err != nil {
			t.Fatal(err)
		}
		backups = all
		if len(backups) <= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(backups) != 2 {
		t.Fatalf("%d rotated files kept, want 2: %v", len(backups), backups)
	}
	recordLen := 0
	for _, p := range append(backups, path) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > mib {
			t.Errorf("%s: %d bytes, over the bound of %d", p, len(b), mib)
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			recordLen = max(recordLen, i+1)
		}
		if p != path && len(b) <= mib-recordLen {
			t.Errorf("%s: rotated at %d bytes, before the bound of %d", p, len(b), mib)
		}
	}
	last := lastLine(t, path)
	if want := "n=" + strconv.Itoa(n-1) + " "; !strings.Contains(last, want) {
		t.Errorf("the file's last record is %q, want the last written (%s)", last, want)
	}
}

func lastLine(t *testing.T, path string) string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var last string
	s := bufio.NewScanner(file)
	for s.Scan() {
		last = s.Text()
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return last
}

// TestOpenAppends reopens a log file, as a restarted supervisor does: what
// was written before stays.
func TestOpenAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.log")
	for _, line := range []string{"first start\n", "second start\n"} {
		f, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "first start\nsecond start\n" {
		t.Errorf("the file holds %q", b)
	}
}

// TestOpenRefused: a log file that cannot be made is an error at Open that
// names the path.
func TestOpenRefused(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "logs")
	if err := os.WriteFile(notDir, []byte("a file, not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "kiosk.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"a folder under a file", filepath.Join(notDir, "kiosk", "kiosk.log"), "log file " + filepath.Join(notDir, "kiosk", "kiosk.log") + ": create its folder"},
		{"the path is a folder", filepath.Join(dir, "kiosk.log"), "log file " + filepath.Join(dir, "kiosk.log") + ": a folder"},
		{"no path", "", "log file: no path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(tc.path, Options{})
			if err == nil {
				f.Close()
				t.Fatalf("Open(%q): no error", tc.path)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%q): %v, want it to say %q", tc.path, err, tc.want)
			}
		})
	}
}

// TestOpenRefusesWhatOthersCouldPlant: a link at the log's name is not
// written through (to a file that exists, or one it would create), and a
// folder every user can write to, where anyone could put such a link at
// the next rotation, is refused.
func TestOpenRefusesWhatOthersCouldPlant(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("links need a privilege on Windows; folders are guarded by their ACL")
	}
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(outside, "created")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, path string)
		want  string
	}{
		{"a link to a file", func(t *testing.T, path string) {
			if err := os.Symlink(victim, path); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"a link to no file", func(t *testing.T, path string) {
			if err := os.Symlink(created, path); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"a folder anyone can write to", func(t *testing.T, path string) {
			if err := os.Chmod(filepath.Dir(path), 0o777); err != nil {
				t.Fatal(err)
			}
		}, "every user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.log")
			tc.setup(t, path)
			f, err := Open(path, Options{})
			if err == nil {
				f.Write([]byte("written through\n"))
				f.Close()
				t.Error("Open: no error")
			} else if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v, want it to say %q", err, tc.want)
			}
			if b, _ := os.ReadFile(victim); string(b) != "keep" {
				t.Errorf("the file a link pointed at now holds %q", b)
			}
			if _, err := os.Lstat(created); err == nil {
				t.Error("a file was created where a link pointed")
			}
		})
	}
}
