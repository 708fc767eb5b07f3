package trust

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/sync/dirstore"
)

// alertRepo is a repository whose alerts role holds duty1..duty3 with the
// given threshold (no alerts role for threshold 0), and whose targets role
// holds editor.
type alertRepo struct {
	store               *dirstore.Store
	root                []byte
	rootKey             signature.Signer
	editor, online      signature.Signer
	duty1, duty2, duty3 signature.Signer
	keyDir              string
}

var alertNow = time.Date(2026, 9, 10, 6, 0, 0, 0, time.UTC)

func newAlertRepo(t testing.TB, threshold int) *alertRepo {
	t.Helper()
	dir := t.TempDir()
	r := &alertRepo{store: dirstore.New(filepath.Join(dir, "bucket")), keyDir: dir}
	r.rootKey, r.editor, r.online = newSigner(t, dir, "root"), newSigner(t, dir, "editor"), newSigner(t, dir, "online")
	r.duty1, r.duty2, r.duty3 = newSigner(t, dir, "duty1"), newSigner(t, dir, "duty2"), newSigner(t, dir, "duty3")
	opts := InitOptions{
		RootSigners:       []signature.Signer{r.rootKey},
		Approvers:         []Approver{{Name: "editor", Key: mustPub(t, r.editor)}},
		ApprovalThreshold: 1,
		SnapshotKey:       mustPub(t, r.online),
		Now:               alertNow.Add(-24 * time.Hour),
	}
	if threshold > 0 {
		opts.Alerters = []Approver{{Name: "duty1", Key: mustPub(t, r.duty1)}, {Name: "duty2", Key: mustPub(t, r.duty2)}, {Name: "duty3", Key: mustPub(t, r.duty3)}}
		opts.AlertThreshold = threshold
	}
	if err := InitRepository(context.Background(), r.store, opts); err != nil {
		t.Fatalf("InitRepository: %v", err)
	}
	data, err := readLimited(context.Background(), r.store, versionedKey("root", 1), maxMetadataBytes)
	if err != nil {
		t.Fatal(err)
	}
	r.root = data
	return r
}

func testAlert(id string, serial int64) alert.Alert {
	return alert.Alert{
		ID: id, Serial: serial, Sent: alertNow, Start: alertNow, Expires: alertNow.Add(6 * time.Hour),
		Severity: alert.Severe,
		Targets:  content.Targets{Tags: []string{"gate:tinh-bien"}},
		Text: map[string]alert.Text{
			"vi": {Headline: "Cảnh báo lũ", Body: "Nước sông dâng cao."},
			"km": {Headline: "ការព្រមានទឹកជំនន់"},
		},
		Sender: "Sở TT&TT An Giang",
	}
}

