#!/usr/bin/env bash
# The second device session's measurements (about 6 minutes on an H200): fused attention
# against sequence length (attention_bench.py), then the fp8-trainer grid of
# measure_training.py (fp8 vs bf16 at Llama 3 8B layer shapes, the Hugging Face Trainer vs
# the plain loop). torchao is not in the device image: its pure-Python source travels in
# .tao/ (a snapshot of pytorch/ao, C++ extensions skipped). Results go to $OUT.
set -o pipefail
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 TORCHAO_FORCE_SKIP_LOADING_SO_FILES=1
export PYTHONPATH="$PWD/.tao${PYTHONPATH:+:$PYTHONPATH}"
here=$(dirname "$0")
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
python3 -c "import torchao.float8 as f; print('torchao float8 ok', f.__file__)" 2>&1 | tail -3
timeout 100 python3 "$here/attention_bench.py" --out "$OUT/attention.jsonl" 2>&1 |
  tee "$OUT/attention_log.txt"
timeout 330 python3 "$here/measure_training.py" --grid fp8-trainer --id-prefix H200-B \
  --out "$OUT/measured2.jsonl" --budget-s 270 2>&1 | tee "$OUT/log2.txt"
