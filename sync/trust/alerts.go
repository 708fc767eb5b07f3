package trust

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content/alert"
)

// RoleAlerts is the top-level role of root.json whose keys sign emergency
// alerts. It is apart from the targets role, so an on-duty leader can issue
// an alert at once, without the approvals a publication needs; root names
// its keys and threshold like any other role's (InitOptions.Alerters,
// RootChange.AddAlerters).
const RoleAlerts = "alerts"

// Bounds of what a site reads for alerts.
const (
	// MaxAlertBytes bounds one signed alert object.
	MaxAlertBytes = 64 << 10
	// MaxAlerts bounds the alerts of the index, and so the alerts a site
	// fetches in one sync.
	MaxAlerts = 64
	// MaxAlertIndexBytes bounds the index object.
	MaxAlertIndexBytes = 64 << 10
	// maxAlertSignatures bounds the signatures of one alert: more than
	// any alerts role has keys.
	maxAlertSignatures = 16
)

// Errors of alerts. Signature problems are ErrSignature, a malformed
// envelope ErrTampered, an oversized one ErrTooLarge, an invalid field a
// *content.FieldError.
var (
	// ErrNoAlertsRole: the trusted root has no alerts role, so no alert
	// can be verified.
	ErrNoAlertsRole = errors.New("the repository's root has no alerts role; add one with rotate-root")
	// ErrAlertExpired: the alert's expiry has passed.
	ErrAlertExpired = errors.New("alert expired")
	// ErrAlertSerial: the alert's serial is not above the one already
	// stored (department) or seen (site) for its ID: a replay, or a
	// mistake.
	ErrAlertSerial = errors.New("alert serial not above the one already seen")
)

// alertEnvelope is a signed alert, in the form of TUF metadata: the
// signatures cover the canonical JSON of signed.
type alertEnvelope struct {
	Signed     json.RawMessage  `json:"signed"`
	Signatures []alertSignature `json:"signatures"`
}

type alertSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"` // hex
}

// SignAlert returns the envelope of a, signed by each signer, after
// bringing its texts to NFC (alert.Normalize) and validating it. It does
// not check that the signers belong to the alerts role: PublishAlert and
// VerifyAlert do, against a root.
func SignAlert(a alert.Alert, signers ...signature.Signer) ([]byte, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("trust: sign alert: %w", err)
	}
	if len(signers) == 0 {
		return nil, fmt.Errorf("trust: sign alert %s: no signer", a.ID)
	}
	if len(signers) > maxAlertSignatures {
		return nil, fmt.Errorf("trust: sign alert %s: %d signers, at most %d", a.ID, len(signers), maxAlertSignatures)
	}
	payload, err := cjson.EncodeCanonical(a)
	if err != nil {
		return nil, fmt.Errorf("trust: sign alert %s: canonical JSON: %w", a.ID, err)
	}
	// The envelope holds the alert as plain JSON: canonical JSON leaves a
	// line break in a body raw, which is not JSON. Verification signs and
	// checks the canonical form of whatever is stored.
	plain, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("trust: sign alert %s: %w", a.ID, err)
	}
	env := alertEnvelope{Signed: plain}
	for _, s := range signers {
		id, err := signerKeyID(s)
		if err != nil {
			return nil, fmt.Errorf("trust: sign alert %s: %w", a.ID, err)
		}
		if slices.ContainsFunc(env.Signatures, func(g alertSignature) bool { return g.KeyID == id }) {
			return nil, fmt.Errorf("trust: sign alert %s: key %s given twice", a.ID, id)
		}
		sig, err := s.SignMessage(bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("trust: sign alert %s with key %s: %w", a.ID, id, err)
		}
		env.Signatures = append(env.Signatures, alertSignature{KeyID: id, Sig: hex.EncodeToString(sig)})
	}
	data, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("trust: sign alert %s: %w", a.ID, err)
	}
	if len(data) > MaxAlertBytes {
		return nil, fmt.Errorf("trust: sign alert %s: %d bytes signed, at most %d: %w", a.ID, len(data), MaxAlertBytes, ErrTooLarge)
	}
	return data, nil
}

