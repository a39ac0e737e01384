#!/usr/bin/env bash
# Builds and runs the CPU baseline micro-benchmark (cpu_baseline.cc): fp32 GEMM (OpenBLAS),
# bf16 GEMM (oneDNN, when libdnnl-dev is installed) and STREAM triad, on one core and on all
# cores. Benchmark-only dependencies, not needed to build or test gpu-advisor:
#   apt-get install -y libopenblas-pthread-dev   # required (fp32 GEMM)
#   apt-get install -y libdnnl-dev               # optional (bf16 GEMM row)
# Usage: scripts/cpu_baseline/run.sh [--quick] [--threads N] [--gemm-n N] [--triad-mib MIB]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${CPU_BASELINE_BUILD:-${TMPDIR:-/tmp}/gpuadv-cpu-baseline}"
mkdir -p "$out"

if ! pkg-config --exists openblas; then
  echo "cpu_baseline: OpenBLAS not found; install libopenblas-pthread-dev (or libopenblas-dev)" >&2
  exit 1
fi
flags=(-O3 -march=native -fopenmp -std=c++17)
libs=($(pkg-config --libs openblas))
dnnl=""
if [ -f /usr/include/oneapi/dnnl/dnnl.hpp ] && [ -z "${CPU_BASELINE_NO_DNNL:-}" ]; then
  flags+=(-DCPU_BASELINE_DNNL)
  libs+=(-ldnnl)
  dnnl=" + oneDNN"
fi
${CXX:-g++} "${flags[@]}" $(pkg-config --cflags openblas) "$here/cpu_baseline.cc" \
  -o "$out/cpu_baseline" "${libs[@]}"
echo "built $out/cpu_baseline (OpenBLAS$dnnl)" >&2
# OpenBLAS's pthread pool and oneDNN's OpenMP pool must not both spin at once.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
exec "$out/cpu_baseline" "$@"
