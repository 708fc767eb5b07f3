package upload_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/spool"
	"github.com/vnict/kiosk/kiosk/report/upload"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestCleanStop stops a site with records in its open batch: the uploader
// sends them, then writes a status saying the site stopped, when, with the
// backlog left after that last upload (none), and the fleet table shows
// the site stopped rather than offline.
func TestCleanStop(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	store, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "kiosk", Prefix: "an-giang", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, hcm)
	clock := func() time.Time { return now }
	sp, err := spool.Open(filepath.Join(t.TempDir(), "reports.db"), spool.Options{Site: site, Limit: 1 << 20, Now: clock, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var last report.Heartbeat
	for i := range 10 {
		last = report.Heartbeat{Time: now.Add(time.Duration(i-10) * time.Minute).UTC(), Interval: time.Minute, State: report.Content, Bundle: "border@3"}
		if err := sp.Append(report.Record{Heartbeat: &last},
			report.Record{Play: &report.Play{Item: "welcome", Lang: "vi", Start: last.Time, Dur: time.Minute}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := sp.Backlog(); n != 20 {
		t.Fatalf("backlog %d before the stop, want 20", n)
	}
	up := &upload.Uploader{Store: store, Spool: sp, Site: site, Every: time.Hour, Now: clock, Log: log, Timeout: 5 * time.Second}
	beats := make(chan report.Heartbeat, 1)
	beats <- last // handed over as the site stops, maybe not yet taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	up.Run(ctx, beats)

	rows, err := fleet.Statuses(context.Background(), store, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("fleet table %+v", rows)
	}
	got := rows[0]
	if !got.Stopped || got.Online {
		t.Errorf("stopped %v, online %v; want a stopped site", got.Stopped, got.Online)
	}
	if !got.Status.Stopped.Equal(now) {
		t.Errorf("stopped at %v, want %v", got.Status.Stopped, now)
	}
	if got.Status.Backlog != 0 || sp.Backlog() != 0 {
		t.Errorf("backlog %d in the status, %d in the spool; want 0 after the last upload", got.Status.Backlog, sp.Backlog())
	}
	if !got.Status.Heartbeat.Time.Equal(last.Time) || got.Status.Heartbeat.Bundle != "border@3" {
		t.Errorf("last heartbeat %+v, want %+v", got.Status.Heartbeat, last)
	}

	// The site starts again: its next heartbeat clears the stop.
	now = now.Add(time.Hour)
	hb := report.Heartbeat{Time: now.UTC(), Interval: time.Minute, State: report.Content}
	if err := up.Status(context.Background(), hb); err != nil {
		t.Fatal(err)
	}
	rows, err = fleet.Statuses(context.Background(), store, now)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Stopped || !rows[0].Online {
		t.Errorf("after a restart: stopped %v, online %v; want online", rows[0].Stopped, rows[0].Online)
	}
}
