//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/videotest"
)

var (
	videoSpan = flag.Duration("video-span", 2*time.Minute, "BenchmarkVideo: how long the wall plays, from the first clip's start")
	videoClip = flag.Duration("video-clip", time.Minute, "BenchmarkVideo: the length of each of the two clips")
	videoOut  = flag.String("video-out", "", "BenchmarkVideo: a folder for the details (details.txt) and the player's log (player.log)")
)

// BenchmarkVideo plays video on a wall shaped like Tịnh Biên's (1536x768,
// 25 fps, the ticker crawling a message over the picture), synced from a
// real MinIO, on an Xvfb of its own with Mesa's software OpenGL, its
// sound through ALSA's null device: two clips of -video-clip with sound
// (made with FFmpeg at 1536x768, then kioskctl add-video for the site)
// one after the other for -video-span from the first one's start, at debug
// level, so that the player logs each video frame as it goes on screen.
//
//   - dropped and repeated frames, in % of the frames due: from the
//     "video frame" records, a frame index skipped is dropped, a frame
//     shown when a later one was due is repeated (its own slot had
//     an older picture); the player's own counts from "video ended" beside.
//   - the gap at each seam between two clips: the longest interval
//     between consecutive "video frame" records of both clips from half a
//     second before the first clip's last frame to half a second after
//     the second's first (target: none longer than a frame, 40 ms).
//   - CPU of the player and its FFmpeg decoders (its children, found by
//     their parent's ID): utime+stime from /proc every second, in % of
//     one core over 10 s windows, median and highest.
//   - resident memory (VmRSS) of the player and its decoders together,
//     sampled every second: median and peak.
//
// Reported: dropped-%, repeated-%, player-dropped-%, player-repeated-%,
// frame-p50-ms, frame-p99-ms, seam-max-ms, cpu-median-%, cpu-max-%,
// player-cpu-%, decoders-cpu-%, rss-median-MB, rss-peak-MB.
func BenchmarkVideo(b *testing.B) {
	const fps = 25
	kioskctl := buildKioskctl(b)
	w := newVideoWall(b, "1536x768", 0, fmt.Sprintf("{fps: %d, sound: true}", fps))
	clipA := videotest.ClipOptions{Width: 1536, Height: 768, Duration: *videoClip, Sound: true}
	clipB := videotest.ClipOptions{Width: 1536, Height: 768, Duration: *videoClip, Sound: true, FirstFrame: clipA.FrameCount() + 1000, Frequency: 660}
	made := time.Now()
	w.publish(kioskctl, false, []videoItem{{"clip-a", clipA}, {"clip-b", clipB}}, false)
	alsa := filepath.Join(b.TempDir(), "asound.conf")
	if err := os.WriteFile(alsa, []byte("pcm.!default { type null }\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	var details strings.Builder
	note := func(format string, args ...any) { fmt.Fprintf(&details, format+"\n", args...) }
	note("two %v clips made and added for the site in %v", *videoClip, time.Since(made).Round(time.Second))
	b.ResetTimer()
	for range b.N {
		w.start("ALSA_CONFIG_PATH=" + alsa)
		pid := w.cmd.Process.Pid
		w.waitRecord("video started", 1, 2*time.Minute, map[string]string{"item": "clip-a"})
		start := time.Now()
		var samples []procSample
		for time.Since(start) < *videoSpan {
			s, err := sampleProcs(pid)
			if err != nil {
				b.Fatalf("the player: %v\n%s", err, tail(w.log.String(), 30))
			}
			samples = append(samples, s)
			time.Sleep(time.Second)
		}
		log := w.log.String()
		stopProgram(b, w.cmd)
		if *videoOut != "" {
			if err := os.WriteFile(filepath.Join(*videoOut, "player.log"), []byte(log), 0o644); err != nil {
				b.Fatal(err)
			}
		}

		plays := videoPlays(b, records(log, "video frame"), map[string]int{"clip-a": clipA.FrameCount(), "clip-b": clipB.FrameCount()})
		var due, dropped, repeated int
		var intervals []float64
		for _, p := range plays {
			due += p.due()
			dropped += p.dropped()
			repeated += p.repeated()
			intervals = append(intervals, p.intervals()...)
			note("%s from frame %d: %d frames due, %d shown, %d dropped, %d repeated, longest interval %.0f ms",
				p.item, p.frames[0].frame, p.due(), len(p.frames), p.dropped(), p.repeated(), maxOf(p.intervals()))
		}
		var pDue, pDropped, pRepeated float64
		for _, e := range records(log, "video ended") {
			note("video ended: item=%s why=%s frames=%s dropped=%s repeated=%s decoded=%s audio_seconds=%s played=%.3fs longest_frame=%.0fms",
				e["item"], e["why"], e["frames"], e["dropped"], e["repeated"], e["decoded"], e["audio_seconds"], e.seconds(b, "played"), e.seconds(b, "longest_frame")*1000)
			pDue += e.seconds(b, "played") * fps
			pDropped += e.num(b, "dropped")
			pRepeated += e.num(b, "repeated")
		}
		var seamMax float64
		for i := 1; i < len(plays); i++ {
			gaps, handover := seamGaps(plays[i-1], plays[i])
			seamMax = max(seamMax, maxOf(gaps))
			note("seam %s -> %s: longest interval between video frames %.0f ms; the second's first frame %+.0f ms after the first's last; intervals (ms) %.0f",
				plays[i-1].item, plays[i].item, maxOf(gaps), handover, gaps)
		}
		if len(plays) < 2 {
			b.Fatalf("%d clips played in %v; no seam", len(plays), *videoSpan)
		}

		cpu, player, decoders := cpuWindows(samples, 10)
		var rss, pss []float64
		for _, s := range samples {
			rss = append(rss, float64(s.rss)/(1<<20))
			pss = append(pss, float64(s.pss)/(1<<20))
		}
		note("CPU of player and decoders, %% of one core in 10 s windows: %.0f", cpu)
		note("resident memory of player and decoders (MB), every second: median %.0f, peak %.0f; decoders seen: %d",
			median(rss), maxOf(rss), len(samples[len(samples)-1].children))
		note("the same counting shared pages once (PSS, MB): median %.0f, peak %.0f", median(pss), maxOf(pss))
		note("load average at the end: %s", loadAverage())
		b.Log(strings.TrimSpace(details.String()))
		if *videoOut != "" {
			if err := os.WriteFile(filepath.Join(*videoOut, "details.txt"), []byte(details.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(100*float64(dropped)/float64(due), "dropped-%")
		b.ReportMetric(100*float64(repeated)/float64(due), "repeated-%")
		if pDue > 0 {
			b.ReportMetric(100*pDropped/pDue, "player-dropped-%")
			b.ReportMetric(100*pRepeated/pDue, "player-repeated-%")
		}
		b.ReportMetric(percentile(intervals, 50), "frame-p50-ms")
		b.ReportMetric(percentile(intervals, 99), "frame-p99-ms")
		b.ReportMetric(seamMax, "seam-max-ms")
		b.ReportMetric(median(cpu), "cpu-median-%")
		b.ReportMetric(maxOf(cpu), "cpu-max-%")
		b.ReportMetric(player, "player-cpu-%")
		b.ReportMetric(decoders, "decoders-cpu-%")
		b.ReportMetric(median(rss), "rss-median-MB")
		b.ReportMetric(maxOf(rss), "rss-peak-MB")
		b.ReportMetric(median(pss), "pss-median-MB")
		b.ReportMetric(maxOf(pss), "pss-peak-MB")
	}
}

// videoPlay is one play of a clip: its "video frame" records in order.
type videoPlay struct {
	item   string
	n      int // the clip's frames
	frames []videoFrame
}

// videoFrame is a "video frame" record: the frame shown, the one due, and
// when it went on screen.
type videoFrame struct {
	frame, due int
	wall       time.Time
}

// videoPlays groups "video frame" records into plays: a play of an item
// ends where its frame numbers start again. Records of two clips
// interleave in a crossfade. n gives each item's number of frames.
func videoPlays(t testing.TB, recs []logRecord, n map[string]int) []*videoPlay {
	var plays []*videoPlay
	cur := map[string]*videoPlay{}
	for _, r := range recs {
		wall, err := time.Parse(time.RFC3339Nano, r["wall"])
		if err != nil {
			t.Fatalf("video frame %v: wall: %v", r, err)
		}
		f := videoFrame{frame: int(r.num(t, "frame")), due: int(r.num(t, "due")), wall: wall}
		p := cur[r["item"]]
		if p == nil || f.frame < p.frames[len(p.frames)-1].frame {
			p = &videoPlay{item: r["item"], n: n[r["item"]]}
			cur[p.item] = p
			plays = append(plays, p)
		}
		p.frames = append(p.frames, f)
	}
	return plays
}

// due is the number of frames due in the play: up to the last one due,
// at most the clip's.
func (p *videoPlay) due() int { return min(p.frames[len(p.frames)-1].due+1, p.n) }

// dropped is the number of frames never shown: skipped indices, and those
// before the first shown.
func (p *videoPlay) dropped() int {
	n, last := 0, -1
	for _, f := range p.frames {
		n += f.frame - last - 1
		last = f.frame
	}
	return n
}

// repeated is the number of frames shown when a later one was due: the
// due one's slot showed an older picture.
func (p *videoPlay) repeated() int {
	n := 0
	for _, f := range p.frames {
		if f.frame < min(f.due, p.n-1) {
			n++
		}
	}
	return n
}

// intervals are the times in ms between the play's frames going on screen.
func (p *videoPlay) intervals() []float64 {
	var out []float64
	for i := 1; i < len(p.frames); i++ {
		out = append(out, float64(p.frames[i].wall.Sub(p.frames[i-1].wall).Microseconds())/1000)
	}
	return out
}

// seamGaps returns the intervals in ms between consecutive video frames
// of a and b together, from half a second before a's last frame to half a
// second after b's first, and how long after a's last frame b's first went
// on screen (negative: before, in the crossfade).
func seamGaps(a, b *videoPlay) (gaps []float64, handover float64) {
	last, first := a.frames[len(a.frames)-1].wall, b.frames[0].wall
	from, to := last, first
	if first.Before(last) {
		from, to = first, last
	}
	from, to = from.Add(-500*time.Millisecond), to.Add(500*time.Millisecond)
	var walls []time.Time
	for _, p := range []*videoPlay{a, b} {
		for _, f := range p.frames {
			if !f.wall.Before(from) && !f.wall.After(to) {
				walls = append(walls, f.wall)
			}
		}
	}
	slices.SortFunc(walls, func(x, y time.Time) int { return x.Compare(y) })
	for i := 1; i < len(walls); i++ {
		gaps = append(gaps, float64(walls[i].Sub(walls[i-1]).Microseconds())/1000)
	}
	return gaps, float64(first.Sub(last).Microseconds()) / 1000
}

// procSample is the CPU time and memory of a process and its children at
// a moment.
type procSample struct {
	at       time.Time
	ticks    int64         // the process's utime+stime, in clock ticks
	children map[int]int64 // its children now: their utime+stime
	rss      uint64        // VmRSS of the process and its children now
	// pss is their proportional set size: shared pages (FFmpeg's
	// libraries, mapped by each decoder) counted once among them.
	pss uint64
}

// sampleProcs reads the CPU time and resident memory of process pid and
// its children.
func sampleProcs(pid int) (procSample, error) {
	ticks, _, err := procStat(pid)
	if err != nil {
		return procSample{}, err
	}
	rss, err := residentOf(pid)
	if err != nil {
		return procSample{}, err
	}
	s := procSample{at: time.Now(), ticks: ticks, children: map[int]int64{}, rss: rss, pss: proportionalOf(pid)}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return procSample{}, err
	}
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		t, ppid, err := procStat(child)
		if err != nil || ppid != pid {
			continue
		}
		s.children[child] = t
		if r, err := residentOf(child); err == nil {
			s.rss += r
		}
		s.pss += proportionalOf(child)
	}
	return s, nil
}

// procStat returns a process's utime+stime in clock ticks and its parent.
func procStat(pid int) (ticks int64, ppid int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 || i+2 > len(data) {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+2:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime, ppid, nil
}

// cpuWindows returns the CPU of the process and its children in % of one
// core over windows of n samples, and over the whole span the process's
// own and its children's.
func cpuWindows(samples []procSample, n int) (windows []float64, player, children float64) {
	const hz = 100 // USER_HZ, the unit of /proc/<pid>/stat on Linux
	// Every child seen up to each sample, at its last CPU time.
	seen := map[int]int64{}
	var kidTicks []int64
	for _, s := range samples {
		for pid, t := range s.children {
			seen[pid] = t
		}
		var sum int64
		for _, t := range seen {
			sum += t
		}
		kidTicks = append(kidTicks, sum)
	}
	pct := func(ticks int64, from, to time.Time) float64 {
		return 100 * float64(ticks) / hz / to.Sub(from).Seconds()
	}
	for i := n; i < len(samples); i += n {
		a, z := samples[i-n], samples[i]
		windows = append(windows, pct(z.ticks-a.ticks+kidTicks[i]-kidTicks[i-n], a.at, z.at))
	}
	first, last := samples[0], samples[len(samples)-1]
	return windows, pct(last.ticks-first.ticks, first.at, last.at), pct(kidTicks[len(samples)-1]-kidTicks[0], first.at, last.at)
}

// loadAverage is the machine's load average over one minute.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

// proportionalOf is process pid's proportional set size in bytes (its
// private pages, and its share of pages it shares), 0 when unknown.
func proportionalOf(pid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
