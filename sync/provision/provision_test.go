package provision

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/madmin-go/v3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/s3store"
)

const (
	bucket = "an-giang"
	prefix = "kiosk"
)

// code returns the S3 error code in err's chain, or "" for none.
func code(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}

// server starts MinIO with a bucket holding one object in each folder of
// the store layout, and returns it with a root store and a Provisioner.
func server(t *testing.T) (*miniotest.Server, *s3store.Store, *Provisioner) {
	t.Helper()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, bucket)
	root, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: bucket, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"tuf/metadata/x", "tuf/targets/x", "media/x", "tuf/staged/x",
		"reports/site-a/a", "reports/site-b/a", "reports/site-a/screen.jpg",
		"reports/site-a/screen-request.json", "reports/site-b/screen-request.json"} {
		if err := root.Put(context.Background(), key, strings.NewReader(key), int64(len(key))); err != nil {
			t.Fatal(err)
		}
	}
	p, err := New(Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: bucket, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return srv, root, p
}

// siteClients returns a store and a plain minio-go client with creds.
func siteClients(t *testing.T, srv *miniotest.Server, c Credentials) (*s3store.Store, *minio.Client) {
	t.Helper()
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: c.AccessKey, SecretKey: c.SecretKey,
		Bucket: bucket, Prefix: prefix, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return st, cl
}

func get(ctx context.Context, st *s3store.Store, key string) error {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != key {
		return errors.New("wrong content")
	}
	return nil
}

func put(ctx context.Context, st *s3store.Store, key string) error {
	return st.Put(ctx, key, strings.NewReader("report"), 6)
}

// putIfAbsent writes key with If-None-Match: *, as sites write report
// batches.
func putIfAbsent(ctx context.Context, cl *minio.Client, key string) error {
	opts := minio.PutObjectOptions{}
	opts.SetMatchETagExcept("*")
	_, err := cl.PutObject(ctx, bucket, prefix+"/"+key, strings.NewReader("batch"), 5, opts)
	return err
}

// multipart starts a multipart upload of key with cl, as a site's large
// upload would begin, and returns its ID.
func multipart(ctx context.Context, cl *minio.Client, key string) (string, error) {
	return minio.Core{Client: cl}.NewMultipartUpload(ctx, bucket, prefix+"/"+key, minio.PutObjectOptions{})
}

// versionIDs lists the version IDs of key, newest first.
func versionIDs(ctx context.Context, root *s3store.Store, key string) ([]string, error) {
	vs, err := root.Versions(ctx, key[:strings.LastIndex(key, "/")])
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range vs {
		if v.Key == key {
			ids = append(ids, v.ID)
		}
	}
	return ids, nil
}

