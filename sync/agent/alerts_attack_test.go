package agent_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/sync/trust"
)

// The attacker of these tests holds the bucket for a while: they may
// replace an alert object under an index entry that they leave as the
// department wrote it, and lose the bucket again.

// TestAlertSwappedWhileFetchedArrivesOnceRestored: an object swapped for
// a while under the department's index entry is refused, but the alert
// the department published reaches the screen once the object is back;
// a refusal is bound to the bytes judged, not to the index's word.
func TestAlertSwappedWhileFetchedArrivesOnceRestored(t *testing.T) {
	for _, tc := range []struct {
		name string
		swap []byte
	}{
		{"garbage", []byte("<html>")},
		{"too large", bytes.Repeat([]byte{' '}, trust.MaxAlertBytes+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newAlertDept(t)
			s := d.newSite(t, "tinh-bien-1")
			d.publish(t, d.alert("border-closed", 1))
			real := d.read(t, "border-closed")
			ctx := context.Background()
			put := func(data []byte) {
				t.Helper()
				if err := d.Store.Put(ctx, trust.AlertKey("border-closed"), bytes.NewReader(data), int64(len(data))); err != nil {
					t.Fatal(err)
				}
			}
			put(tc.swap)
			s.sync(t)
			wantActive(t, s)
			put(real)
			s.sync(t)
			wantActive(t, s, "border-closed#1")
			s.reopen(t)
			wantActive(t, s, "border-closed#1")
		})
	}
}

// TestAlertsOfARevokedKeyLeaveAtRotation: once a root rotation revokes an
// alerts key (it leaked, and signed a false alert that runs as long as an
// alert may, with the highest serial, so no cancel can outdo it), the site takes that
// key's alerts off the screen at the sync that installs the root, not at
// its next restart.
func TestAlertsOfARevokedKeyLeaveAtRotation(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1")
	forged := d.alert("border-closed", alert.MaxSerial)
	forged.Expires = forged.Start.Add(alert.MaxLifetime)
	d.publish(t, forged)
	s.sync(t)
	wantActive(t, s, "border-closed#9007199254740992")

	dir := t.TempDir()
	if err := trust.GenerateKey(dir, "duty2", nil); err != nil {
		t.Fatal(err)
	}
	pub, err := trust.LoadPublicKey(filepath.Join(dir, "duty2.pub"))
	if err != nil {
		t.Fatal(err)
	}
	oldPub, err := d.duty.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	oldID, err := trust.KeyID(oldPub)
	if err != nil {
		t.Fatal(err)
	}
	rc := trust.RootChange{AddAlerters: []trust.Approver{{Name: "duty2", Key: pub}}, RevokeAlerters: []string{oldID}, Now: d.Now}
	if _, err := trust.RotateRoot(context.Background(), d.Store, d.Root, rc, []signature.Signer{d.Keys["root"]}); err != nil {
		t.Fatalf("RotateRoot revoking the leaked alerts key: %v", err)
	}
	s.sync(t)
	wantActive(t, s)
	if r := d.refusals(t, s.id); len(r) != 1 || r[0].Alert != "border-closed" || r[0].Reason != "signature" {
		t.Errorf("refusals %+v, want the revoked key's alert", r)
	}
}
