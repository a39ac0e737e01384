#!/usr/bin/env bash
# One device session's measurements (about 6 minutes on an H100/H200): the launch profile,
# then the training grid. Results go to $OUT (default ./gpu_out).
set -o pipefail
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
here=$(dirname "$0")
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
timeout 150 python3 "$here/profile_launches.py" --out "$OUT/launches.jsonl" --budget-s 110 2>&1 |
  tee "$OUT/profile_log.txt"
timeout 255 python3 "$here/measure_training.py" --out "$OUT/measured.jsonl" --budget-s 195 2>&1 |
  tee "$OUT/log.txt"