// envelope signs payload as given, without validating it.
func envelope(t *testing.T, payload []byte, signers ...signature.Signer) []byte {
	t.Helper()
	canon, err := cjson.EncodeCanonical(json.RawMessage(payload))
	if err != nil {
		t.Fatal(err)
	}
	env := alertEnvelope{Signed: canon}
	for _, s := range signers {
		sig, err := s.SignMessage(bytes.NewReader(canon))
		if err != nil {
			t.Fatal(err)
		}
		env.Signatures = append(env.Signatures, alertSignature{KeyID: keyID(t, s), Sig: hex.EncodeToString(sig)})
	}
	data, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustSign(t testing.TB, a alert.Alert, signers ...signature.Signer) []byte {
	t.Helper()
	data, err := SignAlert(a, signers...)
	if err != nil {
		t.Fatalf("SignAlert: %v", err)
	}
	return data
}

func TestVerifyAlert(t *testing.T) {
	one, two, none := newAlertRepo(t, 1), newAlertRepo(t, 2), newAlertRepo(t, 0)
	good := testAlert("flood-2026-09", 1)
	payload := func(t *testing.T, a alert.Alert) []byte {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		root    []byte
		data    func(t *testing.T) []byte
		now     time.Time
		wantErr error  // nil: verifies
		wantMsg string // in the error
	}{
		{"threshold 1", one.root, func(t *testing.T) []byte { return mustSign(t, good, one.duty1) }, alertNow, nil, ""},
		{"threshold 2", two.root, func(t *testing.T) []byte { return mustSign(t, good, two.duty3, two.duty1) }, alertNow, nil, ""},
		{"future alert verifies", one.root, func(t *testing.T) []byte {
			a := good
			a.Start, a.Expires = alertNow.Add(time.Hour), alertNow.Add(2*time.Hour)
			return mustSign(t, a, one.duty2)
		}, alertNow, nil, ""},
		{"content key, not in the role", one.root, func(t *testing.T) []byte { return mustSign(t, good, one.editor) },
			alertNow, ErrSignature, "not signed by the alerts role"},
		{"root key, not in the role", one.root, func(t *testing.T) []byte { return mustSign(t, good, one.rootKey) },
			alertNow, ErrSignature, "not signed by the alerts role"},
		{"unsigned", one.root, func(t *testing.T) []byte { return envelope(t, payload(t, good)) },
			alertNow, ErrSignature, "not signed by the alerts role"},
		{"another repository's alerts key", one.root, func(t *testing.T) []byte { return mustSign(t, good, two.duty1) },
			alertNow, ErrSignature, "not signed by the alerts role"},
		{"threshold not met", two.root, func(t *testing.T) []byte { return mustSign(t, good, two.duty1) },
			alertNow, ErrSignature, "threshold not met: 1 distinct alerts keys signed, 2 needed"},
		{"threshold not met with a content key", two.root, func(t *testing.T) []byte { return mustSign(t, good, two.duty1, two.editor) },
			alertNow, ErrSignature, "threshold not met"},
		{"the same key twice", two.root, func(t *testing.T) []byte { return envelope(t, payload(t, good), two.duty2, two.duty2) },
			alertNow, ErrSignature, "threshold not met: 1 distinct"},
		{"tampered byte in signed", one.root, func(t *testing.T) []byte {
			data := mustSign(t, good, one.duty1)
			return bytes.Replace(data, []byte(`"serial":1`), []byte(`"serial":9`), 1)
		}, alertNow, ErrSignature, "do not verify"},
		{"tampered headline", one.root, func(t *testing.T) []byte {
			data := mustSign(t, good, one.duty1)
			return bytes.Replace(data, []byte("lũ"), []byte("lu"), 1)
		}, alertNow, ErrSignature, "do not verify"},
		{"expired", one.root, func(t *testing.T) []byte { return mustSign(t, good, one.duty1) },
			good.Expires, ErrAlertExpired, "expired"},
		{"invalid field, signed", one.root, func(t *testing.T) []byte {
			a := good
			a.Text = map[string]alert.Text{"km": {Headline: " "}}
			return envelope(t, payload(t, a), one.duty1)
		}, alertNow, &content.FieldError{}, `alert flood-2026-09: text.km.headline: empty`},
		{"unknown severity, signed", one.root, func(t *testing.T) []byte {
			a := good
			a.Severity = "apocalyptic"
			return envelope(t, payload(t, a), one.duty1)
		}, alertNow, &content.FieldError{}, "severity"},
		{"field this version does not read, signed", one.root, func(t *testing.T) []byte {
			p := bytes.Replace(payload(t, good), []byte(`{`), []byte(`{"show_forever":true,`), 1)
			return envelope(t, p, one.duty1)
		}, alertNow, ErrTampered, "signed"},
		{"not JSON", one.root, func(t *testing.T) []byte { return []byte("{not json") }, alertNow, ErrTampered, "envelope"},
		{"too large", one.root, func(t *testing.T) []byte {
			return append(mustSign(t, good, one.duty1), bytes.Repeat([]byte(" "), MaxAlertBytes)...)
		}, alertNow, ErrTooLarge, "at most"},
		{"root without alerts role", none.root, func(t *testing.T) []byte { return mustSign(t, good, one.duty1) },
			alertNow, ErrNoAlertsRole, "add one with rotate-root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := VerifyAlert(tc.root, tc.data(t), tc.now)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyAlert: %v", err)
				}
				if a.ID != good.ID || a.Text["vi"].Headline != "Cảnh báo lũ" {
					t.Errorf("VerifyAlert = %+v, want the signed alert", a)
				}
				return
			}
			if err == nil {
				t.Fatalf("VerifyAlert verified %+v, want an error", a)
			}
			if fe := (*content.FieldError)(nil); errors.As(tc.wantErr, &fe) {
				if !errors.As(err, &fe) {
					t.Errorf("error %v, want a *content.FieldError", err)
				}
			} else if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not say %q", err, tc.wantMsg)
			}
		})
	}
}

