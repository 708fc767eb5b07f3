//go:build unix

package main

import (
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	inputRounds = flag.Int("input-rounds", 100, "BenchmarkInteractive: key presses and clicks timed")
	homeSpan    = flag.Duration("home-span", 30*time.Second, "BenchmarkInteractive: how long the CPU of the idle Home screen is measured")
)

// BenchmarkInteractive measures the interactive mode of the commune
// support point (configs/commune-support-point.yaml without its office
// hours, with the demo bundle, in a 1920x1080 window on an Xvfb of the benchmark's own, sound through
// the ALSA null device), driven by real X input (xdotool):
//
//   - input to changed frame: -input-rounds inputs on a guide's first two
//     steps, in turn Page Down, Page Up (a presenter remote's keys), a click
//     on next and a click on prev, each waited for. The player's own figure ("input frame" latency_ms: from the
//     Update that saw the input to the end of the Draw that shows it),
//     and from outside: from the start of the xdotool command that sends
//     the event to the at_unix_ms of that record (xdotool's own start,
//     a few milliseconds, included), and on the display: from the same
//     start until a pixel of the X server's framebuffer where Previous
//     sits (a button on step 2, background on step 1) changes.
//   - CPU of the idle Home screen (the language picker) over -home-span,
//     from /proc/<pid>/stat, in percent of one core.
//   - resident memory (VmRSS) after every guide was opened in every
//     language and stepped through to its end, narration playing.
//
// Reported: input-p50-ms, input-p99-ms (the player's), outside-p50-ms,
// outside-p99-ms, display-p50-ms, display-p99-ms, home-cpu-%, rss-MB.
func BenchmarkInteractive(b *testing.B) {
	x := startXScreen(b, 1920, 1080)
	alsa := filepath.Join(b.TempDir(), "asound.conf")
	if err := os.WriteFile(alsa, []byte("pcm.!default { type null }\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	u := startInteractive(b, x, allDayConfig(b, "../../configs/commune-support-point.yaml"), "--demo", "ALSA_CONFIG_PATH="+alsa)
	pid := u.cmd.Process.Pid
	u.waitScreen("attract", time.Minute, screenIs("attract"))
	u.frameMoving("attract") // the window shows the loop (its ticker moves): it takes input
	b.ResetTimer()
	for range b.N {
		// Every guide in every language, each to its last step.
		home := u.enterHome()
		langs := targetNames(home, "lang:")
		for _, lang := range langs {
			for _, guide := range u.guides(lang) {
				u.openGuide(lang, guide)
				for u.hasTarget("next") {
					step := u.cur.step()
					u.do("the next step", 10*time.Second, func() { u.click("next") }, func(r uiRecord) bool { return r.Screen == "step" && r.step() != step })
				}
				u.goHome()
			}
		}
		rss, err := residentOf(pid)
		if err != nil {
			b.Fatal(err)
		}

		// Inputs on the first guide's first two steps. The display is
		// watched where Previous sits: on step 2 its button, on step 1
		// the background.
		u.openGuide(langs[0], u.guides(langs[0])[0])
		u.do("step 2", 10*time.Second, func() { u.key("Next") }, screenIs("step", 2))
		probe := u.onScreen(u.target("prev")).Min.Add(image.Pt(6, 6))
		u.do("step 1", 10*time.Second, func() { u.key("Prior") }, screenIs("step", 1))
		var inner, outer, display []float64
		for i := range *inputRounds {
			// Keys twice, then clicks twice: forward from step 1, back
			// from step 2.
			first := u.cur.step() == "1"
			want, send := 1, func() { u.key("Prior") } // Page Up
			switch {
			case i%4 < 2 && first:
				want, send = 2, func() { u.key("Next") } // Page Down
			case first:
				want, send = 2, func() { u.click("next") }
			case i%4 >= 2:
				send = func() { u.click("prev") }
			}
			before, err := x.Pixel(probe.X, probe.Y)
			if err != nil {
				b.Fatal(err)
			}
			changed := make(chan time.Time, 1)
			go func() {
				defer close(changed)
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					if c, err := x.Pixel(probe.X, probe.Y); err == nil && c != before {
						changed <- time.Now()
						return
					}
				}
			}()
			var start time.Time
			u.do(fmt.Sprintf("input %d", i), 10*time.Second, func() { start = time.Now(); send() }, screenIs("step", want))
			in := u.waitInput(10 * time.Second)
			inner = append(inner, in.LatencyMS)
			outer = append(outer, float64(in.AtUnixMS-start.UnixMilli()))
			at, ok := <-changed
			if !ok {
				b.Fatalf("input %d: the display did not change at %v within 10 s", i, probe)
			}
			display = append(display, float64(at.Sub(start).Microseconds())/1000)
		}

		// The idle Home screen.
		u.goHome()
		time.Sleep(2 * time.Second) // the last frame drawn
		c0, t0 := cpuTime(b, pid), time.Now()
		time.Sleep(*homeSpan)
		c1, span := cpuTime(b, pid), time.Since(t0)
		u.alive()
		if u.cur.Screen != "home" || len(uiRecords(u.log.String(), "interactive screen")) != u.seen {
			b.Fatalf("the Home screen changed while its CPU was measured (now %s)", u.cur.Screen)
		}
		cpu := 100 * (c1 - c0).Seconds() / span.Seconds()

		b.Logf("input to changed frame (ms), player: %.0f", inner)
		b.Logf("input to changed frame (ms), from outside: %.0f", outer)
		b.Logf("input to changed display (ms): %.0f", display)
		b.Logf("inputs sent again because the player did not see them: %d", u.resent)
		b.Logf("idle Home: %.2f %% of one core over %v; RSS after every guide in %d languages: %d MB",
			cpu, span.Round(time.Second), len(langs), rss>>20)
		b.ReportMetric(percentile(inner, 50), "input-p50-ms")
		b.ReportMetric(percentile(inner, 99), "input-p99-ms")
		b.ReportMetric(percentile(outer, 50), "outside-p50-ms")
		b.ReportMetric(percentile(outer, 99), "outside-p99-ms")
		b.ReportMetric(percentile(display, 50), "display-p50-ms")
		b.ReportMetric(percentile(display, 99), "display-p99-ms")
		b.ReportMetric(cpu, "home-cpu-%")
		b.ReportMetric(float64(rss>>20), "rss-MB")
	}
}

// allDayConfig copies the site config at path without its office hours
// (hours, off_hours), so that the site takes input at any time of day, and
// returns the copy's path.
func allDayConfig(t testing.TB, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "hours:") && !strings.HasPrefix(l, "off_hours:") {
			keep = append(keep, l)
		}
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, []byte(strings.Join(keep, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// enterHome leaves the attract loop (a click in the middle of the
// window) or goes Home from wherever the player is, and returns the Home
// screen.
func (u *kioskUI) enterHome() uiRecord {
	u.t.Helper()
	if u.cur.Screen == "attract" {
		return u.do("home", 10*time.Second, func() { u.clickAt(u.size.Div(2)) }, screenIs("home"))
	}
	u.goHome()
	return u.cur
}

// goHome clicks the Home target and waits for the Home screen.
func (u *kioskUI) goHome() {
	u.t.Helper()
	if u.cur.Screen == "home" {
		return
	}
	u.do("home", 10*time.Second, func() { u.click("home") }, screenIs("home"))
}

// guides picks lang on the Home screen and returns the menu's guides.
func (u *kioskUI) guides(lang string) []string {
	u.t.Helper()
	u.goHome()
	menu := u.do("menu "+lang, 10*time.Second, func() { u.click("lang:" + lang) }, func(r uiRecord) bool { return r.Screen == "menu" && r.Lang == lang })
	g := targetNames(menu, "guide:")
	if len(g) == 0 {
		u.t.Fatalf("the %s menu has no guides (targets %q)", lang, menu.Targets)
	}
	return g
}

// openGuide goes Home, picks lang and opens the guide, and returns at its
// first step.
func (u *kioskUI) openGuide(lang, guide string) {
	u.t.Helper()
	u.guides(lang)
	u.do("guide "+guide, 10*time.Second, func() { u.click("guide:" + guide) }, func(r uiRecord) bool { return r.Screen == "step" && r.Guide == guide })
}

// targetNames are the names after prefix of r's targets that start with
// it, in the order the player logged them.
func targetNames(r uiRecord, prefix string) []string {
	var out []string
	for _, part := range strings.Split(r.Targets, ";") {
		i := strings.LastIndexByte(part, ':')
		if name, ok := strings.CutPrefix(part[:max(i, 0)], prefix); ok && name != "" {
			out = append(out, name)
		}
	}
	return out
}

// percentile is the p-th percentile of v (nearest rank).
func percentile(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
