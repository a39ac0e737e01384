#!/bin/sh
# gpu-advisor-probe where no CUDA device is usable: CUDA_VISIBLE_DEVICES=-1 hides every GPU,
# so this holds on GPU machines too. --help and bad arguments need no device; a run must say
# "no CUDA device" and exit 1 (a crash would be >128), and `gpu-advisor probe` must pass
# that on as its own failure (exit 1).
#   probe_without_device.sh PROBE_BINARY GPU_ADVISOR_BINARY
set -u
probe=$1
cli=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CUDA_VISIBLE_DEVICES=-1
fail() {
  echo "FAIL: $1"
  for f in "$tmp"/out "$tmp"/err; do [ -f "$f" ] && sed 's/^/  | /' "$f"; done
  exit 1
}
expect() {  # expect EXIT_CODE FILE REGEX -- the last command's exit code and output
  [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"
  grep -q -- "$3" "$tmp/$2" || fail "$2 lacks /$3/"
}

"$probe" --help >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 0 out '^usage: gpu-advisor-probe \[--out FILE\] \[--device N\]'
expect 0 out '^Exit codes: 0 measured; 1 no CUDA device'

"$probe" --frobnicate >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 2 err "^gpu-advisor-probe: unknown argument '--frobnicate'"
"$probe" --device x >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 2 err "^gpu-advisor-probe: --device 'x': expected a device index"
"$probe" --target-ms 0 >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 2 err "^gpu-advisor-probe: --target-ms '0': expected milliseconds > 0"
"$probe" --out >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 2 err '^gpu-advisor-probe: --out needs a value'

"$probe" --quick --out "$tmp/result.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 1 err '^gpu-advisor-probe: no CUDA device (.*); nothing measured$'
expect 1 out '^{"error": "no CUDA device"}$'
grep -q '"error": "no CUDA device"' "$tmp/result.json" || fail "--out file lacks the error"

"$cli" probe --quick --out "$tmp/cli.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect 1 err '^gpu-advisor-probe: no CUDA device'
expect 1 err '^error: gpu-advisor-probe failed (exit code 1)$'
echo "ok: gpu-advisor-probe without a device"
