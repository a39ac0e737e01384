#!/usr/bin/env python3
"""Times the web page's requests against `gpu-advisor serve` while the machine is busy
(issue 14, item 7): page ready <= 500 ms (every request the page makes before it can be
used: the page, its script, style and chart bundle, gzip as a browser asks for them, and
the schema, model and GPU lists), and every action <= 150 ms of server time (the requests
one change of an input sends: recommend, estimate, fit, plan, compare).

Each action is timed twice: "fresh", a request the server has not answered before (the
body differs from every earlier one by trailing whitespace only, so the server's result
cache misses and computes it: what a user waits for after changing an input), and
"cached", the same request again (answered from the result cache).

Usage: scripts/web_timing.py [--cli build/gpu-advisor] [--runs 20] [--busy N]
  --busy N: N processes spinning on the CPU during the measurement (default: the core
  count), so the server competes for the cores as on a shared machine.
Prints one line per measurement: median and p95 in ms, and PASS/FAIL against its bound,
and the load average before and after. Exit 1 when a bound is missed."""
import argparse
import concurrent.futures as cf
import http.client
import json
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import time

PAGE_READY_MS = 500
ACTION_MS = 150

PAGE = ["/", "/app.js", "/style.css", "/vendor/chart.umd.min.js"]
PAGE_DATA = ["/api/schema", "/api/models", "/api/gpus"]

QLORA = {"model": "llama-3.1-8b", "training": {"method": "qlora"},
         "constraints": {"budget_usd": 2000, "acquire": "either"}, "objective": "value"}
ON_4090 = {"model": "llama-3.1-8b", "training": {"method": "full"}, "hardware": {"gpu": "rtx-4090"}}
PLAN_70B = {"model": "llama-3.1-70b", "training": {"method": "full"},
            "hardware": {"gpu": "h100-sxm", "count": 8}}
PRETRAIN = {"model": "llama-3.1-8b", "training": {"method": "pretrain", "tokens": 2e11},
            "hardware": {"gpu": "h100-sxm", "count": 8, "nodes": 8},
            "constraints": {"deadline_hours": 720}}
SDXL = {"model": "sdxl", "training": {"method": "lora", "dataset": {"samples": 5000}},
        "hardware": {"gpu": "rtx-4090"}}

ACTIONS = [
    ("recommend qlora 8B budget", "/api/recommend?top=15", QLORA),
    ("estimate 8B full on 4090", "/api/estimate", ON_4090),
    ("fit 8B full on 4090", "/api/fit", ON_4090),
    ("estimate 70B full 8x H100", "/api/estimate", PLAN_70B),
    ("plan 70B full 8x H100", "/api/plan?top=5&gpus=8", PLAN_70B),
    ("estimate pretrain 64x H100", "/api/estimate", PRETRAIN),
    ("recommend pretrain 64x H100", "/api/recommend?top=15", PRETRAIN),
    ("estimate SDXL LoRA", "/api/estimate", SDXL),
    ("compare 2x 3090 vs 4090", "/api/compare?gpus=2x%20rtx-3090,rtx-4090",
     {"model": "llama-3.1-8b", "training": {"method": "qlora"}}),
]


def spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10000))


def request(port, method, path, body=None, variant=0):
    """`variant` > 0: the body with that many trailing spaces, a request never sent before."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Encoding": "gzip"}
    data = None
    if body is not None:
        data = json.dumps(body) + " " * variant
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    res = conn.getresponse()
    res.read()
    elapsed = (time.perf_counter() - start) * 1000
    conn.close()
    if res.status != 200:
        sys.exit(f"web_timing: {method} {path}: HTTP {res.status}")
    return elapsed


def page_ready(port):
    """The page and its assets (a browser fetches them side by side), then its data."""
    start = time.perf_counter()
    with cf.ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda p: request(port, "GET", p), PAGE))
        list(pool.map(lambda p: request(port, "GET", p), PAGE_DATA))
    return (time.perf_counter() - start) * 1000


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stats(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def report(name, samples, bound):
    median, p95 = stats(samples)
    ok = p95 <= bound
    print(f"{name:<40} median {median:7.1f} ms  p95 {p95:7.1f} ms  (bound {bound} ms) "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def start_server(cli):
    proc = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        sys.exit(f"web_timing: server did not start: {line!r}")
    return proc, int(m.group(1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(here, "..", "build", "gpu-advisor"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--busy", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    proc, port = start_server(args.cli)
    stop = mp.Event()
    spinners = [mp.Process(target=spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    try:
        for name, path, body in ACTIONS:  # warm: first-use caches are not what a user waits on
            request(port, "POST", path, body)
        page_ready(port)
        for s in spinners:
            s.start()
        print(f"{os.cpu_count()} cores, {args.busy} busy processes beside the server, "
              f"{args.runs} runs each; load average {load_average()}")
        ok = report("page ready (assets + schema/lists)", [page_ready(port) for _ in range(args.runs)],
                    PAGE_READY_MS)
        fresh = iter(range(1, 1 << 30))  # trailing spaces: every fresh body is new to the server
        for name, path, body in ACTIONS:
            ok &= report(name + " (fresh)",
                         [request(port, "POST", path, body, next(fresh)) for _ in range(args.runs)],
                         ACTION_MS)
            ok &= report(name + " (cached)",
                         [request(port, "POST", path, body) for _ in range(args.runs)], ACTION_MS)
        print(f"load average after: {load_average()}")
    finally:
        stop.set()
        for s in spinners:
            s.join(timeout=5)
        proc.terminate()
        proc.wait(timeout=10)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
