package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

// countingStore counts the bytes read through Get from keys under prefix.
type countingStore struct {
	publish.Store
	prefix string
	n      atomic.Int64
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.Store.Get(ctx, key)
	if err != nil || !strings.HasPrefix(key, s.prefix) {
		return rc, err
	}
	return countingReader{rc, &s.n}, nil
}

// TestPublishReadsNothingUnapproved: someone with write
// access to the bucket (no approver key) stages a publication whose one
// target claims a length far above any manifest, and uploads that many
// bytes. `kioskctl publish` reads every staged file whole into memory,
// bounded only by the length the unsigned staging claims, before it checks
// a single approval (trust.StagedTargets in publish.Publish; maxTargetBytes
// is declared in sync/trust/layout.go and never used). With a length of
// gigabytes this exhausts the department PC's memory.
func TestPublishReadsNothingUnapproved(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)

	const size = 24 << 20 // above trust's maxTargetBytes (16 MiB)
	big := bytes.Repeat([]byte{' '}, size)
	copy(big, `{"format":1}`)
	md := metadata.Targets(d.Now.Add(90 * 24 * time.Hour))
	md.Signed.Version = 1
	tf, err := metadata.TargetFile().FromBytes("bundles/huge.json", big, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	md.Signed.Targets["bundles/huge.json"] = tf
	sum := sha256.Sum256(big)
	key := "tuf/staged/targets/bundles/" + hex.EncodeToString(sum[:]) + ".huge.json"
	if err := d.Store.Put(ctx, key, bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	raw, err := md.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Put(ctx, stagedKey, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}

	cs := &countingStore{Store: d.Store, prefix: "tuf/staged/targets/"}
	err = publish.Publish(ctx, cs, d.Root, nil, d.Keys["publisher"], d.Keys["publisher"], d.Now)
	if err == nil {
		t.Fatal("a staging with no approval was published")
	}
	if got := cs.n.Load(); got > 16<<20 {
		t.Errorf("publish read %d bytes of an unapproved staged file into memory (bounded only by the length the unsigned staging claims); want no read before the approvals are checked, and never more than 16 MiB", got)
	}
}

// TestApprovalShowsTheExpiryItSigned: someone with write access to
// the bucket stages exactly the publication an approver expects, but with
// the targets expiring 61 days from now instead of 90. Approve accepts it
// (anything after now+60d passes) and tells the approver "you signed
// publication vN, expiring <now+90d>": Approval.Expires is computed locally,
// not read from what was signed. The approvers are shown an expiry 29 days
// later than the one they signed, and sites go "frozen" a month early.
func TestApprovalShowsTheExpiryItSigned(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dir := bundle(t, "gate-news")
	b, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	custom, _ := json.Marshal(layout.Targeting{})
	short := d.Now.Add(61 * 24 * time.Hour)
	if _, err := trust.Stage(ctx, d.Store, d.Root, []trust.Target{{Path: publish.TargetPath(b.Manifest.ID), Data: manifest, Custom: custom}}, short); err != nil {
		t.Fatal(err)
	}
	ap, err := publish.Approve(ctx, d.Store, d.Root, dir, layout.Targeting{}, d.Keys["editor"], d.Now)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	staged, err := metadata.Targets().FromBytes(stagedBytes(t, d))
	if err != nil {
		t.Fatal(err)
	}
	signed := staged.Signed.Expires
	if !ap.Expires.Equal(signed) {
		t.Errorf("the approver was told the publication expires %s; the targets they signed expire %s (%s earlier)",
			ap.Expires.Format(time.RFC3339), signed.Format(time.RFC3339), ap.Expires.Sub(signed).Round(time.Hour))
	}
}

// TestRefreshRefusesAPublicationPutBack: someone with write access to the
// bucket (no key) puts back the timestamp.json of an older publication, one
// that still had a bundle the approvers have since withdrawn. The daily
// refresh (and verify, and export) refuse it as a rollback instead of
// re-signing it, so once the old timestamp runs out no site, new or old,
// plays the withdrawn bundle.
func TestRefreshRefusesAPublicationPutBack(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	dep := publish.Department{Store: d.Store, Root: d.Root, StateDir: t.TempDir()}
	dir := bundle(t, "withdrawn-news")
	for _, a := range []string{"editor", "leader"} {
		if _, err := dep.Approve(ctx, dir, layout.Targeting{}, d.Keys[a], d.Now); err != nil {
			t.Fatal(err)
		}
	}
	if err := dep.Publish(ctx, []string{dir}, d.Keys["publisher"], d.Keys["publisher"], d.Now); err != nil {
		t.Fatal(err)
	}
	r, err := d.Store.Get(ctx, "tuf/metadata/timestamp.json")
	if err != nil {
		t.Fatal(err)
	}
	oldTS, _ := io.ReadAll(r)
	r.Close()

	d.Now = d.Now.Add(time.Hour)
	for _, a := range []string{"editor", "leader"} {
		if _, err := dep.Withdraw(ctx, "withdrawn-news", d.Keys[a], d.Now); err != nil {
			t.Fatal(err)
		}
	}
	if err := dep.Publish(ctx, nil, d.Keys["publisher"], d.Keys["publisher"], d.Now); err != nil {
		t.Fatal(err)
	}

	// The old timestamp put back; the next day cron refreshes.
	if err := d.Store.Put(ctx, "tuf/metadata/timestamp.json", bytes.NewReader(oldTS), int64(len(oldTS))); err != nil {
		t.Fatal(err)
	}
	d.Now = d.Now.Add(20 * time.Hour)
	if err := dep.Refresh(ctx, d.Keys["publisher"], d.Keys["publisher"], d.Now); !errors.Is(err, trust.ErrRollback) {
		t.Errorf("refresh over a publication put back = %v, want ErrRollback", err)
	}
	if _, err := dep.Verify(ctx, d.Now, false); !errors.Is(err, trust.ErrRollback) {
		t.Errorf("verify = %v, want ErrRollback", err)
	}
	if _, err := dep.Export(ctx, dirstore.New(t.TempDir()), d.Now); !errors.Is(err, trust.ErrRollback) {
		t.Errorf("export = %v, want ErrRollback", err)
	}
	// Once the old timestamp has run out, a new site does not play the
	// withdrawn bundle: nothing re-signed it.
	d.Now = d.Now.Add(6 * time.Hour)
	site := d.NewSite(t, "an-giang-tinh-bien")
	site.Now = d.Now
	if _, err := site.Agent.Sync(ctx); !errors.Is(err, trust.ErrExpired) || site.Cache.CurrentName() != "" {
		t.Errorf("a new site: %v, playing %q; want the expired feed refused and nothing played", err, site.Cache.CurrentName())
	}
}
