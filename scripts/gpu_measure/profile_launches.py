#!/usr/bin/env python3
"""Count the kernels one training step launches and the host time it takes to launch them.

For the launch-overhead term of the throughput model (MODELLING.md section 7): a step of a
small model at a tiny shape (micro-batch 1, --seq tokens) leaves the GPU idle most of the
time, so its wall time is the host's: Python, the dispatcher and the launches. For each
configuration this prints and writes (JSON lines):

  launches_{fwd,bwd,opt}  CUDA launch calls per phase (profiler runtime events named
                          cudaLaunchKernel* / cuLaunchKernel*), each phase in its own
                          profiler window
  kernels_{fwd,bwd,opt}   GPU kernel records of the same windows (cross-check)
  host_{fwd,bwd,opt}_s    perf_counter time of each phase, median over --steps steps, no
                          synchronisation inside the step (the GPU trails the host)
  step_s                  synchronised wall time of a whole step (median)
  us_per_launch           step_s / launches_total

    PYTHONUNBUFFERED=1 python3 profile_launches.py --out launches.jsonl [--budget-s 120]
"""
import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure_training as mt  # noqa: E402

# Each configuration as a measure_training case (micro-batch and length set per run).
CONFIGS = [
    mt.C("gpt2-124m", "full", "bf16-mixed", 1, 0),
    mt.C("gpt2-124m", "full", "bf16", 1, 0),
    mt.C("gpt2-124m", "full", "bf16-mixed", 1, 0, ckpt="full"),
    mt.C("gpt2-124m", "full", "bf16-mixed", 1, 0, attn="eager"),
    mt.C("gpt2-124m", "lora", "bf16", 1, 0),
    mt.C("llama-1b", "full", "bf16-mixed", 1, 0),
    mt.C("llama-1b", "full", "bf16", 1, 0),
    mt.C("llama-1b", "full", "bf16", 1, 0, ckpt="full"),
    mt.C("llama-1b", "lora", "bf16", 1, 0),
    mt.C("gpt2-355m", "full", "bf16-mixed", 1, 0),
    mt.C("llama-1b", "full", "bf16", 1, 0, compile=True),
    mt.C("gpt2-124m", "full", "bf16-mixed", 1, 0, compile=True),
]


def count_launches(prof):
    import torch
    cuda_type = None
    with contextlib.suppress(Exception):
        cuda_type = torch.autograd.DeviceType.CUDA
    launches, kernels = 0, 0
    for e in prof.events():
        name = e.name or ""
        if "LaunchKernel" in name or "cuLaunchCooperativeKernel" in name:
            launches += 1
        dt = getattr(e, "device_type", None)
        if dt is not None and cuda_type is not None and dt == cuda_type and \
                "Memcpy" not in name and "Memset" not in name:
            kernels += 1
    return launches, kernels


def setup(case, device):
    import torch
    spec = mt.MODELS[case["model"]]
    model, opt, amp, info = mt.prepare_case(case, spec, device)
    ids = torch.randint(0, spec["vocab"], (case["micro_batch"], case["seq_len"]), device=device)

    def fwd():
        with amp():
            return model(input_ids=ids, labels=ids, use_cache=False).loss

    def bwd(loss):
        loss.backward()

    def optstep():
        opt.step()
        opt.zero_grad(set_to_none=True)

    return spec, model, fwd, bwd, optstep, info["trainable_tensors"]


def run(case, steps, device):
    import torch
    from torch.profiler import ProfilerActivity, profile
    spec, model, fwd, bwd, optstep, n_tensors = setup(case, device)
    for _ in range(3 if not case["compile"] else 4):
        bwd(fwd())
        optstep()
    torch.cuda.synchronize()
    # host time per phase (no sync inside the step) and synchronised step time
    hf, hb, ho, st = [], [], [], []
    for _ in range(steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = fwd()
        t1 = time.perf_counter()
        bwd(loss)
        t2 = time.perf_counter()
        optstep()
        t3 = time.perf_counter()
        torch.cuda.synchronize()
        t4 = time.perf_counter()
        hf.append(t1 - t0)
        hb.append(t2 - t1)
        ho.append(t3 - t2)
        st.append(t4 - t0)
    acts = [ProfilerActivity.CPU, ProfilerActivity.CUDA]
    torch.cuda.synchronize()
    with profile(activities=acts) as p1:
        loss = fwd()
        torch.cuda.synchronize()
    with profile(activities=acts) as p2:
        bwd(loss)
        torch.cuda.synchronize()
    with profile(activities=acts) as p3:
        optstep()
        torch.cuda.synchronize()
    lf, kf = count_launches(p1)
    lb, kb = count_launches(p2)
    lo, ko = count_launches(p3)
    med = statistics.median
    n_params = sum(p.numel() for p in model.parameters())
    rec = {"model": case["model"], "method": case["method"], "precision": case["precision"],
           "ckpt": case["ckpt"], "attn": case["attn"], "compile": case["compile"],
           "seq": case["seq_len"], "micro_batch": case["micro_batch"],
           "layers": spec["n_layer"], "params": int(n_params), "trainable_tensors": n_tensors,
           "launches_fwd": lf, "launches_bwd": lb, "launches_opt": lo,
           "kernels_fwd": kf, "kernels_bwd": kb, "kernels_opt": ko,
           "host_fwd_s": med(hf), "host_bwd_s": med(hb), "host_opt_s": med(ho),
           "step_s": med(st), "step_s_all": [round(x, 6) for x in st]}
    tot = lf + lb + lo
    rec["launches_total"] = tot
    rec["us_per_launch"] = 1e6 * rec["step_s"] / tot if tot else None
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="launches.jsonl")
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--budget-s", type=float, default=150.0)
    args = ap.parse_args()
    import torch
    import transformers
    with contextlib.suppress(Exception):
        transformers.logging.set_verbosity_error()
    cpu = platform.processor()
    with contextlib.suppress(Exception):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    env = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
           "transformers": transformers.__version__, "cpu": cpu,
           "python": platform.python_version()}
    print("[env]", json.dumps(env), flush=True)
    t_start = time.perf_counter()
    with open(args.out, "w") as f:
        f.write(json.dumps({"env": env}) + "\n")
        for cfg in CONFIGS:
            case = dict(cfg, seq_len=args.seq)
            if time.perf_counter() - t_start > args.budget_s:
                print("[budget] stop before", mt.label(case), flush=True)
                break
            t0 = time.perf_counter()
            try:
                rec = run(case, args.steps, "cuda")
            except Exception as e:  # noqa: BLE001
                rec = {"config": mt.label(case), "error": f"{type(e).__name__}: {e}"[:400]}
            rec["wall_s"] = round(time.perf_counter() - t0, 1)
            f.write(json.dumps(rec) + "\n")
            f.flush()
            if "error" in rec:
                print("ERROR", mt.label(case), rec["error"], flush=True)
            else:
                print(f"{mt.label(case)}: launches f/b/o {rec['launches_fwd']}/{rec['launches_bwd']}/"
                      f"{rec['launches_opt']} kernels {rec['kernels_fwd']}/{rec['kernels_bwd']}/"
                      f"{rec['kernels_opt']} host ms f/b/o {1e3 * rec['host_fwd_s']:.2f}/"
                      f"{1e3 * rec['host_bwd_s']:.2f}/{1e3 * rec['host_opt_s']:.2f} step "
                      f"{1e3 * rec['step_s']:.2f} ms -> {rec['us_per_launch']:.1f} us/launch "
                      f"({rec['wall_s']}s)", flush=True)
            gc.collect()
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
