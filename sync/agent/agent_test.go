package agent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// department is a TUF repository in a real MinIO bucket.
type department = publishtest.Department

func newDepartment(t testing.TB) *department { return publishtest.New(t) }

// site is a site's agent syncing from the department's store.
type site struct {
	agent *agent.Agent
	cache *cache.Cache
	fetch *fetch.Fetcher
}

func newSite(t testing.TB, d *department, id string, groups ...string) *site {
	t.Helper()
	dir := t.TempDir()
	c, err := cache.Open(filepath.Join(dir, "cache"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	f := &fetch.Fetcher{Source: d.Store, Objects: c}
	now := func() time.Time { return d.Now }
	client, err := trust.NewClient(d.Store, d.Root, filepath.Join(dir, "tuf"), now)
	if err != nil {
		t.Fatal(err)
	}
	a := &agent.Agent{
		Site: id, Groups: groups,
		Trust: client,
		TrustFor: func(st trust.Reader) (agent.Verifier, error) {
			return client.WithStore(st), nil
		},
		Fetch:  f,
		Cache:  c,
		Report: &agent.StoreReporter{Store: d.Store, Site: id, Now: func() time.Time { return d.Now }},
		Log:    quiet(),
	}
	return &site{agent: a, cache: c, fetch: f}
}

func (s *site) version(t testing.TB) int64 {
	t.Helper()
	if b := s.cache.Current(); b != nil {
		return b.Manifest.Version
	}
	return 0
}

// bundleWithFiles writes a valid bundle of n image-item files of size bytes.
func bundleWithFiles(t testing.TB, n, size int, version int64) string {
	t.Helper()
	dir := t.TempDir()
	m := content.Manifest{Format: 1, ID: "border-news", Version: version, Created: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
	m.Items = []content.Item{{ID: "hello", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "Xin chào"}}}}
	os.MkdirAll(filepath.Join(dir, "media"), 0o755)
	chunk := make([]byte, min(size, 1<<20))
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("media/%03d.bin", i)))
		if err != nil {
			t.Fatal(err)
		}
		for left := size; left > 0; left -= len(chunk) {
			rand.Read(chunk)
			if _, err := f.Write(chunk[:min(left, len(chunk))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := json.Marshal(m)
	os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644)
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func setVersion(t testing.TB, dir string, v int64) {
	t.Helper()
	contenttest.EditManifest(t, dir, func(m map[string]any) { m["version"] = v })
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalThresholdAndActivation(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	s := newSite(t, d, "an-giang-tinh-bien", "border-gates")
	bundle := contenttest.CopyDemo(t)

	// One approver of the two needed: publishing is refused.
	st := d.Approve(t, bundle, layout.Targeting{Groups: []string{"border-gates"}}, "editor")
	if st.Ready || len(st.Signed) != 1 || len(st.Missing) != 2 {
		t.Fatalf("after one approval: %+v", st)
	}
	if err := d.Publish(t, bundle); err == nil {
		t.Fatal("published with one approval of two")
	}
	if _, err := s.agent.Sync(ctx); !errors.Is(err, agent.ErrNoBundle) {
		t.Errorf("site sync before publication = %v, want ErrNoBundle", err)
	}
	if s.cache.Current() != nil {
		t.Fatal("site activated an unapproved bundle")
	}

	// The second approver: published, and the site plays it.
	if st := d.Approve(t, bundle, layout.Targeting{Groups: []string{"border-gates"}}, "leader"); !st.Ready {
		t.Fatalf("after two approvals: %+v", st)
	}
	if err := d.Publish(t, bundle); err != nil {
		t.Fatal(err)
	}
	res, err := s.agent.Sync(ctx)
	if err != nil || !res.Activated {
		t.Fatalf("sync = %+v, %v", res, err)
	}
	b := s.cache.Current()
	if b == nil || b.Manifest.ID != "demo-an-giang" {
		t.Fatalf("current = %+v", b)
	}
	if err := b.Verify(); err != nil {
		t.Errorf("activated bundle does not verify: %v", err)
	}
	// A site outside the targeting gets nothing.
	other := newSite(t, d, "ha-giang-commune", "communes")
	if _, err := other.agent.Sync(ctx); !errors.Is(err, agent.ErrNoBundle) {
		t.Errorf("untargeted site sync = %v, want ErrNoBundle", err)
	}
	// Syncing again changes nothing and downloads nothing.
	before := s.fetch.Downloaded.Load()
	if res, err := s.agent.Sync(ctx); err != nil || res.Activated || s.fetch.Downloaded.Load() != before {
		t.Errorf("second sync = %+v, %v, downloaded %d more bytes", res, err, s.fetch.Downloaded.Load()-before)
	}
}

// TestDeltaMovesOnlyTheChangedFile: 50 files, one changed: the site
// downloads that file alone.
func TestDeltaMovesOnlyTheChangedFile(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	s := newSite(t, d, "an-giang-tinh-bien")
	bundle := bundleWithFiles(t, 50, 20_000, 1)
	d.Approve(t, bundle, layout.Targeting{}, "editor", "deputy")
	if err := d.Publish(t, bundle); err != nil {
		t.Fatal(err)
	}
	if _, err := s.agent.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.fetch.Downloaded.Load(); got != 50*20_000 {
		t.Errorf("first sync downloaded %d bytes, want %d", got, 50*20_000)
	}

	changed := make([]byte, 33_333)
	rand.Read(changed)
	os.WriteFile(filepath.Join(bundle, "media", "017.bin"), changed, 0o644)
	setVersion(t, bundle, 2)
	d.Release(t, bundle, layout.Targeting{})
	before := s.fetch.Downloaded.Load()
	if res, err := s.agent.Sync(ctx); err != nil || !res.Activated || res.Fetched != 1 {
		t.Fatalf("delta sync = %+v, %v", res, err)
	}
	if got := s.fetch.Downloaded.Load() - before; got != int64(len(changed)) {
		t.Errorf("delta sync downloaded %d bytes, want %d (the changed file alone)", got, len(changed))
	}
	if s.version(t) != 2 {
		t.Errorf("site plays v%d, want v2", s.version(t))
	}
}

// TestRefusalsKeepTheLastGoodBundle: altered media or manifest in the
// bucket, and an older publication replayed, are refused and reported; the
// site keeps playing what it had.
func TestRefusalsKeepTheLastGoodBundle(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		attack func(t *testing.T, d *department, bundle string)
		want   error
	}{
		{"medium altered in the bucket", func(t *testing.T, d *department, bundle string) {
			m, _ := content.LoadDir(bundle)
			f := m.Manifest.Files[3]
			evil := make([]byte, f.Size)
			rand.Read(evil)
			if err := d.Store.Put(ctx, layout.MediaKey(f.SHA256), strings.NewReader(string(evil)), f.Size); err != nil {
				t.Fatal(err)
			}
		}, fetch.ErrTampered},
		{"manifest altered in the bucket", func(t *testing.T, d *department, bundle string) {
			keys, err := d.Store.List(ctx, "tuf/targets/")
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				r, _ := d.Store.Get(ctx, k)
				raw, _ := io.ReadAll(r)
				r.Close()
				evil := strings.Replace(string(raw), `"version": 2`, `"version": 9`, 1)
				d.Store.Put(ctx, k, strings.NewReader(evil), int64(len(evil)))
			}
		}, trust.ErrTampered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDepartment(t)
			s := newSite(t, d, "an-giang-tinh-bien")
			bundle := bundleWithFiles(t, 8, 5_000, 1)
			d.Release(t, bundle, layout.Targeting{})
			if _, err := s.agent.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(bundle, "media", "003.bin"), []byte("a new third file"), 0o644)
			setVersion(t, bundle, 2)
			d.Release(t, bundle, layout.Targeting{})
			tc.attack(t, d, bundle)
			_, err := s.agent.Sync(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("sync = %v, want %v", err, tc.want)
			}
			if s.version(t) != 1 {
				t.Errorf("site plays v%d after the refusal, want v1", s.version(t))
			}
			events, err := d.Store.List(ctx, "reports/an-giang-tinh-bien/events/")
			if err != nil || len(events) == 0 {
				t.Errorf("refusal not reported to the department: %v %v", events, err)
			}
		})
	}
}

