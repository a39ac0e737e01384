#!/usr/bin/env python3
"""Fused attention rate against sequence length, for the attention term of the throughput
model (MODELLING.md section 7; data/efficiency.yaml attn_eta).

Times torch.nn.functional.scaled_dot_product_attention, causal, bf16, at a fixed 32k tokens
per call (batch = 32768 / seq) for each sequence length, head dimension and SDPA backend
(flash, cuDNN, the default choice), forward and forward + backward, with CUDA events
(3 warm-up and 10 timed calls). Executed FLOPs: forward 4 b h s^2 d / 2 (causal), backward
2.5x forward. Writes JSON lines; prints a table.

    PYTHONUNBUFFERED=1 python3 attention_bench.py --out attention.jsonl
"""
import argparse
import contextlib
import json
import sys


def bench(fn, iters=10, warm=3):
    import torch
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3 / iters


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="attention.jsonl")
    ap.add_argument("--tokens", type=int, default=32768)
    args = ap.parse_args()
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    backends = {"default": None, "flash": SDPBackend.FLASH_ATTENTION,
                "cudnn": SDPBackend.CUDNN_ATTENTION}
    env = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
           "tokens_per_call": args.tokens}
    print("[env]", json.dumps(env), flush=True)
    out = open(args.out, "w")
    out.write(json.dumps({"env": env}) + "\n")
    print(f"{'backend':8s} {'d':>4s} {'heads':>5s} {'seq':>6s} {'b':>4s} {'fwd TF/s':>9s} "
          f"{'f+b TF/s':>9s}", flush=True)
    for d, heads in ((64, 32), (128, 32)):
        for seq in (512, 1024, 2048, 4096, 8192, 16384, 32768):
            b = max(1, args.tokens // seq)
            q, k, v = (torch.randn(b, heads, seq, d, device="cuda", dtype=torch.bfloat16,
                                   requires_grad=True) for _ in range(3))
            g = torch.randn_like(q)
            fwd_flops = 4.0 * b * heads * seq * seq * d / 2
            for name, be in backends.items():
                rec = {"backend": name, "head_dim": d, "heads": heads, "seq": seq, "batch": b,
                       "fwd_flops": fwd_flops}
                try:
                    ctx = sdpa_kernel(be) if be is not None else contextlib.nullcontext()
                    with ctx:
                        def fwd():
                            return F.scaled_dot_product_attention(q, k, v, is_causal=True)

                        def fwd_bwd():
                            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                            torch.autograd.grad(o, (q, k, v), g)
                        with torch.no_grad():
                            tf = bench(fwd)
                        tfb = bench(fwd_bwd)
                    rec.update(fwd_s=tf, fwd_bwd_s=tfb, fwd_tflops=fwd_flops / tf / 1e12,
                               fwd_bwd_tflops=3.5 * fwd_flops / tfb / 1e12)
                    print(f"{name:8s} {d:4d} {heads:5d} {seq:6d} {b:4d} "
                          f"{rec['fwd_tflops']:9.1f} {rec['fwd_bwd_tflops']:9.1f}", flush=True)
                except Exception as e:  # noqa: BLE001
                    rec["error"] = f"{type(e).__name__}: {e}"[:300]
                    print(f"{name:8s} {d:4d} {heads:5d} {seq:6d} error {rec['error'][:80]}",
                          flush=True)
                out.write(json.dumps(rec) + "\n")
                out.flush()
            del q, k, v, g
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
