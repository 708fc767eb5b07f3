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
	"slices"
	"strings"
	"time"

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
type Store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	List(ctx context.Context, prefix string) ([]string, error)
	Delete(ctx context.Context, key string) error
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
	// AddKey ignores a key added twice; thresholds must count distinct keys.
	for role, threshold := range map[string]int{metadata.ROOT: rootThreshold, metadata.TARGETS: opts.ApprovalThreshold} {
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
	Version   int64    // the targets version being approved
	Signed    []string // approvers who signed (name, or key ID if unnamed)
	Missing   []string // approvers who did not sign yet
	Threshold int      // signatures needed
	Ready     bool     // threshold met: Publish will accept it
}

// Stage prepares a publication for approval: the full new set of targets
// (targets not listed are withdrawn), as targets metadata with version
// published+1, unsigned, expiring at expires. It uploads the files to
// tuf/staged/targets/ and then tuf/staged/targets.json. It refuses when a
// staging exists (ErrStagingExists).
func Stage(ctx context.Context, store Store, targets []Target, expires time.Time) (Status, error) {
	if _, err := readLimited(ctx, store, stagedTargetsKey, maxMetadataBytes); err == nil {
		return Status{}, fmt.Errorf("trust: stage: %w (%s)", ErrStagingExists, stagedTargetsKey)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	root, err := loadRoot(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}

	md := metadata.Targets(expires.UTC().Truncate(time.Second))
	md.Signed.Version = pub.targetsVersion + 1
	for _, t := range targets {
		if err := checkTargetPath(t.Path); err != nil {
			return Status{}, fmt.Errorf("trust: stage: %w", err)
		}
		if _, dup := md.Signed.Targets[t.Path]; dup {
			return Status{}, fmt.Errorf("trust: stage: target %s listed twice", t.Path)
		}
		tf, err := metadata.TargetFile().FromBytes(t.Path, t.Data, "sha256")
		if err != nil {
			return Status{}, fmt.Errorf("trust: stage: target %s: %w", t.Path, err)
		}
		if len(t.Custom) > 0 {
			if err := checkCustom(t.Custom); err != nil {
				return Status{}, fmt.Errorf("trust: stage: target %s: custom: %w", t.Path, err)
			}
			custom := slices.Clone(t.Custom)
			tf.Custom = (*json.RawMessage)(&custom)
		}
		md.Signed.Targets[t.Path] = tf
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
	if err := putBytes(ctx, store, stagedTargetsKey, data); err != nil {
		return Status{}, fmt.Errorf("trust: stage: %w", err)
	}
	return approvalStatus(root, md, loadNames(ctx, store)), nil
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
func StagedStatus(ctx context.Context, store Store) (Status, error) {
	root, err := loadRoot(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: staged status: %w", err)
	}
	staged, err := loadStaged(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: staged status: %w", err)
	}
	return approvalStatus(root, staged, loadNames(ctx, store)), nil
}

// Approve adds signer's approval to the staged publication after checking
// that the staged files match the hashes being signed. The signer must hold
// one of root's approver keys (ErrNotApprover). Approving twice replaces the
// earlier signature.
//
// Two approvers saving at the same moment can lose one signature (the store
// has no compare-and-swap); the returned Status shows it, and approving again
// fixes it.
func Approve(ctx context.Context, store Store, signer signature.Signer) (Status, error) {
	root, err := loadRoot(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	staged, err := loadStaged(ctx, store)
	if err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	if err := checkStagedFiles(ctx, store, staged); err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	id, err := signerKeyID(signer)
	if err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	if !slices.Contains(root.Signed.Roles[metadata.TARGETS].KeyIDs, id) {
		return Status{}, fmt.Errorf("trust: approve: key %s: %w", id, ErrNotApprover)
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
	if err := putBytes(ctx, store, stagedTargetsKey, data); err != nil {
		return Status{}, fmt.Errorf("trust: approve: %w", err)
	}
	return approvalStatus(root, staged, loadNames(ctx, store)), nil
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
func Publish(ctx context.Context, store Store, snapshotSigner, timestampSigner signature.Signer, now time.Time) (int64, error) {
	root, err := loadRoot(ctx, store)
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
func RefreshTimestamp(ctx context.Context, store Store, timestampSigner signature.Signer, now time.Time) error {
	root, err := loadRoot(ctx, store)
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

// loadRoot reads the store's root chain from 1.root.json, checking that
// each version is signed by its predecessor's threshold and by its own, as a
// site does.
func loadRoot(ctx context.Context, store getter) (*metadata.Metadata[metadata.RootType], error) {
	key := versionedKey(metadata.ROOT, 1)
	data, err := readLimited(ctx, store, key, maxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("load root: %w", err)
	}
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("load root %s: %w", key, err)
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return nil, fmt.Errorf("load root %s: %w: %w", key, ErrSignature, err)
	}
	for v := int64(2); ; v++ {
		key := versionedKey(metadata.ROOT, v)
		data, err := readLimited(ctx, store, key, maxMetadataBytes)
		if errors.Is(err, fs.ErrNotExist) {
			return root, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load root: %w", err)
		}
		next, err := metadata.Root().FromBytes(data)
		if err != nil {
			return nil, fmt.Errorf("load root %s: %w", key, err)
		}
		if next.Signed.Version != v {
			return nil, fmt.Errorf("load root %s: %w: holds version %d", key, ErrInconsistent, next.Signed.Version)
		}
		if err := root.VerifyDelegate(metadata.ROOT, next); err != nil {
			return nil, fmt.Errorf("load root %s: %w: not signed by root version %d: %w", key, ErrSignature, v-1, err)
		}
		if err := next.VerifyDelegate(metadata.ROOT, next); err != nil {
			return nil, fmt.Errorf("load root %s: %w: %w", key, ErrSignature, err)
		}
		root = next
	}
}

// published is the live publication as the store has it.
type published struct {
	timestamp        *metadata.Metadata[metadata.TimestampType] // nil if none
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
	st := Status{Version: staged.Signed.Version, Threshold: role.Threshold}
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
func Refresh(ctx context.Context, store Store, snapshotSigner, timestampSigner signature.Signer, now time.Time) error {
	root, err := loadRoot(ctx, store)
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
		return RefreshTimestamp(ctx, store, timestampSigner, now)
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
