#!/usr/bin/env bash
# Measures video on a wall shaped like Tịnh Biên's: the real player
# (1536x768, 25 fps, the ticker over the picture) synced from a real MinIO,
# on an Xvfb of the benchmark's own with Mesa's software OpenGL, playing two
# clips made with FFmpeg and added with kioskctl add-video, one after the
# other; see BenchmarkVideo in cmd/kiosk/video_bench_test.go. Writes
# OUT/video/video.md, the section of BENCHMARKS.md that `make bench`
# (bench/run.sh) includes; run alone, it prints it. The player's log, with
# a record of every video frame, is kept as OUT/video/player.log.
#
#   VIDEO_SPAN   how long the wall plays from the first clip's start (default 2m)
#   VIDEO_CLIP   the length of each clip (default 1m)
#   OUT          output folder (default out/bench)
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark starts an X server of its own for the player; the test
# binary itself still wants a display to start (see cmd/kiosk/internal/nodisplay).
if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -s "-screen 0 1024x768x24 -nolisten tcp" "$0" "$@"
fi

VIDEO_SPAN=${VIDEO_SPAN:-2m}
VIDEO_CLIP=${VIDEO_CLIP:-1m}
OUT=$(realpath -m "${OUT:-out/bench}/video")
rm -rf "$OUT" && mkdir -p "$OUT"

echo "video: two $VIDEO_CLIP clips played for $VIDEO_SPAN at 1536x768, 25 fps, with the ticker"
START=$(date -u +"%Y-%m-%d %H:%M UTC")
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
go test -run '^$' -bench '^BenchmarkVideo$' -benchtime=1x -timeout 30m ./cmd/kiosk/ \
	-video-span="$VIDEO_SPAN" -video-clip="$VIDEO_CLIP" -video-out="$OUT" | tee "$OUT/bench.txt"
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

# The floor beside it: bench/bare, an Ebiten program that only fills and
# presents a 1536x768 screen every frame, on an X server of its own.
go build -o "$OUT/bare" ./bench/bare
xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$OUT/bare" -w 1536 -h 768 -span 20s -out "$OUT/bare.json"

VIDEO_SPAN="$VIDEO_SPAN" VIDEO_CLIP="$VIDEO_CLIP" START="$START" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" \
python3 - "$OUT" <<'PY'
import os, sys
out = sys.argv[1]
bench = open(os.path.join(out, "bench.txt")).read()
def metric(unit):
    for line in bench.splitlines():
        if line.startswith("BenchmarkVideo"):
            f = line.split()
            for i in range(len(f) - 1):
                if f[i + 1] == unit:
                    return float(f[i])
    sys.exit(f"bench/video.sh: no {unit} in {out}/bench.txt")
log = open(os.path.join(out, "details.txt")).read().strip()
import json
bare = json.load(open(os.path.join(out, "bare.json")))
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = f"""## Video

`bench/video.sh` (`go test -run '^$' -bench '^BenchmarkVideo$' -benchtime=1x ./cmd/kiosk/`):
a wall shaped like Tịnh Biên's (1536x768, video at 25 fps, the ticker
crawling a message over the picture) synced from a real MinIO, in a window
on an Xvfb of the benchmark's own, Mesa llvmpipe, sound through the ALSA
null device (which takes sound faster than real time, so the player keeps
time by its own clock). Two {os.environ["VIDEO_CLIP"]} clips with sound, made with FFmpeg at
1536x768 and added with `kioskctl add-video` for the site, played one after
the other for {os.environ["VIDEO_SPAN"]} from the first one's start, the player logging each
video frame as it goes on screen. Measured from {os.environ["START"]} ({cpu_model},
{os.cpu_count()} cores, load average {os.environ["LOAD_START"]} at the start and {os.environ["LOAD_END"]} at the end).

- Dropped and repeated frames, in % of the frames due, from the `video
  frame` records: a frame index skipped is dropped; a frame shown when a
  later one was due is repeated (that slot showed an older picture). The
  player's own counts (its `video ended` records) beside them.
- The gap at each seam between two clips: the longest interval between
  consecutive video frames of both clips, from half a second before the
  first clip's last frame to half a second after the second's first.
- CPU of the player and its FFmpeg decoders (its child processes), from
  `/proc/<pid>/stat` every second, in % of one core over 10 s windows.
- Resident memory of the player and its decoders together, every second:
  `VmRSS` summed, which counts the shared libraries every FFmpeg process
  maps once per process, and `Pss` (`/proc/<pid>/smaps_rollup`), which
  counts shared pages once among them: the memory they take.

Beside it, `bench/bare` (an Ebiten program that only fills and presents a
1536x768 screen, every frame the display allows) on the same machine right
after: **{1000 / bare["median_ms"]:.0f} frames a second** (median {bare["median_ms"]:.1f} ms, p99 {bare["p99_ms"]:.1f} ms between
frames). That is what presenting alone allows here: a 25 fps clip has
{(1000 / bare["median_ms"]) / 25:.2f} times the frames it needs, before decoding, converting and the ticker.

| figure | measured | target |
|---|---|---|
| dropped frames | **{metric("dropped-%"):.1f} %** (player's count {metric("player-dropped-%"):.1f} %) | with repeated, under 1 % |
| repeated frames | **{metric("repeated-%"):.1f} %** (player's count {metric("player-repeated-%"):.1f} %) | |
| interval between video frames, p50 / p99 | {metric("frame-p50-ms"):.0f} / {metric("frame-p99-ms"):.0f} ms | 40 ms |
| longest interval at a seam between clips | **{metric("seam-max-ms"):.0f} ms** | none longer than a frame (40 ms) |
| CPU of player and decoders, median / highest 10 s | **{metric("cpu-median-%"):.0f} %** / {metric("cpu-max-%"):.0f} % of one core | |
| of which the player / the decoders, whole span | {metric("player-cpu-%"):.0f} % / {metric("decoders-cpu-%"):.0f} % | |
| memory of player and decoders (PSS), median / peak | {metric("pss-median-MB"):.0f} / **{metric("pss-peak-MB"):.0f} MB** | |
| the same as VmRSS summed, median / peak | {metric("rss-median-MB"):.0f} / {metric("rss-peak-MB"):.0f} MB | |

Reading these figures: under software OpenGL, presenting frames costs a
PC without a GPU most of its CPU (the bare program, which does nothing
else, gets {1000 / bare["median_ms"]:.0f} frames a second here). A 25 fps clip at 1536x768 adds a
full-screen pass of the YUV shader, the upload of each frame, the ticker
and the decoders; when the player and its decoders take the whole machine,
frames are dropped to keep the clip on time (the decoders run at a lower
priority, with frames buffered ahead, so a frame is seldom repeated). A
PC whose GPU does the drawing, even an integrated one, does not spend its
CPU presenting.

```
{log}
```
"""
open(os.path.join(out, "video.md"), "w").write(doc)
print(doc)
PY
