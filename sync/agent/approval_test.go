package agent_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// demoNamed is the demo bundle under another ID.
func demoNamed(t *testing.T, id string) string {
	t.Helper()
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) { m["id"] = id })
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWithdrawal: a signed publication that no longer has the bundle on a
// site's screen takes it off: to the standby slide, or to the next bundle
// meant for the site. The site reports the withdrawal.
func TestWithdrawal(t *testing.T) {
	const id = "an-giang-tinh-bien"
	for _, tc := range []struct {
		name     string
		fallback bool // a bundle for every site is published too
	}{{"to standby", false}, {"to the next bundle for the site", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d := newDepartment(t)
			d.Release(t, demoNamed(t, "gate-news"), layout.Targeting{Sites: []string{id}})
			if tc.fallback {
				d.Release(t, demoNamed(t, "province-news"), layout.Targeting{})
			}
			s := d.NewSite(t, id)
			if _, err := s.Agent.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			playing := s.Cache.CurrentName()
			if b := s.Cache.Current(); b == nil || b.Manifest.ID != "gate-news" {
				t.Fatalf("the site plays %s, want gate-news", playing)
			}
			for _, who := range []string{"editor", "leader"} {
				if _, err := publish.Withdraw(ctx, d.Store, d.Root, "gate-news", d.Keys[who], d.Now); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Publish(t); err != nil {
				t.Fatal(err)
			}
			res, err := s.Agent.Sync(ctx)
			if tc.fallback {
				if err != nil || s.Cache.Current() == nil || s.Cache.Current().Manifest.ID != "province-news" {
					t.Fatalf("after the withdrawal: %v; playing %s, want province-news", err, s.Cache.CurrentName())
				}
			} else if s.Cache.Current() != nil {
				t.Fatalf("after the withdrawal the site still plays %s (err %v)", s.Cache.CurrentName(), err)
			}
			if res.Withdrawn != playing {
				t.Errorf("Result.Withdrawn = %q, want %q", res.Withdrawn, playing)
			}
			if ev := d.Events(t, id); !slices.Contains(ev, "withdrawn") {
				t.Errorf("events %v, want a withdrawal", ev)
			}
			// The withdrawn bundle does not come back at the next sync.
			if _, err := s.Agent.Sync(ctx); s.Cache.Current() != nil && s.Cache.Current().Manifest.ID == "gate-news" {
				t.Errorf("the withdrawn bundle came back (%v)", err)
			}
		})
	}
}

// trustedRootVersion reads the version of the site's trusted root.
func trustedRootVersion(t *testing.T, dir string) int64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Signed struct{ Version int64 } `json:"signed"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Signed.Version
}

// TestRotatedRootReachesSites: the department revokes an approver and adds
// another in a new root, approves the current publication again and
// publishes; a site on the network and a site fed by USB both move to the
// new root and play on.
func TestRotatedRootReachesSites(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	bundle := demoNamed(t, "gate-news")
	d.Release(t, bundle, layout.Targeting{})
	network := d.NewSite(t, "an-giang-tinh-bien")
	usb := d.NewSite(t, "an-giang-vinh-xuong")
	if _, err := network.Agent.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	stick := t.TempDir()
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := usb.Agent.Import(ctx, stick); err != nil {
		t.Fatal(err)
	}

	keys := t.TempDir()
	if err := trust.GenerateKey(keys, "chief", nil); err != nil {
		t.Fatal(err)
	}
	chief, err := trust.LoadSigner(filepath.Join(keys, "chief.key"))
	if err != nil {
		t.Fatal(err)
	}
	chiefPub, _ := chief.PublicKey()
	deputyPub, _ := d.Keys["deputy"].PublicKey()
	deputyID, _ := trust.KeyID(deputyPub)
	if _, err := trust.RotateRoot(ctx, d.Store, d.Root, trust.RootChange{
		AddApprovers: []trust.Approver{{Name: "chief", Key: chiefPub}}, RevokeApprovers: []string{deputyID}, Now: d.Now,
	}, []signature.Signer{d.Keys["root"]}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []signature.Signer{d.Keys["editor"], chief} {
		if _, err := publish.Reaffirm(ctx, d.Store, d.Root, who, d.Now); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Publish(t); err != nil {
		t.Fatal(err)
	}

	if _, err := network.Agent.Sync(ctx); err != nil {
		t.Fatalf("network sync after the rotation: %v", err)
	}
	stick2 := t.TempDir()
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick2), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := usb.Agent.Import(ctx, stick2); err != nil {
		t.Fatalf("USB import after the rotation: %v", err)
	}
	for name, s := range map[string]string{"network": network.TrustDir, "usb": usb.TrustDir} {
		if v := trustedRootVersion(t, s); v != 2 {
			t.Errorf("%s site trusts root version %d, want 2", name, v)
		}
	}
	for name, c := range map[string]interface{ CurrentName() string }{"network": network.Cache, "usb": usb.Cache} {
		if c.CurrentName() == "" {
			t.Errorf("%s site plays nothing after the rotation", name)
		}
	}
}

// TestHungStoreDoesNotBlockUSBImport: the store stops answering in the
// middle of a network sync. A USB stick imported meanwhile activates at
// once, and the network sync gives up at its deadline.
func TestHungStoreDoesNotBlockUSBImport(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	d.Release(t, demoNamed(t, "gate-news"), layout.Targeting{})
	stick := t.TempDir()
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	cfg := d.SiteConfig(t, "an-giang-tinh-bien")
	cfg.HeaderTimeout = time.Minute // the sync's own deadline must end it
	store, err := s3store.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := d.NewSiteOn(t, store, "an-giang-tinh-bien")
	s.Agent.Timeout = 6 * time.Second

	d.Server.Freeze(t)
	start := time.Now()
	synced := make(chan error, 1)
	go func() {
		_, err := s.Agent.Sync(ctx)
		synced <- err
	}()
	if _, err := s.Agent.Import(ctx, stick); err != nil {
		t.Fatalf("USB import while the store hangs: %v", err)
	}
	select {
	case err := <-synced:
		t.Fatalf("the network sync ended (%v) before the import could show it was not waiting for it", err)
	default:
	}
	if s.Cache.CurrentName() == "" {
		t.Fatal("the USB publication is not current")
	}
	select {
	case err := <-synced:
		if err == nil {
			t.Fatal("a sync against a hung store succeeded")
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("the hung sync took %s, want about its 6 s deadline", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the network sync is still hung 30 s later")
	}
	d.Server.Thaw(t)
	if _, err := s.Agent.Sync(ctx); err != nil {
		t.Errorf("sync after the store came back: %v", err)
	}
}
