package upload_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/versitygwtest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/spool"
	"github.com/vnict/kiosk/kiosk/report/upload"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestUploadOnVersitygw sends a site's reports to versitygw, an S3 server
// that is not MinIO: batches over three UTC days, each written once with
// a conditional PUT; one written while the store is down stays in the
// spool until it is back; one whose answer was lost (already in the
// store) leaves the spool without being counted twice; the status is
// overwritten at each heartbeat and says when the site stopped. The
// department reads it all back as the fleet table and the site's data.
func TestUploadOnVersitygw(t *testing.T) {
	srv := versitygwtest.Start(t)
	srv.MakeBucket(t, "kiosk")
	store, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "kiosk", Prefix: "an-giang", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t0 := time.Date(2026, 3, 2, 5, 0, 0, 0, hcm) // 22:00 UTC
	now := t0
	clock := func() time.Time { return now }
	sp, err := spool.Open(filepath.Join(t.TempDir(), "reports.db"), spool.Options{Site: site, Limit: 16 << 20, Now: clock, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	up := &upload.Uploader{Store: store, Spool: sp, Site: site, Now: clock, Log: log, Timeout: 5 * time.Second}

	// A minute's heartbeat and play, as the recorder hands them over.
	recorded, played := 0, 0
	var last report.Heartbeat
	minute := func() {
		t.Helper()
		last = report.Heartbeat{Time: now.UTC(), Interval: time.Minute, State: report.Content, Bundle: "border@3"}
		if err := sp.Append(report.Record{Heartbeat: &last},
			report.Record{Play: &report.Play{Item: "customs", Lang: "km", Start: now.UTC(), Dur: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		recorded++
		played++
		now = now.Add(time.Minute)
	}
	once := func(what string) int {
		t.Helper()
		n, err := up.Once(ctx)
		if err != nil {
			t.Fatalf("%s: upload: %v", what, err)
		}
		return n
	}

	// Day one (UTC): two hours, sealed at the UTC midnight and sent.
	for range 120 {
		minute()
	}
	if n := once("after the first UTC midnight"); n != 1 {
		t.Errorf("%d batches sent after the first UTC midnight, want 1", n)
	}
	if err := up.Status(ctx, last); err != nil {
		t.Fatalf("status: %v", err)
	}

	// Day two: the store is down at the next midnight; the batch waits.
	for range 24 * 60 {
		minute()
	}
	srv.Stop()
	if _, err := up.Once(ctx); err == nil {
		t.Fatal("upload with the store down reported no error")
	}
	if sp.Backlog() == 0 {
		t.Fatal("a failed upload emptied the spool")
	}
	srv.Restart(t)
	if n := once("after the store came back"); n != 1 {
		t.Errorf("%d batches sent after the store came back, want 1", n)
	}

	// Day three, sealed at a clean stop; the upload's answer is lost, so
	// the batch is in the store and still in the spool.
	for range 90 {
		minute()
	}
	if err := sp.Seal(); err != nil {
		t.Fatal(err)
	}
	pending, err := sp.Pending(8)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending after the seal = %d batches, %v; want 1", len(pending), err)
	}
	if err := store.PutNew(ctx, pending[0].Key, bytes.NewReader(pending[0].Data), int64(len(pending[0].Data))); err != nil {
		t.Fatal(err)
	}
	if n := once("the retry of an upload that arrived"); n != 1 {
		t.Errorf("the retried batch counted %d times as sent, want 1", n)
	}
	if sp.Backlog() != 0 {
		t.Errorf("backlog %d after every batch arrived, want 0", sp.Backlog())
	}
	if err := up.Stopped(ctx, last); err != nil {
		t.Fatalf("stopped status: %v", err)
	}

	keys, err := store.List(ctx, report.BatchPrefix(site))
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]bool{}
	for _, k := range keys {
		day, _, _ := strings.Cut(strings.TrimPrefix(k, report.BatchPrefix(site)), "/")
		days[day] = true
	}
	if len(keys) != 3 || len(days) != 3 {
		t.Errorf("batches in the store: %q; want one for each of three UTC days", keys)
	}

	rows, err := fleet.Statuses(ctx, store, now)
	if err != nil || len(rows) != 1 || rows[0].Err != nil {
		t.Fatalf("fleet table = %+v, %v", rows, err)
	}
	if got := rows[0]; got.Site != site || !got.Stopped || got.Online || !got.Status.Heartbeat.Time.Equal(last.Time) {
		t.Errorf("fleet row = %+v; want %s stopped after the heartbeat at %v", got, site, last.Time)
	}
	data, err := fleet.Load(ctx, store, site, report.Schedule{Loc: hcm}, t0, now, now, func(key string, err error) {
		t.Errorf("batch %s skipped: %v", key, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Beats) != recorded || data.Batches != 3 {
		t.Errorf("%d heartbeats in %d batches arrived; %d were recorded in 3", len(data.Beats), data.Batches, recorded)
	}
	plays := 0
	for _, p := range data.Plays.Totals() {
		plays += p.Plays
	}
	if plays != played {
		t.Errorf("%d plays arrived, %d were recorded", plays, played)
	}
}
