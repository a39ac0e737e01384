#!/usr/bin/env bash
# Start-up cost of a whole-process `estimate` against `--version` (issue 16 item 6: at most
# 1.5x, with twice today's catalog). Runs `--version` and `estimate` RUNS times each,
# interleaved (version, estimate, version, ...), so both see the same machine load, and
# prints the median wall time and the median CPU time (user + sys, from wait4) of each
# and the ratios. "Twice today's catalog": estimate also loads a --catalog JSON file that
# holds a copy of every built-in GPU, model and offer under new ids (made from data/ with
# the build's YAML-to-JSON converter), so it reads twice the built-in entries.
#   scripts/startup_bench.sh                  # build/gpu-advisor, 200 runs each
#   RUNS=50 BIN=build-x/gpu-advisor scripts/startup_bench.sh
#   CATALOG=none scripts/startup_bench.sh     # the built-in catalog only
# Exit 1 when the CPU ratio is above MAX_RATIO (default 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/gpu-advisor}
RUNS=${RUNS:-200}
MAX_RATIO=${MAX_RATIO:-1.5}
CATALOG=${CATALOG:-copy}
[ -x "$BIN" ] || { echo "startup_bench: $BIN not built" >&2; exit 1; }
case "$RUNS" in '' | *[!0-9]*) echo "startup_bench: RUNS must be a whole number" >&2; exit 1 ;; esac
CONVERTER=${CONVERTER:-$(find "$(dirname "$BIN")" -name gpuadv_yaml2json -type f -print -quit)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
extra=()
if [ "$CATALOG" != none ]; then
  [ -x "$CONVERTER" ] || { echo "startup_bench: gpuadv_yaml2json not found (set CONVERTER)" >&2; exit 1; }
  for f in data/gpus/*.yaml data/models/*.yaml data/offers/*.yaml; do
    "$CONVERTER" --json "$f" "$tmp/$(basename "$(dirname "$f")")-$(basename "$f" .yaml).json"
  done
  python3 - "$tmp" <<'EOF'
import glob, json, os, sys
out = {"gpus": [], "models": [], "offers": []}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    doc = json.load(open(path))
    for key in out:
        for e in doc.get(key) or []:
            e["id"] = e["id"] + "-copy"
            e.pop("aliases", None)  # aliases stay with the originals
            out[key].append(e)
json.dump(out, open(os.path.join(sys.argv[1], "twice.json"), "w"))
print("copy catalog: %d GPUs, %d models, %d offers" % tuple(len(out[k]) for k in out))
EOF
  extra=(--catalog "$tmp/twice.json")
fi

python3 - "$BIN" "$RUNS" "$MAX_RATIO" "${extra[@]}" <<'EOF'
import os, statistics, subprocess, sys, time
binary, runs, max_ratio, extra = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
commands = {"--version": [binary, "--version"], "estimate": [binary, *extra, "estimate"]}
wall = {k: [] for k in commands}
cpu = {k: [] for k in commands}
devnull = os.open(os.devnull, os.O_WRONLY)
for _ in range(runs):
    for name, argv in commands.items():
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdout=devnull, stderr=devnull)
        _, status, usage = os.wait4(p.pid, 0)
        wall[name].append(time.perf_counter() - start)
        cpu[name].append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit("startup_bench: %s exited with status %d" % (" ".join(argv), status))
med = {k: (statistics.median(wall[k]) * 1e3, statistics.median(cpu[k]) * 1e3) for k in commands}
for k, (w, c) in med.items():
    print("%-10s median wall %7.2f ms  cpu %7.2f ms  (%d runs)" % (k, w, c, runs))
wall_ratio = med["estimate"][0] / med["--version"][0]
cpu_ratio = med["estimate"][1] / max(med["--version"][1], 1e-6)
print("ratio estimate / --version: wall %.2fx, cpu %.2fx (goal <= %.2fx)" % (wall_ratio, cpu_ratio, max_ratio))
sys.exit(0 if cpu_ratio <= max_ratio else 1)
EOF
