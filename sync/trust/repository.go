package trust

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Default metadata lifetimes. Targets expire so that approvers re-affirm what
// screens show at least quarterly; the timestamp expires daily so a frozen
// feed shows within a day.
const (
	DefaultRootLifetime      = 365 * 24 * time.Hour
	DefaultTargetsLifetime   = 90 * 24 * time.Hour
	DefaultSnapshotLifetime  = 30 * 24 * time.Hour
	DefaultTimestampLifetime = 24 * time.Hour
)

// Store is what the department tools need from a store (sync/s3store,
// sync/dirstore). A missing key is an error satisfying
// errors.Is(err, fs.ErrNotExist).
//
// GetTagged and PutIfMatch make a compare-and-swap: PutIfMatch replaces an
// object only if it still has the tag GetTagged returned (an S3 ETag with
// If-Match), or with tag "" creates it only if absent, and otherwise fails
// with an error satisfying errors.Is(err, fs.ErrExist). Approvals use it so
// that two approvers signing at once both count.
type Store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	List(ctx context.Context, prefix string) ([]string, error)
	Delete(ctx context.Context, key string) error
	GetTagged(ctx context.Context, key string, max int64) ([]byte, string, error)
	PutIfMatch(ctx context.Context, key string, data []byte, tag string) error
}

// Approver is a person whose key may approve publications.
type Approver struct {
	Name string // shown in Status; never trusted
	Key  crypto.PublicKey
}

// InitOptions configure a new repository.
type InitOptions struct {
	// RootSigners all sign 1.root.json. Their keys become root's keys.
	RootSigners []signature.Signer
	// RootThreshold is how many root keys must sign a future root; 0 means 1.
	RootThreshold int
	// Approvers and ApprovalThreshold make the targets role: a publication
	// needs ApprovalThreshold approver signatures (for example 2 of 3).
	Approvers         []Approver
	ApprovalThreshold int
	// SnapshotKey and TimestampKey are the publishing tool's public keys;
	// they may be the same key. A nil TimestampKey means SnapshotKey.
	SnapshotKey  crypto.PublicKey
	TimestampKey crypto.PublicKey
	// Alerters and AlertThreshold make the alerts role (RoleAlerts): an
	// emergency alert needs AlertThreshold (0 means 1) of these keys. With
	// no Alerters root has no alerts role, and sites refuse every alert
	// until a root rotation adds one.
	Alerters       []Approver
	AlertThreshold int
	// Now is the signing time; RootLifetime (0: DefaultRootLifetime) counts
	// from it.
	Now          time.Time
	RootLifetime time.Duration
}