// VerifyAlert checks the signed alert data against the root metadata
// rootJSON (whose own signatures are checked too) at now: the signatures
// of a threshold of distinct keys of root's alerts role over exactly what
// was signed, every field valid, and not expired. Errors wrap
// ErrNoAlertsRole, ErrSignature (not signed by the alerts role, or the
// threshold not met), ErrTampered (malformed), ErrTooLarge, a
// *content.FieldError (an invalid field) or ErrAlertExpired. With
// ErrAlertExpired alone, the returned alert is the verified, expired one
// (a site still learns its serial, and a cancel still cancels).
func VerifyAlert(rootJSON, data []byte, now time.Time) (alert.Alert, error) {
	root, err := parseRoot(rootJSON)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("trust: verify alert: trusted root: %w: %w", ErrSignature, err)
	}
	return verifyAlert(root, data, now)
}

// VerifyAlert is VerifyAlert against the client's current trusted root:
// the newest of the shipped root and the one the last Refresh installed.
func (c *Client) VerifyAlert(data []byte, now time.Time) (alert.Alert, error) {
	return VerifyAlert(c.TrustedRoot(), data, now)
}

// TrustedRoot returns the root.json the client trusts now.
func (c *Client) TrustedRoot() []byte {
	c.local.Lock()
	defer c.local.Unlock()
	local, err := os.ReadFile(filepath.Join(c.dir, "root.json"))
	if err != nil {
		return slices.Clone(c.bootRoot)
	}
	return c.trustedRoot(local)
}

func verifyAlert(root *metadata.Metadata[metadata.RootType], data []byte, now time.Time) (alert.Alert, error) {
	a, err := checkAlert(root, data)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("trust: verify alert: %w", err)
	}
	if a.ExpiredAt(now) {
		return a, fmt.Errorf("trust: verify alert %s serial %d: %w at %s (now %s)", a.ID, a.Serial, ErrAlertExpired,
			a.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return a, nil
}

// checkAlert verifies everything of an alert but its expiry.
func checkAlert(root *metadata.Metadata[metadata.RootType], data []byte) (alert.Alert, error) {
	role, ok := root.Signed.Roles[RoleAlerts]
	if !ok || role == nil {
		return alert.Alert{}, fmt.Errorf("root version %d: %w", root.Signed.Version, ErrNoAlertsRole)
	}
	if len(data) > MaxAlertBytes {
		return alert.Alert{}, fmt.Errorf("%d bytes, at most %d: %w", len(data), MaxAlertBytes, ErrTooLarge)
	}
	var env alertEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return alert.Alert{}, fmt.Errorf("%w: envelope: %w", ErrTampered, err)
	}
	if dec.More() {
		return alert.Alert{}, fmt.Errorf("%w: data after the envelope", ErrTampered)
	}
	if len(env.Signed) == 0 || env.Signed[0] != '{' {
		return alert.Alert{}, fmt.Errorf("%w: envelope: signed is not a JSON object", ErrTampered)
	}
	if len(env.Signatures) > maxAlertSignatures {
		return alert.Alert{}, fmt.Errorf("%w: %d signatures, at most %d", ErrTampered, len(env.Signatures), maxAlertSignatures)
	}
	payload, err := cjson.EncodeCanonical(env.Signed)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("%w: signed: %w", ErrTampered, err)
	}
	// The name to show before the signature is checked, for errors only.
	var named struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(env.Signed, &named)
	what := "alert"
	if alert.ValidID(named.ID) {
		what = "alert " + named.ID
	}
	if err := checkAlertSignatures(root, role, env.Signatures, payload); err != nil {
		return alert.Alert{}, fmt.Errorf("%s: %w", what, err)
	}

	var a alert.Alert
	dec = json.NewDecoder(bytes.NewReader(env.Signed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return alert.Alert{}, fmt.Errorf("%s: %w: signed: %w", what, ErrTampered, err)
	}
	// What the site acts on must be exactly what was signed: no field this
	// version does not read, no key in another case, no time in another
	// form.
	again, err := cjson.EncodeCanonical(a)
	if err != nil || !bytes.Equal(again, payload) {
		return alert.Alert{}, fmt.Errorf("%s: %w: signed holds fields or forms this version does not read exactly", what, ErrTampered)
	}
	if err := a.Validate(); err != nil {
		return alert.Alert{}, err
	}
	return a, nil
}

