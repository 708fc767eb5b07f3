package trust

import (
	"crypto"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// forgeSigned writes publication v, its targets signed by each of
// approvers, snapshot and timestamp by online: what someone holding those
// keys and write access to the bucket can put there without Publish.
func (f *fixture) forgeSigned(t *testing.T, v int64, content string, online signature.Signer, approvers ...signature.Signer) {
	t.Helper()
	tg := metadata.Targets(f.now.Add(DefaultTargetsLifetime).UTC().Truncate(time.Second))
	tg.Signed.Version = v
	tf, err := metadata.TargetFile().FromBytes(manifest, []byte(content), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	tg.Signed.Targets[manifest] = tf
	f.write(t, targetKey(targetsPrefix, manifest, tf.Hashes["sha256"]), []byte(content))
	for _, a := range approvers {
		if _, err := tg.Sign(a); err != nil {
			t.Fatal(err)
		}
	}
	tgBytes, err := tg.ToBytes(false)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, versionedKey(metadata.TARGETS, v), tgBytes)
	sn := metadata.Snapshot(f.now.Add(DefaultSnapshotLifetime).UTC().Truncate(time.Second))
	sn.Signed.Version = v
	sn.Signed.Meta["targets.json"] = metaFile(v, tgBytes)
	snBytes := signed(t, sn, online)
	f.write(t, versionedKey(metadata.SNAPSHOT, v), snBytes)
	ts := metadata.Timestamp(f.now.Add(DefaultTimestampLifetime).UTC().Truncate(time.Second))
	ts.Signed.Version = v
	ts.Signed.Meta["snapshot.json"] = metaFile(v, snBytes)
	f.write(t, timestampKey, signed(t, ts, online))
}

func keyID(t *testing.T, s signature.Signer) string {
	t.Helper()
	id, err := signerKeyID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRevokedApproverNoLongerCounts: the deputy's key is stolen, with the
// publishing key and the bucket. Once a new root revokes the deputy, a
// publication carrying the deputy's signature as the second of two is
// refused by sites; before, the same publication would have played.
func TestRevokedApproverNoLongerCounts(t *testing.T) {
	for _, revoked := range []bool{false, true} {
		name := map[bool]string{false: "deputy still an approver", true: "deputy revoked"}[revoked]
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.publish(t, "manifest v1")
			site := f.site(t)
			refresh(t, site)
			if revoked {
				_, err := RotateRoot(f.ctx, f.store, f.rootJSON, RootChange{
					RevokeApprovers: []string{keyID(t, f.deputy)}, Now: f.now,
				}, []signature.Signer{f.root})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Approve(f.ctx, f.store, f.rootJSON, f.deputy, f.want); !errors.Is(err, ErrNotApprover) {
					t.Errorf("Approve by the revoked deputy = %v, want ErrNotApprover", err)
				}
			}
			// Signed by the editor (tricked into it, say) and the deputy.
			f.forgeSigned(t, 2, "forged v2", f.online, f.editor, f.deputy)
			rel, err := site.Refresh(f.ctx)
			if !revoked {
				if err != nil || fetch(t, site, rel) != "forged v2" {
					t.Fatalf("with the deputy still trusted the publication should pass: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrSignature) {
				t.Fatalf("Refresh = %v, want ErrSignature", err)
			}
			if rel := site.Current(); rel == nil || rel.Version != 1 {
				t.Errorf("site's release = %+v, want version 1 still", rel)
			}
		})
	}
}

// TestRootRotationCarriesSitesPastAYear: root expires after 365 days. A
// site whose department rotates the root in time goes on past day 366; one
// whose department does not freezes with ErrExpired.
func TestRootRotationCarriesSitesPastAYear(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		t.Run(map[bool]string{false: "no rotation", true: "rotated on day 300"}[rotate], func(t *testing.T) {
			f := newFixture(t)
			start := f.now
			f.publish(t, "manifest v1")
			site := f.site(t)
			refresh(t, site)
			if rotate {
				f.now = start.Add(300 * 24 * time.Hour)
				if _, err := RotateRoot(f.ctx, f.store, f.rootJSON, RootChange{Now: f.now}, []signature.Signer{f.root}); err != nil {
					t.Fatal(err)
				}
			}
			f.now = start.Add(360 * 24 * time.Hour)
			f.publish(t, "manifest v2")
			f.now = start.Add(366 * 24 * time.Hour)
			if err := Refresh(f.ctx, f.store, f.rootJSON, f.online, f.online, f.now); err != nil {
				t.Fatal(err)
			}
			rel, err := site.Refresh(f.ctx)
			if !rotate {
				if !errors.Is(err, ErrExpired) {
					t.Fatalf("day 366 without a rotation: Refresh = %v, want ErrExpired", err)
				}
				return
			}
			if err != nil || fetch(t, site, rel) != "manifest v2" {
				t.Fatalf("day 366 after a rotation: %v", err)
			}
			exps, err := Expiries(f.ctx, f.store, f.rootJSON, f.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range exps {
				if e.Role == metadata.ROOT && (e.Version != 2 || e.Warn) {
					t.Errorf("root expiry %+v, want version 2 without warning", e)
				}
			}
		})
	}
}

func TestRotateRootRefuses(t *testing.T) {
	f := newFixture(t)
	f.publish(t, "manifest v1")
	other := newSigner(t, f.keyDir, "other")
	tests := []struct {
		name    string
		rc      RootChange
		signers []signature.Signer
		want    error
	}{
		{"not a root key", RootChange{Now: f.now}, []signature.Signer{other}, ErrSignature},
		{"no signature", RootChange{Now: f.now}, nil, ErrSignature},
		{"a new root key that did not sign", RootChange{Now: f.now, AddRootKeys: []crypto.PublicKey{mustPub(t, other)},
			RevokeRootKeys: []string{keyID(t, f.root)}}, []signature.Signer{f.root}, ErrSignature},
		{"threshold above the approvers", RootChange{Now: f.now, ApprovalThreshold: 4}, []signature.Signer{f.root}, nil},
		{"revoking an unknown key", RootChange{Now: f.now, RevokeApprovers: []string{keyID(t, other)}}, []signature.Signer{f.root}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RotateRoot(f.ctx, f.store, f.rootJSON, tc.rc, tc.signers)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("RotateRoot = %v, want an error (%v)", err, tc.want)
			}
			if _, err := f.store.Stat(f.ctx, versionedKey(metadata.ROOT, 2)); err == nil {
				t.Fatal("a refused rotation stored 2.root.json")
			}
		})
	}
	// Replacing the only root key needs both the old and the new key.
	if _, err := RotateRoot(f.ctx, f.store, f.rootJSON, RootChange{Now: f.now, AddRootKeys: []crypto.PublicKey{mustPub(t, other)},
		RevokeRootKeys: []string{keyID(t, f.root)}}, []signature.Signer{f.root, other}); err != nil {
		t.Fatalf("root key replaced with both signatures: %v", err)
	}
	site := f.site(t)
	if _, err := site.Refresh(f.ctx); err != nil {
		t.Fatalf("a site follows the new root: %v", err)
	}
}

func TestExpiriesWarnAhead(t *testing.T) {
	f := newFixture(t)
	f.publish(t, "manifest v1")
	day := 24 * time.Hour
	tests := []struct {
		name  string
		after time.Duration
		warn  []string
	}{
		{"fresh", time.Hour, nil},
		{"timestamp not refreshed for 20 h", 20 * time.Hour, []string{metadata.TIMESTAMP}},
		{"70 days on", 70 * day, []string{metadata.SNAPSHOT, metadata.TARGETS, metadata.TIMESTAMP}},
		{"310 days on", 310 * day, []string{metadata.ROOT, metadata.SNAPSHOT, metadata.TARGETS, metadata.TIMESTAMP}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exps, err := Expiries(f.ctx, f.store, f.rootJSON, f.now.Add(tc.after))
			if err != nil {
				t.Fatal(err)
			}
			var warn []string
			for _, e := range exps {
				if e.Warn {
					warn = append(warn, e.Role)
				}
			}
			slices.Sort(warn)
			if !slices.Equal(warn, tc.warn) {
				t.Errorf("warnings for %v, want %v", warn, tc.warn)
			}
		})
	}
}