// TestSitePermissions provisions two sites and checks, with each site's own
// credentials, everything the policy allows and a sample of what it must
// refuse.
func TestSitePermissions(t *testing.T) {
	ctx := context.Background()
	srv, root, p := server(t)
	creds := map[string]Credentials{}
	for _, id := range []string{"site-a", "site-b"} {
		c, err := p.Provision(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.AccessKey != id || len(c.SecretKey) != SecretLength || c.Policy != DefaultPolicyName || c.Rotated {
			t.Fatalf("Provision(%s) = %+v", id, c)
		}
		creds[id] = c
	}
	if creds["site-a"].SecretKey == creds["site-b"].SecretKey {
		t.Fatal("two sites got the same secret")
	}

	rootClient := srv.Client(t)
	for own, other := range map[string]string{"site-a": "site-b", "site-b": "site-a"} {
		st, cl := siteClients(t, srv, creds[own])
		ownReport, otherReport := "reports/"+own+"/", "reports/"+other+"/"
		ownBatch := ownReport + "batches/20260302/batch-1"
		// An upload of the other site's, begun with the department's
		// credentials: a site cannot begin one there.
		otherUpload, err := multipart(ctx, rootClient, otherReport+"big")
		if err != nil {
			t.Fatal(err)
		}
		firstVersion := func() string {
			ids, err := versionIDs(ctx, root, ownBatch)
			if err != nil || len(ids) == 0 {
				t.Fatalf("versions of %s: %v, %v", ownBatch, ids, err)
			}
			return ids[len(ids)-1]
		}
		tests := []struct {
			name string
			op   func() error
			want string // the S3 error code, "" for success
		}{
			{"get metadata", func() error { return get(ctx, st, "tuf/metadata/x") }, ""},
			{"get target", func() error { return get(ctx, st, "tuf/targets/x") }, ""},
			{"get media", func() error { return get(ctx, st, "media/x") }, ""},
			{"put own event", func() error { return put(ctx, st, ownReport+"events/20260302T090000.000000000Z-refused.json") }, ""},
			{"put own screenshot", func() error { return put(ctx, st, ownReport+"screen.jpg") }, ""},
			{"put own screenshot again", func() error { return put(ctx, st, ownReport+"screen.jpg") }, ""},
			{"get own screenshot request", func() error { return get(ctx, st, ownReport+"screen-request.json") }, ""},
			// What the policy allowed before screenshots and allows no
			// more: any other key in the site's own folder.
			{"put other key in own folder", func() error { return put(ctx, st, ownReport+"a") }, "AccessDenied"},
			{"put own screenshot request", func() error { return put(ctx, st, ownReport+"screen-request.json") }, "AccessDenied"},
			{"put near own screenshot", func() error { return put(ctx, st, ownReport+"screen.jpg.html") }, "AccessDenied"},
			{"put beside own status", func() error { return put(ctx, st, ownReport+"status.json/x") }, "AccessDenied"},
			{"get own screenshot", func() error { return get(ctx, st, ownReport+"screen.jpg") }, "AccessDenied"},
			{"get other's screenshot request", func() error { return get(ctx, st, otherReport+"screen-request.json") }, "AccessDenied"},
			{"put other's screenshot", func() error { return put(ctx, st, otherReport+"screen.jpg") }, "AccessDenied"},
			{"overwrite own status", func() error { return put(ctx, st, ownReport+"status.json") }, ""},
			{"overwrite own status again", func() error { return put(ctx, st, ownReport+"status.json") }, ""},
			{"put own batch if absent", func() error { return putIfAbsent(ctx, cl, ownBatch) }, ""},
			{"put own batch again", func() error { return putIfAbsent(ctx, cl, ownBatch) }, "PreconditionFailed"},
			// S3 cannot make a policy require If-None-Match: the
			// overwrite succeeds, as a new version (checked below).
			{"overwrite own batch without If-None-Match", func() error { return put(ctx, st, ownBatch) }, ""},
			{"delete own batch", func() error { return st.Delete(ctx, ownBatch) }, "AccessDenied"},
			{"delete own batch's first version", func() error {
				return cl.RemoveObject(ctx, bucket, prefix+"/"+ownBatch, minio.RemoveObjectOptions{VersionID: firstVersion()})
			}, "AccessDenied"},
			// The bucket has no object lock, which MinIO checks before
			// the policy: no one can set retention (the policy's denial
			// is checked in TestSitePolicy).
			{"set retention on own batch", func() error {
				until := time.Now().Add(time.Hour)
				mode := minio.Governance
				return cl.PutObjectRetention(ctx, bucket, prefix+"/"+ownBatch, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until})
			}, "InvalidRequest"},
			{"set legal hold on own batch", func() error {
				on := minio.LegalHoldEnabled
				return cl.PutObjectLegalHold(ctx, bucket, prefix+"/"+ownBatch, minio.PutObjectLegalHoldOptions{Status: &on})
			}, "AccessDenied"},
			{"suspend versioning", func() error { return cl.SuspendVersioning(ctx, bucket) }, "AccessDenied"},
			{"abort own multipart upload", func() error {
				big := ownReport + "batches/20260302/big"
				id, err := multipart(ctx, cl, big)
				if err != nil {
					return err
				}
				if _, err := (minio.Core{Client: cl}).ListObjectParts(ctx, bucket, prefix+"/"+big, id, 0, 100); err != nil {
					return err
				}
				return minio.Core{Client: cl}.AbortMultipartUpload(ctx, bucket, prefix+"/"+big, id)
			}, ""},
			{"list parts of other's multipart upload", func() error {
				_, err := (minio.Core{Client: cl}).ListObjectParts(ctx, bucket, prefix+"/"+otherReport+"big", otherUpload, 0, 100)
				return err
			}, "AccessDenied"},
			{"abort other's multipart upload", func() error {
				return minio.Core{Client: cl}.AbortMultipartUpload(ctx, bucket, prefix+"/"+otherReport+"big", otherUpload)
			}, "AccessDenied"},
			{"put media", func() error { return put(ctx, st, "media/x") }, "AccessDenied"},
			{"put metadata", func() error { return put(ctx, st, "tuf/metadata/x") }, "AccessDenied"},
			{"put target", func() error { return put(ctx, st, "tuf/targets/x") }, "AccessDenied"},
			{"put staged", func() error { return put(ctx, st, "tuf/staged/x") }, "AccessDenied"},
			{"get staged", func() error { return get(ctx, st, "tuf/staged/x") }, "AccessDenied"},
			{"get own report", func() error { return get(ctx, st, ownReport+"a") }, "AccessDenied"},
			{"get other's report", func() error { return get(ctx, st, otherReport+"a") }, "AccessDenied"},
			{"put other's report", func() error { return put(ctx, st, otherReport+"b") }, "AccessDenied"},
			{"put other's batch if absent", func() error { return putIfAbsent(ctx, cl, otherReport+"batches/20260302/batch-1") }, "AccessDenied"},
			{"put report outside a site folder", func() error { return put(ctx, st, "reports/x") }, "AccessDenied"},
			{"list reports", func() error { _, err := st.List(ctx, "reports"); return err }, "AccessDenied"},
			{"list media", func() error { _, err := st.List(ctx, "media"); return err }, "AccessDenied"},
			{"delete own report", func() error { return st.Delete(ctx, ownReport+"a") }, "AccessDenied"},
			{"delete media", func() error { return st.Delete(ctx, "media/x") }, "AccessDenied"},
			{"delete metadata", func() error { return st.Delete(ctx, "tuf/metadata/x") }, "AccessDenied"},
		}
		for _, tc := range tests {
			t.Run(own+"/"+tc.name, func(t *testing.T) {
				err := tc.op()
				if tc.want == "" {
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
					return
				}
				if got := code(err); got != tc.want {
					t.Fatalf("err = %v (code %q), want code %q", err, got, tc.want)
				}
				if tc.want == "PreconditionFailed" && minio.ToErrorResponse(err).StatusCode != http.StatusPreconditionFailed {
					t.Fatalf("err = %v, want HTTP 412", err)
				}
			})
		}
	}
	// The refusals left the objects alone.
	for _, key := range []string{"media/x", "tuf/metadata/x", "tuf/staged/x", "reports/site-a/a", "reports/site-b/screen-request.json"} {
		if err := get(ctx, root, key); err != nil {
			t.Errorf("after the sites' attempts, %s: %v", key, err)
		}
	}
	// Each overwritten batch kept its first version, as written once.
	for _, site := range []string{"site-a", "site-b"} {
		key := "reports/" + site + "/batches/20260302/batch-1"
		ids, err := versionIDs(ctx, root, key)
		if err != nil || len(ids) != 2 {
			t.Fatalf("versions of %s: %v, %v; want the batch and its overwrite", key, ids, err)
		}
		rc, err := root.GetVersion(ctx, key, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "batch" {
			t.Errorf("first version of %s holds %q, want the batch as first written", key, b)
		}
	}
}

// TestEnsureVersioning: the bucket keeps versions of batches but not of
// the publications or status.json; exclusions already set are kept; one
// that would leave batches unversioned is refused.
func TestEnsureVersioning(t *testing.T) {
	ctx := context.Background()
	srv, root, p := server(t)
	cl := srv.Client(t)
	// Someone excluded a folder of their own before.
	if err := cl.SetBucketVersioning(ctx, bucket, minio.BucketVersioningConfiguration{Status: minio.Enabled,
		ExcludedPrefixes: []minio.ExcludedPrefix{{Prefix: "scratch/*"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Provision(ctx, "site-a"); err != nil {
		t.Fatal(err)
	}
	cfg, err := cl.GetBucketVersioning(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range cfg.ExcludedPrefixes {
		got = append(got, e.Prefix)
	}
	if want := append([]string{"scratch/*"}, Unversioned(prefix+"/")...); !cfg.Enabled() || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("versioning %s, excluded %q; want Enabled, %q", cfg.Status, got, want)
	}
	// Provisioning again changes nothing.
	if err := p.EnsureVersioning(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := cl.GetBucketVersioning(ctx, bucket); len(again.ExcludedPrefixes) != len(cfg.ExcludedPrefixes) {
		t.Errorf("exclusions after a second run: %+v", again.ExcludedPrefixes)
	}
	tests := []struct {
		key      string
		versions int
	}{
		{"reports/site-a/status.json", 1},
		{"reports/site-a/screen.jpg", 1},
		{"reports/site-a/screen-request.json", 1},
		{"reports/site-a/events/20260302T090000.000000000Z-refused.json", 3},
		{"reports/site-a/batches/20260302/aa-00000000000000000001-01234567.krb", 3},
		{"tuf/metadata/timestamp.json", 1},
		{"media/x", 1},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			for range 3 {
				if err := put(ctx, root, tc.key); err != nil {
					t.Fatal(err)
				}
			}
			ids, err := versionIDs(ctx, root, tc.key)
			if err != nil || len(ids) != tc.versions {
				t.Errorf("%d versions (%v, %v) after three writes, want %d", len(ids), ids, err, tc.versions)
			}
		})
	}

	// An exclusion covering the batches is refused, naming it.
	if err := cl.SetBucketVersioning(ctx, bucket, minio.BucketVersioningConfiguration{Status: minio.Enabled,
		ExcludedPrefixes: []minio.ExcludedPrefix{{Prefix: prefix + "/reports/*"}}}); err != nil {
		t.Fatal(err)
	}
	err = p.EnsureVersioning(ctx)
	if !errors.Is(err, ErrNoVersioning) || !strings.Contains(err.Error(), prefix+"/reports/*") || !strings.Contains(err.Error(), bucket) {
		t.Errorf("EnsureVersioning with batches excluded: %v, want ErrNoVersioning naming the bucket and the exclusion", err)
	}
	if _, err := p.Provision(ctx, "site-b"); !errors.Is(err, ErrNoVersioning) {
		t.Errorf("Provision with batches excluded: %v, want ErrNoVersioning", err)
	}
}

// TestSiteListen checks that a site may subscribe to the bucket's
// notifications (sync/s3store's Watch hint) and to no other bucket's.
//
// The pinned MinIO build never flushes the notification stream, so an
// accepted subscription cannot be told from a slow one by waiting for
// events. The server checks the policy before it parses the event names,
// though: asked for an event that does not exist, an allowed subscription
// ends at once with the parse error, a forbidden one with AccessDenied.
func TestSiteListen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, _, p := server(t)
	srv.MakeBucket(t, "other")
	c, err := p.Provision(ctx, "site-a")
	if err != nil {
		t.Fatal(err)
	}
	_, cl := siteClients(t, srv, c)
	tests := []struct {
		bucket     string
		wantDenied bool
	}{
		{bucket, false},
		{"other", true},
	}
	for _, tc := range tests {
		t.Run(tc.bucket, func(t *testing.T) {
			var err error
			for info := range cl.ListenBucketNotification(ctx, tc.bucket, "", "", []string{"s3:NoSuchEvent"}) {
				if info.Err != nil {
					err = info.Err
					break
				}
			}
			if err == nil {
				t.Fatal("the subscription ended without an error")
			}
			if denied := code(err) == "AccessDenied"; denied != tc.wantDenied {
				t.Fatalf("listen on %s: %v (code %q); want access denied: %v", tc.bucket, err, code(err), tc.wantDenied)
			}
			t.Logf("listen on %s: %v", tc.bucket, err)
		})
	}
}

// TestReprovisionRotates checks that provisioning a site again gives it a
// new secret and refuses the old one.
func TestReprovisionRotates(t *testing.T) {
	ctx := context.Background()
	srv, _, p := server(t)
	first, err := p.Provision(ctx, "site-a")
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Provision(ctx, "site-a")
	if err != nil {
		t.Fatal(err)
	}
	if !second.Rotated || first.Rotated {
		t.Errorf("Rotated = %v then %v, want false then true", first.Rotated, second.Rotated)
	}
	if second.SecretKey == first.SecretKey {
		t.Fatal("the secret did not change")
	}
	oldStore, _ := siteClients(t, srv, first)
	if err := get(ctx, oldStore, "media/x"); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("get with the old secret: %v (code %q), want SignatureDoesNotMatch", err, code(err))
	}
	newStore, _ := siteClients(t, srv, second)
	if err := get(ctx, newStore, "media/x"); err != nil {
		t.Errorf("get with the new secret: %v", err)
	}
	// The policy is still attached: reports can be written.
	if err := put(ctx, newStore, "reports/site-a/status.json"); err != nil {
		t.Errorf("put own status after rotation: %v", err)
	}
}

// TestRefusals checks the IDs and users Provision will not touch.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	srv, _, p := server(t)
	admin, err := madmin.NewWithOptions(srv.Endpoint, &madmin.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	// A department user with its own policy must keep its secret.
	if err := admin.AddUser(ctx, "editor", "editor-secret-123"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{"readwrite"}, User: "editor"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want string
	}{
		{"ab", "at least 3"},
		{"", "site id"},
		{"Site-A", "site id"},
		{"-site", "site id"},
		{"editor", "not a kiosk site"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			_, err := p.Provision(ctx, tc.id)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Provision(%q) = %v, want an error saying %q", tc.id, err, tc.want)
			}
			if !strings.Contains(err.Error(), srv.Endpoint) {
				t.Errorf("error does not name the endpoint: %v", err)
			}
		})
	}
	if _, err := p.Provision(ctx, "editor"); !errors.Is(err, ErrNotSite) {
		t.Errorf("Provision(editor) = %v, want ErrNotSite", err)
	}
	if info, err := admin.GetUserInfo(ctx, "editor"); err != nil || info.PolicyName != "readwrite" {
		t.Errorf("editor after the refusal: %+v, %v", info, err)
	}
}

