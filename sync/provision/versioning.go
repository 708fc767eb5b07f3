package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/layout"
)

// ErrNoVersioning means the bucket does not keep object versions, so a
// site could overwrite its own report batches unseen.
var ErrNoVersioning = errors.New("bucket does not keep object versions")

// maxExcludedPrefixes is MinIO's limit on a bucket's versioning
// exclusions.
const maxExcludedPrefixes = 10

// Unversioned returns the patterns (MinIO's excluded prefixes, where * is
// any run of characters) of the objects under prefix that need no
// versions: the publications, rewritten and collected by the department;
// each site's status.json, overwritten at every heartbeat, and screen.jpg,
// overwritten every few minutes; and the department's screenshot requests.
func Unversioned(prefix string) []string {
	return []string{prefix + layout.TUFPrefix + "*", prefix + layout.MediaPrefix + "*", prefix + report.StatusKey("*"),
		prefix + screen.Key("*"), prefix + screen.RequestKey("*")}
}

// EnsureVersioning turns on versioning on the bucket, keeping the
// exclusions it already has and adding Unversioned's. It fails, wrapping
// ErrNoVersioning, when the server does not keep versions afterwards or an
// exclusion would cover report batches.
func (p *Provisioner) EnsureVersioning(ctx context.Context) error {
	fail := func(step string, err error) error {
		return fmt.Errorf("bucket %s: %s: %w", p.bucket, step, err)
	}
	cur, err := p.s3.GetBucketVersioning(ctx, p.bucket)
	if err != nil {
		return fail("read versioning", err)
	}
	want := cur
	want.Status = minio.Enabled
	for _, pat := range Unversioned(p.prefix) {
		if !slices.ContainsFunc(want.ExcludedPrefixes, func(e minio.ExcludedPrefix) bool { return e.Prefix == pat }) {
			want.ExcludedPrefixes = append(want.ExcludedPrefixes, minio.ExcludedPrefix{Prefix: pat})
		}
	}
	if err := p.checkExclusions(want); err != nil {
		return fail("versioning exclusions", err)
	}
	if cur.Status != want.Status || len(cur.ExcludedPrefixes) != len(want.ExcludedPrefixes) {
		if len(want.ExcludedPrefixes) > maxExcludedPrefixes {
			return fail("versioning exclusions", fmt.Errorf("%w: %d excluded prefixes, MinIO allows %d", ErrNoVersioning,
				len(want.ExcludedPrefixes), maxExcludedPrefixes))
		}
		if err := p.s3.SetBucketVersioning(ctx, p.bucket, want); err != nil {
			return fail("enable versioning", fmt.Errorf("%w: %w", ErrNoVersioning, err))
		}
	}
	// Read back: a server may accept a setting it does not keep.
	got, err := p.s3.GetBucketVersioning(ctx, p.bucket)
	if err != nil {
		return fail("read versioning", err)
	}
	if !got.Enabled() {
		return fail("enable versioning", fmt.Errorf("%w: status %q after enabling", ErrNoVersioning, got.Status))
	}
	return p.checkExclusions(got)
}

// checkExclusions refuses a configuration whose exclusions would leave
// report batches unversioned.
func (p *Provisioner) checkExclusions(c minio.BucketVersioningConfiguration) error {
	batch := p.prefix + "reports/site/batches/20260101/0123456789ab-00000000000000000001-01234567.krb"
	for _, e := range c.ExcludedPrefixes {
		if matchStar(e.Prefix, batch) {
			return fmt.Errorf("%w: excluded prefix %q covers report batches (%s)", ErrNoVersioning, e.Prefix, batch)
		}
	}
	return nil
}

// matchStar reports whether name matches pattern, where * stands for any
// run of characters, slashes included, as MinIO matches exclusions.
func matchStar(pattern, name string) bool {
	first, rest, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == name
	}
	if !strings.HasPrefix(name, first) {
		return false
	}
	name = name[len(first):]
	for i := 0; i <= len(name); i++ {
		if matchStar(rest, name[i:]) {
			return true
		}
	}
	return false
}
