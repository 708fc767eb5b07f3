package trust

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RootChange is a new root version: keys added to or revoked from each
// role, new thresholds, a new expiry. Zero fields keep what the current
// root has.
type RootChange struct {
	AddRootKeys    []crypto.PublicKey
	RevokeRootKeys []string // key IDs
	RootThreshold  int

	AddApprovers      []Approver
	RevokeApprovers   []string // key IDs
	ApprovalThreshold int

	// SnapshotKey and TimestampKey replace the publishing tool's keys.
	SnapshotKey, TimestampKey crypto.PublicKey

	// AddAlerters and RevokeAlerters change the alerts role's keys
	// (RoleAlerts); adding to a root without the role creates it, with
	// threshold AlertThreshold or 1. Other roles of the current root are
	// carried over unchanged.
	AddAlerters    []Approver
	RevokeAlerters []string // key IDs
	AlertThreshold int

	// Now is the signing time; Lifetime (0: DefaultRootLifetime) counts
	// from it.
	Now      time.Time
	Lifetime time.Duration
}

// RotateRoot writes the root version after the newest one the department's
// trusted root leads to, changed as rc says, and returns it. signers must
// include a threshold of the current root's keys and a threshold of the
// new root's keys (the same keys when root's keys do not change); TUF
// requires both, so a site holding either root accepts the new one.
//
// Sites pick the new root up at their next sync, by network or USB. When
// approvers or the publishing keys change, the current publication no
// longer verifies under the new root until it is approved again (publish
// Reaffirm) and published: old signatures from revoked keys no longer
// count anywhere.
func RotateRoot(ctx context.Context, store Store, trustedRoot []byte, rc RootChange, signers []signature.Signer) ([]byte, error) {
	if rc.Now.IsZero() {
		return nil, errors.New("trust: rotate root: RootChange.Now is not set")
	}
	cur, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return nil, fmt.Errorf("trust: rotate root: %w", err)
	}
	lifetime := rc.Lifetime
	if lifetime == 0 {
		lifetime = DefaultRootLifetime
	}
	next := metadata.Root(expiry(rc.Now, lifetime))
	next.Signed.Version = cur.Signed.Version + 1
	next.Signed.ConsistentSnapshot = cur.Signed.ConsistentSnapshot
	next.Signed.Keys = maps.Clone(cur.Signed.Keys)
	next.Signed.Roles = map[string]*metadata.Role{}
	for name, r := range cur.Signed.Roles {
		next.Signed.Roles[name] = &metadata.Role{KeyIDs: slices.Clone(r.KeyIDs), Threshold: r.Threshold}
	}
	names := loadNames(ctx, store)

	revoke := func(role string, ids []string) error {
		for _, id := range ids {
			id = strings.ToLower(strings.TrimSpace(id))
			if !slices.Contains(next.Signed.Roles[role].KeyIDs, id) {
				return fmt.Errorf("trust: rotate root: key %s is not a %s key of root version %d", id, role, cur.Signed.Version)
			}
			if err := next.Signed.RevokeKey(id, role); err != nil {
				return fmt.Errorf("trust: rotate root: revoke %s key %s: %w", role, id, err)
			}
		}
		return nil
	}
	add := func(role string, pub crypto.PublicKey) (string, error) {
		k, err := tufKey(pub)
		if err != nil {
			return "", fmt.Errorf("trust: rotate root: %s key: %w", role, err)
		}
		if err := next.Signed.AddKey(k, role); err != nil {
			return "", fmt.Errorf("trust: rotate root: add %s key: %w", role, err)
		}
		return k.ID()
	}
	replace := func(role string, pub crypto.PublicKey) error {
		if pub == nil {
			return nil
		}
		if err := revoke(role, slices.Clone(next.Signed.Roles[role].KeyIDs)); err != nil {
			return err
		}
		_, err := add(role, pub)
		return err
	}
	if err := revoke(metadata.ROOT, rc.RevokeRootKeys); err != nil {
		return nil, err
	}
	for _, k := range rc.AddRootKeys {
		if _, err := add(metadata.ROOT, k); err != nil {
			return nil, err
		}
	}
	if err := revoke(metadata.TARGETS, rc.RevokeApprovers); err != nil {
		return nil, err
	}
	for _, a := range rc.AddApprovers {
		id, err := add(metadata.TARGETS, a.Key)
		if err != nil {
			return nil, fmt.Errorf("%w (approver %q)", err, a.Name)
		}
		names[id] = a.Name
	}
	if len(rc.RevokeAlerters) > 0 && next.Signed.Roles[RoleAlerts] == nil {
		return nil, fmt.Errorf("trust: rotate root: root version %d has no alerts role to revoke keys from", cur.Signed.Version)
	}
	if err := revoke(RoleAlerts, rc.RevokeAlerters); err != nil {
		return nil, err
	}
	if len(rc.AddAlerters) > 0 && next.Signed.Roles[RoleAlerts] == nil {
		next.Signed.Roles[RoleAlerts] = &metadata.Role{KeyIDs: []string{}, Threshold: 1}
	}
	for _, a := range rc.AddAlerters {
		id, err := add(RoleAlerts, a.Key)
		if err != nil {
			return nil, fmt.Errorf("%w (alerter %q)", err, a.Name)
		}
		if names[id] == "" {
			names[id] = a.Name
		}
	}
	if rc.AlertThreshold > 0 {
		if next.Signed.Roles[RoleAlerts] == nil {
			return nil, fmt.Errorf("trust: rotate root: alert threshold %d, but root has no alerts role: add alert keys", rc.AlertThreshold)
		}
		next.Signed.Roles[RoleAlerts].Threshold = rc.AlertThreshold
	}
	if err := replace(metadata.SNAPSHOT, rc.SnapshotKey); err != nil {
		return nil, err
	}
	if err := replace(metadata.TIMESTAMP, rc.TimestampKey); err != nil {
		return nil, err
	}
	if rc.RootThreshold > 0 {
		next.Signed.Roles[metadata.ROOT].Threshold = rc.RootThreshold
	}
	if rc.ApprovalThreshold > 0 {
		next.Signed.Roles[metadata.TARGETS].Threshold = rc.ApprovalThreshold
	}
	roles := []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP}
	if next.Signed.Roles[RoleAlerts] != nil {
		roles = append(roles, RoleAlerts)
	}
	for _, role := range roles {
		r := next.Signed.Roles[role]
		if r.Threshold < 1 || len(r.KeyIDs) < r.Threshold {
			return nil, fmt.Errorf("trust: rotate root: the %s role would have %d keys for threshold %d", role, len(r.KeyIDs), r.Threshold)
		}
	}
	// RevokeKey drops a key from Keys when no role uses it any more.
	for _, s := range signers {
		id, err := signerKeyID(s)
		if err != nil {
			return nil, fmt.Errorf("trust: rotate root: %w", err)
		}
		if !slices.Contains(cur.Signed.Roles[metadata.ROOT].KeyIDs, id) && !slices.Contains(next.Signed.Roles[metadata.ROOT].KeyIDs, id) {
			return nil, fmt.Errorf("trust: rotate root: %w: key %s is a root key of neither version %d nor %d",
				ErrSignature, id, cur.Signed.Version, next.Signed.Version)
		}
		if _, err := next.Sign(s); err != nil {
			return nil, fmt.Errorf("trust: rotate root: sign with %s: %w", id, err)
		}
	}
	if err := cur.VerifyDelegate(metadata.ROOT, next); err != nil {
		return nil, fmt.Errorf("trust: rotate root: %w: version %d needs %d signatures of version %d's root keys: %w",
			ErrSignature, next.Signed.Version, cur.Signed.Roles[metadata.ROOT].Threshold, cur.Signed.Version, err)
	}
	if err := next.VerifyDelegate(metadata.ROOT, next); err != nil {
		return nil, fmt.Errorf("trust: rotate root: %w: version %d needs %d signatures of its own root keys: %w",
			ErrSignature, next.Signed.Version, next.Signed.Roles[metadata.ROOT].Threshold, err)
	}
	data, err := next.ToBytes(true)
	if err != nil {
		return nil, fmt.Errorf("trust: rotate root: encode: %w", err)
	}
	key := versionedKey(metadata.ROOT, next.Signed.Version)
	if err := store.PutIfMatch(ctx, key, data, ""); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("trust: rotate root: %s appeared meanwhile; check it and try again: %w", key, err)
		}
		return nil, fmt.Errorf("trust: rotate root: put %s: %w", key, err)
	}
	if nb, err := json.MarshalIndent(names, "", "\t"); err == nil {
		// Display only; a failure here changes how keys are named.
		_ = putBytes(ctx, store, approversKey, nb)
	}
	return data, nil
}

