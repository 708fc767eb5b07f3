package agent_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/internal/versitygwtest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// These tests run the department's publishing and a site's sync against
// versitygw, an S3 server that is not MinIO, with its root credentials
// (it has no MinIO admin API to provision site users) and with polling
// only (it has no bucket notifications).

// versitygwDepartment starts versitygw and creates the department's
// repository in it.
func versitygwDepartment(t *testing.T) (*department, *versitygwtest.Server) {
	t.Helper()
	srv := versitygwtest.Start(t)
	srv.MakeBucket(t, "an-giang")
	store, err := s3store.New(versitygwConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	return publishtest.NewOn(t, store, "an-giang", "kiosk/"), srv
}

func versitygwConfig(srv *versitygwtest.Server) s3store.Config {
	return s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "an-giang", Prefix: "kiosk/", MaxRetries: 1}
}

// TestSyncOnVersitygw: a publication reaches a site and is activated; a
// changed one moves only the changed file; a download cut off half way
// resumes where it stopped; an altered medium is refused and reported,
// and the site keeps playing what it had.
func TestSyncOnVersitygw(t *testing.T) {
	ctx := context.Background()
	d, srv := versitygwDepartment(t)
	siteStore, err := s3store.New(versitygwConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	s := d.NewSiteOn(t, siteStore, "an-giang-tinh-bien", "border-gates")
	fetched := &s.Agent.Fetch.Downloaded
	to := layout.Targeting{Groups: []string{"border-gates"}}

	// Published: the site fetches every file and activates it.
	bundle := bundleWithFiles(t, 20, 30_000, 1)
	d.Release(t, bundle, to)
	res, err := s.Agent.Sync(ctx)
	if err != nil || !res.Activated || res.Fetched != 20 {
		t.Fatalf("first sync = %+v, %v; want v1 activated with 20 files", res, err)
	}
	if got := fetched.Load(); got != 20*30_000 {
		t.Errorf("first sync downloaded %d bytes, want %d", got, 20*30_000)
	}
	if v := versionOf(s); v != 1 {
		t.Fatalf("site plays v%d, want v1", v)
	}
	before := fetched.Load()
	if res, err := s.Agent.Sync(ctx); err != nil || res.Activated || fetched.Load() != before {
		t.Errorf("sync with nothing new = %+v, %v, downloaded %d bytes", res, err, fetched.Load()-before)
	}

	// Changed: one file differs.
	changed := make([]byte, 44_444)
	rand.Read(changed)
	writeFile(t, filepath.Join(bundle, "media", "007.bin"), changed)
	setVersion(t, bundle, 2)
	d.Release(t, bundle, to)
	before = fetched.Load()
	if res, err := s.Agent.Sync(ctx); err != nil || !res.Activated || res.Fetched != 1 {
		t.Fatalf("sync of the change = %+v, %v; want v2 with one file", res, err)
	}
	if got := fetched.Load() - before; got != int64(len(changed)) {
		t.Errorf("sync of the change downloaded %d bytes, want %d (the changed file alone)", got, len(changed))
	}

	// Cut off: a new 3 MB clip, fetched at 1 MB/s, and the sync ends
	// (power cut, sync deadline) once part of it has arrived.
	clip := make([]byte, 3<<20)
	rand.Read(clip)
	writeFile(t, filepath.Join(bundle, "media", "clip.bin"), clip)
	setVersion(t, bundle, 3)
	d.Release(t, bundle, to)
	s.Agent.Fetch.Limit = fetch.NewLimiter(1 << 20)
	before = fetched.Load()
	cut, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := s.Agent.Sync(cut); done <- err }()
	waitUntil(t, 30*time.Second, "part of the clip downloaded", func() bool { return fetched.Load()-before >= 256<<10 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a sync cut off during the download succeeded")
	}
	partial := fetched.Load() - before
	if partial <= 0 || partial >= int64(len(clip)) {
		t.Fatalf("%d of %d bytes before the cut; want part", partial, len(clip))
	}
	if v := versionOf(s); v != 2 {
		t.Fatalf("site plays v%d after the cut, want v2", v)
	}
	s.Agent.Fetch.Limit = nil
	res, err = s.Agent.Sync(ctx)
	if err != nil || !res.Activated {
		t.Fatalf("sync after the cut = %+v, %v", res, err)
	}
	if rest := fetched.Load() - before - partial; rest != int64(len(clip))-partial {
		t.Errorf("resumed download fetched %d bytes after %d; want the other %d", rest, partial, int64(len(clip))-partial)
	}
	if v := versionOf(s); v != 3 {
		t.Fatalf("site plays v%d, want v3", v)
	}

	// Altered in the bucket: refused, reported, v3 kept.
	writeFile(t, filepath.Join(bundle, "media", "003.bin"), []byte("a new third file"))
	setVersion(t, bundle, 4)
	d.Release(t, bundle, to)
	m, err := content.LoadDir(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Manifest.Files {
		if f.Path == "media/003.bin" {
			evil := strings.Repeat("x", int(f.Size))
			if err := d.Store.Put(ctx, layout.MediaKey(f.SHA256), strings.NewReader(evil), f.Size); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = s.Agent.Sync(ctx)
	if !errors.Is(err, fetch.ErrTampered) {
		t.Fatalf("sync of an altered medium = %v, want %v", err, fetch.ErrTampered)
	}
	if v := versionOf(s); v != 3 {
		t.Errorf("site plays v%d after the refusal, want v3", v)
	}
	if kinds := d.Events(t, "an-giang-tinh-bien"); len(kinds) == 0 {
		t.Error("the refusal was not reported to the department")
	}
	for _, e := range []error{trust.ErrSignature, trust.ErrRollback} {
		if errors.Is(err, e) {
			t.Errorf("refusal of an altered medium reads as %v", e)
		}
	}
}

// TestSiteFromConfigOnVersitygw runs a site as the kiosk process does,
// from its config, against versitygw: publications arrive by polling, its
// report batches and status reach the store, and the department's fleet
// table shows it online and then stopped.
func TestSiteFromConfigOnVersitygw(t *testing.T) {
	d, srv := versitygwDepartment(t)
	const id = "an-giang-vinh-xuong"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "root.json"), d.Root)
	writeFile(t, filepath.Join(dir, "secret"), []byte(srv.SecretKey+"\n"))
	yaml := fmt.Sprintf(`site: {id: %s, name: "Cửa khẩu Quốc tế Vĩnh Xương", groups: [border-gates]}
display: {resolution: 1536x768}
languages: [vi, km]
fonts: [{family: Noto Sans}]
content: {cache: cache}
sync:
  endpoint: %q
  secure: false
  bucket: an-giang
  prefix: kiosk/
  access_key: %s
  secret_key_file: secret
  root: root.json
  poll: 1s
`, id, srv.Endpoint, srv.AccessKey)
	writeFile(t, filepath.Join(dir, "site.yaml"), []byte(yaml))
	cfg, err := siteconfig.Load(filepath.Join(dir, "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	site, err := agent.Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- site.Run(ctx, "") }()

	bundle := bundleWithFiles(t, 4, 4_000, 1)
	for v := int64(1); v <= 2; v++ {
		setVersion(t, bundle, v)
		d.Release(t, bundle, layout.Targeting{Groups: []string{"border-gates"}})
		waitVersion(t, site.Cache, v)
	}

	at := time.Now().UTC()
	site.Record([]report.Record{
		{Heartbeat: &report.Heartbeat{Time: at, Interval: time.Minute, State: report.Content, Bundle: "border-news@2"}},
		{Play: &report.Play{Item: "hello", Lang: "km", Start: at, Dur: 20 * time.Second}},
	})
	waitUntil(t, 30*time.Second, "the site's status in the store", func() bool {
		rows, err := fleet.Statuses(context.Background(), d.Store, time.Now())
		return err == nil && len(rows) == 1 && rows[0].Online
	})

	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("site run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("site still running 30 s after it was told to stop")
	}
	rows, err := fleet.Statuses(context.Background(), d.Store, time.Now())
	if err != nil || len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("fleet table = %+v, %v", rows, err)
	}
	if !rows[0].Stopped || rows[0].Status.Backlog != 0 {
		t.Errorf("after a clean stop: stopped %v, backlog %d; want stopped with nothing left", rows[0].Stopped, rows[0].Status.Backlog)
	}
	data, err := fleet.Load(context.Background(), d.Store, id, report.Schedule{Loc: time.UTC}, at, at, time.Now(), func(key string, err error) {
		t.Errorf("batch %s skipped: %v", key, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Beats) == 0 || data.Batches == 0 {
		t.Errorf("fleet load of %s: %d heartbeats in %d batches; want the recorded heartbeat", id, len(data.Beats), data.Batches)
	}
	plays := 0
	for _, p := range data.Plays.Totals() {
		plays += p.Plays
	}
	if plays != 1 {
		t.Errorf("%d plays arrived, want 1", plays)
	}
}

// TestAlertsOnVersitygw: the alerts role added by a root rotation, an
// alert issued, updated and cancelled with the conditional puts that keep
// two publishers from overwriting each other, and a site's alert book
// following each step.
func TestAlertsOnVersitygw(t *testing.T) {
	d, srv := versitygwDepartment(t)
	ad := &alertDept{Department: d}
	keys := t.TempDir()
	if err := trust.GenerateKey(keys, "duty", nil); err != nil {
		t.Fatal(err)
	}
	duty, err := trust.LoadSigner(filepath.Join(keys, "duty.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := trust.LoadPublicKey(filepath.Join(keys, "duty.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ad.duty = duty
	rc := trust.RootChange{AddAlerters: []trust.Approver{{Name: "duty", Key: pub}}, Now: d.Now}
	if _, err := trust.RotateRoot(context.Background(), d.Store, d.Root, rc, []signature.Signer{d.Keys["root"]}); err != nil {
		t.Fatalf("RotateRoot adding the alerts role: %v", err)
	}
	siteStore, err := s3store.New(versitygwConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	s := &alertSite{Site: d.NewSiteOn(t, siteStore, "tinh-bien-1"), id: "tinh-bien-1",
		tags: []string{"gate:tinh-bien"}, dir: filepath.Join(t.TempDir(), "alerts")}
	s.reopen(t)
	s.sync(t)
	wantActive(t, s)

	ad.publish(t, ad.alert("border-closed", 1, "gate:tinh-bien"))
	s.sync(t)
	wantActive(t, s, "border-closed#1")
	update := ad.alert("border-closed", 2, "gate:tinh-bien")
	update.Text["km"] = alert.Text{Headline: "បិទច្រកព្រំដែន"}
	ad.publish(t, update)
	s.sync(t)
	wantActive(t, s, "border-closed#2")
	if err := trust.PublishAlert(context.Background(), d.Store, d.Root, ad.alert("border-closed", 2), []signature.Signer{duty}, d.Now); err == nil {
		t.Error("an alert whose serial is not above the stored one was published")
	}
	cancel := ad.alert("border-closed", 3, "gate:tinh-bien")
	cancel.Cancel, cancel.Text = true, nil
	ad.publish(t, cancel)
	s.sync(t)
	wantActive(t, s)
	if r := ad.refusals(t, s.id); len(r) != 0 {
		t.Errorf("refusals reported: %+v", r)
	}
}

func versionOf(s *publishtest.Site) int64 {
	if b := s.Cache.Current(); b != nil {
		return b.Manifest.Version
	}
	return 0
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond until it holds, failing the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		<-tick.C
	}
}