// InitRepository writes tuf/metadata/1.root.json and tuf/approvers.json. It
// refuses to touch a store that already has TUF metadata.
//
// The first publication is then made like every other one (Stage, Approve,
// Publish) and becomes targets version 1: a targets file, even an empty one,
// is only valid with the approvers' signatures, and snapshot and timestamp
// need the publishing key, none of which InitRepository holds. Until that
// first Publish, a site's Refresh fails with an error satisfying
// errors.Is(err, fs.ErrNotExist).
func InitRepository(ctx context.Context, store Store, opts InitOptions) error {
	existing, err := store.List(ctx, metadataPrefix)
	if err != nil {
		return fmt.Errorf("trust: init: list %s: %w", metadataPrefix, err)
	}
	if len(existing) > 0 {
		return fmt.Errorf("trust: init: %w: %s", ErrRepositoryExists, existing[0])
	}
	if opts.Now.IsZero() {
		return errors.New("trust: init: InitOptions.Now is not set")
	}
	rootThreshold := opts.RootThreshold
	if rootThreshold == 0 {
		rootThreshold = 1
	}
	lifetime := opts.RootLifetime
	if lifetime == 0 {
		lifetime = DefaultRootLifetime
	}
	if len(opts.RootSigners) < rootThreshold || rootThreshold < 1 {
		return fmt.Errorf("trust: init: %d root signers for root threshold %d", len(opts.RootSigners), rootThreshold)
	}
	if opts.ApprovalThreshold < 1 || opts.ApprovalThreshold > len(opts.Approvers) {
		return fmt.Errorf("trust: init: approval threshold %d with %d approvers", opts.ApprovalThreshold, len(opts.Approvers))
	}
	tsKey := opts.TimestampKey
	if tsKey == nil {
		tsKey = opts.SnapshotKey
	}

	root := metadata.Root(expiry(opts.Now, lifetime))
	add := func(role string, pub crypto.PublicKey) error {
		k, err := tufKey(pub)
		if err != nil {
			return fmt.Errorf("trust: init: %s key: %w", role, err)
		}
		if err := root.Signed.AddKey(k, role); err != nil {
			return fmt.Errorf("trust: init: add %s key: %w", role, err)
		}
		return nil
	}
	for i, s := range opts.RootSigners {
		pub, err := s.PublicKey()
		if err != nil {
			return fmt.Errorf("trust: init: root signer %d: %w", i, err)
		}
		if err := add(metadata.ROOT, pub); err != nil {
			return err
		}
	}
	names := map[string]string{}
	for _, a := range opts.Approvers {
		if err := add(metadata.TARGETS, a.Key); err != nil {
			return fmt.Errorf("%w (approver %q)", err, a.Name)
		}
		id, _ := KeyID(a.Key)
		names[id] = a.Name
	}
	if err := add(metadata.SNAPSHOT, opts.SnapshotKey); err != nil {
		return err
	}
	if err := add(metadata.TIMESTAMP, tsKey); err != nil {
		return err
	}
	thresholds := map[string]int{metadata.ROOT: rootThreshold, metadata.TARGETS: opts.ApprovalThreshold}
	switch {
	case len(opts.Alerters) > 0:
		root.Signed.Roles[RoleAlerts] = &metadata.Role{KeyIDs: []string{}, Threshold: 1}
		for _, a := range opts.Alerters {
			if err := add(RoleAlerts, a.Key); err != nil {
				return fmt.Errorf("%w (alerter %q)", err, a.Name)
			}
			id, _ := KeyID(a.Key)
			if names[id] == "" {
				names[id] = a.Name
			}
		}
		thresholds[RoleAlerts] = max(opts.AlertThreshold, 1)
	case opts.AlertThreshold > 0:
		return fmt.Errorf("trust: init: alert threshold %d with no alert keys", opts.AlertThreshold)
	}
	// AddKey ignores a key added twice; thresholds must count distinct keys.
	for role, threshold := range thresholds {
		if n := len(root.Signed.Roles[role].KeyIDs); n < threshold {
			return fmt.Errorf("trust: init: %s role has %d distinct keys, threshold %d", role, n, threshold)
		}
		root.Signed.Roles[role].Threshold = threshold
	}
	for i, s := range opts.RootSigners {
		if _, err := root.Sign(s); err != nil {
			return fmt.Errorf("trust: init: sign root with signer %d: %w", i, err)
		}
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return fmt.Errorf("trust: init: new root does not verify: %w", err)
	}
	rootBytes, err := root.ToBytes(true)
	if err != nil {
		return fmt.Errorf("trust: init: encode root: %w", err)
	}
	namesBytes, err := json.MarshalIndent(names, "", "\t")
	if err != nil {
		return fmt.Errorf("trust: init: encode %s: %w", approversKey, err)
	}
	if err := putBytes(ctx, store, approversKey, namesBytes); err != nil {
		return fmt.Errorf("trust: init: %w", err)
	}
	if err := putBytes(ctx, store, versionedKey(metadata.ROOT, 1), rootBytes); err != nil {
		return fmt.Errorf("trust: init: %w", err)
	}
	return nil
}

// Target is a file to publish.
type Target struct {
	Path   string          // slash-separated, e.g. "bundles/laocai.json"
	Data   []byte          // the file; targets are small (bundle manifests)
	Custom json.RawMessage // optional JSON object signed with it, e.g. targeting
}

// Status describes a staged publication's approval.
type Status struct {
	Version   int64     // the targets version being approved
	Signed    []string  // approvers who signed (name, or key ID if unnamed)
	Missing   []string  // approvers who did not sign yet
	Threshold int       // signatures needed
	Ready     bool      // threshold met: Publish will accept it
	Expires   time.Time // when the staged approval expires, as signed
}

// Stage prepares a publication for approval: the full new set of targets
// (targets not listed are withdrawn), as targets metadata with version
// published+1, unsigned, expiring at expires. It uploads the files to
// tuf/staged/targets/ and then tuf/staged/targets.json, the latter only if
// no staging exists (ErrStagingExists). root is the department's trusted
// root.json.
func Stage(ctx context.Context, store Store, root []byte, targets []Target, expires time.Time) (Status, error) {
	if _, err := readLimited(ctx, store, stagedTargetsKey, maxMetadataBytes); err == nil {
		return Status{}, fmt.Errorf("trust: stage: %w (%s)", ErrStagingExists, stagedTargetsKey)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	trusted, err := loadRoot(ctx, store, root)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	pub, err := loadPublished(ctx, store, trusted)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	md, err := targetsMetadata(targets, pub.targetsVersion+1, expires)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	// Files first, metadata last: a staging that exists is complete.
	for _, t := range targets {
		key := targetKey(stagedFilePrefix, t.Path, md.Signed.Targets[t.Path].Hashes["sha256"])
		if err := putBytes(ctx, store, key, t.Data); err != nil {
			return Status{}, fmt.Errorf("trust: stage: %w", err)
		}
	}
	data, err := md.ToBytes(true)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: encode targets: %w", err)
	}
	if err := store.PutIfMatch(ctx, stagedTargetsKey, data, ""); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Status{}, fmt.Errorf("trust: stage: %w (%s, staged by someone else just now)", ErrStagingExists, stagedTargetsKey)
		}
		return Status{}, fmt.Errorf("trust: stage: put %s: %w", stagedTargetsKey, err)
	}
	return approvalStatus(trusted, md, loadNames(ctx, store)), nil
}

