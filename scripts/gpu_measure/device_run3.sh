#!/usr/bin/env bash
# Prepared for the next device session (not run yet; about 3 minutes on an H200): the
# varlen grid of measure_training.py, variable-length samples without packing through the
# Hugging Face Trainer beside the same jobs at a fixed length, for the caching allocator's
# reserved memory under changing tensor sizes (ms-swift 1.x's LoRA rows, reserved memory,
# run 20-50% over the prediction at long lengths). Results go to $OUT.
set -o pipefail
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
here=$(dirname "$0")
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
timeout 300 python3 "$here/measure_training.py" --grid varlen --id-prefix H200-F \
  --out "$OUT/measured6.jsonl" --budget-s 240 2>&1 | tee "$OUT/log6.txt"
