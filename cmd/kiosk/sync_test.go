package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// TestPlaysWhatIsPublished runs the kiosk as a synced site against a real
// MinIO: it shows the standby slide until the department publishes, then
// the approved bundle, then a new version, switching at a slide boundary in
// the same process.
func TestPlaysWhatIsPublished(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	d := publishtest.New(t)
	release := func(bundle string) { d.Release(t, bundle, layout.Targeting{}) }

	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey, "")

	cmd, log := startKiosk(t, cfg)
	log.waitFor(t, "no content bundle; showing the standby slide", 1)

	bundle := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, bundle, func(m map[string]any) {
		m["version"] = 1 // the versions this test publishes count from 1
		contenttest.SetSlideDurations(m, "1s")
	})
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	release(bundle)
	log.waitFor(t, "publication activated", 1)
	log.waitFor(t, "version=1 schedule=", 1)
	log.waitFor(t, "first content slide", 1)

	contenttest.EditManifest(t, bundle, func(m map[string]any) { m["version"] = 2 })
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	release(bundle)
	log.waitFor(t, "version=2 schedule=", 1)
	// Slides go on in the same process.
	log.waitFor(t, "msg=slide", strings.Count(log.String(), "msg=slide")+2)
	if cmd.ProcessState != nil {
		t.Fatal("the player stopped")
	}
}

// writeSyncedSite writes the config of a site syncing from d's store with
// the given credentials, with its root and secret files beside it, and
// returns its path.
func writeSyncedSite(t testing.TB, d *publishtest.Department, accessKey, secretKey, extra string) string {
	t.Helper()
	site := t.TempDir()
	os.WriteFile(filepath.Join(site, "root.json"), d.Root, 0o644)
	os.WriteFile(filepath.Join(site, "secret"), []byte(secretKey), 0o600)
	cfg := filepath.Join(site, "site.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
display: {resolution: 1536x768}
languages: [vi, km]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
content: {cache: cache}
ticker: {edge: none}
playback: {transition: 200ms}
sync: {endpoint: %q, secure: false, bucket: %s, prefix: %s, access_key: %s, secret_key_file: secret, root: root.json, poll: 1s}
%s`, d.Server.Endpoint, d.Bucket, d.Prefix, accessKey, extra)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