// targetsMetadata builds unsigned targets metadata holding exactly targets.
func targetsMetadata(targets []Target, version int64, expires time.Time) (*metadata.Metadata[metadata.TargetsType], error) {
	md := metadata.Targets(expires.UTC().Truncate(time.Second))
	md.Signed.Version = version
	for _, t := range targets {
		if err := checkTargetPath(t.Path); err != nil {
			return nil, err
		}
		if _, dup := md.Signed.Targets[t.Path]; dup {
			return nil, fmt.Errorf("target %s listed twice", t.Path)
		}
		tf, err := metadata.TargetFile().FromBytes(t.Path, t.Data, "sha256")
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Path, err)
		}
		if len(t.Custom) > 0 {
			if err := checkCustom(t.Custom); err != nil {
				return nil, fmt.Errorf("target %s: custom: %w", t.Path, err)
			}
			custom := slices.Clone(t.Custom)
			tf.Custom = (*json.RawMessage)(&custom)
		}
		md.Signed.Targets[t.Path] = tf
	}
	return md, nil
}

// checkCustom accepts a JSON object that TUF's canonical JSON can sign: it
// has no floating-point numbers.
func checkCustom(raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	var walk func(any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case json.Number:
			if _, err := v.Int64(); err != nil {
				return fmt.Errorf("number %s: canonical JSON allows integers only", v)
			}
		case []any:
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v)
}

// StagedStatus reports the approval of the staged publication.
func StagedStatus(ctx context.Context, store Store, trustedRoot []byte) (Status, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return Status{}, fmt.Errorf("trust: staged status: %w", err)
	}
	staged, err := loadStaged(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: staged status: %w", err)
	}
	return approvalStatus(root, staged, loadNames(ctx, store)), nil
}

// Expectation is what an approver has reviewed: the whole set of targets
// the publication must hold (the current publication plus exactly the
// approver's change), its version, and the bounds of its expiry. Approve
// signs a staged publication only if it is exactly this.
type Expectation struct {
	Targets []Target
	Version int64
	// The staged expiry must be after ExpiresAfter and not after
	// ExpiresBy.
	ExpiresAfter, ExpiresBy time.Time
}

// maxApproveTries bounds Approve's compare-and-swap retries.
const maxApproveTries = 8

// Approve adds signer's approval to the staged publication, after checking
// that it is exactly what the approver expects (ErrUnexpectedStaging
// otherwise, naming every difference) and that the staged files match the
// hashes being signed. The signer must hold one of root's approver keys
// (ErrNotApprover). Approving twice replaces the earlier signature.
//
// The staging is replaced with a conditional put: if another approver
// signed between our read and our write, Approve reads their version and
// signs it again, so no signature is lost.
func Approve(ctx context.Context, store Store, trustedRoot []byte, signer signature.Signer, want Expectation) (Status, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	id, err := signerKeyID(signer)
	if err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	if !slices.Contains(root.Signed.Roles[metadata.TARGETS].KeyIDs, id) {
		return Status{}, fmt.Errorf("trust: approve: key %s: %w", id, ErrNotApprover)
	}
	for try := 0; try < maxApproveTries; try++ {
		raw, tag, err := store.GetTagged(ctx, stagedTargetsKey, maxMetadataBytes)
		if errors.Is(err, fs.ErrNotExist) {
			return Status{}, fmt.Errorf("trust: approve: %w: %s", ErrNothingStaged, stagedTargetsKey)
		}
		if err != nil {
			return Status{}, fmt.Errorf("trust: approve: %w", err)
		}
		staged, err := metadata.Targets().FromBytes(raw)
		if err != nil {
			return Status{}, fmt.Errorf("trust: approve: parse %s: %w: %w", stagedTargetsKey, ErrTampered, err)
		}
		if err := checkExpected(staged, want); err != nil {
			return Status{}, fmt.Errorf("trust: approve: %s: %w", stagedTargetsKey, err)
		}
		if err := checkStagedFiles(ctx, store, staged); err != nil {
			return Status{}, fmt.Errorf("trust: approve: %w", err)
		}
		// go-tuf rejects metadata with two signatures by one key.
		staged.Signatures = slices.DeleteFunc(staged.Signatures, func(s metadata.Signature) bool { return s.KeyID == id })
		if _, err := staged.Sign(signer); err != nil {
			return Status{}, fmt.Errorf("trust: approve: sign %s: %w", stagedTargetsKey, err)
		}
		data, err := staged.ToBytes(true)
		if err != nil {
			return Status{}, fmt.Errorf("trust: approve: encode %s: %w", stagedTargetsKey, err)
		}
		err = store.PutIfMatch(ctx, stagedTargetsKey, data, tag)
		if errors.Is(err, fs.ErrExist) {
			continue // another approver signed meanwhile: sign theirs
		}
		if err != nil {
			return Status{}, fmt.Errorf("trust: approve: put %s: %w", stagedTargetsKey, err)
		}
		return approvalStatus(root, staged, loadNames(ctx, store)), nil
	}
	return Status{}, fmt.Errorf("trust: approve: %s kept changing during %d tries; try again", stagedTargetsKey, maxApproveTries)
}

