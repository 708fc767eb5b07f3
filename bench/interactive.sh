#!/usr/bin/env bash
# Measures the interactive mode of the commune support point: the real
# player (configs/commune-support-point.yaml with the demo bundle and its
# guides) in a 1920x1080 window on an Xvfb of the benchmark's own, sound
# through the ALSA null device, driven by real X input (xdotool); see
# BenchmarkInteractive in cmd/kiosk/interactive_bench_test.go. Writes
# OUT/interactive/interactive.md, the section of BENCHMARKS.md that
# `make bench` (bench/run.sh) includes; run alone, it prints it.
#
#   INPUT_ROUNDS   key presses and clicks timed (default 100)
#   HOME_SPAN      how long the idle Home screen's CPU is measured (default 30s)
#   OUT            output folder (default out/bench)
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark starts an X server of its own for the player; the test
# binary itself still wants a display to start (see cmd/kiosk/internal/nodisplay).
if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$0" "$@"
fi

INPUT_ROUNDS=${INPUT_ROUNDS:-100}
HOME_SPAN=${HOME_SPAN:-30s}
OUT=$(realpath -m "${OUT:-out/bench}/interactive")
rm -rf "$OUT" && mkdir -p "$OUT"

echo "interactive mode: input to changed frame ($INPUT_ROUNDS inputs), idle Home CPU ($HOME_SPAN), memory with every guide opened"
START=$(date -u +"%Y-%m-%d %H:%M UTC")
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
go test -run '^$' -bench '^BenchmarkInteractive$' -benchtime=1x -timeout 20m ./cmd/kiosk/ \
	-input-rounds="$INPUT_ROUNDS" -home-span="$HOME_SPAN" | tee "$OUT/bench.txt"
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

INPUT_ROUNDS="$INPUT_ROUNDS" HOME_SPAN="$HOME_SPAN" START="$START" LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" \
python3 - "$OUT" <<'PY'
import os, sys
out = sys.argv[1]
bench = open(os.path.join(out, "bench.txt")).read()
def metric(unit):
    for line in bench.splitlines():
        if line.startswith("BenchmarkInteractive"):
            f = line.split()
            for i in range(len(f) - 1):
                if f[i + 1] == unit:
                    return float(f[i])
    sys.exit(f"bench/interactive.sh: no {unit} in {out}/bench.txt")
log = "\n".join(l.strip() for l in bench.splitlines() if "interactive_bench_test.go" in l)
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
doc = f"""## Interactive mode

`bench/interactive.sh` (`go test -run '^$' -bench '^BenchmarkInteractive$' -benchtime=1x ./cmd/kiosk/`):
the commune support point (`configs/commune-support-point.yaml` without its
office hours, so that it takes input at any hour, with the demo bundle and
its guides) in a 1920x1080 window on an Xvfb of the benchmark's own, Mesa
llvmpipe, sound through the ALSA null device, driven by real X input from
`xdotool`. Measured from {os.environ["START"]} ({cpu_model}, {os.cpu_count()} cores,
load average {os.environ["LOAD_START"]} at the start and {os.environ["LOAD_END"]} at the end).

- Input to changed frame: {os.environ["INPUT_ROUNDS"]} inputs between a guide's first two
  steps, in turn Page Down and Page Up (a presenter remote's keys) and
  clicks on Next and Previous, each waited for. Three figures: the
  player's own, from the `Update` that saw the input to the end of the
  `Draw` that shows its result (its `input frame` log record); from
  outside, from the start of the `xdotool` command that sends the event
  to that record's time; and on the display, from the same start until a
  pixel where Previous sits (its button on step 2, the background on step
  1) changes in the X server's framebuffer, read outside the player. The
  last two include `xdotool`'s own start. The player's figure stops when
  its `Draw` returns, which only queues the frame's drawing: Ebiten then
  flushes it to Mesa's software renderer and presents it, and the display
  figure includes that, as a resident sees it.
- CPU of the idle Home screen (the language picker), over {os.environ["HOME_SPAN"]}, from
  `/proc/<pid>/stat`.
- Resident memory (`VmRSS`) after every guide was opened in every
  language and stepped through to its end, its pictures drawn and its
  narration played.

| figure | measured | target |
|---|---|---|
| input to changed frame, player's own, p50 / p99 | {metric("input-p50-ms"):.0f} / **{metric("input-p99-ms"):.0f} ms** | p99 under 100 ms |
| input to changed frame, from outside, p50 / p99 | {metric("outside-p50-ms"):.0f} / {metric("outside-p99-ms"):.0f} ms | |
| input to changed display, p50 / p99 | {metric("display-p50-ms"):.0f} / **{metric("display-p99-ms"):.0f} ms** | p99 under 100 ms |
| CPU of the idle Home screen | **{metric("home-cpu-%"):.2f} %** of one core | under 3 % |
| resident memory, every guide opened | **{metric("rss-MB"):.0f} MB** | under 300 MB |

```
{log}
```
"""
open(os.path.join(out, "interactive.md"), "w").write(doc)
print(doc)
PY
