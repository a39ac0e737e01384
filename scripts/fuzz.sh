#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang from Debian) and runs each for a bounded time
# from its seed corpus (fuzz/corpus/<target>/) and dictionary (fuzz/dict/<target>.dict).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz; scripts/test_sanitize.sh passes its own
# build-asan), FUZZ_RUNS (stop a target after this many executions; default: time only),
# FUZZ_NO_BUILD=1 (use the binaries already built), FUZZ_MAX_LEN (longest input in bytes,
# default 65536; a smaller one keeps a long catalog campaign fast as its corpus grows).
# Inputs that crash, hang (> 10 s) or run out of memory land in
# $FUZZ_BUILD_DIR/fuzz-findings/<target>/; inputs that found new coverage in
# $FUZZ_BUILD_DIR/fuzz-corpus/<target>/ (the seeds in the repository are never modified).
# Each finding must become a test in tests/unit/hardening/fuzz_regressions_test.cc.
# Exit status: 0 when no target found anything.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario hf_config catalog cli http)
build=${FUZZ_BUILD_DIR:-build-fuzz}
runs=${FUZZ_RUNS:--1}
max_len=${FUZZ_MAX_LEN:-65536}

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGPUADV_BUILD_FUZZERS=ON -DGPUADV_BUILD_TESTS=OFF -DGPUADV_BUILD_BENCHMARKS=OFF
  fi
  built=()
  for t in "${targets[@]}"; do
    # The http target exists only when the server is built (GPUADV_BUILD_SERVER).
    if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^${t}_fuzzer:"; then
      built+=("${t}_fuzzer")
    fi
  done
  cmake --build "$build" --target "${built[@]}"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=""
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzzer"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $t: not built, skipped"
    continue
  fi
  findings="$build/fuzz-findings/$t"
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$findings" "$corpus"
  log="$build/fuzz-$t.log"
  echo "fuzz: $t for ${seconds}s (log $log)"
  start=$(date +%s)
  rc=0
  # -close_fd_mask=1: the targets' own stdout (tables the CLI prints) is dropped.
  "$bin" "$corpus" "fuzz/corpus/$t" -dict="fuzz/dict/$t.dict" -max_total_time="$seconds" \
    -runs="$runs" -timeout=10 -rss_limit_mb=4096 -max_len="$max_len" -close_fd_mask=1 \
    -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  line="$t: $execs executions in ${elapsed}s"
  if [ $rc -ne 0 ]; then
    status=1
    line="$line, FAILED (exit $rc): $(ls "$findings" | tr '\n' ' ')"
    grep -m1 -A30 -E '^==[0-9]+==ERROR|FUZZ FINDING|runtime error|ALARM|out-of-memory' "$log" || tail -30 "$log"
  fi
  summary+="  $line"$'\n'
done
echo "fuzz summary:"
printf '%s' "$summary"
exit $status
