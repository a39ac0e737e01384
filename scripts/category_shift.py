#!/usr/bin/env python3
"""How far two builds' predictions moved on the categories of issue 11's blind set.

Issue 11 names where its blind set (published measurements kept apart from the project)
erred when it was filed, category by category (median signed error, e.g. "Hugging Face
Trainer + PEFT on small models on L40S / RTX 6000 Ada: tokens/s +61% to +75%"), and no
case. Without those rows, the next best check is how far the model has moved on
representative jobs of each category since then: if a category was predicted x too high
then, a build whose predictions are y times the old ones is off by about (1 + x) * y - 1
now, where the representative jobs stand for the category's rows. The jobs below are built
from the categories' descriptions alone (model sizes, GPUs, stacks, sequence lengths they
name), not from any reserved source.

  git worktree add /tmp/old 8f3376d^    # the commit before issue 11's first
  cmake -S /tmp/old -B /tmp/old/build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build /tmp/old/build --target gpu-advisor
  python3 scripts/category_shift.py /tmp/old/build/gpu-advisor ./build/gpu-advisor

The old build predates `training.framework`: it gets each job without the stack; the new
one with it. Memory compares per-GPU totals and the allocator's reserved peak; tokens/s per
GPU. Per category it prints the median ratio new / old and, with the filing's signed error,
the error that ratio implies now.
"""
import copy
import json
import statistics
import subprocess
import sys
import tempfile

# Median signed error of each category at filing (issue 11's table; memory / tokens/s),
# the midpoint where the issue gives a span.
FILED = {
    "hf-peft-ada": {"tokens": 0.68},
    "fp8-single-node": {"tokens": -0.34, "memory": 0.22},
    "megatron-fp8-multinode": {"tokens": -0.40},
    "blackwell-fp8": {"tokens": -0.45},
    "torchtitan-fsdp2": {"memory": 0.41},
    "torchtune": {"memory": 0.21},
    "megatron-deepspeed-176b": {"tokens": 0.21},
    "fsdp-qlora": {"memory": -0.11, "tokens": -0.18},
}


def training(method, precision, seq, micro, global_batch, ckpt, **extra):
    t = dict(method=method, precision=precision, seq_len=seq, micro_batch=micro,
             global_batch=global_batch, activation_checkpointing=ckpt, attention="flash")
    t.update(extra)
    return t


def layout(tp=1, pp=1, zero=0, sp=False, cp=1, ep=1):
    return dict(tp=tp, pp=pp, zero=zero, sequence_parallel=sp, cp=cp, ep=ep)