// checkAlertSignatures counts the distinct keys of the alerts role whose
// signature over payload verifies, and compares them with its threshold.
func checkAlertSignatures(root *metadata.Metadata[metadata.RootType], role *metadata.Role, sigs []alertSignature, payload []byte) error {
	if role.Threshold < 1 || len(role.KeyIDs) == 0 {
		return fmt.Errorf("%w: root version %d's alerts role has %d keys and threshold %d", ErrSignature,
			root.Signed.Version, len(role.KeyIDs), role.Threshold)
	}
	valid := map[string]bool{} // public key fingerprints: one key counts once
	inRole, bad := 0, 0
	for _, s := range sigs {
		if !slices.Contains(role.KeyIDs, s.KeyID) {
			continue
		}
		inRole++
		key, ok := root.Signed.Keys[s.KeyID]
		if !ok {
			return fmt.Errorf("%w: root version %d names alerts key %s but does not hold it", ErrSignature, root.Signed.Version, s.KeyID)
		}
		fp, err := verifyWithKey(key, s.Sig, payload)
		if err != nil {
			bad++
			continue
		}
		valid[fp] = true
	}
	switch {
	case inRole == 0:
		return fmt.Errorf("%w: not signed by the alerts role (%d signatures, none by one of root version %d's %d alerts keys)",
			ErrSignature, len(sigs), root.Signed.Version, len(role.KeyIDs))
	case len(valid) < role.Threshold && bad > 0:
		return fmt.Errorf("%w: alerts threshold not met: %d valid signatures of %d needed; %d signatures by alerts keys do not verify (altered after signing?)",
			ErrSignature, len(valid), role.Threshold, bad)
	case len(valid) < role.Threshold:
		return fmt.Errorf("%w: alerts threshold not met: %d distinct alerts keys signed, %d needed", ErrSignature, len(valid), role.Threshold)
	}
	return nil
}

// verifyWithKey checks one signature (hex) and returns the key's
// fingerprint (SHA-256 of its PKIX form), as go-tuf counts keys.
func verifyWithKey(key *metadata.Key, sigHex string, payload []byte) (string, error) {
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return "", err
	}
	pub, err := key.ToPublicKey()
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	hash := crypto.Hash(0)
	switch {
	case key.Type == metadata.KeyTypeEd25519:
	case key.Scheme == metadata.KeySchemeECDSA_SHA2_P384:
		hash = crypto.SHA384
	case key.Type == metadata.KeyTypeECDSA_SHA2_P256 || key.Type == metadata.KeyTypeECDSA_SHA2_P256_COMPAT:
		hash = crypto.SHA256
	default:
		return "", fmt.Errorf("key type %s is not used for alerts", key.Type)
	}
	v, err := signature.LoadVerifier(pub, hash)
	if err != nil {
		return "", err
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)); err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// AlertIndex lists the alerts stored, for sites, which may read objects
// but not list them. It is a hint, not trusted: a site verifies every
// alert it names, and an alert missing from it stays on screen until it
// expires or is cancelled.
type AlertIndex struct {
	Alerts map[string]AlertIndexEntry `json:"alerts"`
}