// checkExpected compares the staged targets with what the approver
// expects, by canonical JSON (what signatures cover), and lists every
// difference.
func checkExpected(staged *metadata.Metadata[metadata.TargetsType], want Expectation) error {
	var diffs []string
	exp := staged.Signed.Expires
	if !exp.After(want.ExpiresAfter) || exp.After(want.ExpiresBy) {
		diffs = append(diffs, fmt.Sprintf("expires %s, want after %s and not after %s",
			exp.Format(time.RFC3339), want.ExpiresAfter.UTC().Format(time.RFC3339), want.ExpiresBy.UTC().Format(time.RFC3339)))
	}
	if staged.Signed.Version != want.Version {
		diffs = append(diffs, fmt.Sprintf("version %d, want %d (the current publication plus one)", staged.Signed.Version, want.Version))
	}
	expected, err := targetsMetadata(want.Targets, want.Version, exp)
	if err != nil {
		return fmt.Errorf("expected targets: %w", err)
	}
	for p, tf := range staged.Signed.Targets {
		w, ok := expected.Signed.Targets[p]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("adds target %s%s, which is not part of this change", p, describeCustom(tf.Custom)))
		case !sameCanonical(tf, w):
			diffs = append(diffs, fmt.Sprintf("target %s differs from what you approve: staged %s%s, want %s%s",
				p, shortHash(tf), describeCustom(tf.Custom), shortHash(w), describeCustom(w.Custom)))
		}
	}
	for p := range expected.Signed.Targets {
		if _, ok := staged.Signed.Targets[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("lacks target %s", p))
		}
	}
	if len(diffs) == 0 {
		// Anything else signed (delegations, unknown fields, spec version).
		staged.Signed.Expires, expected.Signed.Expires = exp, exp
		if !sameCanonical(staged.Signed, expected.Signed) {
			diffs = append(diffs, "fields other than the targets differ (delegations or unknown fields)")
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("%w: %s", ErrUnexpectedStaging, strings.Join(diffs, "; "))
	}
	return nil
}

