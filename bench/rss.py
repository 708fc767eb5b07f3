#!/usr/bin/env python3
"""Samples a process's resident memory and writes it, with a breakdown of
its mappings, as JSON.

    rss.py PID SECONDS INTERVAL OUT.json

Every INTERVAL seconds for SECONDS: VmRSS, RssAnon and RssFile from
/proc/PID/status. At the end, /proc/PID/smaps grouped: anonymous memory
(the Go heap, the software GL driver's textures and buffers, C malloc),
the shared libraries by name, the program's own file, the rest.
"""
import json, re, sys, time

pid, span, every, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]


def status():
    v = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "Threads"):
                v[k] = int(rest.split()[0])
    return v


def smaps():
    groups, largest, cur = {}, [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$", line)
            if m:
                name = m.group(3).strip() or "[anon]"
                cur = {"name": name.rsplit("/", 1)[-1], "size": (int(m.group(2), 16) - int(m.group(1), 16)) >> 10}
                continue
            if line.startswith("Rss:") and cur is not None:
                kb = int(line.split()[1])
                groups[cur["name"]] = groups.get(cur["name"], 0) + kb
                if cur["name"] == "[anon]":
                    largest.append([cur["size"], kb])
    largest.sort(key=lambda x: -x[1])
    return {"groups_kb": dict(sorted(groups.items(), key=lambda kv: -kv[1])[:12]), "largest_anon_kb": largest[:8]}


samples, t0 = [], time.monotonic()
while True:
    t = time.monotonic() - t0
    try:
        s = status()
    except FileNotFoundError:
        sys.exit(f"rss.py: process {pid} ended after {t:.0f} s")
    samples.append([round(t), s["VmRSS"], s["RssAnon"], s["RssFile"]])
    if t >= span:
        break
    time.sleep(max(0, every - (time.monotonic() - t0 - t)))
json.dump({"samples": samples, "threads": s["Threads"], **smaps()}, open(out, "w"), indent=1)
