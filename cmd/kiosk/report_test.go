package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// TestReportsWhatItShows runs the real player as a site provisioned with
// its own MinIO user: its heartbeats come from the drawing loop, its plays
// name the demo's items and languages, and both reach the store, the
// status at once and the batches at the latest when the player stops.
func TestReportsWhatItShows(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	ctx := context.Background()
	d := publishtest.New(t)
	const id = "an-giang-tinh-bien"
	prov, err := provision.New(provision.Config{Endpoint: d.Server.Endpoint, AccessKey: d.Server.AccessKey,
		SecretKey: d.Server.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := prov.Provision(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	bundle := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, bundle, func(m map[string]any) {
		contenttest.SetSlideDurations(m, "1s")
	})
	if _, err := content.IndexDir(bundle); err != nil {
		t.Fatal(err)
	}
	d.Release(t, bundle, layout.Targeting{})

	cfg := writeSyncedSite(t, d, creds.AccessKey, creds.SecretKey, "reports: {interval: 5s, upload: 1s}\n")

	cmd, log := startKiosk(t, cfg)
	log.waitFor(t, "first content slide", 1)
	// Two heartbeats showing content: the status says so.
	var st report.Status
	deadline := time.Now().Add(30 * time.Second)
	for st.Heartbeat.State != report.Content || st.Heartbeat.Time.Sub(st.Heartbeat.Since) < 5*time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("no content heartbeat in the status; last %+v\n%s", st, log.String())
		}
		time.Sleep(200 * time.Millisecond)
		if rc, err := d.Store.Get(ctx, report.StatusKey(id)); err == nil {
			json.NewDecoder(rc).Decode(&st)
			rc.Close()
		}
	}
	if !strings.HasPrefix(st.Heartbeat.Bundle, "demo") || st.Heartbeat.Item == "" || st.Heartbeat.RSS == 0 || st.Heartbeat.FreeDisk == 0 {
		t.Errorf("status heartbeat %+v", st.Heartbeat)
	}
	if st.Heartbeat.Sync.Release == "" || st.Heartbeat.Sync.Error != "" {
		t.Errorf("status sync %+v", st.Heartbeat.Sync)
	}

	started := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kiosk exit: %v\n%s", err, log.String())
	}
	t.Logf("stopped in %v", time.Since(started).Round(time.Millisecond))

	var warned []string
	data, err := fleet.Load(ctx, d.Store, id, report.Schedule{Loc: time.Local}, time.Now(), time.Now(), time.Now(),
		func(key string, err error) { warned = append(warned, err.Error()) })
	if err != nil || len(warned) > 0 {
		t.Fatalf("load: %v %v", err, warned)
	}
	if len(data.Beats) < 2 {
		t.Errorf("%d heartbeats arrived, want 2 or more", len(data.Beats))
	}
	langs := map[string]int{}
	for _, p := range data.Plays.Totals() {
		langs[p.Lang] += p.Plays
	}
	if langs["vi"] == 0 || langs["km"] == 0 {
		t.Errorf("plays per language %v, want vi and km", langs)
	}
	if strings.Contains(log.String(), "report upload failing") {
		t.Errorf("uploads failed:\n%s", log.String())
	}
}
