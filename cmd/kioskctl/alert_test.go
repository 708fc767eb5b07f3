package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/alert/cap"
	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

const capTestdata = "../../content/alert/cap/testdata"

// TestAlertCommand publishes alerts against a real MinIO holding a
// repository with an alerts role, and reads each back as a site would.
func TestAlertCommand(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	t.Setenv("KIOSK_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", srv.SecretKey)
	keys, work := t.TempDir(), t.TempDir()
	root := filepath.Join(work, "root.json")
	storeURL := "s3://kiosk/dept"
	kioskctl := func(wantErr bool, args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		if (err != nil) != wantErr {
			t.Fatalf("kioskctl %s: err = %v, want error: %v\n%s%s", strings.Join(args, " "), err, wantErr, out.String(), errOut.String())
		}
		return out.String(), err
	}
	key := func(n string) string { return filepath.Join(keys, n) }
	for _, name := range []string{"root", "editor", "publisher", "leader"} {
		kioskctl(false, "keygen", name, "--dir", keys, "--no-passphrase")
	}
	kioskctl(false, "init-repo", "--store", storeURL, "--endpoint", srv.Endpoint, "--root-key", key("root.key"),
		"--approver", "editor="+key("editor.pub"), "--threshold", "1", "--publisher", key("publisher.pub"),
		"--alert-key", "leader="+key("leader.pub"), "--root-out", root)
	rootJSON, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	site, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, Bucket: "kiosk", Prefix: "dept", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	// seen reads the alert as a site does: from the store, verified
	// against the root.
	seen := func(id string) alert.Alert {
		t.Helper()
		data, err := trust.ReadAlert(ctx, site, id)
		if err != nil {
			t.Fatalf("read alert %s: %v", id, err)
		}
		a, err := trust.VerifyAlert(rootJSON, data, time.Now())
		if err != nil {
			t.Fatalf("a site refuses alert %s: %v", id, err)
		}
		return a
	}
	alertCmd := func(wantErr bool, args ...string) (string, error) {
		t.Helper()
		return kioskctl(wantErr, append([]string{"alert", "--store", storeURL, "--endpoint", srv.Endpoint, "--root", root}, args...)...)
	}

	// From flags.
	out, _ := alertCmd(false, "--key", key("leader.key"), "--id", "flood-an-giang-1", "--severity", "severe",
		"--headline", "vi=Cảnh báo lũ trên sông Hậu", "--headline", "en=Flood warning on the Hau River",
		"--body", "vi=Mực nước sông Hậu tại Châu Đốc đang lên nhanh.", "--instruction", "en=Move to high ground.",
		"--for", "3h", "--tags", "province:an-giang", "--sites", "an-giang-tinh-bien")
	for _, want := range []string{"you signed alert flood-an-giang-1, serial 1", "severity  severe (full screen)",
		"for       sites an-giang-tinh-bien; tags province:an-giang", "vi        Cảnh báo lũ trên sông Hậu",
		"en        Flood warning on the Hau River", "published as tuf/metadata/alerts/flood-an-giang-1.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("alert from flags does not say %q:\n%s", want, out)
		}
	}
	a := seen("flood-an-giang-1")
	if a.Serial != 1 || a.Severity != alert.Severe || a.Cancel || a.Expires.Sub(a.Start) != 3*time.Hour ||
		!reflect.DeepEqual(a.Targets.Tags, []string{"province:an-giang"}) || !reflect.DeepEqual(a.Targets.Sites, []string{"an-giang-tinh-bien"}) ||
		a.Text["vi"] != (alert.Text{Headline: "Cảnh báo lũ trên sông Hậu", Body: "Mực nước sông Hậu tại Châu Đốc đang lên nhanh."}) ||
		a.Text["en"] != (alert.Text{Headline: "Flood warning on the Hau River", Instruction: "Move to high ground."}) {
		t.Errorf("the site sees %+v", a)
	}

	// An update takes the next serial; the cancel the one after, keeping
	// the expiry and targets.
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	upStart := time.Now().In(hcm).Add(-time.Hour).Truncate(time.Minute)
	upExpires := upStart.Add(20 * 24 * time.Hour)
	out, _ = alertCmd(false, "--key", key("leader.key"), "--id", "flood-an-giang-1", "--severity", "extreme",
		"--headline", "vi=Lũ vượt báo động 3 trên sông Hậu", "--start", upStart.Format("2006-01-02T15:04-07:00"),
		"--expires", upExpires.Format("2006-01-02T15:04"), "--tags", "province:an-giang")
	if !strings.Contains(out, "serial 2") || !strings.Contains(out, "expires   "+upExpires.Format(time.RFC3339)) {
		t.Errorf("update says:\n%s", out)
	}
	out, _ = alertCmd(false, "--key", key("leader.key"), "--cancel", "flood-an-giang-1")
	if !strings.Contains(out, "you signed CANCEL of alert flood-an-giang-1, serial 3") {
		t.Errorf("cancel says:\n%s", out)
	}
	if a := seen("flood-an-giang-1"); !a.Cancel || a.Serial != 3 || !a.Expires.Equal(upExpires) || !reflect.DeepEqual(a.Targets.Tags, []string{"province:an-giang"}) {
		t.Errorf("after the cancel the site sees %+v", a)
	}
	if _, err := alertCmd(true, "--key", key("leader.key"), "--cancel", "flood-an-giang-1"); !strings.Contains(err.Error(), "was cancelled") {
		t.Errorf("a second cancel: %v", err)
	}
	if _, err := alertCmd(true, "--key", key("leader.key"), "--cancel", "no-such-alert"); !strings.Contains(err.Error(), "no alert no-such-alert in the store") {
		t.Errorf("cancel of an unknown alert: %v", err)
	}

	// A key outside the alerts role is refused, and nothing is stored.
	_, err = alertCmd(true, "--key", key("editor.key"), "--id", "forged", "--severity", "extreme",
		"--headline", "en=Evacuate now", "--for", "1h", "--all-sites")
	if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "alerts key") {
		t.Errorf("an approver's key signing an alert: %v", err)
	}
	if _, err := trust.ReadAlert(ctx, site, "forged"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused alert is in the store: %v", err)
	}

	// From CAP: the flood warning, moved to now, then its cancel.
	areas := filepath.Join(capTestdata, "areas.yaml")
	flood, cancel := shiftedCAP(t, work)
	out, _ = alertCmd(false, "--key", key("leader.key"), "--cap", flood, "--areas", areas)
	id := cap.AlertID("pctt-angiang@example.org", "AG-LU-2026-0012")
	for _, want := range []string{"you signed alert " + id + ", serial 1", "for       tags gate:tinh-bien, province:an-giang",
		"km        ការព្រមានអំពីទឹកជំនន់", "vi        Cảnh báo lũ trên sông Tiền và sông Hậu tại An Giang", "CAP       AG-LU-2026-0012"} {
		if !strings.Contains(out, want) {
			t.Errorf("alert from CAP does not say %q:\n%s", want, out)
		}
	}
	if a := seen(id); a.Serial != 1 || a.Severity != alert.Severe || len(a.Text) != 3 || a.Sender != "pctt-angiang@example.org" {
		t.Errorf("the site sees %+v", a)
	}
	// The areas file is needed to reach the province.
	if _, err := alertCmd(true, "--key", key("leader.key"), "--cap", flood); !strings.Contains(err.Error(), `info[1].area[1]: "Tỉnh An Giang" maps to no site tag`) {
		t.Errorf("CAP without the areas file: %v", err)
	}
	out, _ = alertCmd(false, "--key", key("leader.key"), "--cap", cancel, "--dry-run")
	if !strings.Contains(out, "would sign CANCEL of alert "+id+", serial 2") || !strings.Contains(out, "nothing signed or published") {
		t.Errorf("dry run of the CAP cancel says:\n%s", out)
	}
	if a := seen(id); a.Cancel {
		t.Error("the dry run published the cancel")
	}
	alertCmd(false, "--key", key("leader.key"), "--cap", cancel)
	if a := seen(id); !a.Cancel || a.Serial != 2 {
		t.Errorf("after the CAP cancel the site sees %+v", a)
	}

	// An expired CAP message is refused, naming the file and the element.
	expired := filepath.Join(capTestdata, "storm-expired.xml")
	_, err = alertCmd(true, "--key", key("leader.key"), "--cap", expired, "--areas", areas)
	if !errors.Is(err, cap.ErrExpired) || !strings.Contains(err.Error(), expired+": info[1].expires: 2025-06-14T21:00:00+07:00: the alert has already expired") {
		t.Errorf("an expired CAP message: %v", err)
	}
}