// Expiry is when a role's metadata in the current publication expires.
type Expiry struct {
	Role    string
	Version int64
	Expires time.Time
	// Warn says the expiry is within the role's warning time (Warnings),
	// or Problem is set.
	Warn bool
	// Problem says why the role does not verify now (for example targets
	// signed by approvers a new root revoked: approve it again).
	Problem string
}

// Warnings are how long before expiry each role is worth a warning: long
// enough to gather root keys or approvers, and beyond the daily
// timestamp refresh, which renews what expires within SnapshotRenewal.
var Warnings = map[string]time.Duration{
	metadata.ROOT:      60 * 24 * time.Hour,
	metadata.TARGETS:   21 * 24 * time.Hour,
	metadata.SNAPSHOT:  SnapshotRenewal - 24*time.Hour,
	metadata.TIMESTAMP: 6 * time.Hour,
}

// Expiries reads the current root, targets, snapshot and timestamp (root
// through the chain from the department's trusted root; the others as
// published, signatures checked) and says which expire soon.
func Expiries(ctx context.Context, store Store, trustedRoot []byte, now time.Time) ([]Expiry, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return nil, fmt.Errorf("trust: expiries: %w", err)
	}
	out := []Expiry{{Role: metadata.ROOT, Version: root.Signed.Version, Expires: root.Signed.Expires}}
	pub, err := loadPublished(ctx, store, root)
	if err != nil {
		return nil, fmt.Errorf("trust: expiries: %w", err)
	}
	if pub.timestamp != nil {
		out = append(out, Expiry{Role: metadata.TIMESTAMP, Version: pub.timestampVersion, Expires: pub.timestamp.Signed.Expires})
		if pub.snapshot != nil {
			out = append(out, Expiry{Role: metadata.SNAPSHOT, Version: pub.snapshotVersion, Expires: pub.snapshot.Signed.Expires})
		}
		key := versionedKey(metadata.TARGETS, pub.targetsVersion)
		data, err := readLimited(ctx, store, key, maxMetadataBytes)
		if err != nil {
			return nil, fmt.Errorf("trust: expiries: %w", err)
		}
		tg, err := metadata.Targets().FromBytes(data)
		if err != nil {
			return nil, fmt.Errorf("trust: expiries: parse %s: %w", key, err)
		}
		e := Expiry{Role: metadata.TARGETS, Version: tg.Signed.Version, Expires: tg.Signed.Expires}
		if err := root.VerifyDelegate(metadata.TARGETS, tg); err != nil {
			e.Problem = fmt.Sprintf("%s is not signed by a threshold of root version %d's approvers: sites refuse it; approve it again (kioskctl reaffirm) and publish", key, root.Signed.Version)
		}
		out = append(out, e)
	}
	for i := range out {
		out[i].Warn = out[i].Problem != "" || !now.Add(Warnings[out[i].Role]).Before(out[i].Expires)
	}
	return out, nil
}
