package upload_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
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
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/sync/s3store"
)

const site = "an-giang-tinh-bien"

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// counting is the site's sink: the spool, and a tally of what was handed
// to it, which must all arrive.
type counting struct {
	sp                *spool.Spool
	heartbeats, plays int
	t                 *testing.T
}

func (c *counting) sink(recs []report.Record) {
	if err := c.sp.Append(recs...); err != nil {
		c.t.Errorf("append: %v", err)
		return
	}
	for _, r := range recs {
		if r.Heartbeat != nil {
			c.heartbeats++
		} else {
			c.plays++
		}
	}
}

// process is one run of the site's reporting: a recorder feeding a spool.
type process struct {
	rec    *report.Recorder
	cancel context.CancelFunc
	done   chan struct{}
}

func start(sink func([]report.Record), interval time.Duration, started time.Time) *process {
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{cancel: cancel, done: make(chan struct{})}
	p.rec = report.NewRecorder(report.RecorderOptions{Interval: interval, Schedule: report.Schedule{Loc: hcm},
		Started: started, Buffer: 100_000})
	go func() { defer close(p.done); p.rec.Run(ctx, sink) }()
	return p
}

func (p *process) stop() { p.cancel(); <-p.done }

// TestOutage runs a site for six hours of its own clock: the store goes
// away for three of them, the player crashes and comes back half an hour
// later (a restart, with the spool reopened), and one upload's answer is
// lost. Every heartbeat and play arrives exactly once, and the report
// shows the player's half hour down, not the store's three hours.
func TestOutage(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	store, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "kiosk", Prefix: "an-giang", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	path := filepath.Join(t.TempDir(), "reports.db")
	t0 := time.Date(2026, 3, 2, 5, 0, 0, 0, hcm) // 22:00 UTC: the UTC day changes at 07:00
	now := t0
	clock := func() time.Time { return now }
	openSpool := func() *spool.Spool {
		sp, err := spool.Open(path, spool.Options{Site: site, Limit: 64 << 20, Now: clock, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	c := &counting{sp: openSpool(), t: t}
	up := &upload.Uploader{Store: store, Spool: c.sp, Site: site, Now: clock, Log: log, Timeout: 5 * time.Second}
	proc := start(c.sink, time.Minute, now)

	var (
		storeDown   = [2]time.Time{t0.Add(time.Hour), t0.Add(4 * time.Hour)}         // 06:00–09:00
		playerDown  = [2]time.Time{t0.Add(270 * time.Minute), t0.Add(5 * time.Hour)} // 09:30–10:00
		end         = t0.Add(6 * time.Hour)
		failedTries int
		slide       int
		items       = []string{"welcome", "customs", "health"}
		langs       = []string{"vi", "km", "en"}
	)
	ctx := context.Background()
	for ; now.Before(end); now = now.Add(10 * time.Second) {
		switch {
		case now.Equal(storeDown[0]):
			srv.Stop()
		case now.Equal(storeDown[1]):
			srv.Restart(t)
		case now.Equal(playerDown[0]):
			// The player crashes: nothing more from this process.
			proc.stop()
			if err := c.sp.Close(); err != nil {
				t.Fatal(err)
			}
		case now.Equal(playerDown[1]):
			// It is restarted: a new process, the same spool file.
			c.sp = openSpool()
			up.Spool = c.sp
			proc = start(c.sink, time.Minute, now)
		}
		if !now.Before(playerDown[0]) && now.Before(playerDown[1]) {
			continue
		}
		// As the player does: the slide changes, then the frame.
		proc.rec.Shown(now, report.Showing{Bundle: "border@3", Item: items[slide%3], Langs: []string{langs[slide/3%3]}})
		proc.rec.Frame(now)
		slide++
		if now.Sub(t0)%(5*time.Minute) == 0 {
			_, err := up.Once(ctx)
			down := !now.Before(storeDown[0]) && now.Before(storeDown[1])
			if down && err != nil {
				// The batch stays until the store confirms it.
				if p, _ := c.sp.Pending(1); len(p) == 0 {
					t.Errorf("%v: a failed upload left no batch in the spool", now)
				}
				failedTries++
			} else if down {
				if p, _ := c.sp.Pending(1); len(p) > 0 {
					t.Errorf("%v: upload with the store down reported no error", now)
				}
			} else if err != nil {
				t.Errorf("%v: upload failed with the store up: %v", now, err)
			}
		}
	}
	proc.stop()
	if failedTries == 0 {
		t.Fatal("no upload was tried while the store was down")
	}
	if err := c.sp.Seal(); err != nil {
		t.Fatal(err)
	}
	// An upload whose answer was lost: the object is there, the spool
	// still has the batch.
	pending, err := c.sp.Pending(1)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending: %v, %v", pending, err)
	}
	if err := store.PutNew(ctx, pending[0].Key, bytes.NewReader(pending[0].Data), int64(len(pending[0].Data))); err != nil {
		t.Fatal(err)
	}
	if err := store.PutNew(ctx, pending[0].Key, bytes.NewReader(pending[0].Data), int64(len(pending[0].Data))); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second conditional put: %v, want fs.ErrExist", err)
	}
	if _, err := up.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if n := c.sp.Backlog(); n != 0 {
		t.Errorf("backlog %d after the last upload, want 0", n)
	}
	if err := c.sp.Close(); err != nil {
		t.Fatal(err)
	}

	var warned []string
	data, err := fleet.Load(ctx, store, site, report.Schedule{Loc: hcm}, t0, t0, end, func(key string, err error) {
		warned = append(warned, key+": "+err.Error())
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) > 0 {
		t.Errorf("warnings: %v", warned)
	}
	if len(data.Beats) != c.heartbeats {
		t.Errorf("%d heartbeats arrived, %d were recorded", len(data.Beats), c.heartbeats)
	}
	seen := map[int64]bool{}
	for _, b := range data.Beats {
		if seen[b.At] {
			t.Errorf("heartbeat at %v arrived twice", time.UnixMilli(b.At))
		}
		seen[b.At] = true
	}
	plays := 0
	for _, p := range data.Plays.Totals() {
		plays += p.Plays
	}
	if plays != c.plays {
		t.Errorf("%d plays arrived, %d were recorded", plays, c.plays)
	}
	if c.heartbeats != 330 {
		t.Errorf("%d heartbeats recorded, want 330 (six hours less half an hour)", c.heartbeats)
	}

	got := uptime.Compute(uptime.Input{Site: site, Schedule: report.Schedule{Loc: hcm}, Beats: data.Beats,
		Plays: data.Plays, Since: data.Since}, t0, t0, end)
	if got.Total.Scheduled != 6*time.Hour || got.Total.Showing != 5*time.Hour+30*time.Minute {
		t.Errorf("showing %v of %v, want 5h30m of 6h", got.Total.Showing, got.Total.Scheduled)
	}
	want := uptime.Outage{Start: playerDown[0], End: playerDown[1], Cause: uptime.CauseNoHeartbeat}
	if len(got.Outages) != 1 || !got.Outages[0].Start.Equal(want.Start) || !got.Outages[0].End.Equal(want.End) || got.Outages[0].Cause != want.Cause {
		t.Errorf("outages %v, want only %v", got.Outages, want)
	}
}
