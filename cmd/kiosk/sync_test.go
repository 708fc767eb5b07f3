package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// TestPlaysWhatIsPublished runs the kiosk as a synced site against a real
// MinIO: it shows the standby slide until the department publishes, then
// the approved bundle, then a new version, switching at a slide boundary in
// the same process.
func TestPlaysWhatIsPublished(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "an-giang")
	store, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "an-giang", Prefix: "kiosk/"})
	if err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	signers := map[string]signature.Signer{}
	for _, n := range []string{"root", "editor", "leader", "publisher"} {
		if err := trust.GenerateKey(keys, n); err != nil {
			t.Fatal(err)
		}
		if signers[n], err = trust.LoadSigner(filepath.Join(keys, n+".key")); err != nil {
			t.Fatal(err)
		}
	}
	pub := func(n string) any {
		k, err := trust.LoadPublicKey(filepath.Join(keys, n+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	err = trust.InitRepository(ctx, store, trust.InitOptions{
		RootSigners: []signature.Signer{signers["root"]}, ApprovalThreshold: 2,
		Approvers:   []trust.Approver{{Name: "editor", Key: pub("editor")}, {Name: "leader", Key: pub("leader")}},
		SnapshotKey: pub("publisher"), TimestampKey: pub("publisher"), Now: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.Get(ctx, "tuf/metadata/1.root.json")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := io.ReadAll(r)
	r.Close()
	release := func(bundle string) {
		t.Helper()
		for _, a := range []string{"editor", "leader"} {
			if _, err := publish.Approve(ctx, store, root, bundle, agent.Targeting{}, signers[a], time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := publish.Publish(ctx, store, []string{bundle}, signers["publisher"], signers["publisher"], time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	site := t.TempDir()
	os.WriteFile(filepath.Join(site, "root.json"), root, 0o644)
	os.WriteFile(filepath.Join(site, "secret"), []byte(srv.SecretKey), 0o600)
	cfg := filepath.Join(site, "site.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`site: {id: an-giang-tinh-bien, name: "Cửa khẩu Quốc tế Tịnh Biên"}
display: {resolution: 1536x768}
languages: [vi, km]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]
content: {cache: cache}
ticker: {edge: none}
playback: {transition: 200ms}
sync: {endpoint: %q, bucket: an-giang, prefix: kiosk/, access_key: %s, secret_key_file: secret, root: root.json, poll: 1s}
`, srv.Endpoint, srv.AccessKey)), 0o644)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIOSK_TEST_RUN_MAIN=1", "KIOSK_TEST_ARGS=--config "+cfg+" --window --log-level debug",
		"XDG_CACHE_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	log := watchLog(t, stderr)
	log.waitFor(t, "no content bundle; showing the standby slide", 1)

	bundle := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, bundle, func(m map[string]any) {
		for _, it := range m["items"].([]any) {
			it.(map[string]any)["duration"] = "1s"
		}
	})
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	release(bundle)
	log.waitFor(t, "publication activated", 1)
	log.waitFor(t, "version=1 slides=", 1)
	log.waitFor(t, "first content slide", 1)

	contenttest.EditManifest(t, bundle, func(m map[string]any) { m["version"] = 2 })
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	release(bundle)
	log.waitFor(t, "version=2 slides=", 1)
	// Slides go on in the same process.
	log.waitFor(t, "msg=slide", strings.Count(log.String(), "msg=slide")+2)
	if cmd.ProcessState != nil {
		t.Fatal("the player stopped")
	}
}
