// Package provision gives a site its own credentials on the department's
// MinIO server: a user named after the site, with one shared policy that lets
// it read the publications and write only its own reports.
//
// It builds on MinIO's admin library, github.com/minio/madmin-go/v3 (pinned
// to the version the server in bin/minio is built with), because users and
// policies are MinIO's IAM extension, not S3: the library signs and encrypts
// the admin calls, which we would otherwise hand-build and get wrong. Only
// provisioning uses it; the data path (sync/s3store) stays plain S3 through
// minio-go, so sites can still be served by another S3 server whose users
// were made by other means with the same policy (SitePolicy).
//
// Every site shares one canned policy (PolicyName). It names the site's own
// report folder with the ${aws:username} policy variable, which is why a
// site's access key is its site ID.
//
// # Written once
//
// A site writes its report batches with If-None-Match, but S3 does not
// let a policy require that header: a site's credentials (or a thief's)
// can overwrite a batch by leaving it out. So Provision also turns on
// versioning on the bucket (EnsureVersioning, with the department's
// credentials through minio-go), the site policy allows no version delete,
// retention or tagging change, and the department reads the first version
// of each batch (kiosk/report/fleet). An overwrite then only adds a later version
// the reports never read.
//
// Versioning covers only the batches and event reports: the publications
// (tuf/, media/) and each site's status.json and screen.jpg (and the
// department's screen-request.json), overwritten by design, are excluded with MinIO's excluded-prefix extension,
// so a minute heartbeat does not keep half a million versions a year and a
// collected media object does not live on as a hidden old version.
//
// Object lock (WORM retention) was considered and not chosen: it does not
// stop a new version from being written on top, so the department would
// read the first version all the same; MinIO can only lock a bucket made
// with locking from the start, not the department's existing one; and
// compliance mode would keep the department itself from removing old
// reports. The policy's explicit denials of version deletes and of
// retention changes give what locking would add against a site.
package provision

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/minio/madmin-go/v3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/layout"
)

// DefaultPolicyName is the canned policy every site user gets unless
// Config.PolicyName says otherwise.
const DefaultPolicyName = "kiosk-site"

// SecretLength is the length of the secret keys Provision makes.
const SecretLength = 40

// ErrNotSite means the user named by a site ID exists on the server but is
// not a kiosk site (it has other policies or groups); Provision leaves it
// alone rather than rotate someone else's secret.
var ErrNotSite = errors.New("user exists and is not a kiosk site")

// siteIDPattern is siteconfig's rule for site IDs. MinIO also wants access
// keys of at least 3 characters, checked separately for a clearer message.
var siteIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// minAccessKey is MinIO's shortest access key.
const minAccessKey = 3

// CheckSiteID reports whether id can be a site's access key.
func CheckSiteID(id string) error {
	if !siteIDPattern.MatchString(id) {
		return fmt.Errorf("site id %q: want 1-63 of a-z, 0-9 and '-', starting with a letter or digit", id)
	}
	if len(id) < minAccessKey {
		return fmt.Errorf("site id %q: MinIO needs access keys of at least %d characters, and a site's access key is its ID; choose a longer ID", id, minAccessKey)
	}
	return nil
}

