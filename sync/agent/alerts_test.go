package agent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

// alertDept is a department whose root gained an alerts role (duty, one
// key, threshold 1) through a root rotation, as an existing repository
// gets one.
type alertDept struct {
	*publishtest.Department
	duty signature.Signer
}

func newAlertDept(t *testing.T) *alertDept {
	t.Helper()
	d := &alertDept{Department: publishtest.New(t)}
	dir := t.TempDir()
	if err := trust.GenerateKey(dir, "duty", nil); err != nil {
		t.Fatal(err)
	}
	s, err := trust.LoadSigner(filepath.Join(dir, "duty.key"))
	if err != nil {
		t.Fatal(err)
	}
	d.duty = s
	pub, err := trust.LoadPublicKey(filepath.Join(dir, "duty.pub"))
	if err != nil {
		t.Fatal(err)
	}
	rc := trust.RootChange{AddAlerters: []trust.Approver{{Name: "duty", Key: pub}}, Now: d.Now}
	if _, err := trust.RotateRoot(context.Background(), d.Store, d.Root, rc, []signature.Signer{d.Keys["root"]}); err != nil {
		t.Fatalf("RotateRoot adding the alerts role: %v", err)
	}
	return d
}

func (d *alertDept) alert(id string, serial int64, tags ...string) alert.Alert {
	return alert.Alert{
		ID: id, Serial: serial, Sent: d.Now, Start: d.Now.Add(-time.Minute), Expires: d.Now.Add(6 * time.Hour),
		Severity: alert.Extreme, Targets: content.Targets{Tags: tags},
		Text: map[string]alert.Text{"vi": {Headline: "Đóng cửa khẩu", Body: "Cửa khẩu Tịnh Biên tạm đóng."}},
	}
}

func (d *alertDept) publish(t *testing.T, a alert.Alert) {
	t.Helper()
	if err := trust.PublishAlert(context.Background(), d.Store, d.Root, a, []signature.Signer{d.duty}, d.Now); err != nil {
		t.Fatalf("PublishAlert %s serial %d: %v", a.ID, a.Serial, err)
	}
}

// plant puts data directly into the store as alert id and names it in the
// index, as an attacker holding the bucket would.
func (d *alertDept) plant(t *testing.T, id string, data []byte) {
	t.Helper()
	ctx := context.Background()
	if err := d.Store.Put(ctx, trust.AlertKey(id), bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	idx, err := trust.ReadAlertIndex(ctx, d.Store)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	idx.Alerts[id] = trust.AlertIndexEntry{Serial: 99, Length: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Expires: d.Now.Add(time.Hour)}
	raw, _ := json.Marshal(idx)
	if err := d.Store.Put(ctx, trust.AlertIndexKey, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
}

func (d *alertDept) read(t *testing.T, id string) []byte {
	t.Helper()
	data, err := trust.ReadAlert(context.Background(), d.Store, id)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// alertSite is a site with its alert book.
type alertSite struct {
	*publishtest.Site
	id   string
	tags []string
	dir  string
	book *agent.AlertBook
}

func (d *alertDept) newSite(t *testing.T, id string, tags ...string) *alertSite {
	t.Helper()
	s := &alertSite{Site: d.NewSite(t, id), id: id, tags: tags, dir: filepath.Join(t.TempDir(), "alerts")}
	s.reopen(t)
	return s
}

// reopen opens the book anew on the same folder, as a restart does.
func (s *alertSite) reopen(t *testing.T) {
	t.Helper()
	// Each report gets its own instant: the site's clock stands still
	// within a sync, and a report's name holds its time.
	reported := 0
	s.Agent.Report = &agent.StoreReporter{Store: s.Store, Site: s.id, Now: func() time.Time {
		reported++
		return s.Now.Add(time.Duration(reported) * time.Millisecond)
	}}
	book, err := agent.OpenAlertBook(agent.AlertBookOptions{
		Dir: s.dir, Site: s.id, Tags: s.tags, Verify: s.Agent.Trust.(*trust.Client), Store: s.Store,
		Report: s.Agent.Report, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return s.Now },
	})
	if err != nil {
		t.Fatalf("OpenAlertBook: %v", err)
	}
	s.book = book
	s.Agent.Alerts = book
}

// sync runs one agent sync (nothing is published: the bundle part finds
// no bundle) and moves the site's clock on a second, so each report has
// its own name.
func (s *alertSite) sync(t *testing.T) {
	t.Helper()
	if _, err := s.Agent.Sync(context.Background()); err != nil && !errors.Is(err, agent.ErrNoBundle) {
		t.Fatalf("Sync: %v", err)
	}
	s.Now = s.Now.Add(time.Second)
}

func (s *alertSite) active(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, a := range s.book.Active(s.Now) {
		ids = append(ids, a.ID+"#"+strconv.FormatInt(a.Serial, 10))
	}
	return ids
}

type refusalEvent struct {
	Alert, Reason, What string
}

// refusals returns the site's alert_refused events, oldest first.
func (d *alertDept) refusals(t *testing.T, site string) []refusalEvent {
	t.Helper()
	ctx := context.Background()
	keys, err := d.Store.List(ctx, "reports/"+site+"/events/")
	if err != nil {
		t.Fatal(err)
	}
	var out []refusalEvent
	for _, k := range keys {
		r, err := d.Store.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Kind   string
			Detail refusalEvent
		}
		err = json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&ev)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == agent.EventAlertRefused {
			out = append(out, ev.Detail)
		}
	}
	return out
}