func TestVerifyAlertExpiredReturnsTheAlert(t *testing.T) {
	r := newAlertRepo(t, 1)
	a := testAlert("storm", 3)
	a.Cancel = true
	got, err := VerifyAlert(r.root, mustSign(t, a, r.duty1), a.Expires.Add(time.Hour))
	if !errors.Is(err, ErrAlertExpired) {
		t.Fatalf("VerifyAlert error %v, want ErrAlertExpired", err)
	}
	if got.ID != "storm" || got.Serial != 3 || !got.Cancel {
		t.Errorf("VerifyAlert returned %+v with ErrAlertExpired, want the verified alert", got)
	}
}

func TestSignAlertRefuses(t *testing.T) {
	r := newAlertRepo(t, 1)
	bad := testAlert("Flood", 1)
	if _, err := SignAlert(bad, r.duty1); err == nil || !strings.Contains(err.Error(), "id") {
		t.Errorf("SignAlert with ID %q: %v, want an id error", bad.ID, err)
	}
	if _, err := SignAlert(testAlert("flood", 1)); err == nil {
		t.Error("SignAlert with no signer succeeded")
	}
	if _, err := SignAlert(testAlert("flood", 1), r.duty1, r.duty1); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("SignAlert with one key twice: %v, want an error", err)
	}
	// Text is brought to NFC before signing: a decomposed "ũ" verifies.
	a := testAlert("nfd", 1)
	a.Text["vi"] = alert.Text{Headline: "Cảnh báo lu\u0303"}
	got, err := VerifyAlert(r.root, mustSign(t, a, r.duty1), alertNow)
	if err != nil || got.Text["vi"].Headline != "Cảnh báo lũ" {
		t.Errorf("VerifyAlert of a decomposed headline = %q, %v", got.Text["vi"].Headline, err)
	}
	if a.Text["vi"].Headline != "Cảnh báo lu\u0303" {
		t.Error("SignAlert changed the caller's alert")
	}
}

func TestPublishAlert(t *testing.T) {
	ctx := context.Background()
	r := newAlertRepo(t, 2)
	both := []signature.Signer{r.duty1, r.duty2}
	a := testAlert("flood", 2)
	if err := PublishAlert(ctx, r.store, r.root, a, both, alertNow); err != nil {
		t.Fatalf("PublishAlert: %v", err)
	}
	stored, err := StoredAlert(ctx, r.store, r.root, "flood")
	if err != nil || stored.Serial != 2 {
		t.Fatalf("StoredAlert = serial %d, %v; want serial 2", stored.Serial, err)
	}
	idx, err := ReadAlertIndex(ctx, r.store)
	if err != nil {
		t.Fatal(err)
	}
	if e := idx.Alerts["flood"]; e.Serial != 2 || e.Length == 0 || len(e.SHA256) != 64 {
		t.Errorf("index entry %+v, want serial 2 with length and hash", e)
	}
	data, err := ReadAlert(ctx, r.store, "flood")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyAlert(r.root, data, alertNow); err != nil {
		t.Errorf("the stored alert does not verify: %v", err)
	}

	cancel := a
	cancel.Serial, cancel.Cancel, cancel.Text = 3, true, nil
	tests := []struct {
		name    string
		a       alert.Alert
		signers []signature.Signer
		now     time.Time
		wantErr error
	}{
		{"same serial", a, both, alertNow, ErrAlertSerial},
		{"lower serial", testAlert("flood", 1), both, alertNow, ErrAlertSerial},
		{"a content key", cancel, []signature.Signer{r.duty1, r.editor}, alertNow, ErrSignature},
		{"threshold not met", cancel, []signature.Signer{r.duty1}, alertNow, ErrSignature},
		{"already expired", cancel, both, a.Expires, ErrAlertExpired},
		{"cancel", cancel, both, alertNow, nil},
		{"replay after the cancel", testAlert("flood", 3), both, alertNow, ErrAlertSerial},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := PublishAlert(ctx, r.store, r.root, tc.a, tc.signers, tc.now)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("PublishAlert: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("PublishAlert: %v, want %v", err, tc.wantErr)
			}
		})
	}
	if stored, err := StoredAlert(ctx, r.store, r.root, "flood"); err != nil || !stored.Cancel || stored.Serial != 3 {
		t.Errorf("after the cancel, StoredAlert = %+v, %v; want the cancel", stored, err)
	}

	// A forged object under the ID does not block the department.
	forged := envelope(t, []byte(`{"id":"flood","serial":1000}`), r.editor)
	if err := putBytes(ctx, r.store, AlertKey("flood"), forged); err != nil {
		t.Fatal(err)
	}
	if _, err := StoredAlert(ctx, r.store, r.root, "flood"); !errors.Is(err, ErrSignature) {
		t.Errorf("StoredAlert of a forged object: %v, want ErrSignature", err)
	}
	next := testAlert("flood", 4)
	if err := PublishAlert(ctx, r.store, r.root, next, both, alertNow); err != nil {
		t.Fatalf("PublishAlert over a forged object: %v", err)
	}
	if _, err := StoredAlert(ctx, r.store, r.root, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("StoredAlert of a missing alert: %v, want fs.ErrNotExist", err)
	}
}

