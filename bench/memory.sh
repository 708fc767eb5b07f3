#!/usr/bin/env bash
# Measures the six-script support point: a 1920x1080 screen showing
# Vietnamese, Khmer, Lao, Chinese, Hmong and English text with a ticker in
# all six, the fonts of every script loaded in both weights. Frame times and
# the first content frame over short runs, then resident memory over a long
# one. Writes OUT/memory.md, the section of BENCHMARKS.md that `make bench`
# (bench/run.sh) includes; run alone, it prints it.
#
#   MEM_SPAN       seconds of the memory run (default 600)
#   BENCH_ROUNDS   runs of frame statistics (default 3)
#   BENCH_SPAN     seconds of frames measured per run (default 15)
#   OUT            output folder (default out/bench); bin/kiosk is built
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -s "-screen 0 3840x2160x24 -nolisten tcp" "$0" "$@"
fi

MEM_SPAN=${MEM_SPAN:-600}
ROUNDS=${BENCH_ROUNDS:-3}
SPAN=${BENCH_SPAN:-15}
OUT=$(realpath -m "${OUT:-out/bench}/memory")
rm -rf "$OUT" && mkdir -p "$OUT"
# The fonts index goes in a fresh cache; the Go build cache stays where it is.
export GOCACHE="$(go env GOCACHE)"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$OUT/cache}"

go build -o bin/kiosk ./cmd/kiosk
go run ./bench/mkbundle -kind scripts -dir "$OUT/scripts"
cat > "$OUT/six.yaml" <<YAML
site: {id: bench, name: "Điểm hỗ trợ CNTT xã"}
display: {resolution: 1920x1080}
languages: [vi, km, lo, zh, hmn, en]
fonts: [{family: Noto Sans}, {family: Noto Sans Khmer}, {family: Noto Sans Lao}, {family: Noto Sans CJK SC}]
content: {dir: $OUT/scripts}
ticker: {edge: bottom}
YAML

echo "six-script support point: frame times and first frame (rounds: $ROUNDS, $SPAN s each)"
for r in $(seq "$ROUNDS"); do
	bin/kiosk --config "$OUT/six.yaml" --window --log-level warn \
		--frame-stats "$OUT/frames-$r.json" --stats-span "${SPAN}s"
done

echo "six-script support point: resident memory over $MEM_SPAN s"
bin/kiosk --config "$OUT/six.yaml" --window --log-level warn &
pid=$!
bench/rss.py "$pid" "$MEM_SPAN" 5 "$OUT/rss.json"
kill "$pid"; wait "$pid" 2>/dev/null || true

python3 - "$OUT" "$ROUNDS" "$SPAN" "$MEM_SPAN" <<'PY'
import glob, json, os, statistics, sys
out, rounds, span, mem_span = sys.argv[1:5]
med = statistics.median
frames = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "frames-*.json")))]
r = json.load(open(os.path.join(out, "rss.json")))
mb = lambda kb: kb / 1024
s = r["samples"]
rss, anon, filed = [mb(x[1]) for x in s], [mb(x[2]) for x in s], [mb(x[3]) for x in s]
q = len(s) // 4
growth = med(rss[3 * q:]) - med(rss[q:2 * q]) if q else float("nan")
growth_anon = med(anon[3 * q:]) - med(anon[q:2 * q]) if q else float("nan")
minute = [f"{t // 60}:{t % 60:02d} {mb(v):.0f}" for t, v, _, _ in s if t % 60 < 5]
groups = "\n".join(f"| {k} | {mb(v):.1f} |" for k, v in r["groups_kb"].items() if v >= 512)
doc = f"""## Memory of the six-script support point

`bench/memory.sh`: the player at 1920x1080 in a window as a commune
support point (`bench/mkbundle -kind scripts`): four text slides in
Vietnamese, Khmer, Lao, Chinese, Hmong and English (two side by side), a
ticker crawling all six, the fonts Noto Sans, Noto Sans Khmer, Noto Sans
Lao and Noto Sans CJK SC, each in a regular and a bold weight. Resident
memory sampled every 5 s for {mem_span} s from start, as a site runs
(no frame statistics). Target: under 300 MB, flat.

| | min | median | max | growth, 2nd to 4th quarter (medians) |
|---|---|---|---|---|
| resident (VmRSS) | {min(rss):.0f} MB | {med(rss):.0f} MB | **{max(rss):.0f} MB** | {growth:+.1f} MB |
| of it anonymous (RssAnon) | {min(anon):.0f} MB | {med(anon):.0f} MB | {max(anon):.0f} MB | {growth_anon:+.1f} MB |
| of it file pages (RssFile) | {min(filed):.0f} MB | {med(filed):.0f} MB | {max(filed):.0f} MB | |

Each minute (m:ss MB): {", ".join(minute)}.

File pages are the program and the libraries' code as far as it has been
read (Mesa's LLVM alone is up to 56 MB of it): shared, clean, and dropped
by the kernel whenever another program needs the memory, so they come and
go with the machine's load; the anonymous figure is the player's own.

Where it was at the end ({r["threads"]} threads), by mapping, in MB:

| mapping | resident MB |
|---|---|
{groups}

What the anonymous memory is, measured once (2026-12-01) on this screen
after a minute of play, the runtime's own figures read with
`runtime/metrics` and a heap profile, the textures counted in a build of
Ebiten that logs each texture made and freed:

| item | MB | |
|---|---|---|
| Go heap, resident | 73 | 55 live, of it Noto Sans CJK in two weights 46 (CFF outlines 31, their index 6, go-text's glyph-extents cache 6.5, character maps 2); the rest headroom to the next collection (GOGC 25; was 83 at Go's default) |
| textures (Mesa llvmpipe keeps them in process memory) | 89 | two slide canvases of 16 (a 1920x1080 texture is 2048x2048; now one between slides, two only while they crossfade), Ebiten's screen 16, the glyph atlas 32 (one 8192x1024 page, which never shrinks; 2048x1024, 8 MB, while text was set smaller), the ticker's 12 strips 9 |
| the X window's two buffers | 16 | 1920x1080x4 each |
| C malloc (Mesa's small allocations, X) | 13 | `malloc_trim` every 10 s gave back nothing |
| threads, other | about 10 | 15 threads |

File pages besides: Mesa's LLVM up to 56 MB, the program 21, the rest of
Mesa 8, other libraries about 6. The Khmer and Lao word lists cost 128 KiB
of heap (their words stay in the program's read-only data). Loading a CJK
face used to read it whole (16 MB) and parse it twice, once for its
character map and once to draw; now the map alone is read (0.8 MB) and the
face is parsed from the file, never held as bytes beside the parser's copy.
A slide is now drawn into its canvas when it comes on screen rather than
when it is prepared: side by side for 270 s with the build before, 274 MB
resident against 288 (the player's own 190 against 204), 290 at most
against 304.

Frames of the same screen, {rounds} runs of {span} s with `--frame-stats`
(which draws every frame): median {med(f["median_ms"] for f in frames):.1f} ms, p99
{med(f["p99_ms"] for f in frames):.1f} ms; process start to the first content frame, median
{med(f["first_content_frame_ms"] for f in frames):.0f} ms (runs: {", ".join(f'{f["first_content_frame_ms"]:.0f}' for f in frames)}).
"""
open(os.path.join(out, "memory.md"), "w").write(doc)
print(doc)
PY
