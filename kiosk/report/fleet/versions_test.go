package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestLoadReadsFirstVersion: a site's own credentials overwrite one of its
// batches (leaving out If-None-Match) with inflated numbers; the
// department still reads the batch as first written. A batch the
// department deleted is not read.
func TestLoadReadsFirstVersion(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	p, err := provision.New(provision.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := p.Provision(ctx, "site-1")
	if err != nil {
		t.Fatal(err)
	}
	site, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey,
		Bucket: "kiosk", Prefix: "ag", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	dept, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	batch := func(first uint64, at time.Time, plays int) (string, []byte) {
		b := &report.Batch{Site: "site-1", Spool: "aa", First: first, Last: first + uint64(plays), Since: day,
			Heartbeats: []report.Heartbeat{{Time: at, Interval: time.Minute, State: report.Content}}}
		for i := range plays {
			b.Plays = append(b.Plays, report.Play{Item: "welcome", Lang: "vi", Start: at.Add(time.Duration(i) * time.Second), Dur: time.Second})
		}
		var buf bytes.Buffer
		if err := b.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		return b.Key(buf.Bytes()), buf.Bytes()
	}
	key, data := batch(1, day.Add(8*time.Hour), 3)
	if err := site.PutNew(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	_, forged := batch(1, day.Add(8*time.Hour), 500)
	if err := site.Put(ctx, key, bytes.NewReader(forged), int64(len(forged))); err != nil {
		t.Fatalf("overwrite with the site's credentials: %v (S3 allows it; versioning keeps the first)", err)
	}
	if err := site.Delete(ctx, key); err == nil {
		t.Fatal("the site deleted its batch")
	}
	gone, goneData := batch(10, day.Add(9*time.Hour), 7)
	if err := site.PutNew(ctx, gone, bytes.NewReader(goneData), int64(len(goneData))); err != nil {
		t.Fatal(err)
	}
	if err := dept.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}

	d, err := fleet.Load(ctx, dept, "site-1", report.Schedule{Loc: time.UTC}, day, day, day.Add(48*time.Hour),
		func(key string, err error) { t.Errorf("warned: %s: %v", key, err) })
	if err != nil {
		t.Fatal(err)
	}
	if tot := d.Plays.Totals(); len(tot) != 1 || tot[0].Plays != 3 {
		t.Errorf("plays %+v, want the 3 of the batch as first written", tot)
	}
	if d.Batches != 1 || len(d.Beats) != 1 {
		t.Errorf("%d batches, %d beats; want the one batch not deleted", d.Batches, len(d.Beats))
	}
}

// TestLoadSiteLimits: batches that would take a site past its heartbeats
// for the period are refused and named; the rest count.
func TestLoadSiteLimits(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	// Two days read (with margins, 54 h): at most 2*54h/5s = 77,760
	// heartbeats. Four batches of 30,000, one a second, all in the day.
	for i := range 4 {
		b := &report.Batch{Site: "s1", Spool: "aa", First: uint64(1 + i*30_000), Since: day}
		for j := range 30_000 {
			b.Heartbeats = append(b.Heartbeats, report.Heartbeat{Time: day.Add(time.Duration(i*30_000+j) * 500 * time.Millisecond),
				Interval: time.Minute, State: report.Content})
		}
		var buf bytes.Buffer
		if err := b.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		put(t, st, b.Key(buf.Bytes()), buf.Bytes())
	}
	var warned []string
	d, err := fleet.Load(ctx, st, "s1", report.Schedule{Loc: time.UTC}, day, day.Add(24*time.Hour), day.Add(72*time.Hour),
		func(key string, err error) {
			if !errors.Is(err, fleet.ErrSiteLimit) || !strings.Contains(err.Error(), "site s1") || !strings.Contains(err.Error(), key) {
				t.Errorf("warning %s: %v; want ErrSiteLimit naming the site and the batch", key, err)
			}
			warned = append(warned, key)
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 2 || d.Batches != 2 || d.Skipped != 2 || len(d.Beats) != 60_000 {
		t.Errorf("%d warnings, %d batches read, %d skipped, %d beats; want two refused, two read", len(warned), d.Batches, d.Skipped, len(d.Beats))
	}
}
