// Package publishtest gives tests a department: a TUF repository in a real
// MinIO bucket (started by internal/miniotest), with a root key, three
// approvers of whom two must sign (editor, leader, deputy), and a
// publishing key, and helpers to approve and publish bundles.
package publishtest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// Department is a publishing department for tests.
type Department struct {
	Server *miniotest.Server
	Store  *s3store.Store
	// Bucket and Prefix locate the repository in the server.
	Bucket, Prefix string
	// Root is the trusted root.json sites are provisioned with.
	Root []byte
	// Keys holds the signers: root, editor, leader, deputy, publisher.
	Keys map[string]signature.Signer
	// Now is the department's clock.
	Now time.Time
}

// New starts MinIO and creates the repository.
func New(t testing.TB) *Department {
	t.Helper()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "an-giang")
	store, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "an-giang", Prefix: "kiosk/"})
	if err != nil {
		t.Fatal(err)
	}
	d := NewOn(t, store, "an-giang", "kiosk/")
	d.Server = srv
	return d
}

// NewOn creates the repository in store, which holds bucket under prefix,
// on any S3 server. Its Server is nil: SiteStore, SiteConfig and NewSite
// provision sites through MinIO's admin API and need New.
func NewOn(t testing.TB, store *s3store.Store, bucket, prefix string) *Department {
	t.Helper()
	ctx := context.Background()
	d := &Department{Store: store, Bucket: bucket, Prefix: prefix,
		Keys: map[string]signature.Signer{}, Now: time.Now()}
	keys := t.TempDir()
	for _, name := range []string{"root", "editor", "leader", "deputy", "publisher"} {
		if err := trust.GenerateKey(keys, name, nil); err != nil {
			t.Fatal(err)
		}
		s, err := trust.LoadSigner(filepath.Join(keys, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		d.Keys[name] = s
	}
	pub := func(name string) any {
		k, err := trust.LoadPublicKey(filepath.Join(keys, name+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	opts := trust.InitOptions{
		RootSigners:       []signature.Signer{d.Keys["root"]},
		ApprovalThreshold: 2,
		SnapshotKey:       pub("publisher"),
		TimestampKey:      pub("publisher"),
		Now:               d.Now,
	}
	for _, name := range []string{"editor", "leader", "deputy"} {
		opts.Approvers = append(opts.Approvers, trust.Approver{Name: name, Key: pub(name)})
	}
	if err := trust.InitRepository(ctx, store, opts); err != nil {
		t.Fatal(err)
	}
	r, err := store.Get(ctx, layout.MetadataPrefix+"1.root.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if d.Root, err = io.ReadAll(r); err != nil {
		t.Fatal(err)
	}
	return d
}

// Approve signs the bundle in dir as each of approvers and returns the
// last status.
func (d *Department) Approve(t testing.TB, dir string, to layout.Targeting, approvers ...string) trust.Status {
	t.Helper()
	var st trust.Status
	for _, a := range approvers {
		ap, err := publish.Approve(context.Background(), d.Store, d.Root, dir, to, d.Keys[a], d.Now)
		if err != nil {
			t.Fatalf("approve as %s: %v", a, err)
		}
		st = ap.Status
	}
	return st
}

// Publish uploads the bundles' media and publishes the staged approval.
func (d *Department) Publish(t testing.TB, dirs ...string) error {
	t.Helper()
	return publish.Publish(context.Background(), d.Store, d.Root, dirs, d.Keys["publisher"], d.Keys["publisher"], d.Now)
}

// Release has the editor and the leader approve the bundle in dir and
// publishes it.
func (d *Department) Release(t testing.TB, dir string, to layout.Targeting) {
	t.Helper()
	d.Approve(t, dir, to, "editor", "leader")
	if err := d.Publish(t, dir); err != nil {
		t.Fatal(err)
	}
}

// SiteStore provisions site as a MinIO user with the shared site policy
// and returns the store as that site sees it: its own credentials, so
// tests sync as a real site does, not as the department.
func (d *Department) SiteStore(t testing.TB, site string) *s3store.Store {
	t.Helper()
	store, err := s3store.New(d.SiteConfig(t, site))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// SiteConfig provisions site and returns the store config of its own
// credentials, for tests that tune it (timeouts).
func (d *Department) SiteConfig(t testing.TB, site string) s3store.Config {
	t.Helper()
	prov, err := provision.New(provision.Config{Endpoint: d.Server.Endpoint, AccessKey: d.Server.AccessKey,
		SecretKey: d.Server.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := prov.Provision(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	return s3store.Config{Endpoint: d.Server.Endpoint, AccessKey: creds.AccessKey,
		SecretKey: creds.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix, MaxRetries: 1}
}

// Site is a site syncing from the department's store with its own
// provisioned credentials, reporting refusals under reports/<id>/events/.
type Site struct {
	Agent *agent.Agent
	Cache *cache.Cache
	Store *s3store.Store // as the site sees it
	// TrustDir holds the site's trusted metadata (root.json, ...).
	TrustDir string
	// Now is the site's clock; tests move it.
	Now time.Time
}

// NewSite provisions site id and returns its agent, cache and store.
func (d *Department) NewSite(t testing.TB, id string, groups ...string) *Site {
	t.Helper()
	return d.NewSiteOn(t, d.SiteStore(t, id), id, groups...)
}

// NewSiteOn is NewSite over a store the test made (with its own timeouts).
func (d *Department) NewSiteOn(t testing.TB, store *s3store.Store, id string, groups ...string) *Site {
	t.Helper()
	dir := t.TempDir()
	c, err := cache.Open(filepath.Join(dir, "cache"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	s := &Site{Cache: c, Store: store, TrustDir: filepath.Join(dir, "tuf"), Now: d.Now}
	now := func() time.Time { return s.Now }
	client, err := trust.NewClient(s.Store, d.Root, s.TrustDir, now)
	if err != nil {
		t.Fatal(err)
	}
	s.Agent = &agent.Agent{
		Site: id, Groups: groups,
		Trust: client,
		TrustFor: func(st trust.Reader) (agent.Verifier, error) {
			return client.WithStore(st), nil
		},
		Fetch:  &fetch.Fetcher{Source: s.Store, Objects: c},
		Cache:  c,
		Report: &agent.StoreReporter{Store: s.Store, Site: id, Now: now},
		Log:    quiet(),
	}
	return s
}

// Events returns the kinds of the events site id reported, oldest first,
// read with the department's credentials.
func (d *Department) Events(t testing.TB, id string) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := d.Store.List(ctx, "reports/"+id+"/events/")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, k := range keys {
		r, err := d.Store.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ Kind string }
		err = json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&ev)
		r.Close()
		if err != nil {
			t.Fatalf("event %s: %v", k, err)
		}
		kinds = append(kinds, ev.Kind)
	}
	return kinds
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