func wantActive(t *testing.T, s *alertSite, want ...string) {
	t.Helper()
	if got := s.active(t); !slices.Equal(got, want) {
		t.Fatalf("%s: active alerts %v, want %v", s.id, got, want)
	}
}

func TestAlertPublishedThenCancelled(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1", "gate:tinh-bien")
	other := d.newSite(t, "vinh-xuong-1", "gate:vinh-xuong")
	s.sync(t)
	wantActive(t, s)

	d.publish(t, d.alert("border-closed", 1, "gate:tinh-bien"))
	s.sync(t)
	other.sync(t)
	wantActive(t, s, "border-closed#1")
	wantActive(t, other) // targeted at another gate
	select {
	case <-s.book.Changed():
	default:
		t.Error("Changed was not signalled after the alert arrived")
	}

	// A later alert that has not started is active too, for the player
	// to schedule.
	later := d.alert("storm", 1)
	later.Start, later.Severity = d.Now.Add(time.Hour), alert.Minor
	d.publish(t, later)
	s.sync(t)
	other.sync(t)
	wantActive(t, s, "border-closed#1", "storm#1")
	wantActive(t, other, "storm#1")

	cancel := d.alert("border-closed", 2, "gate:tinh-bien")
	cancel.Cancel, cancel.Text = true, nil
	d.publish(t, cancel)
	s.sync(t)
	wantActive(t, s, "storm#1")
	if r := d.refusals(t, s.id); len(r) != 0 {
		t.Errorf("refusals reported: %+v", r)
	}

	// The alert expires at its second.
	s.Now = later.Expires.Add(-time.Second)
	wantActive(t, s, "storm#1")
	s.Now = later.Expires
	wantActive(t, s)
}

func TestAlertRemovedFromStoreStaysUntilExpiry(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1")
	a := d.alert("flood", 1)
	d.publish(t, a)
	s.sync(t)
	wantActive(t, s, "flood#1")
	ctx := context.Background()
	for _, k := range []string{trust.AlertKey("flood"), trust.AlertIndexKey} {
		if err := d.Store.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	s.sync(t)
	wantActive(t, s, "flood#1")
	s.Now = a.Expires
	wantActive(t, s)
}

func TestForgedAlertsRefused(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1")
	good := d.alert("flood", 1)
	d.publish(t, good)
	s.sync(t)
	wantActive(t, s, "flood#1")
	original := d.read(t, "flood")

	bumped := bytes.Replace(original, []byte(`"serial":1`), []byte(`"serial":7`), 1)
	if bytes.Equal(bumped, original) {
		t.Fatal("test setup: no serial to bump")
	}
	forgedText := d.alert("flood", 5)
	forgedText.Text["vi"] = alert.Text{Headline: "Cửa khẩu mở lại"}
	payload, _ := json.Marshal(forgedText)
	expired := d.alert("old-news", 1)
	expired.Start, expired.Expires = d.Now.Add(-2*time.Hour), d.Now.Add(-time.Hour)
	expiredData, err := trust.SignAlert(expired, d.duty)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, id   string
		data       func(t *testing.T) []byte
		wantReason string
	}{
		{"signed by a content key", "flood", func(t *testing.T) []byte {
			data, err := trust.SignAlert(forgedText, d.Keys["editor"], d.Keys["leader"])
			if err != nil {
				t.Fatal(err)
			}
			return data
		}, "signature"},
		{"unsigned", "flood", func(t *testing.T) []byte {
			data, _ := json.Marshal(map[string]any{"signed": json.RawMessage(payload), "signatures": []any{}})
			return data
		}, "signature"},
		{"bumped serial, old signature", "flood", func(t *testing.T) []byte { return bumped }, "signature"},
		{"expired", "old-news", func(t *testing.T) []byte { return expiredData }, "expired"},
		{"garbage", "flood", func(t *testing.T) []byte { return []byte("<html>") }, "malformed"},
		{"another alert's object", "flood-2", func(t *testing.T) []byte { return original }, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := d.refusals(t, s.id)
			d.plant(t, tc.id, tc.data(t))
			s.sync(t)
			wantActive(t, s, "flood#1")
			after := d.refusals(t, s.id)
			if len(after) != len(before)+1 {
				t.Fatalf("refusals before %+v, after %+v: want one more", before, after)
			}
			if got := after[len(after)-1]; got.Alert != tc.id || got.Reason != tc.wantReason {
				t.Errorf("refusal %+v, want alert %s, reason %s", got, tc.id, tc.wantReason)
			}
			// The same object is judged once, not at every poll.
			s.sync(t)
			if again := d.refusals(t, s.id); len(again) != len(after) {
				t.Errorf("the same refused object was reported again: %+v", again)
			}
		})
	}
	if got := s.book.Active(s.Now)[0].Text["vi"].Headline; got != "Đóng cửa khẩu" {
		t.Errorf("headline on screen %q, want the signed one", got)
	}
}