def jobs():
    """(category, scenario without stack, stack) triples."""
    out = []

    def add(category, model, train, gpu, count, nodes=1, par=None, stack=None):
        s = dict(model=model, training=train, hardware=dict(gpu=gpu, count=count, nodes=nodes))
        if par:
            s["parallelism"] = par
        out.append((category, s, stack))

    lora = dict(rank=16, alpha=32, targets="all-linear")
    for gpu in ("l40s", "rtx-6000-ada"):
        for model in ("llama-3.2-1b", "llama-3.2-3b", "qwen2.5-1.5b"):
            for seq, micro, ckpt in ((512, 8, "none"), (1024, 4, "full"), (2048, 2, "full")):
                add("hf-peft-ada", model, training("lora", "bf16", seq, micro, 4 * micro, ckpt,
                                                   lora=lora), gpu, 1, stack="hf-trainer")
    for gpu in ("h100-sxm", "h200-sxm"):
        add("fp8-single-node", "llama-3.1-8b",
            training("pretrain", "fp8-mixed", 8192, 1, 8, "selective"), gpu, 8,
            par=layout(zero=3), stack="torchtitan")
        add("fp8-single-node", "llama-3.1-8b",
            training("pretrain", "fp8-mixed", 8192, 1, 128, "full"), gpu, 8,
            par=layout(tp=2, zero=1, sp=True), stack="megatron")
    for gpu, category in (("h100-sxm", "megatron-fp8-multinode"), ("b200", "blackwell-fp8")):
        add(category, "llama-3.1-70b", training("pretrain", "fp8-mixed", 8192, 1, 128, "none"),
            gpu, 8, 8, layout(tp=4, pp=4, zero=1, sp=True), "megatron")
        add(category, "llama-3.1-405b", training("pretrain", "fp8-mixed", 8192, 1, 512, "none"),
            gpu, 8, 64, layout(tp=8, pp=8, zero=1, sp=True), "megatron")
        add(category, "mixtral-8x7b", training("pretrain", "fp8-mixed", 4096, 1, 256, "none"),
            gpu, 8, 8, layout(pp=4, zero=1, ep=8), "megatron")
    for seq, cp in ((8192, 1), (32768, 1), (131072, 8)):
        add("torchtitan-fsdp2", "llama-3.1-8b",
            training("pretrain", "bf16-mixed", seq, 1, 8 // cp,
                     "selective" if seq <= 8192 else "full"),
            "h100-sxm", 8, par=layout(zero=3, cp=cp), stack="torchtitan")
    add("torchtitan-fsdp2", "llama-3.1-70b", training("pretrain", "bf16-mixed", 8192, 1, 64, "full"),
        "h100-sxm", 8, 8, layout(tp=8, zero=3, sp=True), "torchtitan")
    qv = dict(rank=8, alpha=16, targets=["q_proj", "v_proj"])
    add("torchtune", "llama-3.1-8b",
        training("full", "bf16", 2048, 2, 2, "full", optimizer="paged-adamw-8bit"),
        "a100-80gb-sxm", 1, stack="torchtune")
    add("torchtune", "llama-3.1-8b", training("lora", "bf16", 2048, 2, 2, "full", lora=qv),
        "a100-80gb-sxm", 1, stack="torchtune")
    add("torchtune", "llama-3.1-8b", training("qlora", "bf16", 2048, 2, 2, "full", lora=qv),
        "a100-80gb-sxm", 1, stack="torchtune")
    add("megatron-deepspeed-176b", "bloom-176b",
        training("pretrain", "bf16-mixed", 2048, 2, 2048, "full"), "a100-80gb-sxm", 8, 48,
        layout(tp=4, pp=12, zero=1), "megatron-deepspeed")
    qlora = dict(rank=64, alpha=16, targets="all-linear")
    for gpu in ("rtx-3090", "rtx-4090"):
        add("fsdp-qlora", "llama-2-7b",
            training("qlora", "bf16", 2048, 2, 8, "full", lora=qlora, optimizer="adamw"),
            gpu, 2, par=layout(zero=3), stack="fsdp-qlora")
        add("fsdp-qlora", "llama-2-13b",
            training("qlora", "bf16", 2048, 1, 8, "full", lora=qlora, optimizer="adamw"),
            gpu, 2, par=layout(zero=3), stack="fsdp-qlora")
    return out


def estimate(binary, scenario):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(scenario, f)
        f.flush()
        p = subprocess.run([binary, "estimate", f.name, "--format", "json"],
                           capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip()[:300])
    d = json.loads(p.stdout)
    return {"memory": d["memory"]["per_gpu_bytes"], "reserved": d["memory"]["peak_reserved_bytes"],
            "tokens": d["throughput"]["tokens_per_s_per_gpu"]}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old_bin, new_bin = sys.argv[1], sys.argv[2]
    ratios = {}
    for category, scenario, stack in jobs():
        new_s = copy.deepcopy(scenario)
        if stack:
            new_s["training"]["framework"] = stack
        old, new = estimate(old_bin, scenario), estimate(new_bin, new_s)
        r = {k: new[k] / old[k] if old[k] else float("nan") for k in new}
        ratios.setdefault(category, []).append(r)
        print(f"{category:24} {scenario['model']:15} {scenario['hardware']['gpu']:13} "
              f"seq {scenario['training']['seq_len']:6}  new/old memory {r['memory']:.2f} "
              f"reserved {r['reserved']:.2f} tokens/s {r['tokens']:.2f}")
    print()
    print(f"{'category':24} {'n':>3}  median new/old (memory, reserved, tokens/s)  implied now")
    for category, rs in ratios.items():
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        implied = []
        for quantity, filed in FILED.get(category, {}).items():
            ratio = med["reserved" if quantity == "memory" else "tokens"]
            implied.append(f"{quantity} {filed:+.0%} then -> {(1 + filed) * ratio - 1:+.0%}")
        print(f"{category:24} {len(rs):3}  {med['memory']:.2f} {med['reserved']:.2f} "
              f"{med['tokens']:.2f}   {'; '.join(implied)}")


if __name__ == "__main__":
    main()