// AlertIndexEntry describes one stored alert object.
type AlertIndexEntry struct {
	Serial  int64     `json:"serial"`
	Length  int64     `json:"length"`
	SHA256  string    `json:"sha256"` // of the object, hex
	Expires time.Time `json:"expires"`
}

// ReadAlertIndex reads the store's alert index, at most MaxAlertIndexBytes
// and MaxAlerts entries, each with a valid alert ID. No index is an empty
// one.
func ReadAlertIndex(ctx context.Context, r Reader) (AlertIndex, error) {
	data, err := readLimited(ctx, r, alertIndexKey, MaxAlertIndexBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return AlertIndex{Alerts: map[string]AlertIndexEntry{}}, nil
	}
	if err != nil {
		return AlertIndex{}, fmt.Errorf("trust: alert index: %w", err)
	}
	return parseAlertIndex(data)
}

func parseAlertIndex(data []byte) (AlertIndex, error) {
	var idx AlertIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return AlertIndex{}, fmt.Errorf("trust: alert index %s: %w: %w", alertIndexKey, ErrTampered, err)
	}
	if len(idx.Alerts) > MaxAlerts {
		return AlertIndex{}, fmt.Errorf("trust: alert index %s: %d alerts, at most %d: %w", alertIndexKey, len(idx.Alerts), MaxAlerts, ErrTooLarge)
	}
	for id, e := range idx.Alerts {
		if !alert.ValidID(id) {
			return AlertIndex{}, fmt.Errorf("trust: alert index %s: alerts: %q is not an alert ID: %w", alertIndexKey, id, ErrTampered)
		}
		if e.Length < 0 || e.Length > MaxAlertBytes {
			return AlertIndex{}, fmt.Errorf("trust: alert index %s: alerts.%s.length: %d, want 0 to %d: %w", alertIndexKey, id, e.Length, MaxAlertBytes, ErrTooLarge)
		}
	}
	if idx.Alerts == nil {
		idx.Alerts = map[string]AlertIndexEntry{}
	}
	return idx, nil
}

// ReadAlert reads the stored alert id, at most MaxAlertBytes; it does not
// verify it (VerifyAlert does).
func ReadAlert(ctx context.Context, r Reader, id string) ([]byte, error) {
	if !alert.ValidID(id) {
		return nil, fmt.Errorf("trust: read alert: %q is not an alert ID", id)
	}
	data, err := readLimited(ctx, r, AlertKey(id), MaxAlertBytes)
	if err != nil {
		return nil, fmt.Errorf("trust: read alert %s: %w", id, err)
	}
	return data, nil
}

// StoredAlert returns the alert id as stored, verified against the
// newest root the department's trusted root leads to, expired or not: what
// a cancel or an update must outdo. No stored alert is fs.ErrNotExist.
func StoredAlert(ctx context.Context, store Store, trustedRoot []byte, id string) (alert.Alert, error) {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("trust: stored alert: %w", err)
	}
	data, err := ReadAlert(ctx, store, id)
	if err != nil {
		return alert.Alert{}, err
	}
	a, err := checkAlert(root, data)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("trust: stored alert %s (%s): %w", id, AlertKey(id), err)
	}
	return a, nil
}

// maxAlertTries bounds PublishAlert's compare-and-swap retries.
const maxAlertTries = 8