func sameCanonical(a, b any) bool {
	x, err1 := cjson.EncodeCanonical(a)
	y, err2 := cjson.EncodeCanonical(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func shortHash(tf *metadata.TargetFiles) string {
	return fmt.Sprintf("%d bytes sha256 %.12x", tf.Length, []byte(tf.Hashes["sha256"]))
}

func describeCustom(c *json.RawMessage) string {
	if c == nil {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, *c) != nil {
		return " (unreadable custom metadata)"
	}
	return " " + buf.String()
}

// DiscardStaged removes the staged publication and the approvals it gathered.
func DiscardStaged(ctx context.Context, store Store) error {
	if err := removeStaging(ctx, store); err != nil {
		return fmt.Errorf("trust: discard staged: %w", err)
	}
	return nil
}

// Publish makes the staged publication live, if the approvers' threshold is
// met (ErrSignature otherwise). It uploads, in this order, the target files,
// <v>.targets.json, <n>.snapshot.json and timestamp.json, so a site reading at
// any moment sees the old or the new publication, and then removes the
// staging. It returns the published targets version.
func Publish(ctx context.Context, store Store, trustedRoot []byte, snapshotSigner, timestampSigner signature.Signer, now time.Time) (int64, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if root.Signed.IsExpired(now) {
		return 0, fmt.Errorf("trust: publish: %w: root version %d expired at %s; sign a new root",
			ErrExpired, root.Signed.Version, root.Signed.Expires.Format(time.RFC3339))
	}
	if err := checkRoleKey(root, metadata.SNAPSHOT, snapshotSigner); err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if err := checkRoleKey(root, metadata.TIMESTAMP, timestampSigner); err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	staged, err := loadStaged(ctx, store)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if err := root.VerifyDelegate(metadata.TARGETS, staged); err != nil {
		st := approvalStatus(root, staged, loadNames(ctx, store))
		return 0, fmt.Errorf("trust: publish: %w: targets version %d has %d of %d approvals (missing %s): %w",
			ErrSignature, st.Version, len(st.Signed), st.Threshold, strings.Join(st.Missing, ", "), err)
	}
	if staged.Signed.IsExpired(now) {
		return 0, fmt.Errorf("trust: publish: %w: staged targets expired at %s; stage again",
			ErrExpired, staged.Signed.Expires.Format(time.RFC3339))
	}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	version := staged.Signed.Version
	if version != pub.targetsVersion+1 {
		return 0, fmt.Errorf("trust: publish: staged targets version %d, but version %d is published; discard and stage again",
			version, pub.targetsVersion)
	}

	// 1. Target files, checked against what the approvers signed as they are
	// copied. They are named by hash, so no live metadata refers to them
	// until targets.json does.
	for p, tf := range staged.Signed.Targets {
		data, err := readStagedFile(ctx, store, p, tf)
		if err != nil {
			return 0, fmt.Errorf("trust: publish: %w", err)
		}
		sum := tf.Hashes["sha256"]
		if err := putBytes(ctx, store, targetKey(targetsPrefix, p, sum), data); err != nil {
			return 0, fmt.Errorf("trust: publish: %w", err)
		}
	}
	// 2. Targets metadata, as approved.
	targetsBytes, err := staged.ToBytes(true)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: encode targets: %w", err)
	}
	if err := putBytes(ctx, store, versionedKey(metadata.TARGETS, version), targetsBytes); err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	// 3. Snapshot. Length and hash bind it to exactly these targets bytes, so
	// a site fetching a mixed set notices before parsing.
	snap := metadata.Snapshot(expiry(now, DefaultSnapshotLifetime))
	snap.Signed.Version = pub.snapshotVersion + 1
	snap.Signed.Meta["targets.json"] = metaFile(version, targetsBytes)
	snapBytes, err := signRole(root, metadata.SNAPSHOT, snap, snapshotSigner)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if err := putBytes(ctx, store, versionedKey(metadata.SNAPSHOT, snap.Signed.Version), snapBytes); err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	// 4. Timestamp: the switch-over.
	ts := metadata.Timestamp(expiry(now, DefaultTimestampLifetime))
	ts.Signed.Version = pub.timestampVersion + 1
	ts.Signed.Meta["snapshot.json"] = metaFile(snap.Signed.Version, snapBytes)
	tsBytes, err := signRole(root, metadata.TIMESTAMP, ts, timestampSigner)
	if err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if err := putBytes(ctx, store, timestampKey, tsBytes); err != nil {
		return 0, fmt.Errorf("trust: publish: %w", err)
	}
	if err := removeStaging(ctx, store); err != nil {
		return version, fmt.Errorf("trust: publish: version %d is live, but removing the staging failed: %w", version, err)
	}
	return version, nil
}

// RefreshTimestamp signs a new timestamp version that points at the same
// snapshot, expiring DefaultTimestampLifetime after now. Run it daily (cron):
// a site then tells a frozen feed (ErrExpired) from a quiet one.
//
// It does not re-sign the snapshot, which expires DefaultSnapshotLifetime
// after the last Publish: publish at least that often.
func RefreshTimestamp(ctx context.Context, store Store, trustedRoot []byte, timestampSigner signature.Signer, now time.Time) error {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return fmt.Errorf("trust: refresh timestamp: %w", err)
	}
	if err := checkRoleKey(root, metadata.TIMESTAMP, timestampSigner); err != nil {
		return fmt.Errorf("trust: refresh timestamp: %w", err)
	}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return fmt.Errorf("trust: refresh timestamp: %w", err)
	}
	if pub.timestamp == nil {
		return fmt.Errorf("trust: refresh timestamp: nothing published yet (%s): %w", timestampKey, fs.ErrNotExist)
	}
	ts := metadata.Timestamp(expiry(now, DefaultTimestampLifetime))
	ts.Signed.Version = pub.timestampVersion + 1
	ts.Signed.Meta = pub.timestamp.Signed.Meta
	data, err := signRole(root, metadata.TIMESTAMP, ts, timestampSigner)
	if err != nil {
		return fmt.Errorf("trust: refresh timestamp: %w", err)
	}
	if err := putBytes(ctx, store, timestampKey, data); err != nil {
		return fmt.Errorf("trust: refresh timestamp: %w", err)
	}
	return nil
}

// expiry returns now+d in the form TUF writes: UTC, whole seconds.
func expiry(now time.Time, d time.Duration) time.Time {
	return now.Add(d).UTC().Truncate(time.Second)
}