// TestStoreOutage: with the server gone the site keeps its bundle and the
// error is not a refusal; when it returns, sync resumes.
func TestStoreOutage(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	s := newSite(t, d, "an-giang-tinh-bien")
	bundle := bundleWithFiles(t, 5, 10_000, 1)
	d.Release(t, bundle, layout.Targeting{})
	if _, err := s.agent.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	setVersion(t, bundle, 2)
	d.Release(t, bundle, layout.Targeting{})
	d.Server.Stop()
	_, err := s.agent.Sync(ctx)
	if err == nil {
		t.Fatal("sync with the server down succeeded")
	}
	for _, e := range []error{trust.ErrSignature, trust.ErrTampered, trust.ErrRollback, fetch.ErrTampered} {
		if errors.Is(err, e) {
			t.Errorf("an outage reported as a refusal: %v", err)
		}
	}
	if s.version(t) != 1 {
		t.Errorf("site plays v%d during the outage, want v1", s.version(t))
	}
	d.Server.Restart(t)
	if res, err := s.agent.Sync(ctx); err != nil || s.version(t) != 2 {
		t.Errorf("sync after the outage = %+v, %v; plays v%d", res, err, s.version(t))
	}
}

// TestUSBImport: a publication exported to a folder is imported with the
// same checks; an altered copy is refused.
func TestUSBImport(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	bundle := bundleWithFiles(t, 6, 8_000, 1)
	d.Release(t, bundle, layout.Targeting{})
	stick := t.TempDir()
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	// An offline site: its store is unreachable, only the stick counts.
	s := newSite(t, d, "an-giang-tinh-bien")
	if _, err := s.agent.Import(ctx, stick); err != nil {
		t.Fatalf("import: %v", err)
	}
	if s.version(t) != 1 {
		t.Fatalf("after import plays v%d, want v1", s.version(t))
	}

	tampered := t.TempDir()
	os.CopyFS(tampered, os.DirFS(stick))
	media, _ := filepath.Glob(filepath.Join(tampered, "media", "*"))
	os.Chmod(media[0], 0o644)
	// Same size, other bytes: a short file would be a copy in progress.
	if st, err := os.Stat(media[0]); err != nil {
		t.Fatal(err)
	} else {
		os.WriteFile(media[0], bytes.Repeat([]byte("x"), int(st.Size())), 0o644)
	}
	s2 := newSite(t, d, "an-giang-vinh-xuong")
	if _, err := s2.agent.Import(ctx, tampered); !errors.Is(err, fetch.ErrTampered) {
		t.Errorf("import of a tampered stick = %v, want ErrTampered", err)
	}
	if s2.cache.Current() != nil {
		t.Error("tampered stick activated")
	}
}
