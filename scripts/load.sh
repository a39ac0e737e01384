#!/usr/bin/env bash
# Bounded load test of `gpu-advisor serve` on loopback with wrk (Debian's package):
# POST /api/estimate, /api/recommend and /api/plan?gpus=64, DURATION seconds each, with
# CONNECTIONS connections, while a second wrk samples GET /healthz (one connection, one
# request every 20 ms). Prints requests/s, p50/p90/p99/max latency and errors (socket
# errors + non-2xx; must be 0) per endpoint, the /healthz latency during each, and the
# server's resident memory (RSS).
# RSS: a fresh server grows once while it warms up (the first computation of each endpoint
# leaves its working memory in the allocator's free lists, the answers enter the bounded
# result cache, 200 connections' buffers are allocated), so the script first runs WARMUP
# seconds of the same load on each endpoint, unmeasured, and prints RSS at the start, after
# the warm-up and at the end. "Flat" (issue 17: within 10 %) compares the end with the
# warm-up; the warm-up growth is printed beside it. Exit 1 on any error or when RSS is not
# flat.
#   scripts/load.sh                       # build/gpu-advisor, 20 s per endpoint, 200 connections
#   BIN=build-x/gpu-advisor DURATION=10 CONNECTIONS=16 WARMUP=3 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/gpu-advisor}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-200}
WRK_THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-5}
FLAT_PERCENT=10  # issue 17 "RSS flat within 10 %"
command -v wrk >/dev/null || { echo "load: wrk not installed (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "load: $BIN not built (scripts/test.sh builds it)" >&2; exit 1; }
for v in DURATION WARMUP; do
  case "${!v}" in '' | *[!0-9]*) echo "load: $v must be whole seconds" >&2; exit 1 ;; esac
done
[ "$DURATION" -le 600 ] || { echo "load: DURATION is capped at 600 s" >&2; exit 1; }

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Loopback only, any free port (the server prints it).
"$BIN" serve --host 127.0.0.1 --port 0 >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$tmp/server.log" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/server.log" | head -1)
[ -n "$url" ] || { echo "load: server did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status"; }

# The DESIGN.md example: QLoRA of an 8B model on one RTX 4090.
scenario='{"model": "llama-3.1-8b", "training": {"method": "qlora", "seq_len": 2048, "micro_batch": 1}, "hardware": {"gpu": "rtx-4090"}, "system": {"psu_watts": 850, "gpu_slots": 1, "cooling": "air"}, "constraints": {"budget_usd": 2500}}'
# RESULT requests req/s p50 p90 p99 max (ms) connect read write non-2xx timeout
report='done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.2f %.2f %.2f %.2f %d %d %d %d %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end'
cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$scenario'
wrk.headers["Content-Type"] = "application/json"
$report
EOF
cat >"$tmp/healthz.lua" <<EOF
function delay() return 20 end
$report
EOF

endpoints=(/api/estimate /api/recommend '/api/plan?gpus=64')
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "$scenario" "$url/api/estimate"
rss_start=$(rss_kib)
echo "server: $url (pid $server_pid), $(grep -o '[0-9]* workers' "$tmp/server.log"); RSS at start: $((rss_start / 1024)) MiB"
if [ "$WARMUP" -gt 0 ]; then
  for endpoint in "${endpoints[@]}"; do
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$tmp/post.lua" \
      "$url$endpoint" >/dev/null
  done
fi
rss_warm=$(rss_kib)
echo "warm-up: wrk -c$CONNECTIONS ${WARMUP}s on each endpoint, unmeasured; RSS after warm-up: $((rss_warm / 1024)) MiB"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the run"
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s per endpoint; /healthz sampled every 20 ms on one connection meanwhile"
printf '%-18s %8s %8s %7s %7s %7s %7s %6s %13s | %s\n' endpoint requests 'req/s' 'p50 ms' 'p90 ms' \
  'p99 ms' 'max ms' errors 'RSS MiB' '/healthz p50 / p99 / max ms'
total_errors=0
for endpoint in "${endpoints[@]}"; do
  rss_run=$(rss_kib)
  wrk -t1 -c1 -d"${DURATION}s" --timeout 10s -s "$tmp/healthz.lua" "$url/healthz" >"$tmp/healthz.out" &
  probe=$!
  out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
        -s "$tmp/post.lua" "$url$endpoint")
  wait "$probe"
  read -r _ n rps p50 p90 p99 max c r w s t <<<"$(grep '^RESULT' <<<"$out")"
  read -r _ _ _ h50 _ h99 hmax hc hr hw hs ht <<<"$(grep '^RESULT' "$tmp/healthz.out")"
  errors=$((c + r + w + s + t))
  herrors=$((hc + hr + hw + hs + ht))
  total_errors=$((total_errors + errors + herrors))
  rss_end=$(rss_kib)
  printf '%-18s %8d %8s %7s %7s %7s %7s %6d %13s | %s / %s / %s\n' "$endpoint" "$n" "$rps" "$p50" \
    "$p90" "$p99" "$max" "$errors" "$((rss_run / 1024)) -> $((rss_end / 1024))" "$h50" "$h99" "$hmax"
  if [ "$errors" -ne 0 ] || [ "$herrors" -ne 0 ]; then
    echo "  errors: connect $c, read $r, write $w, non-2xx $s, timeout $t; /healthz: $herrors"
  fi
done
rss_after=$(rss_kib)
echo "machine load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
# Percent change in tenths, integer arithmetic: 105 = +10.5 %.
permille() { echo $(((($2 - $1) * 1000) / $1)); }
tenths() { local v=$1 s=""; [ "$v" -lt 0 ] && s="-" && v=$((-v)); echo "$s$((v / 10)).$((v % 10))"; }
warm_growth=$(permille "$rss_start" "$rss_warm")
steady_growth=$(permille "$rss_warm" "$rss_after")
echo "server RSS: start $((rss_start / 1024)) MiB, after warm-up $((rss_warm / 1024)) MiB ($(tenths "$warm_growth") %)," \
  "end $((rss_after / 1024)) MiB, peak $(( $(hwm_kib) / 1024 )) MiB"
flat=1
if [ "${steady_growth#-}" -le $((FLAT_PERCENT * 10)) ]; then
  echo "RSS flat: end vs after warm-up $(tenths "$steady_growth") % (limit +-$FLAT_PERCENT %)"
else
  echo "RSS NOT flat: end vs after warm-up $(tenths "$steady_growth") % (limit +-$FLAT_PERCENT %)"
  flat=0
fi
curl -fsS "$url/healthz" >/dev/null || { echo "load: server no longer answers /healthz" >&2; exit 1; }
[ "$total_errors" -eq 0 ] || { echo "load: $total_errors errors" >&2; exit 1; }
[ "$flat" -eq 1 ] || exit 1
