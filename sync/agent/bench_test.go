package agent_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/layout"
)

// The sync benchmarks run whole scenarios against a real MinIO once each
// (run with -benchtime=1x); `make bench` runs them and writes the figures
// into BENCHMARKS.md.

// BenchmarkFirstSyncVsMcMirror: a first full sync of 500 files / 1 GB,
// beside `mc mirror` of the same objects from the same server, alternating.
func BenchmarkFirstSyncVsMcMirror(b *testing.B) {
	ctx := context.Background()
	d := newDepartment(b)
	const files, size = 500, 2 << 20
	bundle := bundleWithFiles(b, files, size, 1)
	d.Release(b, bundle, layout.Targeting{})
	mc := filepath.Join(repoRoot(b), "bin", "mc")
	var ours, theirs []float64
	for round := range 3 {
		s := newSite(b, d, "an-giang-tinh-bien")
		s.fetch.Concurrency = 8
		start := time.Now()
		if _, err := s.agent.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		ours = append(ours, time.Since(start).Seconds())

		dest := b.TempDir()
		cmd := exec.Command(mc, "mirror", "--quiet", "kiosk/"+d.Bucket+"/kiosk/media", dest)
		cmd.Env = append(os.Environ(), fmt.Sprintf("MC_HOST_kiosk=http://%s:%s@%s", d.Server.AccessKey, d.Server.SecretKey, d.Server.Endpoint),
			"MC_CONFIG_DIR="+b.TempDir())
		start = time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mc mirror: %v\n%s", err, out)
		}
		theirs = append(theirs, time.Since(start).Seconds())
		b.Logf("round %d: ours %.2f s, mc mirror %.2f s", round, ours[round], theirs[round])
	}
	mb := float64(files*size) / 1e6
	b.ReportMetric(mb/median(ours), "ours-MB/s")
	b.ReportMetric(mb/median(theirs), "mc-MB/s")
	// Each round pairs the two side by side; the ratio is the median of
	// the rounds' ratios, as the machine's load drifts between rounds.
	var ratios []float64
	for i := range ours {
		ratios = append(ratios, theirs[i]/ours[i])
	}
	b.ReportMetric(median(ratios), "speed-ratio")
}

// BenchmarkOneFileChange: bytes moved when one file of 50 changes.
func BenchmarkOneFileChange(b *testing.B) {
	ctx := context.Background()
	d := newDepartment(b)
	bundle := bundleWithFiles(b, 50, 1<<20, 1)
	d.Release(b, bundle, layout.Targeting{})
	s := newSite(b, d, "an-giang-tinh-bien")
	if _, err := s.agent.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	changed := make([]byte, 777_777)
	rand.Read(changed)
	os.WriteFile(filepath.Join(bundle, "media", "020.bin"), changed, 0o644)
	setVersion(b, bundle, 2)
	d.Release(b, bundle, layout.Targeting{})
	before := s.fetch.Downloaded.Load()
	if _, err := s.agent.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(s.fetch.Downloaded.Load()-before), "bytes-moved")
	b.ReportMetric(float64(len(changed)), "changed-file-bytes")
}

// BenchmarkLargeVideoMemory: resident memory above idle while one 1 GB
// file downloads.
func BenchmarkLargeVideoMemory(b *testing.B) {
	ctx := context.Background()
	d := newDepartment(b)
	bundle := bundleWithFiles(b, 1, 1<<30, 1)
	d.Release(b, bundle, layout.Targeting{})
	s := newSite(b, d, "an-giang-tinh-bien")
	debug.FreeOSMemory()
	idle := rss()
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := rss(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	start := time.Now()
	if _, err := s.agent.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	close(done)
	b.ReportMetric(float64(peak.Load()-idle)/(1<<20), "peak-MB-above-idle")
	b.ReportMetric(float64(1<<30)/1e6/time.Since(start).Seconds(), "MB/s")
}

// BenchmarkPublishToActivation: a site running its agent with its own
// credentials, subscribed to notifications, with a 10-minute poll (so only
// notifications count); the time from the start of a publication (approvals
// done: `kioskctl publish` uploading and signing) to the site's activation
// (metadata verified, media fetched and hashed, the release switched), over
// 20 publications after one to warm up.
func BenchmarkPublishToActivation(b *testing.B) {
	const pubs = 20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDepartment(b)
	bundle := bundleWithFiles(b, 3, 10_000, 1)
	s := d.NewSite(b, "an-giang-tinh-bien")
	s.Agent.Poll = 10 * time.Minute
	s.Agent.Watch = func(ctx context.Context) (<-chan struct{}, error) { return s.Store.Watch(ctx, "tuf/metadata/") }
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Agent.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	version := func() int64 {
		if c := s.Cache.Current(); c != nil {
			return c.Manifest.Version
		}
		return 0
	}
	var fromStart, fromEnd []float64
	for v := int64(1); v <= pubs+1; v++ {
		setVersion(b, bundle, v)
		d.Approve(b, bundle, layout.Targeting{}, "editor", "leader")
		start := time.Now()
		if err := d.Publish(b, bundle); err != nil {
			b.Fatal(err)
		}
		published := time.Now()
		deadline := time.After(30 * time.Second)
		for version() != v {
			select {
			case <-s.Cache.Changed():
			case <-deadline:
				b.Fatalf("v%d not activated within 30 s", v)
			}
		}
		if v == 1 {
			continue // the first sync and subscription
		}
		fromStart = append(fromStart, time.Since(start).Seconds())
		fromEnd = append(fromEnd, max(0, time.Since(published).Seconds()))
	}
	b.Logf("latencies from the start of publish (s): %.3f", fromStart)
	b.ReportMetric(median(fromStart)*1000, "median-ms")
	b.ReportMetric(slices.Max(fromStart)*1000, "max-ms")
	b.ReportMetric(median(fromEnd)*1000, "after-publish-median-ms")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func rss() int64 { return int64(report.ResidentBytes()) }

func repoRoot(tb testing.TB) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