func TestPublishAlertWithoutRole(t *testing.T) {
	r := newAlertRepo(t, 0)
	err := PublishAlert(context.Background(), r.store, r.root, testAlert("flood", 1), []signature.Signer{r.duty1}, alertNow)
	if !errors.Is(err, ErrNoAlertsRole) {
		t.Fatalf("PublishAlert without an alerts role: %v, want ErrNoAlertsRole", err)
	}
}

// TestAlertsRoleThroughRotation: a site's client keeps the alerts role
// across a root rotation that changes approvers, and picks up a role that
// a rotation adds.
func TestAlertsRoleThroughRotation(t *testing.T) {
	ctx := context.Background()
	r := newAlertRepo(t, 0)
	site, err := NewClient(r.store, r.root, filepath.Join(t.TempDir(), "trusted"), func() time.Time { return alertNow })
	if err != nil {
		t.Fatal(err)
	}
	a := testAlert("flood", 1)
	if _, err := site.VerifyAlert(mustSign(t, a, r.duty1), alertNow); !errors.Is(err, ErrNoAlertsRole) {
		t.Fatalf("VerifyAlert before the role exists: %v, want ErrNoAlertsRole", err)
	}
	rc := RootChange{AddAlerters: []Approver{{Name: "duty1", Key: mustPub(t, r.duty1)}}, Now: alertNow}
	if _, err := RotateRoot(ctx, r.store, r.root, rc, []signature.Signer{r.rootKey}); err != nil {
		t.Fatalf("RotateRoot adding the alerts role: %v", err)
	}
	// The next rotation changes approvers only: the alerts role stays.
	rc = RootChange{AddApprovers: []Approver{{Name: "deputy", Key: mustPub(t, r.duty3)}}, Now: alertNow}
	if _, err := RotateRoot(ctx, r.store, r.root, rc, []signature.Signer{r.rootKey}); err != nil {
		t.Fatalf("RotateRoot adding an approver: %v", err)
	}
	// Nothing is published, but the root rotation is installed.
	if _, err := site.Refresh(ctx); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Refresh with nothing published: %v, want fs.ErrNotExist", err)
	}
	if _, err := site.VerifyAlert(mustSign(t, a, r.duty1), alertNow); err != nil {
		t.Fatalf("VerifyAlert after the rotations: %v", err)
	}
	if err := PublishAlert(ctx, r.store, r.root, a, []signature.Signer{r.duty1}, alertNow); err != nil {
		t.Fatalf("PublishAlert after the rotations: %v", err)
	}
	// Revoking the key: its alerts no longer verify.
	rc = RootChange{AddAlerters: []Approver{{Name: "duty2", Key: mustPub(t, r.duty2)}}, RevokeAlerters: []string{keyID(t, r.duty1)}, Now: alertNow}
	if _, err := RotateRoot(ctx, r.store, r.root, rc, []signature.Signer{r.rootKey}); err != nil {
		t.Fatalf("RotateRoot revoking duty1: %v", err)
	}
	site.Refresh(ctx)
	if _, err := site.VerifyAlert(mustSign(t, a, r.duty1), alertNow); !errors.Is(err, ErrSignature) {
		t.Errorf("VerifyAlert by a revoked key: %v, want ErrSignature", err)
	}
	if _, err := site.VerifyAlert(mustSign(t, a, r.duty2), alertNow); err != nil {
		t.Errorf("VerifyAlert by the new key: %v", err)
	}
	if _, err := RotateRoot(ctx, r.store, r.root, RootChange{AlertThreshold: 2, Now: alertNow}, []signature.Signer{r.rootKey}); err == nil {
		t.Error("RotateRoot with an alert threshold above the role's keys succeeded")
	}
}