func metaFile(version int64, data []byte) *metadata.MetaFiles {
	sum := sha256.Sum256(data)
	return &metadata.MetaFiles{
		Version: version,
		Length:  int64(len(data)),
		Hashes:  metadata.Hashes{"sha256": sum[:]},
	}
}

// signRole signs md and checks that root accepts the result, so a wrong key
// fails here and not on every screen.
func signRole[T metadata.Roles](root *metadata.Metadata[metadata.RootType], role string, md *metadata.Metadata[T], signer signature.Signer) ([]byte, error) {
	if _, err := md.Sign(signer); err != nil {
		return nil, fmt.Errorf("sign %s: %w", role, err)
	}
	if err := root.VerifyDelegate(role, md); err != nil {
		return nil, fmt.Errorf("%w: signed %s does not verify against root: %w", ErrSignature, role, err)
	}
	data, err := md.ToBytes(true)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", role, err)
	}
	return data, nil
}

func checkRoleKey(root *metadata.Metadata[metadata.RootType], role string, signer signature.Signer) error {
	id, err := signerKeyID(signer)
	if err != nil {
		return fmt.Errorf("%s signer: %w", role, err)
	}
	if !slices.Contains(root.Signed.Roles[role].KeyIDs, id) {
		return fmt.Errorf("%w: key %s is not a %s key in root version %d", ErrSignature, id, role, root.Signed.Version)
	}
	return nil
}

// rootLister is what walking the root chain needs of a store.
type rootLister interface {
	getter
	List(ctx context.Context, prefix string) ([]string, error)
}

// loadRoot walks the store's root chain from the department's own trusted
// root (never from whatever 1.root.json the store holds): each next version
// must be signed by its predecessor's threshold and by its own, as a site
// checks. A version that breaks the chain, or a gap (a higher N.root.json
// stored beyond the first missing version), is refused: both mean the
// store's roots were tampered with or half-copied.
func loadRoot(ctx context.Context, store rootLister, trusted []byte) (*metadata.Metadata[metadata.RootType], error) {
	root, _, err := walkRoots(ctx, store, trusted)
	return root, err
}

// LatestRoot returns the newest root.json of the store's chain that the
// department's trusted root leads to, and its version; see loadRoot for
// what is refused. It is what a new site is provisioned with.
func LatestRoot(ctx context.Context, store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	List(ctx context.Context, prefix string) ([]string, error)
}, trusted []byte) ([]byte, int64, error) {
	root, data, err := walkRoots(ctx, store, trusted)
	if err != nil {
		return nil, 0, fmt.Errorf("trust: latest root: %w", err)
	}
	return data, root.Signed.Version, nil
}

func walkRoots(ctx context.Context, store rootLister, trusted []byte) (*metadata.Metadata[metadata.RootType], []byte, error) {
	root, err := parseRoot(trusted)
	if err != nil {
		return nil, nil, fmt.Errorf("load root: the department's trusted root.json: %w: %w", ErrSignature, err)
	}
	data := trusted
	for v := root.Signed.Version + 1; ; v++ {
		key := versionedKey(metadata.ROOT, v)
		next, err := readLimited(ctx, store, key, maxMetadataBytes)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("load root: %w", err)
		}
		md, err := verifyNextRoot(root, next)
		if err != nil {
			return nil, nil, fmt.Errorf("load root %s: %w", key, err)
		}
		root, data = md, next
	}
	keys, err := store.List(ctx, metadataPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("load root: list %s: %w", metadataPrefix, err)
	}
	for _, k := range keys {
		v, ok := rootVersion(k)
		if ok && v > root.Signed.Version+1 {
			return nil, nil, fmt.Errorf("load root: %w: %s is stored but %s is missing: the root chain has a gap",
				ErrInconsistent, k, versionedKey(metadata.ROOT, root.Signed.Version+1))
		}
	}
	return root, data, nil
}

// verifyNextRoot checks that data is the root version after prev, signed by
// prev's root threshold and by its own.
func verifyNextRoot(prev *metadata.Metadata[metadata.RootType], data []byte) (*metadata.Metadata[metadata.RootType], error) {
	next, err := metadata.Root().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	if next.Signed.Version != prev.Signed.Version+1 {
		return nil, fmt.Errorf("%w: holds version %d, want %d", ErrInconsistent, next.Signed.Version, prev.Signed.Version+1)
	}
	if err := prev.VerifyDelegate(metadata.ROOT, next); err != nil {
		return nil, fmt.Errorf("%w: not signed by root version %d's threshold: %w", ErrSignature, prev.Signed.Version, err)
	}
	if err := next.VerifyDelegate(metadata.ROOT, next); err != nil {
		return nil, fmt.Errorf("%w: not signed by its own threshold: %w", ErrSignature, err)
	}
	return next, nil
}

