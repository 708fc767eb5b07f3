//go:build unix

package main

import (
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// BenchmarkPlayerUpdate measures, against a real MinIO on loopback, a
// synced site under `kiosk supervise` with its default restart waits: the
// time from the start of a player release (approvals, the program's
// upload, publication) to the new build's first content frame at the site,
// for three builds in turn; and the time from the release of a build that
// exits at start to the previous build's first content frame again, three
// times. Run with -benchtime=1x.
func BenchmarkPlayerUpdate(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Fatal("DISPLAY is not set: run under Xvfb (make bench)")
	}
	bins := b.TempDir()
	good := []string{"1.1.0", "1.1.1", "1.1.2"}
	progs := map[string]string{"1.0.0": buildKiosk(b, bins, "1.0.0")}
	for _, v := range good {
		progs[v] = buildKiosk(b, bins, v)
	}
	crash := buildCrasher(b, b.TempDir(), 3)
	info, err := os.Stat(progs["1.1.0"])
	if err != nil {
		b.Fatal(err)
	}

	d := publishtest.New(b)
	d.Release(b, contenttest.CopyDemo(b), layout.Targeting{})
	site := startUpdateSite(b, d, progs["1.0.0"], 0)
	site.waitLog(b, `first content slide`, 1, 2*time.Minute)

	b.ResetTimer()
	var install, rollback []float64
	for _, v := range good {
		began := time.Now()
		releasePlayer(b, d, progs[v], v, "editor", "leader")
		site.waitLog(b, `its trial is over[^\n]*version=`+regexp.QuoteMeta(v), 1, 3*time.Minute)
		install = append(install, time.Since(began).Seconds())
		b.Logf("round: %s released and on screen at the site in %.1f s", v, install[len(install)-1])
	}
	shown := site.count(`first content slide`)
	for i, v := range []string{"1.2.0", "1.2.1", "1.2.2"} {
		began := time.Now()
		releasePlayer(b, d, crash, v, "editor", "leader")
		site.waitLog(b, `new player build failed; going back[^\n]*version=`+regexp.QuoteMeta(v), 1, 3*time.Minute)
		site.waitLog(b, `first content slide`, shown+1+i, 3*time.Minute)
		rollback = append(rollback, time.Since(began).Seconds())
		b.Logf("round: %s (exits at start) released, given up, and the previous build on screen again in %.1f s", v, rollback[len(rollback)-1])
	}
	b.StopTimer()
	if hb := waitStatus(b, d, time.Minute, func(hb report.Heartbeat) bool { return hb.Update != nil && hb.Update.Version == "1.2.2" }); hb.Player != good[len(good)-1] {
		b.Fatalf("the site runs %q, want %s", hb.Player, good[len(good)-1])
	}
	b.ReportMetric(median(install), "install-median-s")
	b.ReportMetric(slices.Max(install), "install-max-s")
	b.ReportMetric(median(rollback), "rollback-median-s")
	b.ReportMetric(slices.Max(rollback), "rollback-max-s")
	b.ReportMetric(float64(info.Size())/1e6, "program-MB")
}
