package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/sync/s3store"
)

func newStore(t *testing.T) *s3store.Store {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func put(t *testing.T, st *s3store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func TestStatuses(t *testing.T) {
	st := newStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for site, age := range map[string]time.Duration{"a-fresh": 30 * time.Second, "b-late": 140 * time.Second, "c-gone": 151 * time.Second} {
		body, _ := json.Marshal(report.Status{Site: site, Heartbeat: report.Heartbeat{Time: now.Add(-age), Interval: time.Minute, State: report.Content}})
		put(t, st, report.StatusKey(site), body)
	}
	put(t, st, report.StatusKey("d-broken"), []byte("{not json"))
	put(t, st, report.BatchPrefix("e-never")+"x.krb", []byte("x")) // batches but no status yet

	got, err := fleet.Statuses(context.Background(), st, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		site   string
		online bool
		err    string
	}{{"a-fresh", true, ""}, {"b-late", true, ""}, {"c-gone", false, ""}, {"d-broken", false, "status.json"}, {"e-never", false, "not exist"}}
	if len(got) != len(want) {
		t.Fatalf("%d sites, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Site != w.site || g.Online != w.online || (w.err == "") != (g.Err == nil) || (g.Err != nil && !strings.Contains(g.Err.Error(), w.err)) {
			t.Errorf("row %d: %s online=%v err=%v, want %s online=%v err~%q", i, g.Site, g.Online, g.Err, w.site, w.online, w.err)
		}
	}
}

func TestLoadSkipsDamagedBatches(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	batch := func(first uint64, at time.Time, n int) *report.Batch {
		b := &report.Batch{Site: "s1", Spool: "aa", First: first, Last: first + uint64(n) - 1, Since: day}
		for i := range n {
			b.Heartbeats = append(b.Heartbeats, report.Heartbeat{Time: at.Add(time.Duration(i) * time.Minute), Interval: time.Minute, State: report.Content})
		}
		b.Plays = []report.Play{{Item: "x", Lang: "vi", Start: at, Dur: time.Second}}
		return b
	}
	var keys []string
	for i, b := range []*report.Batch{batch(1, day.Add(time.Hour), 60), batch(61, day.Add(2*time.Hour), 60), batch(121, day.Add(30*time.Hour), 60),
		batch(181, day.Add(-30*24*time.Hour), 60)} { // a month before: not read
		var buf bytes.Buffer
		if err := b.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		key := b.Key(data)
		if i == 1 {
			data = data[:len(data)/3] // cut short
		}
		put(t, st, key, data)
		keys = append(keys, key)
	}
	var warned []string
	d, err := fleet.Load(ctx, st, "s1", report.Schedule{Loc: time.UTC}, day, day.Add(24*time.Hour), day.Add(48*time.Hour),
		func(key string, err error) { warned = append(warned, key+": "+err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], keys[1]) || !strings.Contains(warned[0], "corrupt report batch") {
		t.Errorf("warnings %q, want one naming %s", warned, keys[1])
	}
	if len(d.Beats) != 120 || d.Batches != 2 || d.Skipped != 1 || !d.Since.Equal(day) {
		t.Errorf("%d beats from %d batches (%d skipped), since %v", len(d.Beats), d.Batches, d.Skipped, d.Since)
	}
	if tot := d.Plays.Totals(); len(tot) != 1 || tot[0].Plays != 2 {
		t.Errorf("plays %+v", tot)
	}
}

// TestLoadSinceAndLargeTables: Since comes from the site's oldest batch,
// even one long before the period (a replaced spool does not make the site
// look new); batches with large string tables are summed safely, in
// parallel.
func TestLoadSinceAndLargeTables(t *testing.T) {
	st := newStore(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	installed := day.AddDate(-1, 0, 0)
	put1 := func(b *report.Batch) {
		var buf bytes.Buffer
		if err := b.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		put(t, st, b.Key(buf.Bytes()), buf.Bytes())
	}
	// The first spool, a year ago.
	put1(&report.Batch{Site: "s1", Spool: "old", First: 1, Last: 1, Since: installed,
		Heartbeats: []report.Heartbeat{{Time: installed, Interval: time.Minute, State: report.Content}}})
	// A new spool this month, and 40 batches with 300 items each.
	for i := range 40 {
		b := &report.Batch{Site: "s1", Spool: "new", First: uint64(1 + i*1000), Since: day}
		at := day.Add(time.Duration(i) * 30 * time.Minute)
		for j := range 300 {
			b.Plays = append(b.Plays, report.Play{Item: fmt.Sprintf("item-%03d", j), Lang: "vi", Start: at.Add(time.Duration(j) * time.Second), Dur: time.Second})
		}
		b.Heartbeats = []report.Heartbeat{{Time: at, Interval: time.Minute, State: report.Content}}
		put1(b)
	}
	d, err := fleet.Load(context.Background(), st, "s1", report.Schedule{Loc: time.UTC}, day, day, day.Add(48*time.Hour),
		func(key string, err error) { t.Errorf("warned: %s: %v", key, err) })
	if err != nil {
		t.Fatal(err)
	}
	if !d.Since.Equal(installed) {
		t.Errorf("since %v, want the first spool's %v", d.Since, installed)
	}
	tot := d.Plays.Totals()
	if len(tot) != 300 || tot[0].Plays != 40 {
		t.Errorf("%d play totals, first %+v", len(tot), tot[0])
	}
	if len(d.Beats) != 40 {
		t.Errorf("%d beats", len(d.Beats))
	}
}

// TestLoadGuides sums the uses of a site's batches into guide tallies:
// across batches, per guide and language, only those in the period, and
// with a language chosen on Home not taken for a guide.
func TestLoadGuides(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	batch := func(first uint64, at time.Time, uses ...report.Use) {
		t.Helper()
		b := &report.Batch{Site: "s1", Spool: "aa", First: first, Last: first + uint64(len(uses)), Since: day,
			Heartbeats: []report.Heartbeat{{Time: at, Interval: time.Minute, State: report.Content}}}
		for i, u := range uses {
			u.Time = at.Add(time.Duration(i) * time.Second)
			b.Uses = append(b.Uses, u)
		}
		var buf bytes.Buffer
		if err := b.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		put(t, st, b.Key(buf.Bytes()), buf.Bytes())
	}
	opened := func(g, l string) report.Use { return report.Use{Event: report.UseOpened, Guide: g, Lang: l} }
	ended := func(ev, g, l string, step int) report.Use {
		return report.Use{Event: ev, Guide: g, Lang: l, Step: step}
	}
	batch(1, day.Add(9*time.Hour),
		report.Use{Event: report.UseLanguage, Lang: "km"},
		opened("khai-sinh", "km"), report.Use{Event: report.UseNarration, Guide: "khai-sinh", Lang: "km", Step: 1},
		ended(report.UseFinished, "khai-sinh", "km", 6),
		opened("khai-sinh", "vi"), ended(report.UseIdle, "khai-sinh", "vi", 2))
	batch(10, day.Add(15*time.Hour),
		opened("khai-sinh", "km"), ended(report.UseLeft, "khai-sinh", "km", 2),
		opened("khai-sinh", "km"), ended(report.UseLeft, "khai-sinh", "km", 1))
	// The next day, after the period: read for its heartbeats' margin,
	// its uses not counted.
	batch(20, day.Add(26*time.Hour), opened("khai-sinh", "km"), ended(report.UseFinished, "khai-sinh", "km", 6))

	d, err := fleet.Load(ctx, st, "s1", report.Schedule{Loc: time.UTC}, day, day, day.Add(72*time.Hour),
		func(key string, err error) { t.Errorf("warned %s: %v", key, err) })
	if err != nil {
		t.Fatal(err)
	}
	got := d.GuideTallies()
	if len(got) != 2 {
		t.Fatalf("tallies %+v, want khai-sinh in km and vi", got)
	}
	km, vi := got[0], got[1]
	if km.Guide != "khai-sinh" || km.Lang != "km" || km.Opened != 3 || km.Finished != 1 || km.Left != 2 || km.Idle != 0 ||
		km.Narrations != 1 || km.Reached != (report.StepCounts{1: 1, 2: 1, 6: 1}) {
		t.Errorf("khai-sinh km: %+v", km)
	}
	if m, ok := km.MedianReached(); !ok || m != 2 {
		t.Errorf("khai-sinh km: median %d %v, want 2", m, ok)
	}
	if vi.Lang != "vi" || vi.Opened != 1 || vi.Idle != 1 || vi.Reached[2] != 1 {
		t.Errorf("khai-sinh vi: %+v", vi)
	}
}