// rootVersion returns N of a key ".../N.root.json".
func rootVersion(key string) (int64, bool) {
	num, ok := strings.CutSuffix(path.Base(key), ".root.json")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(num, 10, 64)
	return v, err == nil && v > 0
}

// Versions are the versions of a publication's metadata.
type Versions struct {
	Timestamp, Snapshot, Targets int64
}

// PublishedVersions returns the versions of the store's live publication,
// its timestamp and snapshot signatures checked against the chain from the
// department's trusted root (expiry is not checked); zero before the first
// publication.
func PublishedVersions(ctx context.Context, store Store, trustedRoot []byte) (Versions, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return Versions{}, fmt.Errorf("trust: published versions: %w", err)
	}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return Versions{}, fmt.Errorf("trust: published versions: %w", err)
	}
	return Versions{Timestamp: pub.timestampVersion, Snapshot: pub.snapshotVersion, Targets: pub.targetsVersion}, nil
}

// published is the live publication as the store has it.
type published struct {
	timestamp        *metadata.Metadata[metadata.TimestampType] // nil if none
	snapshot         *metadata.Metadata[metadata.SnapshotType]
	timestampVersion int64
	snapshotVersion  int64
	targetsVersion   int64
}

// loadPublished reads the live timestamp and snapshot and checks their
// signatures (not their expiry: an expired feed is what Publish and
// RefreshTimestamp repair).
func loadPublished(ctx context.Context, store getter, root *metadata.Metadata[metadata.RootType]) (*published, error) {
	data, err := readLimited(ctx, store, timestampKey, maxMetadataBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return &published{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load published: %w", err)
	}
	ts, err := metadata.Timestamp().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("load published %s: %w", timestampKey, err)
	}
	if err := root.VerifyDelegate(metadata.TIMESTAMP, ts); err != nil {
		return nil, fmt.Errorf("load published %s: %w: %w", timestampKey, ErrSignature, err)
	}
	sm, ok := ts.Signed.Meta["snapshot.json"]
	if !ok {
		return nil, fmt.Errorf("load published %s: no snapshot.json in meta", timestampKey)
	}
	key := versionedKey(metadata.SNAPSHOT, sm.Version)
	data, err = readLimited(ctx, store, key, maxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("load published: %w", err)
	}
	if err := sm.VerifyLengthHashes(data); err != nil {
		return nil, fmt.Errorf("load published %s: %w: %w", key, ErrTampered, err)
	}
	snap, err := metadata.Snapshot().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("load published %s: %w", key, err)
	}
	if err := root.VerifyDelegate(metadata.SNAPSHOT, snap); err != nil {
		return nil, fmt.Errorf("load published %s: %w: %w", key, ErrSignature, err)
	}
	tm, ok := snap.Signed.Meta["targets.json"]
	if !ok {
		return nil, fmt.Errorf("load published %s: no targets.json in meta", key)
	}
	return &published{
		timestamp:        ts,
		snapshot:         snap,
		timestampVersion: ts.Signed.Version,
		snapshotVersion:  snap.Signed.Version,
		targetsVersion:   tm.Version,
	}, nil
}

func loadStaged(ctx context.Context, store getter) (*metadata.Metadata[metadata.TargetsType], error) {
	data, err := readLimited(ctx, store, stagedTargetsKey, maxMetadataBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNothingStaged, stagedTargetsKey)
	}
	if err != nil {
		return nil, err
	}
	md, err := metadata.Targets().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", stagedTargetsKey, err)
	}
	return md, nil
}

// checkStagedFiles verifies every staged file against the staged metadata:
// what approvers sign is what sites will get.
func checkStagedFiles(ctx context.Context, store getter, staged *metadata.Metadata[metadata.TargetsType]) error {
	for p, tf := range staged.Signed.Targets {
		if _, err := readStagedFile(ctx, store, p, tf); err != nil {
			return err
		}
	}
	return nil
}

// readStagedFile reads the staged file of target p and checks it against tf.
func readStagedFile(ctx context.Context, store getter, p string, tf *metadata.TargetFiles) ([]byte, error) {
	sum, ok := tf.Hashes["sha256"]
	if !ok {
		return nil, fmt.Errorf("staged target %s has no sha256 hash", p)
	}
	key := targetKey(stagedFilePrefix, p, sum)
	if tf.Length < 0 || tf.Length > maxTargetBytes {
		// The staging is not signed by anyone yet: its lengths are
		// anyone's word.
		return nil, fmt.Errorf("staged target %s: %d bytes, more than %d: %w", p, tf.Length, int64(maxTargetBytes), ErrTooLarge)
	}
	data, err := readLimited(ctx, store, key, tf.Length)
	if err != nil {
		return nil, fmt.Errorf("staged target %s: %w", p, err)
	}
	if err := tf.VerifyLengthHashes(data); err != nil {
		return nil, fmt.Errorf("staged target %s (%s): %w: %w", p, key, ErrTampered, err)
	}
	return data, nil
}