func TestAlertReplayAfterCancelRefused(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1")
	d.publish(t, d.alert("flood", 1))
	s.sync(t)
	old := d.read(t, "flood")
	cancel := d.alert("flood", 2)
	cancel.Cancel = true
	d.publish(t, cancel)
	s.sync(t)
	wantActive(t, s)

	d.plant(t, "flood", old)
	s.sync(t)
	wantActive(t, s)
	r := d.refusals(t, s.id)
	if len(r) != 1 || r[0].Alert != "flood" || r[0].Reason != "replayed" {
		t.Fatalf("refusals %+v, want one replay of flood", r)
	}
	// After a restart too: the book holds the cancel's serial.
	s.reopen(t)
	d.plant(t, "flood", append(old, ' '))
	s.sync(t)
	wantActive(t, s)
	if r := d.refusals(t, s.id); len(r) != 2 || r[1].Reason != "replayed" {
		t.Fatalf("refusals after a restart %+v, want a second replay", r)
	}
}

func TestAlertBookSurvivesRestart(t *testing.T) {
	d := newAlertDept(t)
	s := d.newSite(t, "tinh-bien-1", "gate:tinh-bien")
	d.publish(t, d.alert("border-closed", 1, "gate:tinh-bien"))
	d.publish(t, d.alert("drill", 1, "gate:tinh-bien"))
	s.sync(t)
	wantActive(t, s, "border-closed#1", "drill#1")

	// A restart, before any network: the book alone restores the alerts.
	s.reopen(t)
	wantActive(t, s, "border-closed#1", "drill#1")

	// A book file altered on disk is dropped and reported.
	path := filepath.Join(s.dir, "drill.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte("Đóng"), []byte("Mở "), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	// A stray file too.
	if err := os.WriteFile(filepath.Join(s.dir, "NOT-AN-ID.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.reopen(t)
	wantActive(t, s, "border-closed#1")
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("tampered book file still there: %v", err)
	}
	// The store still holds the drill: the next sync fetches it again.
	s.sync(t)
	wantActive(t, s, "border-closed#1", "drill#1")
	r := d.refusals(t, s.id)
	if len(r) != 2 {
		t.Fatalf("refusals %+v, want the tampered file and the stray one", r)
	}
	if r[0].Alert != "drill" && r[1].Alert != "drill" {
		t.Errorf("refusals %+v do not name the drill", r)
	}
}

func TestAlertRefusedWithoutAlertsRole(t *testing.T) {
	d := publishtest.New(t)
	s := &alertSite{Site: d.NewSite(t, "tinh-bien-1"), id: "tinh-bien-1", dir: filepath.Join(t.TempDir(), "alerts")}
	s.reopen(t)
	dir := t.TempDir()
	if err := trust.GenerateKey(dir, "duty", nil); err != nil {
		t.Fatal(err)
	}
	duty, err := trust.LoadSigner(filepath.Join(dir, "duty.key"))
	if err != nil {
		t.Fatal(err)
	}
	a := (&alertDept{Department: d}).alert("flood", 1)
	data, err := trust.SignAlert(a, duty)
	if err != nil {
		t.Fatal(err)
	}
	(&alertDept{Department: d}).plant(t, "flood", data)
	s.sync(t)
	wantActive(t, s)
	r := (&alertDept{Department: d}).refusals(t, s.id)
	if len(r) != 1 || r[0].Reason != "no_alerts_role" {
		t.Fatalf("refusals %+v, want one for the missing alerts role", r)
	}
}
