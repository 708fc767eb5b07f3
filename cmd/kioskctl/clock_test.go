package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestStatusFlagsClockSkew: kioskctl status names the clock of a site
// whose heartbeat says it is more than two minutes off the store's, and
// only then.
func TestStatusFlagsClockSkew(t *testing.T) {
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
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		site string
		skew time.Duration
		want string // in the site's row; "" wants no clock there
	}{
		{"an-giang-tinh-bien", 3*time.Hour + 2*time.Minute + 10*time.Second, "clock 3h02m ahead"},
		{"an-giang-vinh-xuong", 30 * time.Second, ""},
		{"an-giang-khanh-binh", -2 * time.Minute, ""},
		{"an-giang-le-tri", -(9*time.Minute + 5*time.Second), "clock 9m05s behind"},
		{"an-giang-nhon-hoi", -26 * 365 * 24 * time.Hour, "clock 25 years behind"},
	}
	for _, c := range cases {
		s := report.Status{Site: c.site, Heartbeat: report.Heartbeat{Time: now.Add(-time.Minute), Interval: time.Minute,
			State: report.Content, Bundle: "border@7", ClockSkew: c.skew}}
		body, _ := json.Marshal(s)
		if err := st.Put(ctx, report.StatusKey(c.site), bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339)}, &out, &errOut); err != nil {
		t.Fatalf("kioskctl status: %v\n%s", err, errOut.String())
	}
	rows := map[string]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = strings.Join(f, " ")
		}
	}
	for _, c := range cases {
		row, ok := rows[c.site]
		switch {
		case !ok:
			t.Errorf("no row for %s:\n%s", c.site, out.String())
		case c.want == "" && strings.Contains(row, "clock"):
			t.Errorf("%s, %v off, flagged: %q", c.site, c.skew, row)
		case c.want != "" && !strings.HasSuffix(row, " "+c.want):
			t.Errorf("%s row %q, want it to end in %q", c.site, row, c.want)
		}
	}
}
