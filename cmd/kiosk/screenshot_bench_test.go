package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

var screenSpan = flag.Duration("screen-span", 2*time.Minute, "how long BenchmarkScreenshotCPU measures the two players side by side")

// BenchmarkScreenshotRequest measures request-to-store of a screenshot:
// from the start of the department's request (the object written) until
// screen.jpg is newer in the store, with the real player as a provisioned
// site on an Xvfb of the benchmark's own, subscribed to notifications,
// its own interval an hour. Ten rounds, each after the site's least gap
// (screen.MinGap) has passed since the last. The store is asked every
// 10 ms. Reported: median-ms and max-ms.
func BenchmarkScreenshotRequest(b *testing.B) {
	const rounds = 10
	ctx := context.Background()
	d, x, log, id := siteScreen(b, "1h")
	stillScreen(b, x)
	var took []float64
	b.ResetTimer()
	for range b.N {
		last, since := time.Time{}, time.Time{}
		for range rounds {
			time.Sleep(time.Until(last.Add(screen.MinGap + 500*time.Millisecond)))
			start := time.Now()
			if err := screen.Ask(ctx, d.Store, id, start); err != nil {
				b.Fatal(err)
			}
			for screenModified(b, d, id).Equal(since) {
				if time.Since(start) > 30*time.Second {
					b.Fatalf("no screen.jpg within 30 s of the request\n%s", log.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			took = append(took, float64(time.Since(start).Microseconds())/1000)
			last, since = time.Now(), screenModified(b, d, id)
		}
	}
	b.StopTimer()
	b.Logf("request-to-store latencies (ms): %.0f", took)
	b.ReportMetric(median(took), "median-ms")
	b.ReportMetric(maxOf(took), "max-ms")
}

// BenchmarkScreenshotCPU measures the CPU the periodic screenshot adds:
// two players as provisioned sites, each on its own Xvfb and MinIO, side
// by side on the same still slide (no ticker), one sending a screenshot
// every 10 s and the other none, for -screen-span. Each process's CPU
// time (utime+stime from /proc) over the span is compared. Reported: the
// CPU of each in percent of one core, the added CPU per screenshot in
// milliseconds ((on − off) / screenshots sent), and that cost at the
// default interval of 10 minutes in percent of one core.
func BenchmarkScreenshotCPU(b *testing.B) {
	_, xOn, on, logOn, _ := startSiteScreen(b, "10s")
	_, xOff, off, _, _ := startSiteScreen(b, "0")
	stillScreen(b, xOn)
	stillScreen(b, xOff)
	b.ResetTimer()
	for range b.N {
		sentBefore := strings.Count(logOn.String(), "screenshot sent")
		on0, off0, t0 := cpuTime(b, on.Process.Pid), cpuTime(b, off.Process.Pid), time.Now()
		time.Sleep(*screenSpan)
		on1, off1, span := cpuTime(b, on.Process.Pid), cpuTime(b, off.Process.Pid), time.Since(t0)
		sent := strings.Count(logOn.String(), "screenshot sent") - sentBefore
		if sent == 0 {
			b.Fatalf("no screenshot sent in %v\n%s", span, logOn.String())
		}
		onPct, offPct := 100*(on1-on0).Seconds()/span.Seconds(), 100*(off1-off0).Seconds()/span.Seconds()
		perShot := (on1 - on0 - (off1 - off0)).Seconds() / float64(sent)
		atDefault := 100 * perShot / siteconfig.DefaultScreenshotInterval.Seconds()
		b.Logf("over %v: every 10 s %.2f %% (%d screenshots), none %.2f %%; added %.1f ms a screenshot; at the default %v, %.4f %% of a core",
			span.Round(time.Second), onPct, sent, offPct, 1000*perShot, siteconfig.DefaultScreenshotInterval, atDefault)
		b.ReportMetric(onPct, "cpu-every10s-%")
		b.ReportMetric(offPct, "cpu-off-%")
		b.ReportMetric(1000*perShot, "ms-per-shot")
		b.ReportMetric(atDefault, "cpu-at-default-%")
	}
}

// cpuTime is the CPU time (user and system) process pid has used.
func cpuTime(t testing.TB, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		t.Fatal(err)
	}
	hz, _ := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	return time.Duration((utime + stime) * int64(time.Second) / hz)
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