// shiftedCAP writes the An Giang flood warning and its cancel with their
// times moved to now: sent an hour ago, on screen now, for two days.
func shiftedCAP(t *testing.T, dir string) (flood, cancel string) {
	t.Helper()
	now := time.Now().Truncate(time.Second).In(time.FixedZone("ICT", 7*3600))
	replace := strings.NewReplacer(
		"2026-10-05T07:30:00+07:00", now.Add(-time.Hour).Format(time.RFC3339),
		"2026-10-05T12:00:00+07:00", now.Format(time.RFC3339),
		"2026-10-07T12:00:00+07:00", now.Add(48*time.Hour).Format(time.RFC3339),
		"2026-10-06T06:00:00+07:00", now.Add(-30*time.Minute).Format(time.RFC3339),
		"2026-10-08T16:00:00+07:00", now.Add(-time.Minute).Format(time.RFC3339),
	)
	write := func(name string) string {
		data, err := os.ReadFile(filepath.Join(capTestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name)
		if err := os.WriteFile(out, []byte(replace.Replace(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return write("flood-an-giang.xml"), write("flood-an-giang-cancel.xml")
}

func TestAlertUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--key", "k", "--id", "x", "--severity", "severe", "--headline", "vi=Lũ", "--tags", "province:an-giang"}, "give --expires TIME or --for DURATION"},
		{[]string{"--key", "k", "--id", "x", "--severity", "severe", "--headline", "vi=Lũ", "--for", "1h"}, "say who the alert is for"},
		{[]string{"--key", "k", "--id", "x", "--severity", "grave", "--headline", "vi=Lũ", "--for", "1h", "--all-sites"}, `--severity "grave"`},
		{[]string{"--key", "k", "--id", "x", "--severity", "minor", "--headline", "Lũ", "--for", "1h", "--all-sites"}, "want LANG=TEXT"},
		{[]string{"--key", "k", "--id", "x", "--severity", "minor", "--headline", "vi=Lũ", "--body", "en=Flood", "--for", "1h", "--all-sites"}, "no --headline en"},
		{[]string{"--key", "k", "--id", "x", "--severity", "minor", "--headline", "vi=Lũ", "--expires", "tomorrow", "--all-sites"}, `--expires "tomorrow": want a time such as`},
		{[]string{"--key", "k", "--cap", "a.xml", "--severity", "minor"}, "--severity does not go with --cap"},
		{[]string{"--key", "k", "--cancel", "x", "--cap", "a.xml"}, "not both"},
		{[]string{"--id", "x"}, "give --key"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"alert"}, tc.args...), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("kioskctl alert %s: %v, want an error saying %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
