package publish_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

// TestWhatApproversSee follows what the studio's approve page reads from
// a real MinIO through a bundle's life: nothing published, staged and
// signed by one approver, published, then edited and staged again.
func TestWhatApproversSee(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dep := publish.Department{Store: d.Store, Root: d.Root, StateDir: t.TempDir()}
	to := layout.Targeting{Sites: []string{"an-giang-tinh-bien"}}
	dir := bundle(t, "gate-news")

	if _, err := dep.PublishedBundle(ctx, "gate-news", d.Now); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nothing published yet") {
		t.Fatalf("PublishedBundle before the first publication = %v, want fs.ErrNotExist", err)
	}
	if _, err := dep.StagedStatus(ctx); !errors.Is(err, trust.ErrNothingStaged) {
		t.Fatalf("StagedStatus with nothing staged = %v", err)
	}
	if _, err := dep.StagedBundle(ctx, "gate-news"); !errors.Is(err, trust.ErrNothingStaged) {
		t.Fatalf("StagedBundle with nothing staged = %v", err)
	}

	d.Approve(t, dir, to, "editor")
	st, err := dep.StagedStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names(st.Signed) != "editor" || names(st.Missing) != "leader,deputy" || st.Threshold != 2 || st.Ready || st.Version != 1 {
		t.Errorf("status after the editor signed: %+v", st)
	}
	staged, err := dep.StagedBundle(ctx, "gate-news")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(staged.Raw, raw) || staged.Manifest.ID != "gate-news" || !slices.Equal(staged.Targeting.Sites, to.Sites) || staged.Version != 1 {
		t.Errorf("staged bundle: v%d %s %+v", staged.Version, staged.Manifest.ID, staged.Targeting)
	}
	if _, err := dep.StagedBundle(ctx, "other"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("StagedBundle of a bundle not staged = %v", err)
	}
	// The whole bundle is new to approvers.
	if ch := content.Diff(nil, staged.Manifest); len(ch) == 0 || ch[0].Kind != content.ChangeAdded {
		t.Errorf("first publication diff: %v", ch)
	}

	d.Approve(t, dir, to, "leader")
	if err := d.Publish(t, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := dep.StagedStatus(ctx); !errors.Is(err, trust.ErrNothingStaged) {
		t.Errorf("StagedStatus after publishing = %v", err)
	}
	pub, err := dep.PublishedBundle(ctx, "gate-news", d.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub.Raw, raw) || pub.Version != 1 || !slices.Equal(pub.Targeting.Sites, to.Sites) {
		t.Errorf("published bundle: v%d %+v", pub.Version, pub.Targeting)
	}
	if _, err := dep.PublishedBundle(ctx, "other", d.Now); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("PublishedBundle of a bundle never published = %v", err)
	}

	// An editor changes one Vietnamese title: that is all approvers see.
	var itemID, was string
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		for _, it := range m["items"].([]any) {
			item := it.(map[string]any)
			if item["kind"] != "text" {
				continue
			}
			vi := item["text"].(map[string]any)["vi"].(map[string]any)
			itemID, was = item["id"].(string), vi["title"].(string)
			vi["title"] = "Tin mới ở cửa khẩu"
			return
		}
	})
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	d.Approve(t, dir, to, "deputy")
	if staged, err = dep.StagedBundle(ctx, "gate-news"); err != nil {
		t.Fatal(err)
	}
	want := []content.Change{{Item: itemID, Lang: "vi", Field: "title", Kind: content.ChangeEdited, Old: was, New: "Tin mới ở cửa khẩu"}}
	if got := content.Diff(pub.Manifest, staged.Manifest); !slices.Equal(got, want) {
		t.Errorf("diff since the published version: %v, want %v", got, want)
	}
	if st, err = dep.StagedStatus(ctx); err != nil || names(st.Signed) != "deputy" || st.Version != 2 {
		t.Errorf("status of the second publication: %+v, %v", st, err)
	}
}

// TestStagedBundleRefusesAlteredFile: a staged manifest changed in the
// bucket after staging is not shown as if approvers had staged it.
func TestStagedBundleRefusesAlteredFile(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dep := publish.Department{Store: d.Store, Root: d.Root}
	d.Approve(t, bundle(t, "gate-news"), layout.Targeting{}, "editor")
	keys, err := d.Store.List(ctx, "tuf/staged/targets/bundles/")
	if err != nil || len(keys) != 1 {
		t.Fatalf("staged files %v, %v", keys, err)
	}
	evil := []byte(`{"format":1,"id":"gate-news","items":[]}`)
	if err := d.Store.Put(ctx, keys[0], bytes.NewReader(evil), int64(len(evil))); err != nil {
		t.Fatal(err)
	}
	if b, err := dep.StagedBundle(ctx, "gate-news"); err == nil {
		t.Fatalf("StagedBundle showed an altered file: %s", b.Raw)
	}
}

// names drops the key IDs trust.Status shows beside approvers' names.
func names(list []string) string {
	var out []string
	for _, s := range list {
		name, _, _ := strings.Cut(s, " (")
		out = append(out, name)
	}
	return strings.Join(out, ",")
}
