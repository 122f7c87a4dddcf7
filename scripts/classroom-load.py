#!/usr/bin/env python3
"""How the classroom server (`flywheel serve`) holds up: for 1, 2, ... N
students pressing Run at the same moment, the time from POST /api/runs to
the first streamed day, and each run's time to its last event, against one
run alone.

Usage: python3 scripts/classroom-load.py [URL] [MAX_STUDENTS] [SCENARIO]
(defaults: http://127.0.0.1:8080, 4, quickstart). Standard library only;
it sends a bounded number of requests to the given server and stops.
"""
import json
import sys
import threading
import time
import urllib.request

URL = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
MAX = int(sys.argv[2]) if len(sys.argv) > 2 else 4
SCENARIO = sys.argv[3] if len(sys.argv) > 3 else "quickstart"


def one_run(out):
    t0 = time.perf_counter()
    body = json.dumps({"scenario": SCENARIO}).encode()
    req = urllib.request.Request(URL + "/api/runs", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        run = json.load(r)
    first = None
    kind = None
    with urllib.request.urlopen(f"{URL}/api/runs/{run['id']}/events", timeout=300) as s:
        for raw in s:
            line = raw.decode().strip()
            if line.startswith("event: "):
                kind = line[7:]
                if kind == "day" and first is None:
                    first = time.perf_counter() - t0
                if kind in ("done", "stopped", "failed"):
                    break
    out.append({"first_day_ms": 1000 * first if first else None,
                "wall_s": time.perf_counter() - t0, "end": kind,
                "queued": run["status"] == "queued"})


def main():
    base = None
    print(f"scenario {SCENARIO}, server {URL}")
    print("students  first day (ms, mean / max)  run wall (s, mean / max)  slowdown  queued")
    for n in range(1, MAX + 1):
        out = []
        threads = [threading.Thread(target=one_run, args=(out,)) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        firsts = [o["first_day_ms"] for o in out if o["first_day_ms"] is not None]
        walls = [o["wall_s"] for o in out]
        mean_wall = sum(walls) / len(walls)
        if base is None:
            base = mean_wall
        print(f"{n:8d}  {sum(firsts) / len(firsts):10.1f} / {max(firsts):7.1f}"
              f"  {mean_wall:12.2f} / {max(walls):6.2f}  {mean_wall / base:8.2f}"
              f"  {sum(o['queued'] for o in out):6d}")


if __name__ == "__main__":
    main()