// removeStaging deletes the staged metadata first, so a half-removed staging
// is never taken for a complete one, then every staged file.
func removeStaging(ctx context.Context, store Store) error {
	if err := store.Delete(ctx, stagedTargetsKey); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", stagedTargetsKey, err)
	}
	keys, err := store.List(ctx, stagedPrefix)
	if err != nil {
		return fmt.Errorf("list %s: %w", stagedPrefix, err)
	}
	for _, k := range keys {
		if err := store.Delete(ctx, k); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}

// loadNames reads approvers.json for display. It is informational: a missing
// or altered file only changes how keys are shown.
func loadNames(ctx context.Context, store getter) map[string]string {
	names := map[string]string{}
	data, err := readLimited(ctx, store, approversKey, maxMetadataBytes)
	if err != nil {
		return names
	}
	_ = json.Unmarshal(data, &names)
	return names
}

// approvalStatus checks each approver key's signature on staged on its own,
// by asking go-tuf to verify against a copy of root whose targets role holds
// just that key with threshold 1.
func approvalStatus(root *metadata.Metadata[metadata.RootType], staged *metadata.Metadata[metadata.TargetsType], names map[string]string) Status {
	role := root.Signed.Roles[metadata.TARGETS]
	st := Status{Version: staged.Signed.Version, Threshold: role.Threshold, Expires: staged.Signed.Expires}
	for _, id := range role.KeyIDs {
		one := *root
		one.Signed.Roles = map[string]*metadata.Role{metadata.TARGETS: {KeyIDs: []string{id}, Threshold: 1}}
		// Names come from the untrusted approvers.json: show the key ID with
		// them, so a relabelled key does not pass unnoticed.
		name := id
		if n := names[id]; n != "" {
			name = fmt.Sprintf("%s (%.12s)", n, id)
		}
		if one.VerifyDelegate(metadata.TARGETS, staged) == nil {
			st.Signed = append(st.Signed, name)
		} else {
			st.Missing = append(st.Missing, name)
		}
	}
	st.Ready = root.VerifyDelegate(metadata.TARGETS, staged) == nil
	return st
}

// SnapshotRenewal is how long before its expiry Refresh re-signs the
// snapshot, so a quiet feed (no publication for weeks) stays valid.
const SnapshotRenewal = 7 * 24 * time.Hour

// Refresh re-signs the timestamp (as RefreshTimestamp) and, when the
// published snapshot expires within SnapshotRenewal, the snapshot too, with
// the same targets. Run daily from cron: sites tell a frozen feed (old
// timestamp) from a quiet one (nothing new published).
func Refresh(ctx context.Context, store Store, trustedRoot []byte, snapshotSigner, timestampSigner signature.Signer, now time.Time) error {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	if pub.timestamp == nil {
		return fmt.Errorf("trust: refresh: nothing published yet (%s): %w", timestampKey, fs.ErrNotExist)
	}
	key := versionedKey(metadata.SNAPSHOT, pub.snapshotVersion)
	raw, err := readLimited(ctx, store, key, maxMetadataBytes)
	if err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	old, err := metadata.Snapshot().FromBytes(raw)
	if err != nil {
		return fmt.Errorf("trust: refresh: parse %s: %w", key, err)
	}
	if old.Signed.Expires.After(now.Add(SnapshotRenewal)) {
		return RefreshTimestamp(ctx, store, trustedRoot, timestampSigner, now)
	}
	if err := checkRoleKey(root, metadata.SNAPSHOT, snapshotSigner); err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	if err := checkRoleKey(root, metadata.TIMESTAMP, timestampSigner); err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	snap := metadata.Snapshot(expiry(now, DefaultSnapshotLifetime))
	snap.Signed.Version = pub.snapshotVersion + 1
	snap.Signed.Meta = old.Signed.Meta
	snapBytes, err := signRole(root, metadata.SNAPSHOT, snap, snapshotSigner)
	if err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	if err := putBytes(ctx, store, versionedKey(metadata.SNAPSHOT, snap.Signed.Version), snapBytes); err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	ts := metadata.Timestamp(expiry(now, DefaultTimestampLifetime))
	ts.Signed.Version = pub.timestampVersion + 1
	ts.Signed.Meta["snapshot.json"] = metaFile(snap.Signed.Version, snapBytes)
	tsBytes, err := signRole(root, metadata.TIMESTAMP, ts, timestampSigner)
	if err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	if err := putBytes(ctx, store, timestampKey, tsBytes); err != nil {
		return fmt.Errorf("trust: refresh: %w", err)
	}
	return nil
}
