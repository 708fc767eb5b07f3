package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
)

// siteConfig writes a site's config, provisioned root and secret, the way
// a department provisions a site, and loads it.
func siteConfig(t *testing.T, d *department, id, endpoint, importDir string) *siteconfig.Config {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "root.json"), d.Root, 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte(d.Server.SecretKey+"\n"), 0o600)
	yaml := fmt.Sprintf(`site: {id: %s, name: "Cửa khẩu", groups: [border-gates]}
display: {resolution: 1536x768}
languages: [vi]
fonts: [{family: Noto Sans}]
content: {cache: cache}
sync:
  endpoint: %q
  secure: false
  bucket: %s
  prefix: kiosk/
  access_key: %s
  secret_key_file: secret
  root: root.json
  poll: 1s
  import_dir: %q
`, id, endpoint, d.Bucket, d.Server.AccessKey, importDir)
	path := filepath.Join(dir, "site.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	cfg, err := siteconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func waitVersion(t *testing.T, c *cache.Cache, v int64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if b := c.Current(); b != nil && b.Manifest.Version == v {
			return
		}
		select {
		case <-c.Changed():
		case <-deadline:
			t.Fatalf("version %d not activated within 30 s", v)
		}
	}
}

// TestSiteFromConfig runs a site's sync as the kiosk process does, from its
// config: it polls the store and activates each publication.
func TestSiteFromConfig(t *testing.T) {
	d := newDepartment(t)
	site, err := agent.Open(siteConfig(t, d, "an-giang-tinh-bien", d.Server.Endpoint, ""), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer runSite(site, "")()
	bundle := bundleWithFiles(t, 4, 4_000, 1)
	for v := int64(1); v <= 2; v++ {
		setVersion(t, bundle, v)
		d.Approve(t, bundle, layout.Targeting{Groups: []string{"border-gates"}}, "editor", "deputy")
		if err := d.Publish(t, bundle); err != nil {
			t.Fatal(err)
		}
		waitVersion(t, site.Cache, v)
	}
}

// TestSiteImportsFromUSBFolder: a site with no link (its store unreachable)
// activates a publication copied into its import folder.
func TestSiteImportsFromUSBFolder(t *testing.T) {
	ctx := t.Context()
	d := newDepartment(t)
	bundle := bundleWithFiles(t, 4, 4_000, 1)
	d.Release(t, bundle, layout.Targeting{})
	importDir := t.TempDir()
	site, err := agent.Open(siteConfig(t, d, "an-giang-vinh-xuong", "127.0.0.1:1", importDir), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer runSite(site, importDir)()
	// The stick arrives after the start, as a folder copied in.
	stick := filepath.Join(t.TempDir(), "usb")
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(importDir, "publication-2026-11"), os.DirFS(stick)); err != nil {
		t.Fatal(err)
	}
	waitVersion(t, site.Cache, 1)
}

// TestOpenWithoutUsableSpool: a spool that cannot be opened (here its
// folder is a file) costs the reports, not the screen.
func TestOpenWithoutUsableSpool(t *testing.T) {
	d := newDepartment(t)
	cfg := siteConfig(t, d, "an-giang-tinh-bien", d.Server.Endpoint, "")
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	os.WriteFile(blocker, nil, 0o644)
	cfg.Reports.Spool = filepath.Join(blocker, "reports.db")
	site, err := agent.Open(cfg, quiet())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if site.Spool != nil {
		t.Fatal("spool set from an unusable path")
	}
	site.Record([]report.Record{{Heartbeat: &report.Heartbeat{Time: time.Now(), Interval: time.Minute, State: report.Content}}})
	_ = site.Health()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := site.Run(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// The status still went out.
	if _, err := d.Store.Stat(context.Background(), report.StatusKey("an-giang-tinh-bien")); err != nil {
		t.Errorf("no status: %v", err)
	}
	if err := site.Close(); err != nil {
		t.Fatal(err)
	}
}

// runSite runs site's sync until the function it returns is called, which
// stops it and waits for it to end: a sync still writing into the test's
// folders as they are removed fails the test's cleanup.
func runSite(site *agent.Site, importDir string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = site.Run(ctx, importDir)
	}()
	return func() {
		cancel()
		<-done
	}
}
