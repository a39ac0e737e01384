#!/usr/bin/env bash
# Bounded load test of `gpu-advisor serve` on loopback with wrk (Debian's package):
# POST /api/estimate and POST /api/recommend, DURATION seconds each. Prints requests/s,
# p50/p99 latency, errors (socket errors + non-2xx; must be 0) and the server's resident
# memory before and after. Exit 1 on any error.
#   scripts/load.sh                       # build/gpu-advisor, 30 s per endpoint
#   BIN=build-x/gpu-advisor DURATION=10 CONNECTIONS=16 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/gpu-advisor}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-8}
WRK_THREADS=${WRK_THREADS:-2}
command -v wrk >/dev/null || { echo "load: wrk not installed (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "load: $BIN not built (scripts/test.sh builds it)" >&2; exit 1; }
case "$DURATION" in '' | *[!0-9]*) echo "load: DURATION must be whole seconds" >&2; exit 1 ;; esac
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
cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$scenario'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d %d %d %d %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "$scenario" "$url/api/estimate"
rss_before=$(rss_kib)
echo "server: $url (pid $server_pid), $(grep -o '[0-9]* workers' "$tmp/server.log"); RSS before: $((rss_before / 1024)) MiB"
printf '%-16s %10s %10s %10s %10s %8s\n' endpoint requests 'req/s' 'p50 ms' 'p99 ms' errors
total_errors=0
for endpoint in /api/estimate /api/recommend; do
  out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
        -s "$tmp/post.lua" "$url$endpoint")
  read -r _ n rps p50 p99 connect readerr writeerr status timeout <<<"$(grep '^RESULT' <<<"$out")"
  errors=$((connect + readerr + writeerr + status + timeout))
  total_errors=$((total_errors + errors))
  printf '%-16s %10d %10s %10s %10s %8d\n' "$endpoint" "$n" "$rps" "$p50" "$p99" "$errors"
  if [ "$errors" -ne 0 ]; then
    echo "  errors: connect $connect, read $readerr, write $writeerr, non-2xx $status, timeout $timeout"
  fi
done
rss_after=$(rss_kib)
echo "server RSS: before $((rss_before / 1024)) MiB, after $((rss_after / 1024)) MiB, peak $(( $(hwm_kib) / 1024 )) MiB"
curl -fsS "$url/healthz" >/dev/null || { echo "load: server no longer answers /healthz" >&2; exit 1; }
[ "$total_errors" -eq 0 ] || { echo "load: $total_errors errors" >&2; exit 1; }