// policy is an IAM policy document.
type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid string `json:"Sid"`
	// Effect is "Allow" or "Deny"; a denial wins over any allowance, also
	// one from another policy attached to the user by mistake.
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// SitePolicy returns the policy every site user shares, for the store in
// bucket under prefix (a folder, "" for the bucket's root). It allows:
//
//   - s3:GetObject on tuf/metadata/*, tuf/targets/* and media/*: the signed
//     publications (not tuf/staged/, which awaits approval);
//   - s3:ListenBucketNotification on the bucket: sync/s3store's Watch hint
//     (MinIO cannot narrow it to a prefix, so a site can see the names of
//     objects changed anywhere in the bucket, never their content);
//   - s3:GetBucketLocation on the bucket: minio-go asks for it before the
//     first request when no region is configured;
//   - s3:PutObject on the site's own reports, ${aws:username} being the
//     user's access key, the site ID: reports/${aws:username}/status.json,
//     .../batches/*, .../events/* and .../screen.jpg (package
//     kiosk/report/screen);
//   - s3:AbortMultipartUpload and s3:ListMultipartUploadParts there too,
//     so a site can clean up its own interrupted large uploads;
//   - s3:GetObject on reports/${aws:username}/screen-request.json: the
//     department asking the site for a screenshot.
//
// Nothing else: no listing, no deletes, no reading of reports, no writing
// of any other object in its own folder (its own screenshot request
// included). It also
// denies outright, anywhere in the bucket, what would undo a written-once
// batch: deleting objects or versions, retention, legal holds, tags, and
// the bucket's versioning, lifecycle, lock and policy settings.
func SitePolicy(bucket, prefix string) ([]byte, error) {
	if err := checkBucket(bucket); err != nil {
		return nil, err
	}
	p, err := folder(prefix)
	if err != nil {
		return nil, err
	}
	obj := "arn:aws:s3:::" + bucket + "/" + p
	doc := policy{
		Version: "2012-10-17",
		Statement: []statement{{
			Sid:      "ReadPublications",
			Effect:   "Allow",
			Action:   []string{"s3:GetObject"},
			Resource: []string{obj + layout.MetadataPrefix + "*", obj + layout.TargetsPrefix + "*", obj + layout.MediaPrefix + "*"},
		}, {
			Sid:      "WatchBucket",
			Effect:   "Allow",
			Action:   []string{"s3:GetBucketLocation", "s3:ListenBucketNotification"},
			Resource: []string{"arn:aws:s3:::" + bucket},
		}, {
			Sid:      "WriteOwnReports",
			Effect:   "Allow",
			Action:   []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
			Resource: ownReports(obj),
		}, {
			Sid:      "ReadOwnScreenshotRequest",
			Effect:   "Allow",
			Action:   []string{"s3:GetObject"},
			Resource: []string{obj + screen.RequestKey(siteVar)},
		}, {
			Sid:      "KeepReportsWrittenOnce",
			Effect:   "Deny",
			Action:   deniedActions,
			Resource: []string{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"},
		}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// siteVar is the policy variable that names a site's own folder: a site's
// user name is its ID.
const siteVar = "${aws:username}"

// ownReports are the objects a site writes under obj (its ARN prefix): its
// status, its batches and event reports, and its screenshot; nothing else,
// not even its own screenshot request.
func ownReports(obj string) []string {
	return []string{
		obj + report.StatusKey(siteVar),
		obj + report.BatchPrefix(siteVar) + "*",
		obj + report.Prefix + siteVar + "/events/*",
		obj + screen.Key(siteVar),
	}
}

// deniedActions are refused to sites explicitly: each would let a site
// remove or hide what it wrote once, or change the rules that keep it.
var deniedActions = []string{
	"s3:DeleteObject", "s3:DeleteObjectVersion",
	"s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention",
	"s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging",
	"s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutBucketObjectLockConfiguration",
	"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:DeleteBucket",
}

// checkBucket refuses names that would change the policy's meaning: the
// resource ARNs must not gain a wildcard, a variable or another path.
func checkBucket(bucket string) error {
	if bucket == "" {
		return errors.New("bucket is empty")
	}
	if strings.ContainsAny(bucket, "/*?${}") {
		return fmt.Errorf("bucket %q: invalid name", bucket)
	}
	return nil
}

// folder returns prefix as "" or "a/b/".
func folder(prefix string) (string, error) {
	p := strings.Trim(prefix, "/")
	if p == "" {
		return "", nil
	}
	if !fs.ValidPath(p) || strings.ContainsAny(p, "*?${}") {
		return "", fmt.Errorf("prefix %q: want a folder path without wildcards or variables", prefix)
	}
	return p + "/", nil
}

// Config says which server to provision on, with which administrator, for
// which store.
type Config struct {
	// Endpoint is the MinIO server's host:port.
	Endpoint string
	// Secure selects HTTPS.
	Secure bool
	// AccessKey and SecretKey are the department's credentials, with the
	// right to manage users and policies.
	AccessKey, SecretKey string
	// Bucket and Prefix locate the store the sites read.
	Bucket, Prefix string
	// PolicyName names the shared site policy; default DefaultPolicyName.
	// Stores in different buckets or prefixes of one server need
	// different names, as Provision rewrites the policy each time.
	PolicyName string
}

// Provisioner creates and rotates site users on one MinIO server.
type Provisioner struct {
	admin    *madmin.AdminClient
	s3       *minio.Client
	bucket   string
	prefix   string // "" or "a/b/"
	endpoint string
	policy   []byte
	name     string
	rand     io.Reader
}

// New returns a Provisioner for cfg. It does not contact the server.
func New(cfg Config) (*Provisioner, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("provision: config: endpoint is empty")
	}
	doc, err := SitePolicy(cfg.Bucket, cfg.Prefix)
	if err != nil {
		return nil, fmt.Errorf("provision: config for %s: %w", cfg.Endpoint, err)
	}
	admin, err := madmin.NewWithOptions(cfg.Endpoint, &madmin.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
	})
	if err != nil {
		return nil, fmt.Errorf("provision: admin client for %s: %w", cfg.Endpoint, err)
	}
	s3, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
	})
	if err != nil {
		return nil, fmt.Errorf("provision: S3 client for %s: %w", cfg.Endpoint, err)
	}
	prefix, _ := folder(cfg.Prefix) // checked by SitePolicy
	name := cfg.PolicyName
	if name == "" {
		name = DefaultPolicyName
	}
	return &Provisioner{admin: admin, s3: s3, bucket: cfg.Bucket, prefix: prefix, endpoint: cfg.Endpoint,
		policy: doc, name: name, rand: rand.Reader}, nil
}

