package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

const stagedKey = "tuf/staged/targets.json"

// bundle returns a copy of the demo bundle with the given ID.
func bundle(t *testing.T, id string) string {
	t.Helper()
	dir := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, dir, func(m map[string]any) { m["id"] = id })
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tamper rewrites the staged targets metadata as someone with write access
// to the bucket and no approver key would: signatures stay as they were.
func tamper(t *testing.T, d *publishtest.Department, edit func(md *metadata.Metadata[metadata.TargetsType])) {
	t.Helper()
	ctx := context.Background()
	r, err := d.Store.Get(ctx, stagedKey)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(r)
	r.Close()
	md, err := metadata.Targets().FromBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	edit(md)
	data, err := md.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Put(ctx, stagedKey, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// injectTarget stages an extra bundle target, with its file, as an
// attacker would.
func injectTarget(t *testing.T, d *publishtest.Department, md *metadata.Metadata[metadata.TargetsType], path string, data []byte, custom string) {
	t.Helper()
	tf, err := metadata.TargetFile().FromBytes(path, data, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	raw := json.RawMessage(custom)
	tf.Custom = &raw
	md.Signed.Targets[path] = tf
	sum := sha256.Sum256(data)
	key := "tuf/staged/targets/bundles/" + hex.EncodeToString(sum[:]) + "." + strings.TrimPrefix(path, "bundles/")
	if err := d.Store.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func stagedBytes(t *testing.T, d *publishtest.Department) []byte {
	t.Helper()
	r, err := d.Store.Get(context.Background(), stagedKey)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	buf.ReadFrom(r)
	return buf.Bytes()
}

// TestApprovalSignsOnlyWhatItShows: after the editor approved a bundle for
// one site, someone with write access to the bucket changes the staging.
// Neither the leader nor the editor (approving again) signs it; what they
// are refused names the difference; and the site keeps playing the
// publication it had.
func TestApprovalSignsOnlyWhatItShows(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	const siteID = "an-giang-tinh-bien"
	first := bundle(t, "gate-news")
	d.Release(t, first, layout.Targeting{Sites: []string{siteID}})
	kept := bundle(t, "commune-guides")
	d.Release(t, kept, layout.Targeting{Groups: []string{"communes"}})
	site := d.NewSite(t, siteID)
	if _, err := site.Agent.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	playing := site.Cache.CurrentName()

	evil, err := os.ReadFile(filepath.Join(bundle(t, "evil"), content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(md *metadata.Metadata[metadata.TargetsType])
		want string
	}{
		{"a bundle added for the site", func(md *metadata.Metadata[metadata.TargetsType]) {
			injectTarget(t, d, md, "bundles/evil.json", evil, `{"sites":["`+siteID+`"]}`)
		}, "adds target bundles/evil.json"},
		{"expiry in 2100", func(md *metadata.Metadata[metadata.TargetsType]) {
			md.Signed.Expires = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "expires 2100-01-01"},
		{"the targeting widened to every site", func(md *metadata.Metadata[metadata.TargetsType]) {
			raw := json.RawMessage(`{}`)
			md.Signed.Targets["bundles/gate-news.json"].Custom = &raw
		}, "target bundles/gate-news.json differs"},
		{"another bundle withdrawn", func(md *metadata.Metadata[metadata.TargetsType]) {
			delete(md.Signed.Targets, "bundles/commune-guides.json")
		}, "lacks target bundles/commune-guides.json"},
		{"a version skipped", func(md *metadata.Metadata[metadata.TargetsType]) {
			md.Signed.Version += 5
		}, "version"},
	}
	next := bundle(t, "gate-news")
	contenttest.EditManifest(t, next, func(m map[string]any) { m["version"] = 2 })
	if _, err := content.IndexDir(next); err != nil {
		t.Fatal(err)
	}
	to := layout.Targeting{Sites: []string{siteID}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer trust.DiscardStaged(ctx, d.Store)
			d.Approve(t, next, to, "editor")
			tamper(t, d, tc.edit)
			before := stagedBytes(t, d)
			for _, approver := range []string{"leader", "editor"} {
				_, err := publish.Approve(ctx, d.Store, d.Root, next, to, d.Keys[approver], d.Now)
				if !errors.Is(err, trust.ErrUnexpectedStaging) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("approve as %s after %s: err = %v, want ErrUnexpectedStaging saying %q", approver, tc.name, err, tc.want)
				}
			}
			if !bytes.Equal(stagedBytes(t, d), before) {
				t.Error("a refused approval changed the staging")
			}
			if err := d.Publish(t, next); !errors.Is(err, trust.ErrSignature) {
				t.Errorf("publish = %v, want ErrSignature: one approval is below the threshold", err)
			}
			if _, err := site.Agent.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := site.Cache.CurrentName(); got != playing {
				t.Errorf("the site plays %s, want %s", got, playing)
			}
		})
	}
}

// TestApprovalListsEveryTarget: an approver is shown every target of what
// they sign, with its targeting, and a withdrawal shows as removed.
func TestApprovalListsEveryTarget(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	d.Release(t, bundle(t, "gate-news"), layout.Targeting{Sites: []string{"an-giang-tinh-bien"}})
	d.Release(t, bundle(t, "commune-guides"), layout.Targeting{Groups: []string{"communes"}})

	ap, err := publish.Approve(ctx, d.Store, d.Root, bundle(t, "flood-alert"), layout.Targeting{}, d.Keys["editor"], d.Now)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(ap.Changes)
	want := "kept bundles/commune-guides.json [] [communes]; added bundles/flood-alert.json [] []; kept bundles/gate-news.json [an-giang-tinh-bien] []"
	if got != want || ap.Version != 3 || !ap.Expires.After(d.Now.Add(publish.TargetsExpiry-time.Hour)) {
		t.Errorf("approval v%d expiring %s: %s\nwant v3: %s", ap.Version, ap.Expires, got, want)
	}
	if err := trust.DiscardStaged(ctx, d.Store); err != nil {
		t.Fatal(err)
	}
	ap, err = publish.Withdraw(ctx, d.Store, d.Root, "gate-news", d.Keys["leader"], d.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(ap.Changes), "kept bundles/commune-guides.json [] [communes]; removed bundles/gate-news.json [an-giang-tinh-bien] []"; got != want {
		t.Errorf("withdrawal: %s\nwant %s", got, want)
	}
	if _, err := publish.Withdraw(ctx, d.Store, d.Root, "no-such-bundle", d.Keys["deputy"], d.Now); err == nil {
		t.Error("withdrawing a bundle the publication lacks: no error")
	}
}

func describe(cs []publish.Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, strings.Join([]string{c.Kind, c.Path, strings.Trim(strings.Join([]string{"[" + strings.Join(c.Targeting.Sites, ",") + "]", "[" + strings.Join(c.Targeting.Groups, ",") + "]"}, " "), " ")}, " "))
	}
	return strings.Join(parts, "; ")
}

// TestApproversRacingKeepEverySignature: two approvers sign the same
// staging at the same moment; the conditional put makes the later one
// sign again over the earlier one's, so both signatures count.
func TestApproversRacingKeepEverySignature(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dir := bundle(t, "gate-news")
	to := layout.Targeting{}
	for round := range 4 {
		contenttest.EditManifest(t, dir, func(m map[string]any) { m["version"] = round + 1 })
		if _, err := content.IndexDir(dir); err != nil {
			t.Fatal(err)
		}
		d.Approve(t, dir, to, "editor")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []string{"leader", "deputy"} {
			wg.Go(func() {
				_, errs[i] = publish.Approve(ctx, d.Store, d.Root, dir, to, d.Keys[who], d.Now)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		st, err := trust.StagedStatus(ctx, d.Store, d.Root)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Signed) != 3 {
			t.Fatalf("round %d: signed by %v, want editor, leader and deputy", round, st.Signed)
		}
		if err := d.Publish(t, dir); err != nil {
			t.Fatal(err)
		}
	}
}

// TestApprovalRefusesAPublicationPutBack: someone with write access puts
// the previous (validly signed, unexpired) publication's timestamp back,
// hoping approvers build on it and bring back the bundle it had. With the
// department's state folder, that is a rollback and nothing is signed.
func TestApprovalRefusesAPublicationPutBack(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dep := publish.Department{Store: d.Store, Root: d.Root, StateDir: t.TempDir()}
	d.Release(t, bundle(t, "gate-news"), layout.Targeting{})
	old := readKey(t, d, "tuf/metadata/timestamp.json")
	for _, who := range []string{"editor", "leader"} {
		if _, err := dep.Withdraw(ctx, "gate-news", d.Keys[who], d.Now); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Publish(t); err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Current(ctx, d.Now); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Put(ctx, "tuf/metadata/timestamp.json", bytes.NewReader(old), int64(len(old))); err != nil {
		t.Fatal(err)
	}
	_, err := dep.Approve(ctx, bundle(t, "flood-alert"), layout.Targeting{}, d.Keys["editor"], d.Now)
	if !errors.Is(err, trust.ErrRollback) {
		t.Fatalf("approve over a publication put back = %v, want ErrRollback", err)
	}
	if _, err := d.Store.Stat(ctx, stagedKey); err == nil {
		t.Error("something was staged")
	}
	// Without a state folder the same approval would have built on the
	// old publication, with gate-news in it again.
	ap, err := publish.Approve(ctx, d.Store, d.Root, bundle(t, "flood-alert"), layout.Targeting{}, d.Keys["editor"], d.Now)
	if err != nil || !strings.Contains(describe(ap.Changes), "kept bundles/gate-news.json") {
		t.Errorf("without state: %v, %s", err, describe(ap.Changes))
	}
}

func readKey(t *testing.T, d *publishtest.Department, key string) []byte {
	t.Helper()
	r, err := d.Store.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
