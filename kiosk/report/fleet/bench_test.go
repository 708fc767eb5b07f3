package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/internal/reportgen"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/s3store"
)

// The report benchmarks run whole scenarios against a real MinIO once
// each (-benchtime=1x); `make bench` runs them and writes the figures into
// BENCHMARKS.md. BENCH_REPORT_SITES and BENCH_REPORT_DAYS shrink the
// scenario for a quick look.

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func buildKioskctl(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "kioskctl")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/vnict/kiosk/cmd/kioskctl")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build kioskctl: %v\n%s", err, out)
	}
	return bin
}

func benchStore(b *testing.B) (*miniotest.Server, *s3store.Store) {
	srv := miniotest.Start(b)
	srv.MakeBucket(b, "kiosk")
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		b.Fatal(err)
	}
	return srv, st
}

func kioskctlEnv(srv *miniotest.Server) []string {
	return append(os.Environ(), "KIOSK_S3_ENDPOINT="+srv.Endpoint, "KIOSK_S3_ACCESS_KEY="+srv.AccessKey, "KIOSK_S3_SECRET_KEY="+srv.SecretKey)
}

// BenchmarkReportYear: `kioskctl report` for 100 sites x 365 days of
// 60-second heartbeats and 10-second plays during operating hours (06:00
// to 22:00), one batch per site-day, from a local MinIO. Then the same
// work in phases, in process, to show where the time goes.
func BenchmarkReportYear(b *testing.B) {
	ctx := context.Background()
	sites, days := envInt("BENCH_REPORT_SITES", 100), envInt("BENCH_REPORT_DAYS", 365)
	srv, st := benchStore(b)
	hcm, _ := time.LoadLocation(siteconfig.DefaultTimeZone)
	from := time.Date(2025, 1, 1, 12, 0, 0, 0, hcm)
	to := from.AddDate(0, 0, days-1)
	cfgDir := b.TempDir()
	hours := &siteconfig.Hours{Open: siteconfig.ClockTime(6 * time.Hour), Close: siteconfig.ClockTime(22 * time.Hour)}
	start := time.Now()
	var bytesUp atomic.Int64
	var heartbeats, plays int
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i := range sites {
		id := fmt.Sprintf("site-%03d", i)
		dir := filepath.Join(cfgDir, id)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "kiosk.yaml"), []byte(fmt.Sprintf(`site: {id: %s, name: "Điểm %d"}
display: {resolution: 1536x768}
languages: [vi, km, en, zh]
fonts: [{family: Noto Sans}]
content: {dir: current}
hours: {open: "06:00", close: "22:00"}
`, id, i)), 0o644)
		// Every site is down a few hours on some days.
		var down []report.Span
		for d := i % 7; d < days; d += 17 {
			s := from.AddDate(0, 0, d).Add(time.Duration(i%5) * time.Hour)
			down = append(down, report.Span{Start: s, End: s.Add(90 * time.Minute)})
		}
		gen := reportgen.Site{ID: id, Spool: "b0", Schedule: report.Schedule{Hours: hours, Loc: hcm},
			Items: []string{"welcome", "customs", "health", "weather", "traffic", "dvc"}, Langs: []string{"vi", "km", "en", "zh"},
			Interval: time.Minute, PlayEvery: 10 * time.Second, Down: down}
		if i == 0 {
			for d := range days {
				bt := gen.Day(from.AddDate(0, 0, d), 1)
				heartbeats += len(bt.Heartbeats)
				plays += len(bt.Plays)
			}
		}
		g.Go(func() error {
			n, err := gen.Upload(gctx, st, from, to, 8)
			bytesUp.Add(n)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d sites x %d days = %d batches, %.0f MB, %d heartbeats and %d plays per site, uploaded in %v",
		sites, days, sites*days, float64(bytesUp.Load())/1e6, heartbeats, plays, time.Since(start).Round(time.Second))

	bin := buildKioskctl(b)
	now := to.AddDate(0, 0, 10).Format(time.RFC3339)
	var secs []float64
	var peakRSS []float64
	for round := range 3 {
		out := b.TempDir()
		cmd := exec.Command("/usr/bin/time", "-f", "%M", bin, "report", "--store", "s3://kiosk/ag", "--from", from.Format(time.DateOnly),
			"--to", to.Format(time.DateOnly), "--sites", cfgDir, "--out", out, "--now", now)
		cmd.Env = kioskctlEnv(srv)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("kioskctl report: %v\n%s", err, stderr.String())
		}
		secs = append(secs, time.Since(t0).Seconds())
		lines := strings.Fields(stderr.String())
		kb, _ := strconv.ParseFloat(lines[len(lines)-1], 64)
		peakRSS = append(peakRSS, kb/1024)
		b.Logf("round %d: kioskctl report %.1f s, peak RSS %.0f MB", round, secs[round], kb/1024)
	}
	b.ReportMetric(median(secs), "report-s")
	b.ReportMetric(median(peakRSS), "report-peak-MB")

	// Where the time goes: the same reading in phases.
	sched := report.Schedule{Hours: hours, Loc: hcm}
	var list, fetch, decode, compute time.Duration
	var keys []string
	t0 := time.Now()
	for i := range sites {
		k, err := st.List(ctx, report.BatchPrefix(fmt.Sprintf("site-%03d", i)))
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k...)
	}
	list = time.Since(t0)
	t0 = time.Now()
	blobs := make([][]byte, len(keys))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(fleet.Concurrency)
	for i, k := range keys {
		g.Go(func() error {
			rc, err := st.Get(gctx, k)
			if err != nil {
				return err
			}
			defer rc.Close()
			blobs[i], err = io.ReadAll(rc)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	fetch = time.Since(t0)
	t0 = time.Now()
	var beats []uptime.Beat
	counter := uptime.NewPlayCounter(from.AddDate(0, 0, -1), to.AddDate(0, 0, 1))
	var v counting
	for i, blob := range blobs {
		if i == days { // one site's worth, for the arithmetic below
			beats = v.beats
		}
		if _, err := report.ScanSummary(bytes.NewReader(blob), &v); err != nil {
			b.Fatal(err)
		}
	}
	decode = time.Since(t0)
	b.Logf("decoded %d heartbeats and %d plays", v.heartbeats, v.plays)
	t0 = time.Now()
	uptime.Compute(uptime.Input{Site: "site-000", Schedule: sched, Beats: beats, Plays: counter}, from, to, to.AddDate(0, 0, 10))
	compute = time.Since(t0) * time.Duration(sites)
	b.Logf("phases (in process, one after another): list %v, fetch %v (%d objects), decode %v (one goroutine), arithmetic %v (%d sites, estimated from one)",
		list.Round(time.Millisecond), fetch.Round(time.Millisecond), len(keys), decode.Round(time.Millisecond), compute.Round(time.Millisecond), sites)
	b.ReportMetric(list.Seconds(), "list-s")
	b.ReportMetric(fetch.Seconds(), "fetch-s")
	b.ReportMetric(decode.Seconds(), "decode-s")
	b.ReportMetric(compute.Seconds(), "arith-s")
}

// counting is a report.SummaryVisitor that counts, and keeps the beats.
type counting struct {
	heartbeats, plays int
	beats             []uptime.Beat
}

func (c *counting) Heartbeat(at, iv int64, st report.State) {
	c.heartbeats++
	c.beats = append(c.beats, uptime.Beat{At: at, Interval: int32(iv), State: st})
}
func (c *counting) Strings([]string)             {}
func (c *counting) Play(_, _ int64, _, _, _ int) { c.plays++ }

// BenchmarkStatus1000: `kioskctl status` over 1,000 sites.
func BenchmarkStatus1000(b *testing.B) {
	ctx := context.Background()
	srv, st := benchStore(b)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range 1000 {
		g.Go(func() error {
			id := fmt.Sprintf("site-%04d", i)
			body, _ := json.Marshal(report.Status{Site: id, Heartbeat: report.Heartbeat{Time: now.Add(-time.Duration(i) * time.Second),
				Interval: time.Minute, State: report.Content, Bundle: "border@12", Item: "welcome", Lang: "vi"}})
			return st.Put(gctx, report.StatusKey(id), bytes.NewReader(body), int64(len(body)))
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	bin := buildKioskctl(b)
	var secs []float64
	for round := range 5 {
		cmd := exec.Command(bin, "status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339))
		cmd.Env = kioskctlEnv(srv)
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("kioskctl status: %v\n%s", err, out)
		}
		secs = append(secs, time.Since(t0).Seconds())
		if !bytes.Contains(out, []byte("1000 sites: 151 online, 0 stopped, 849 offline")) {
			b.Fatalf("status says:\n%s", out[max(0, len(out)-200):])
		}
		b.Logf("round %d: %.2f s", round, secs[round])
	}
	b.ReportMetric(median(secs), "status-s")
}