func TestSitePolicy(t *testing.T) {
	tests := []struct {
		name, bucket, prefix string
		wantObj              string // the ARN prefix of objects; "" for an error
	}{
		{"prefix", "b", "kiosk", "arn:aws:s3:::b/kiosk/"},
		{"prefix with slashes", "b", "/kiosk/a/", "arn:aws:s3:::b/kiosk/a/"},
		{"no prefix", "b", "", "arn:aws:s3:::b/"},
		{"no bucket", "", "kiosk", ""},
		{"bucket with slash", "b/c", "", ""},
		{"wildcard prefix", "b", "ki*", ""},
		{"variable prefix", "b", "${aws:username}", ""},
		{"dot-dot prefix", "b", "a/../b", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := SitePolicy(tc.bucket, tc.prefix)
			if tc.wantObj == "" {
				if err == nil {
					t.Fatalf("SitePolicy(%q, %q) = %s, want an error", tc.bucket, tc.prefix, raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc policy
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			grants, denials := map[string][]string{}, map[string][]string{}
			for _, s := range doc.Statement {
				m := grants
				switch s.Effect {
				case "Allow":
				case "Deny":
					m = denials
				default:
					t.Errorf("statement %s: effect %s", s.Sid, s.Effect)
				}
				for _, a := range s.Action {
					m[a] = append(m[a], s.Resource...)
				}
			}
			o := tc.wantObj
			u := o + "reports/${aws:username}/"
			own := []string{u + "status.json", u + "batches/*", u + "events/*", u + "screen.jpg"}
			want := map[string][]string{
				"s3:GetObject":                {o + "tuf/metadata/*", o + "tuf/targets/*", o + "media/*", u + "screen-request.json"},
				"s3:GetBucketLocation":        {"arn:aws:s3:::" + tc.bucket},
				"s3:ListenBucketNotification": {"arn:aws:s3:::" + tc.bucket},
				"s3:PutObject":                own,
				"s3:AbortMultipartUpload":     own,
				"s3:ListMultipartUploadParts": own,
			}
			got, _ := json.Marshal(grants)
			wantJSON, _ := json.Marshal(want)
			if !bytes.Equal(got, wantJSON) {
				t.Errorf("grants:\n%s\nwant:\n%s", got, wantJSON)
			}
			// What would undo a batch written once is denied in the
			// whole bucket, whatever else allows it.
			everywhere := []string{"arn:aws:s3:::" + tc.bucket, "arn:aws:s3:::" + tc.bucket + "/*"}
			for _, a := range []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
				"s3:BypassGovernanceRetention", "s3:PutObjectTagging", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"} {
				if !slices.Equal(denials[a], everywhere) {
					t.Errorf("%s denied on %v, want %v", a, denials[a], everywhere)
				}
			}
			for a := range denials {
				if grants[a] != nil {
					t.Errorf("%s both allowed and denied", a)
				}
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	// Bytes from 0xf8 (248, the last full cycle of 62) up are skipped.
	s, err := newSecret(strings.NewReader(strings.Repeat("\xff\x00\xf8\x3d\x3e", 40)), SecretLength)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("A9A", 14)[:SecretLength]; s != want {
		t.Errorf("newSecret = %q, want %q", s, want)
	}
	if _, err := newSecret(strings.NewReader("\xff\xff"), SecretLength); err == nil {
		t.Error("newSecret from a short reader succeeded")
	}
	a, _ := newSecret(rand.Reader, SecretLength)
	b, _ := newSecret(rand.Reader, SecretLength)
	if len(a) != SecretLength || strings.Trim(a, secretAlphabet) != "" || a == b {
		t.Errorf("random secrets %q and %q", a, b)
	}
}