// Credentials are a site's S3 credentials.
type Credentials struct {
	// AccessKey is the site ID.
	AccessKey string
	SecretKey string
	// Policy is the name of the canned policy attached to the user.
	Policy string
	// Rotated says the user existed: its old secret no longer works.
	Rotated bool
}

// Provision makes the site's user: it makes sure the bucket keeps the
// first version of every batch (EnsureVersioning; a server that cannot is
// refused, as reports would not be written once), writes the shared site
// policy (adding or replacing it), creates the user siteID with a fresh random secret,
// enabled, and attaches the policy. Provisioning a site that already has a
// user rotates its secret (the old one stops working at once) and enables
// it again; a user that is not a site (ErrNotSite) is left unchanged.
func (p *Provisioner) Provision(ctx context.Context, siteID string) (Credentials, error) {
	fail := func(step string, err error) (Credentials, error) {
		return Credentials{}, fmt.Errorf("provision site %s on %s: %s: %w", siteID, p.endpoint, step, err)
	}
	if err := CheckSiteID(siteID); err != nil {
		return fail("check id", err)
	}
	rotated, err := p.existing(ctx, siteID)
	if err != nil {
		return fail("look up user", err)
	}
	if err := p.EnsureVersioning(ctx); err != nil {
		return fail("keep report batches written once", err)
	}
	if err := p.admin.AddCannedPolicy(ctx, p.name, p.policy); err != nil {
		return fail("add policy "+p.name, err)
	}
	secret, err := newSecret(p.rand, SecretLength)
	if err != nil {
		return fail("make secret", err)
	}
	if err := p.admin.AddUser(ctx, siteID, secret); err != nil {
		return fail("add user", err)
	}
	_, err = p.admin.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{p.name}, User: siteID})
	if err != nil && madmin.ToErrorResponse(err).Code != "XMinioAdminPolicyChangeAlreadyApplied" {
		return fail("attach policy "+p.name, err)
	}
	return Credentials{AccessKey: siteID, SecretKey: secret, Policy: p.name, Rotated: rotated}, nil
}

// existing reports whether the user exists, and refuses one that is not a
// site: other policies or any group.
func (p *Provisioner) existing(ctx context.Context, user string) (bool, error) {
	info, err := p.admin.GetUserInfo(ctx, user)
	if madmin.ToErrorResponse(err).Code == "XMinioAdminNoSuchUser" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var others []string
	for _, pol := range strings.Split(info.PolicyName, ",") {
		if pol = strings.TrimSpace(pol); pol != "" && pol != p.name {
			others = append(others, pol)
		}
	}
	if len(others) > 0 || len(info.MemberOf) > 0 {
		return false, fmt.Errorf("%w: policies %v, groups %v", ErrNotSite, others, info.MemberOf)
	}
	return true, nil
}

// secretAlphabet is safe in YAML, shells and URLs.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newSecret returns n characters of secretAlphabet drawn uniformly from r.
func newSecret(r io.Reader, n int) (string, error) {
	// Bytes at or above the largest multiple of the alphabet's size are
	// dropped, so every character is equally likely.
	const limit = 256 - 256%len(secretAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, secretAlphabet[int(b)%len(secretAlphabet)])
			}
		}
	}
	return string(out), nil
}
