#!/usr/bin/env bash
# Start-up cost of a whole-process `estimate` against `--version` (issue 16 item 6: at most
# 1.5x, with twice today's catalog). Runs every row RUNS times, interleaved (one run of each
# row per round), so all see the same machine load, and prints the median wall time and the
# median CPU time (user + sys, from wait4) of each and its ratio to `--version`. Rows:
#   --version            the shipped binary (BIN); the ratios are to this row
#   --version, 2x build  the 2x-catalog binary below (built without the server: smaller)
#   estimate             BIN, the built-in catalog as shipped
#   estimate, 2x built-in  a binary whose embedded catalog holds every GPU, model and offer
#                        twice (copies under "-copy" ids: GPUADV_CATALOG_COPIES=2, built
#                        into COPIES_DIR, default build-copies2, when not there)
#   estimate, 2x --catalog  BIN with a --catalog JSON file holding a copy of every built-in
#                        entry: a runtime file is parsed in full, so this row measures the
#                        YAML/JSON parser, not the start-up design (reported, not checked)
#   scripts/startup_bench.sh                  # 200 runs each
#   RUNS=50 BIN=build-x/gpu-advisor scripts/startup_bench.sh
#   COPIES=none scripts/startup_bench.sh      # without the 2x rows (no second build)
# Exit 1 when the CPU ratio of an `estimate` row on the built-in catalog (as shipped or
# doubled) is above MAX_RATIO (default 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/gpu-advisor}
RUNS=${RUNS:-200}
MAX_RATIO=${MAX_RATIO:-1.5}
COPIES=${COPIES:-2}
COPIES_DIR=${COPIES_DIR:-build-copies$COPIES}
[ -x "$BIN" ] || { echo "startup_bench: $BIN not built" >&2; exit 1; }
case "$RUNS" in '' | *[!0-9]*) echo "startup_bench: RUNS must be a whole number" >&2; exit 1 ;; esac
CONVERTER=${CONVERTER:-$(find "$(dirname "$BIN")" -name gpuadv_yaml2json -type f -print -quit)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=("--version|$BIN --version" "estimate|$BIN estimate")
if [ "$COPIES" != none ]; then
  # Configured once, rebuilt every run (a no-op when up to date), so the 2x row never
  # measures a stale binary of older sources.
  if [ ! -f "$COPIES_DIR/build.ninja" ]; then
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B "$COPIES_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
      -DGPUADV_CATALOG_COPIES="$COPIES" -DGPUADV_BUILD_TESTS=OFF -DGPUADV_BUILD_BENCHMARKS=OFF \
      -DGPUADV_BUILD_SERVER=OFF >/dev/null
  fi
  echo "startup_bench: building the ${COPIES}x-catalog binary in $COPIES_DIR" >&2
  cmake --build "$COPIES_DIR" --target gpu-advisor >/dev/null
  rows+=("--version, ${COPIES}x build|$COPIES_DIR/gpu-advisor --version"
    "estimate, ${COPIES}x built-in|$COPIES_DIR/gpu-advisor estimate")
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
EOF
  rows+=("estimate, 2x --catalog (parser)|$BIN --catalog $tmp/twice.json estimate")
fi

python3 - "$RUNS" "$MAX_RATIO" "${rows[@]}" <<'EOF'
import os, statistics, subprocess, sys, time
runs, max_ratio = int(sys.argv[1]), float(sys.argv[2])
rows = [r.split("|", 1) for r in sys.argv[3:]]
wall = {name: [] for name, _ in rows}
cpu = {name: [] for name, _ in rows}
devnull = os.open(os.devnull, os.O_WRONLY)
for _ in range(runs):
    for name, command in rows:
        argv = command.split()
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdout=devnull, stderr=devnull)
        _, status, usage = os.wait4(p.pid, 0)
        wall[name].append(time.perf_counter() - start)
        cpu[name].append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit("startup_bench: %s exited with status %d" % (command, status))
med = {n: (statistics.median(wall[n]) * 1e3, statistics.median(cpu[n]) * 1e3) for n, _ in rows}
base_wall, base_cpu = med["--version"]
print("%-34s %10s %10s %10s %10s" % ("row (%d runs each, interleaved)" % runs, "wall ms", "cpu ms",
                                      "wall x", "cpu x"))
worst = 0.0
for name, _ in rows:
    w, c = med[name]
    ratio = c / max(base_cpu, 1e-6)
    print("%-34s %10.2f %10.2f %9.2fx %9.2fx" % (name, w, c, w / base_wall, ratio))
    if name.startswith("estimate") and "--catalog" not in name:
        worst = max(worst, ratio)
print("worst estimate on the built-in catalog: cpu %.2fx --version (goal <= %.2fx)" % (worst, max_ratio))
sys.exit(0 if worst <= max_ratio else 1)
EOF
