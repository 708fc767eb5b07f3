package spool

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
)

// BenchmarkAppendHeartbeat: what one heartbeat costs the site: a full
// heartbeat record appended and fsync'd in its own transaction, as the
// player's recorder does once a minute. Reports the spool's bytes per
// heartbeat, logical (counted against the limit) and on disk.
func BenchmarkAppendHeartbeat(b *testing.B) {
	path := filepath.Join(b.TempDir(), "reports.db")
	s, err := Open(path, Options{Site: "an-giang-tinh-bien", Limit: 1 << 30, MaxBatch: 1 << 30,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	hb := report.Heartbeat{Interval: time.Minute, State: report.Content, Bundle: "an-giang-border-2026-11@12",
		Item: "customs-declaration", Lang: "km", Uptime: 36 * time.Hour, FreeDisk: 20 << 30, RSS: 180 << 20,
		Sync: report.SyncResult{Time: t0, Release: "an-giang-border-2026-11-1f2e3d4c5b6a7988"}, Since: t0}
	n := 0
	for b.Loop() {
		hb.Time = t0.Add(time.Duration(n) * time.Second) // one UTC day holds them all
		n++
		if err := s.Append(report.Record{Heartbeat: &hb}); err != nil {
			b.Fatal(err)
		}
	}
	logical := s.counter(keyBytes)
	st, _ := os.Stat(path)
	b.ReportMetric(float64(logical)/float64(n), "spool-B/heartbeat")
	b.ReportMetric(float64(st.Size())/float64(n), "file-B/heartbeat")
}
