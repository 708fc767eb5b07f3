package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/internal/reportgen"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/s3store"
)

const siteYAML = `site: {id: %ID%, name: "%NAME%"}
display: {resolution: 1536x768}
languages: [vi, km]
fonts: [{family: Noto Sans}]
content: {dir: current}
%HOURS%
`

// TestStatusAndReport runs kioskctl status and report against a real
// MinIO holding three sites' reports with known answers.
func TestStatusAndReport(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	t.Setenv("KIOSK_S3_ENDPOINT", srv.Endpoint)
	t.Setenv("KIOSK_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", srv.SecretKey)
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, hcm) }

	sitesDir := t.TempDir()
	type site struct {
		id, name, hours string
		down            []report.Span
	}
	sites := []site{
		{"an-giang-tinh-bien", "Cửa khẩu Quốc tế Tịnh Biên", "hours: {open: \"06:00\", close: \"22:00\"}", nil},
		// Down 10:00–12:00 on the 2nd.
		{"an-giang-vinh-xuong", "Cửa khẩu Quốc tế Vĩnh Xương", "hours: {open: \"06:00\", close: \"22:00\"}", []report.Span{{Start: day(2, 10), End: day(2, 12)}}},
		// Open all day; nothing at all on the 3rd.
		{"an-giang-le-tri", "Điểm hỗ trợ CNTT xã Lê Trì", "", []report.Span{{Start: day(3, 0), End: day(4, 0)}}},
	}
	for _, s := range sites {
		y := strings.NewReplacer("%ID%", s.id, "%NAME%", s.name, "%HOURS%", s.hours).Replace(siteYAML)
		path := filepath.Join(sitesDir, s.id, "kiosk.yaml")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := siteconfig.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		gen := reportgen.Site{ID: s.id, Spool: "aa11", Schedule: report.ScheduleOf(cfg), Items: []string{"welcome", "customs"},
			Langs: []string{"vi", "km"}, Interval: time.Minute, PlayEvery: 10 * time.Second, Down: s.down}
		if _, err := gen.Upload(ctx, st, day(1, 12), day(3, 12), 4); err != nil {
			t.Fatal(err)
		}
	}
	// A damaged batch is skipped, named, and the rest still counts.
	junk := report.BatchPrefix("an-giang-tinh-bien") + "20260302/ffff-00000000000000000001.krb"
	if err := st.Put(ctx, junk, strings.NewReader("KRB1 truncated"), 14); err != nil {
		t.Fatal(err)
	}
	now := day(3, 21).Add(30 * time.Minute)
	for id, age := range map[string]time.Duration{"an-giang-tinh-bien": time.Minute, "an-giang-vinh-xuong": 3 * time.Hour} {
		body, _ := json.Marshal(report.Status{Site: id, Backlog: 3, Heartbeat: report.Heartbeat{Time: now.Add(-age), Interval: time.Minute,
			State: report.Content, Bundle: "border@7", Sync: report.SyncResult{Error: "dial tcp 10.0.0.5:9000: connection refused"}}})
		if err := st.Put(ctx, report.StatusKey(id), bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}

	kioskctl := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(ctx, args, &out, &errOut); err != nil {
			t.Fatalf("kioskctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	out, _ := kioskctl("status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339))
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	table := strings.Join(lines, "\n")
	for _, want := range []string{
		"an-giang-le-tri - - - - offline - no heartbeat received yet",
		"an-giang-tinh-bien 2026-03-03 21:29 1m content border@7 online 3 sync: dial tcp 10.0.0.5:9000: connection refused",
		"an-giang-vinh-xuong 2026-03-03 18:30 3h content border@7 offline 3",
		"3 sites: 1 online, 2 offline",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}

	dir := t.TempDir()
	out, errOut := kioskctl("report", "--store", "s3://kiosk/ag", "--from", "2026-03-01", "--to", "2026-03-03",
		"--sites", sitesDir, "--out", dir, "--now", day(10, 0).Format(time.RFC3339))
	if !strings.Contains(out, "report.html") || !strings.Contains(errOut, junk) {
		t.Errorf("report output:\n%s\nstderr:\n%s", out, errOut)
	}
	days, err := os.ReadFile(filepath.Join(dir, "days.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"an-giang-tinh-bien,2026-03-02,16.00,16.00,100.00,1440",
		"an-giang-vinh-xuong,2026-03-02,16.00,14.00,87.50,1320",
		"an-giang-le-tri,2026-03-02,24.00,24.00,100.00,1440",
		"an-giang-le-tri,2026-03-03,24.00,0.00,0.00,0",
	} {
		if !strings.Contains(string(days), want+"\n") {
			t.Errorf("days.csv lacks %q:\n%s", want, days)
		}
	}
	outages, _ := os.ReadFile(filepath.Join(dir, "outages.csv"))
	if !strings.Contains(string(outages), "an-giang-vinh-xuong,2026-03-02T10:00:00+07:00,2026-03-02T12:00:00+07:00,120.00,no_heartbeat") {
		t.Errorf("outages.csv:\n%s", outages)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"Cửa khẩu Quốc tế Vĩnh Xương", "06:00–22:00", junk} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
