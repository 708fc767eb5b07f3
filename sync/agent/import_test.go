package agent_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/trust"
)

// exports holds two exports of one department, as `kioskctl export`
// writes them to a stick: version 1 of a bundle, then version 2.
type exports struct {
	d      *department
	v1, v2 string
}

func newExports(t *testing.T) *exports {
	t.Helper()
	ctx := context.Background()
	d := newDepartment(t)
	bundle := bundleWithFiles(t, 3, 4_000, 1)
	e := &exports{d: d, v1: filepath.Join(t.TempDir(), "v1"), v2: filepath.Join(t.TempDir(), "v2")}
	for i, dir := range []string{e.v1, e.v2} {
		setVersion(t, bundle, int64(i+1))
		d.Release(t, bundle, layout.Targeting{})
		if _, err := publish.Export(ctx, d.Store, dirstore.New(dir), d.Root, d.Now); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// offlineSite opens a site from its config whose store cannot be reached:
// it gets content only from its import folder, which it returns.
func (e *exports) offlineSite(t *testing.T) (*agent.Site, string) {
	t.Helper()
	importDir := t.TempDir()
	site, err := agent.Open(siteConfig(t, e.d, "an-giang-vinh-xuong", "127.0.0.1:1", importDir), quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	return site, importDir
}

// copyExport copies an export into the import folder under name, as a
// person copies a stick's folder.
func copyExport(t *testing.T, src, importDir, name string) string {
	t.Helper()
	dst := filepath.Join(importDir, name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// importAll scans the import folder, failing the test if the scan does
// not return within a minute (a FIFO opened for reading would hold it).
func importAll(t *testing.T, site *agent.Site, dir string) map[string]agent.ImportOutcome {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []agent.ImportOutcome, 1)
	go func() { done <- site.ImportAll(ctx, dir) }()
	select {
	case outs := <-done:
		byName := map[string]agent.ImportOutcome{}
		for _, o := range outs {
			byName[filepath.Base(o.Dir)] = o
		}
		return byName
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("ImportAll still running after a minute")
		return nil
	}
}

func wantStatus(t *testing.T, outs map[string]agent.ImportOutcome, name string, want agent.ImportStatus, errPart string) {
	t.Helper()
	o, ok := outs[name]
	if !ok {
		t.Fatalf("no outcome for %s; outcomes: %+v", name, outs)
	}
	if o.Status != want {
		t.Fatalf("%s: status %q (err %v), want %q", name, o.Status, o.Err, want)
	}
	if errPart != "" && (o.Err == nil || !strings.Contains(o.Err.Error(), errPart)) {
		t.Fatalf("%s: error %v, want one containing %q", name, o.Err, errPart)
	}
}

func playing(site *agent.Site) int64 {
	if b := site.Cache.Current(); b != nil {
		return b.Manifest.Version
	}
	return 0
}

func timestampPath(pub string) string { return filepath.Join(pub, "tuf", "metadata", "timestamp.json") }

// aMedium returns the path of one media file of an export.
func aMedium(t *testing.T, pub string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(pub, "media"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no media in %s: %v", pub, err)
	}
	return filepath.Join(pub, "media", entries[0].Name())
}

// snapshotFile returns the path of the snapshot metadata of an export.
func snapshotFile(t *testing.T, pub string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(pub, "tuf", "metadata", "*.snapshot.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no snapshot in %s: %v", pub, err)
	}
	return files[len(files)-1]
}

func TestImportAll(t *testing.T) {
	e := newExports(t)

	// A 256 MiB timestamp.json (sparse: the size without the bytes) is
	// refused from its size, without reading it; the refusal is not
	// repeated at each scan, and the real file, once there, is imported.
	t.Run("huge timestamp", func(t *testing.T) {
		site, dir := e.offlineSite(t)
		pub := copyExport(t, e.v1, dir, "pub")
		good, err := os.ReadFile(timestampPath(pub))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(timestampPath(pub), 256<<20); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		outs := importAll(t, site, dir)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("256 MiB timestamp refused in %v, %d KiB allocated", took, allocated>>10)
		wantStatus(t, outs, "pub", agent.ImportRefused, "timestamp.json")
		if allocated > 16<<20 {
			t.Errorf("scan allocated %d MiB for a refused 256 MiB file", allocated>>20)
		}
		wantStatus(t, importAll(t, site, dir), "pub", agent.ImportUnchanged, "")
		if err := os.WriteFile(timestampPath(pub), good, 0o644); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, importAll(t, site, dir), "pub", agent.ImportDone, "")
		if v := playing(site); v != 1 {
			t.Fatalf("playing version %d, want 1", v)
		}
	})

	// A FIFO named timestamp.json neither holds the scan nor stops the
	// other folders, then or later.
	t.Run("FIFO timestamp", func(t *testing.T) {
		site, dir := e.offlineSite(t)
		fifo := copyExport(t, e.v1, dir, "a-fifo")
		os.Remove(timestampPath(fifo))
		if err := syscall.Mkfifo(timestampPath(fifo), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// Release any reader left waiting, so a failure ends.
			if w, err := os.OpenFile(timestampPath(fifo), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		})
		copyExport(t, e.v1, dir, "b-good")
		outs := importAll(t, site, dir)
		wantStatus(t, outs, "a-fifo", agent.ImportRefused, "FIFO")
		wantStatus(t, outs, "b-good", agent.ImportDone, "")
		if v := playing(site); v != 1 {
			t.Fatalf("playing version %d, want 1", v)
		}
		copyExport(t, e.v2, dir, "c-newer")
		outs = importAll(t, site, dir)
		wantStatus(t, outs, "a-fifo", agent.ImportUnchanged, "")
		wantStatus(t, outs, "c-newer", agent.ImportDone, "")
		if v := playing(site); v != 2 {
			t.Fatalf("playing version %d, want 2", v)
		}
	})

	// Links on the stick are not followed: not a folder linked to an
	// export elsewhere on the disk, not metadata linked off the stick.
	t.Run("links", func(t *testing.T) {
		site, dir := e.offlineSite(t)
		elsewhere := copyExport(t, e.v1, t.TempDir(), "elsewhere")
		if err := os.Symlink(elsewhere, filepath.Join(dir, "linked-folder")); err != nil {
			t.Fatal(err)
		}
		meta := copyExport(t, e.v1, dir, "linked-timestamp")
		os.Remove(timestampPath(meta))
		if err := os.Symlink(timestampPath(elsewhere), timestampPath(meta)); err != nil {
			t.Fatal(err)
		}
		tuf := copyExport(t, e.v1, dir, "linked-tuf")
		os.RemoveAll(filepath.Join(tuf, "tuf"))
		if err := os.Symlink(filepath.Join(elsewhere, "tuf"), filepath.Join(tuf, "tuf")); err != nil {
			t.Fatal(err)
		}
		outs := importAll(t, site, dir)
		if _, ok := outs["linked-folder"]; ok {
			t.Errorf("a linked folder was tried: %+v", outs["linked-folder"])
		}
		wantStatus(t, outs, "linked-timestamp", agent.ImportRefused, "a link")
		wantStatus(t, outs, "linked-tuf", agent.ImportRefused, "a link")
		if v := playing(site); v != 0 {
			t.Fatalf("playing version %d from links, want nothing", v)
		}
	})

	// A stick found while it is being copied is imported once the copy is
	// complete: a file not there yet is tried again at each scan; a media
	// file still short looks tampered (its hash cannot match) and is
	// refused, but only until it changes.
	t.Run("copy in progress", func(t *testing.T) {
		tests := []struct {
			name  string
			file  func(t *testing.T, pub string) string // the file not copied yet
			short bool                                  // there, with half its bytes
			want  agent.ImportStatus
			is    error
		}{
			{name: "media file missing", file: aMedium, want: agent.ImportRetry, is: fs.ErrNotExist},
			{name: "snapshot missing", file: snapshotFile, want: agent.ImportRetry, is: trust.ErrInconsistent},
			{name: "media file short", file: aMedium, short: true, want: agent.ImportRetry, is: io.ErrUnexpectedEOF},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				site, dir := e.offlineSite(t)
				pub := copyExport(t, e.v1, dir, "pub")
				file := tc.file(t, pub)
				full, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if tc.short {
					err = os.WriteFile(file, full[:len(full)/2], 0o644)
				} else {
					err = os.Remove(file)
				}
				if err != nil {
					t.Fatal(err)
				}
				outs := importAll(t, site, dir)
				wantStatus(t, outs, "pub", tc.want, "")
				if !errors.Is(outs["pub"].Err, tc.is) {
					t.Errorf("error %v, want %v", outs["pub"].Err, tc.is)
				}
				again := agent.ImportUnchanged
				if tc.want == agent.ImportRetry {
					again = agent.ImportRetry // not marked done: tried again
				}
				wantStatus(t, importAll(t, site, dir), "pub", again, "")
				if v := playing(site); v != 0 {
					t.Fatalf("playing version %d from an incomplete stick", v)
				}
				if err := os.WriteFile(file, full, 0o644); err != nil {
					t.Fatal(err)
				}
				wantStatus(t, importAll(t, site, dir), "pub", agent.ImportDone, "")
				if v := playing(site); v != 1 {
					t.Fatalf("playing version %d, want 1", v)
				}
			})
		}
	})

	// A stick whose timestamp signature was altered is refused once, not
	// at every scan; a good copy of the same publication is then imported.
	t.Run("tampered signature", func(t *testing.T) {
		site, dir := e.offlineSite(t)
		pub := copyExport(t, e.v1, dir, "pub")
		good, err := os.ReadFile(timestampPath(pub))
		if err != nil {
			t.Fatal(err)
		}
		sig := strings.Index(string(good), `"sig"`)
		if sig < 0 {
			t.Fatalf("no signature in %s", good)
		}
		i := sig + len(`"sig"`) + strings.IndexByte(string(good[sig+len(`"sig"`):]), '"') + 1
		bad := []byte(string(good))
		if bad[i] == '0' { // another hex digit: same size, other signature
			bad[i] = '1'
		} else {
			bad[i] = '0'
		}
		if err := os.WriteFile(timestampPath(pub), bad, 0o644); err != nil {
			t.Fatal(err)
		}
		outs := importAll(t, site, dir)
		wantStatus(t, outs, "pub", agent.ImportRefused, "")
		if !errors.Is(outs["pub"].Err, trust.ErrSignature) {
			t.Errorf("refusal %v, want a signature refusal", outs["pub"].Err)
		}
		for range 3 {
			wantStatus(t, importAll(t, site, dir), "pub", agent.ImportUnchanged, "")
		}
		if v := playing(site); v != 0 {
			t.Fatalf("playing version %d from a forged stick", v)
		}
		if err := os.WriteFile(timestampPath(pub), good, 0o644); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, importAll(t, site, dir), "pub", agent.ImportDone, "")
	})
}
