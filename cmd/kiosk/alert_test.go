package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

// Colours the screen is judged by, as a viewer sees them.
var (
	contentBlue = color.RGBA{0x0b, 0x25, 0x45, 0xff} // the site's background
	severeRed   = color.RGBA{0xc6, 0x28, 0x28, 0xff} // an extreme alert
)

// TestAlertOnScreen runs the kiosk as a synced site against a real MinIO,
// on an X screen the test reads from outside: a published alert takes the
// screen within seconds and a signed cancel gives it back; a forged alert
// is refused while the bundle plays on; and an alert active when the
// player is killed is back on screen after a restart with the store out
// of reach.
func TestAlertOnScreen(t *testing.T) {
	x := startXScreen(t, 1536, 768)
	d := publishtest.New(t)
	duty := addAlertsRole(t, d)

	bundle := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, bundle, func(m map[string]any) {
		contenttest.SetSlideDurations(m, "2s")
	})
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	d.Release(t, bundle, layout.Targeting{})

	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey, "")
	cmd, log := startKioskEnv(t, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "first content slide", 1)
	playing := func(img *image.RGBA) bool { return share(img, contentBlue) > 0.4 && share(img, severeRed) < 0.05 }
	alerting := func(img *image.RGBA) bool { return share(img, severeRed) > 0.4 }
	x.waitScreen(t, "1-content", 20*time.Second, playing)

	// Published: on screen at once (the site hears of it by notification
	// or, at worst, its one-second poll).
	flood := alert.Alert{
		ID: "lu-an-giang", Serial: 1, Sent: time.Now(), Start: time.Now().Add(-time.Minute), Expires: time.Now().Add(time.Hour),
		Severity: alert.Extreme, Targets: content.Targets{Sites: []string{"an-giang-tinh-bien"}},
		Text: map[string]alert.Text{
			"vi": {Headline: "Cảnh báo lũ khẩn cấp", Body: "Nước sông Hậu dâng cao. Cửa khẩu Tịnh Biên tạm dừng làm thủ tục."},
			"km": {Headline: "ការព្រមានអំពីទឹកជំនន់"},
		},
	}
	publishAlert(t, d, duty, flood)
	x.waitScreen(t, "2-alert", 15*time.Second, alerting)
	log.waitFor(t, "alert accepted", 1)

	// Cancelled: the bundle is back.
	cancel := flood
	cancel.Serial, cancel.Cancel, cancel.Text, cancel.Sent = 2, true, nil, time.Now()
	publishAlert(t, d, duty, cancel)
	x.waitScreen(t, "3-cancelled", 15*time.Second, playing)

	// Forged: an alert signed by a content approver's key, and one with
	// no signature, put straight into the store; both refused.
	forged := flood
	forged.ID, forged.Serial = "dong-cua-khau", 1
	for _, data := range [][]byte{signWith(t, forged, d.Keys["editor"]), unsigned(t, forged)} {
		plantAlert(t, d, forged.ID, data)
		n := strings.Count(log.String(), "alert refused")
		log.waitFor(t, "alert refused", n+1)
	}
	x.waitScreen(t, "4-forged-refused", 5*time.Second, playing)
	if img, err := x.Grab(); err != nil || alerting(img) {
		t.Fatalf("a forged alert reached the screen (grab error %v)", err)
	}

	// Killed with an alert on screen, restarted with the store out of
	// reach: the alert comes back from the site's own book.
	storm := flood
	storm.ID, storm.Serial, storm.Sent = "bao-so-9", 1, time.Now()
	publishAlert(t, d, duty, storm)
	x.waitScreen(t, "5-alert-again", 15*time.Second, alerting)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	offline := rewriteSync(t, cfg, "offline.yaml", "endpoint", "127.0.0.1:1")
	_, log2 := startKioskEnv(t, offline, "DISPLAY="+x.Display)
	log2.waitFor(t, "alerts restored from the book", 1)
	x.waitScreen(t, "6-after-restart", 20*time.Second, alerting)
}

// addAlertsRole gives d's repository an alerts role with one on-duty key,
// by a root rotation, and returns the key.
func addAlertsRole(t testing.TB, d *publishtest.Department) signature.Signer {
	t.Helper()
	dir := t.TempDir()
	if err := trust.GenerateKey(dir, "duty", nil); err != nil {
		t.Fatal(err)
	}
	s, err := trust.LoadSigner(filepath.Join(dir, "duty.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := trust.LoadPublicKey(filepath.Join(dir, "duty.pub"))
	if err != nil {
		t.Fatal(err)
	}
	rc := trust.RootChange{AddAlerters: []trust.Approver{{Name: "duty", Key: pub}}, Now: time.Now()}
	if _, err := trust.RotateRoot(context.Background(), d.Store, d.Root, rc, []signature.Signer{d.Keys["root"]}); err != nil {
		t.Fatalf("add the alerts role: %v", err)
	}
	return s
}

func publishAlert(t testing.TB, d *publishtest.Department, duty signature.Signer, a alert.Alert) {
	t.Helper()
	if err := trust.PublishAlert(context.Background(), d.Store, d.Root, a, []signature.Signer{duty}, time.Now()); err != nil {
		t.Fatalf("publish alert %s serial %d: %v", a.ID, a.Serial, err)
	}
}

func signWith(t *testing.T, a alert.Alert, s signature.Signer) []byte {
	t.Helper()
	data, err := trust.SignAlert(a, s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func unsigned(t *testing.T, a alert.Alert) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"signed": a, "signatures": []any{}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// plantAlert writes data as alert id straight into the store, and names
// it in the alert index, as someone holding the bucket could.
func plantAlert(t *testing.T, d *publishtest.Department, id string, data []byte) {
	t.Helper()
	ctx := context.Background()
	if err := d.Store.Put(ctx, trust.AlertKey(id), bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	idx, err := trust.ReadAlertIndex(ctx, d.Store)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Alerts == nil {
		idx.Alerts = map[string]trust.AlertIndexEntry{}
	}
	sum := sha256.Sum256(data)
	idx.Alerts[id] = trust.AlertIndexEntry{Serial: 1, Length: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Expires: time.Now().Add(time.Hour)}
	body, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Put(ctx, trust.AlertIndexKey, bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
}

// rewriteSync writes a copy of the site config at cfg, beside it as name,
// with the sync section's field set to value (the field must be there).
func rewriteSync(t testing.TB, cfg, name, field, value string) string {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(sync: \{.*\b` + field + `: )("[^"]*"|[^,}]*)`)
	if !re.Match(data) {
		t.Fatalf("%s: no sync.%s to rewrite", cfg, field)
	}
	out := re.ReplaceAll(data, []byte("${1}"+strconv.Quote(value)))
	path := filepath.Join(filepath.Dir(cfg), name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