// PublishAlert signs a with signers and writes it to the store
// (tuf/metadata/alerts/<id>.json), then adds it to the alert index. It
// walks to the newest root from the department's trusted root and checks
// that root has an alerts role (ErrNoAlertsRole), that each signer holds
// one of its keys and that together they meet its threshold
// (ErrSignature), that a is valid and not expired at now
// (ErrAlertExpired), and that its serial is above the serial of the alert
// stored under its ID (ErrAlertSerial). A stored object that does not
// verify is replaced: sites refused it anyway. A cancel is an Alert with
// Cancel set and a higher serial; give it the expiry of the alert it
// cancels.
func PublishAlert(ctx context.Context, store Store, trustedRoot []byte, a alert.Alert, signers []signature.Signer, now time.Time) error {
	root, err := loadRoot(ctx, store, trustedRoot)
	if err != nil {
		return fmt.Errorf("trust: publish alert: %w", err)
	}
	role, ok := root.Signed.Roles[RoleAlerts]
	if !ok || role == nil {
		return fmt.Errorf("trust: publish alert: root version %d: %w", root.Signed.Version, ErrNoAlertsRole)
	}
	for _, s := range signers {
		if err := checkRoleKey(root, RoleAlerts, s); err != nil {
			return fmt.Errorf("trust: publish alert %s: %w", a.ID, err)
		}
	}
	data, err := SignAlert(a, signers...)
	if err != nil {
		return err
	}
	signed, err := verifyAlert(root, data, now)
	if err != nil {
		return fmt.Errorf("trust: publish alert %s: %w", a.ID, err)
	}
	key := AlertKey(signed.ID)
	written := false
	for try := 0; try < maxAlertTries && !written; try++ {
		old, tag, err := store.GetTagged(ctx, key, MaxAlertBytes)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			tag = ""
		case err != nil:
			return fmt.Errorf("trust: publish alert %s: read the stored alert: %w", a.ID, err)
		default:
			if prev, perr := checkAlert(root, old); perr == nil && signed.Serial <= prev.Serial {
				return fmt.Errorf("trust: publish alert %s: serial %d, but %s holds serial %d: %w",
					a.ID, signed.Serial, key, prev.Serial, ErrAlertSerial)
			}
		}
		err = store.PutIfMatch(ctx, key, data, tag)
		if errors.Is(err, fs.ErrExist) {
			continue // published by someone else meanwhile: compare again
		}
		if err != nil {
			return fmt.Errorf("trust: publish alert %s: put %s: %w", a.ID, key, err)
		}
		written = true
	}
	if !written {
		return fmt.Errorf("trust: publish alert %s: %s kept changing during %d tries; try again", a.ID, key, maxAlertTries)
	}
	sum := sha256.Sum256(data)
	entry := AlertIndexEntry{Serial: signed.Serial, Length: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Expires: signed.Expires.UTC()}
	if err := indexAlert(ctx, store, signed.ID, entry, now); err != nil {
		return fmt.Errorf("trust: publish alert %s: the alert is stored, but sites learn of it only from the index: %w", a.ID, err)
	}
	return nil
}

// indexAlert adds or replaces id's entry in the alert index, dropping
// entries of alerts expired at now.
func indexAlert(ctx context.Context, store Store, id string, entry AlertIndexEntry, now time.Time) error {
	for try := 0; try < maxAlertTries; try++ {
		raw, tag, err := store.GetTagged(ctx, alertIndexKey, MaxAlertIndexBytes)
		idx := AlertIndex{Alerts: map[string]AlertIndexEntry{}}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			tag = ""
		case err != nil:
			return fmt.Errorf("read %s: %w", alertIndexKey, err)
		default:
			// The index is a hint: one that does not parse is rebuilt
			// from this alert on.
			if parsed, perr := parseAlertIndex(raw); perr == nil {
				idx = parsed
			}
		}
		maps.DeleteFunc(idx.Alerts, func(_ string, e AlertIndexEntry) bool { return !now.Before(e.Expires) })
		idx.Alerts[id] = entry
		if len(idx.Alerts) > MaxAlerts {
			return fmt.Errorf("%d alerts in force, at most %d: cancel some or wait for them to expire", len(idx.Alerts)-1, MaxAlerts)
		}
		data, err := json.MarshalIndent(idx, "", "\t")
		if err != nil {
			return err
		}
		err = store.PutIfMatch(ctx, alertIndexKey, data, tag)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("put %s: %w", alertIndexKey, err)
		}
		return nil
	}
	return fmt.Errorf("%s kept changing during %d tries; publish the alert again", alertIndexKey, maxAlertTries)
}
