package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/layout"
)

// openSiteWithClock opens a site from its config, as the kiosk does, on a
// clock that is ahead of the real one by ahead, starts it, and waits for
// its first sync to end.
func openSiteWithClock(t *testing.T, ctx context.Context, d *department, id string, ahead time.Duration) (*agent.Site, func() time.Time) {
	t.Helper()
	clock := func() time.Time { return time.Now().Add(ahead) }
	site, err := agent.OpenWith(siteConfig(t, d, id, d.Server.Endpoint, ""), quiet(), agent.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); site.Run(ctx, "") }()
	t.Cleanup(func() { <-done; site.Close() })
	waitFor(t, "the first sync", func() bool { return !site.Health().Sync.Time.IsZero() })
	return site, clock
}

// waitFor waits up to 30 s for cond, checking every 20 ms.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no %s within 30 s", what)
		}
	}
}

// TestHeartbeatReportsClockSkew: a site whose clock is 3 hours ahead
// (the injected clock) syncs from a real MinIO and says so in the status
// its heartbeat writes to the store, through the real recorder, spool and
// uploader; a site on the right clock says about 0.
func TestHeartbeatReportsClockSkew(t *testing.T) {
	d := newDepartment(t)
	d.Release(t, bundleWithFiles(t, 1, 1_000, 1), layout.Targeting{})
	for _, tc := range []struct {
		name  string
		site  string
		ahead time.Duration
	}{
		{"3 h ahead", "an-giang-tinh-bien", 3 * time.Hour},
		{"right", "an-giang-vinh-xuong", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			site, clock := openSiteWithClock(t, ctx, d, tc.site, tc.ahead)
			waitVersion(t, site.Cache, 1)
			rec := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Started: clock(), Health: site.Health})
			go rec.Run(ctx, site.Record)
			rec.Frame(clock())

			var st report.Status
			waitFor(t, "status in the store", func() bool {
				r, err := d.Store.Get(ctx, report.StatusKey(tc.site))
				if errors.Is(err, fs.ErrNotExist) {
					return false
				}
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				body, err := io.ReadAll(io.LimitReader(r, 1<<20))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(body, &st); err != nil {
					t.Fatalf("status.json: %v", err)
				}
				return true
			})
			got := st.Heartbeat.ClockSkew
			t.Logf("site %v ahead: heartbeat clock_skew %v", tc.ahead, got)
			if got < tc.ahead-2*time.Second || got > tc.ahead+2*time.Second {
				t.Errorf("heartbeat clock skew %v, want %v within 2 s", got, tc.ahead)
			}
			if got%time.Second != 0 {
				t.Errorf("clock skew %v reported below the Date header's one-second resolution", got)
			}
			if d := st.Heartbeat.Time.Sub(time.Now()); d < tc.ahead-time.Minute || d > tc.ahead+time.Minute {
				t.Errorf("heartbeat time %v is not by the site's clock", st.Heartbeat.Time)
			}
		})
	}
}

// TestExpiryRefusalNamesTheClock: a site whose clock is two days ahead
// refuses the day-long timestamp as expired, and says its clock is the
// likely cause, in its sync status and in the event the department gets;
// a site on the right clock refusing a truly expired timestamp (signed
// two days ago) reports a frozen feed and does not blame its clock.
func TestExpiryRefusalNamesTheClock(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name         string
		ahead        time.Duration // the site's clock
		signedBefore time.Duration // the department's, when it published
		kind         string        // of the event reported
		want         string        // in the sync error
		clock        bool          // the error names the site's clock
	}{
		{"site 2 days ahead", 2 * day, 0, "clock", "by this site's clock, which is 2 days ahead of the store's; check the site's clock", true},
		{"truly expired", 0, 2 * day, "frozen", "which agrees with the store's", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d := newDepartment(t)
			d.Now = time.Now().Add(-tc.signedBefore)
			d.Release(t, bundleWithFiles(t, 1, 1_000, 1), layout.Targeting{})
			id := "an-giang-khanh-binh"
			site, _ := openSiteWithClock(t, ctx, d, id, tc.ahead)
			h := site.Health()
			t.Logf("sync error: %s", h.Sync.Error)
			if !strings.Contains(h.Sync.Error, "timestamp.json expired") || !strings.Contains(h.Sync.Error, tc.want) {
				t.Errorf("sync error %q, want it to say %q", h.Sync.Error, tc.want)
			}
			if named := strings.Contains(h.Sync.Error, "check the site's clock"); named != tc.clock {
				t.Errorf("sync error names the clock: %v, want %v", named, tc.clock)
			}
			if h.ClockSkew < tc.ahead-2*time.Second || h.ClockSkew > tc.ahead+2*time.Second {
				t.Errorf("health clock skew %v, want %v", h.ClockSkew, tc.ahead)
			}
			if site.Cache.Current() != nil {
				t.Error("an expired publication was activated")
			}
			var events []string
			waitFor(t, "refusal event", func() bool {
				keys, err := d.Store.List(ctx, "reports/"+id+"/events/")
				if err != nil {
					t.Fatal(err)
				}
				events = keys
				return len(keys) > 0
			})
			if len(events) != 1 || !strings.HasSuffix(events[0], "-"+tc.kind+".json") {
				t.Errorf("events %v, want one %q", events, tc.kind)
			}
		})
	}
}
