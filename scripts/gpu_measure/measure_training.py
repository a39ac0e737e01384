#!/usr/bin/env python3
"""Measure per-GPU training memory and step time of small real models on one CUDA GPU.

Builds HF transformers models with random weights from configs defined below (nothing
is downloaded), trains each grid case for 2 warm-up + 5 timed steps on random tokens and
writes one JSON object per case in the validation-case format of
shared/validation/cases.jsonl (see scripts/gpu_measure/README.md).

    PYTHONUNBUFFERED=1 python3 measure_training.py --out measured.jsonl [--budget-s 330]
    python3 measure_training.py --list          # print the grid and exit (no GPU needed)

Memory readings per case (all after torch.cuda.reset_peak_memory_stats, which is called
once the model and optimizer exist, so they cover the 7 training steps, not model build):
  allocated = torch.cuda.max_memory_allocated()
  reserved  = torch.cuda.max_memory_reserved()
  nvml      = largest NVML "used GPU memory" of this process seen after each step
              (what nvidia-smi lists for the process: CUDA context + reserved + libraries);
              falls back to device used minus the idle reading taken before CUDA init.
"""
import argparse
import contextlib
import datetime
import gc
import json
import os
import statistics
import sys
import time
import traceback

# ---------------------------------------------------------------------------------------
# Model configs (random weights; shapes follow the public configs)
# ---------------------------------------------------------------------------------------
MODELS = {
    # GPT-2 small (124M): HF GPT2Config defaults. Dropout 0.1 (resid/embd/attn) is HF's default.
    "gpt2-124m": dict(kind="gpt2", n_layer=12, n_embd=768, n_head=12, vocab=50257,
                      n_positions=1024, dropout=0.1),
    # GPT-2 medium (355M)
    "gpt2-355m": dict(kind="gpt2", n_layer=24, n_embd=1024, n_head=16, vocab=50257,
                      n_positions=1024, dropout=0.1),
    # ~1.1B Llama-shaped (Llama-3.2-1B / TinyLlama-like body) with a 32000 vocab, untied.
    "llama-1b": dict(kind="llama", n_layer=16, hidden=2048, heads=32, kv_heads=8, ffn=8192,
                     vocab=32000, max_pos=4096, dropout=0.0),
    # The same body with a 32k position limit, for the long-context cases (RoPE has no
    # position parameters: only the config's limit differs).
    "llama-1b-32k": dict(kind="llama", n_layer=16, hidden=2048, heads=32, kv_heads=8,
                         ffn=8192, vocab=32000, max_pos=32768, dropout=0.0),
    # Llama 3 8B's layer shapes (hidden 4096, 32 / 8 heads, SwiGLU 14336, vocab 128256), four
    # layers deep so that one GPU trains it with fp32 AdamW states: its GEMMs have the shapes
    # of the 8B model's, for the fp8 / compile cases.
    "llama3-8b-4l": dict(kind="llama", n_layer=4, hidden=4096, heads=32, kv_heads=8,
                         ffn=14336, vocab=128256, max_pos=8192, dropout=0.0),
    "llama3-8b-8l": dict(kind="llama", n_layer=8, hidden=4096, heads=32, kv_heads=8,
                         ffn=14336, vocab=128256, max_pos=8192, dropout=0.0),
    # the same with a 32k position limit, for the long-sequence checkpointing cases
    "llama3-8b-4l-32k": dict(kind="llama", n_layer=4, hidden=4096, heads=32, kv_heads=8,
                             ffn=14336, vocab=128256, max_pos=32768, dropout=0.0),
    "llama3-8b-8l-32k": dict(kind="llama", n_layer=8, hidden=4096, heads=32, kv_heads=8,
                             ffn=14336, vocab=128256, max_pos=32768, dropout=0.0),
}

LORA_TARGETS = {"gpt2": ["c_attn"], "llama": ["q_proj", "k_proj", "v_proj", "o_proj"]}
LORA_RANK, LORA_ALPHA, LORA_DROPOUT = 16, 32, 0.0

WARMUP_STEPS, TIMED_STEPS = 2, 5


def C(model, method, prec, mb, seq, ckpt="none", attn="sdpa", extra=False, compile=False,
      trainer=False, varlen=False):
    """One case. `prec` fp8-mixed = bf16-mixed with torchao Float8 training (tensorwise
    dynamic scaling) on every linear but the LM head; `trainer`: the steps run through the
    Hugging Face Trainer's defaults instead of the plain loop; `varlen` (Trainer, micro-batch
    1): each step one sequence of a length drawn from seq / 8 to seq, as fine-tuning data
    without packing, for the allocator's reserved memory under changing sizes (memory only)."""
    return dict(model=model, method=method, precision=prec, micro_batch=mb, seq_len=seq,
                ckpt=ckpt, attn=attn, extra_metrics=extra, compile=compile, trainer=trainer,
                varlen=varlen)


# Grid, in priority order (the run stops starting new cases when --budget-s is spent).
GRID = [
    # GPT-2 124M
    C("gpt2-124m", "full", "bf16-mixed", 1, 512),
    C("gpt2-124m", "full", "bf16-mixed", 4, 1024, extra=True),
    C("gpt2-124m", "full", "bf16-mixed", 8, 1024),
    C("gpt2-124m", "full", "bf16-mixed", 8, 512),
    C("gpt2-124m", "full", "bf16-mixed", 8, 1024, ckpt="full"),
    C("gpt2-124m", "full", "bf16-mixed", 4, 1024, ckpt="full"),
    C("gpt2-124m", "full", "bf16", 4, 1024),
    C("gpt2-124m", "full", "bf16", 8, 1024),
    C("gpt2-124m", "full", "bf16-mixed", 4, 1024, attn="eager"),
    C("gpt2-124m", "full", "bf16-mixed", 8, 1024, attn="eager"),
    C("gpt2-124m", "lora", "bf16", 8, 1024),
    C("gpt2-124m", "lora", "bf16", 4, 512),
    C("gpt2-124m", "lora", "bf16-mixed", 8, 1024),
    # Llama-shaped 1.1B
    C("llama-1b", "full", "bf16-mixed", 1, 2048),
    C("llama-1b", "full", "bf16-mixed", 4, 2048, extra=True),
    C("llama-1b", "full", "bf16-mixed", 8, 2048),
    C("llama-1b", "full", "bf16-mixed", 4, 512),
    C("llama-1b", "full", "bf16-mixed", 4, 2048, ckpt="full"),
    C("llama-1b", "full", "bf16-mixed", 8, 2048, ckpt="full"),
    C("llama-1b", "full", "bf16", 4, 2048),
    C("llama-1b", "full", "bf16", 8, 1024),
    C("llama-1b", "full", "bf16", 8, 2048, ckpt="full"),
    C("llama-1b", "full", "bf16-mixed", 4, 1024, attn="eager"),
    C("llama-1b", "lora", "bf16", 1, 2048),
    C("llama-1b", "lora", "bf16", 4, 2048, extra=True),
    C("llama-1b", "lora", "bf16", 8, 2048),
    C("llama-1b", "lora", "bf16", 8, 2048, ckpt="full"),
    C("llama-1b", "lora", "bf16-mixed", 4, 2048),
    # GPT-2 medium 355M
    C("gpt2-355m", "full", "bf16-mixed", 8, 1024),
    C("gpt2-355m", "full", "bf16-mixed", 8, 1024, ckpt="full"),
    C("gpt2-355m", "full", "bf16", 4, 1024),
    C("gpt2-355m", "lora", "bf16", 8, 1024),
    # Expected near/over the 80 GB boundary (tests fits / OOM)
    C("llama-1b", "full", "bf16-mixed", 16, 2048),
    # Long context (flash SDPA, one sequence per step)
    C("llama-1b-32k", "full", "bf16", 1, 8192),
    C("llama-1b-32k", "full", "bf16", 1, 16384, ckpt="full"),
    C("llama-1b-32k", "full", "bf16", 1, 32768, ckpt="full"),
    C("llama-1b-32k", "lora", "bf16", 1, 32768, ckpt="full"),
    C("llama-1b-32k", "full", "bf16-mixed", 1, 16384, ckpt="full"),
    C("gpt2-124m", "full", "bf16-mixed", 1, 1024),
    # torch.compile(model) (Inductor, default mode); compilation falls in the warm-up steps
    C("gpt2-124m", "full", "bf16-mixed", 8, 1024, compile=True),
    C("llama-1b", "full", "bf16", 4, 2048, compile=True),
]

# Second device grid (--grid fp8-trainer): fp8 against bf16 at Llama 3 8B layer shapes, with
# and without compile, and the Hugging Face Trainer against the plain loop on cases GRID ran.
GRID_FP8_TRAINER = [
    C("llama3-8b-4l", "full", "bf16-mixed", 1, 8192, compile=True),
    C("llama3-8b-4l", "full", "fp8-mixed", 1, 8192, compile=True),
    C("llama3-8b-4l", "full", "fp8-mixed", 1, 8192),
    C("llama3-8b-4l", "full", "bf16-mixed", 1, 8192),
    C("llama-1b", "lora", "bf16", 4, 2048, trainer=True),
    C("llama-1b", "lora", "bf16", 1, 2048, trainer=True),
    C("gpt2-124m", "full", "bf16-mixed", 8, 1024, trainer=True),
    C("llama-1b", "lora", "bf16", 8, 2048, ckpt="full", trainer=True),
    C("llama-1b", "full", "bf16-mixed", 4, 2048, trainer=True),
]
# Third (--grid fp8-deep): eight layers of the same shapes, so that the GEMMs weigh more
# against the embedding, LM head and optimizer step; two host-bound Trainer cases.
GRID_FP8_DEEP = [
    C("llama3-8b-8l", "full", "bf16-mixed", 1, 8192, compile=True),
    C("llama3-8b-8l", "full", "fp8-mixed", 1, 8192, compile=True),
    C("llama3-8b-8l", "full", "bf16-mixed", 1, 8192),
    C("gpt2-124m", "full", "bf16-mixed", 1, 512, trainer=True),
    C("llama-1b", "full", "bf16-mixed", 1, 2048, trainer=True),
]
# Fourth (--grid sac): torchtitan's per-op selective checkpointing at Llama 3 8B layer shapes
# and long sequences, against no and full checkpointing.
GRID_SAC = [
    C("llama3-8b-4l-32k", "full", "bf16", 1, 8192),
    C("llama3-8b-4l-32k", "full", "bf16", 1, 8192, ckpt="per-op"),
    C("llama3-8b-4l-32k", "full", "bf16", 1, 16384, ckpt="per-op"),
    C("llama3-8b-4l-32k", "full", "bf16", 1, 16384, ckpt="full"),
    C("llama3-8b-8l-32k", "full", "bf16", 1, 32768, ckpt="per-op"),
    C("llama3-8b-8l-32k", "full", "bf16", 1, 32768, ckpt="full"),
    C("llama3-8b-4l-32k", "full", "bf16-mixed", 1, 16384, ckpt="per-op"),
]
# Fifth (--grid length): the same 8192 tokens per step cut into sequences of 1k-16k, for the
# attention rate against sequence length.
GRID_LENGTH = [
    C("llama3-8b-4l-32k", "full", "bf16", 8, 1024),
    C("llama3-8b-4l-32k", "full", "bf16", 4, 2048),
    C("llama3-8b-4l-32k", "full", "bf16", 2, 4096),
    C("llama3-8b-4l-32k", "full", "bf16", 1, 16384),
    C("llama3-8b-4l-32k", "full", "bf16", 1, 32768, ckpt="full"),
    C("llama-1b-32k", "full", "bf16", 8, 1024),
    C("llama-1b-32k", "full", "bf16", 2, 4096),
]
# Sixth (--grid varlen): variable-length samples without packing through the Trainer (the
# ms-swift 1.x benchmark's setting: its LoRA rows' reserved memory runs 20-50% over the
# prediction at long lengths), each beside the same job at a fixed length.
GRID_VARLEN = [
    C("llama-1b-32k", "lora", "bf16", 1, 8192, ckpt="full", trainer=True, varlen=True),
    C("llama-1b-32k", "lora", "bf16", 1, 8192, ckpt="full", trainer=True),
    C("llama-1b-32k", "lora", "bf16", 1, 2048, ckpt="full", trainer=True, varlen=True),
    C("llama-1b-32k", "lora", "bf16", 1, 2048, ckpt="full", trainer=True),
    C("llama-1b-32k", "full", "bf16-mixed", 1, 8192, ckpt="full", trainer=True, varlen=True),
    C("llama-1b-32k", "full", "bf16-mixed", 1, 8192, ckpt="full", trainer=True),
]
GRIDS = {"base": GRID, "fp8-trainer": GRID_FP8_TRAINER, "fp8-deep": GRID_FP8_DEEP,
         "sac": GRID_SAC, "length": GRID_LENGTH, "varlen": GRID_VARLEN}

# Tiny versions of every model (CPU allowed) to check the script, not for data.
_TINY_GPT2 = dict(kind="gpt2", n_layer=2, n_embd=64, n_head=4, vocab=1000, n_positions=1024,
                  dropout=0.1)
_TINY_LLAMA = dict(kind="llama", n_layer=2, hidden=64, heads=4, kv_heads=2, ffn=128, vocab=1000,
                   dropout=0.0)
SMOKE_MODELS = {name: dict(_TINY_GPT2) if spec["kind"] == "gpt2"
                else dict(_TINY_LLAMA, max_pos=spec["max_pos"]) for name, spec in MODELS.items()}


def label(c):
    return (f"{c['model']} {c['method']} {c['precision']} mb{c['micro_batch']} "
            f"s{c['seq_len']} ckpt={c['ckpt']} attn={c['attn']}"
            + (" compile" if c.get("compile") else "") + (" trainer" if c.get("trainer") else "")
            + (" varlen" if c.get("varlen") else ""))


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------------------
# NVML (read-only)
# ---------------------------------------------------------------------------------------
class Nvml:
    def __init__(self):
        self.ok = False
        self.handle = None
        self.baseline_used = None
        try:
            import pynvml  # from nvidia-ml-py
            self.nv = pynvml
            pynvml.nvmlInit()
            idx = 0
            vis = os.environ.get("CUDA_VISIBLE_DEVICES")
            if vis and vis.split(",")[0].strip().isdigit():
                idx = int(vis.split(",")[0])
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(idx)
            self.baseline_used = int(pynvml.nvmlDeviceGetMemoryInfo(self.handle).used)
            try:
                d = pynvml.nvmlSystemGetDriverVersion()
                self.driver = d.decode() if isinstance(d, bytes) else str(d)
            except Exception:
                self.driver = None
            self.ok = True
        except Exception as e:  # noqa: BLE001
            log(f"[nvml] unavailable: {e!r}")
            self.driver = None

    def device_used(self):
        if not self.ok:
            return None
        try:
            return int(self.nv.nvmlDeviceGetMemoryInfo(self.handle).used)
        except Exception:
            return None

    def process_used(self):
        """Used GPU memory of this process as nvidia-smi lists it, or None."""
        if not self.ok:
            return None
        pid = os.getpid()
        for fn in ("nvmlDeviceGetComputeRunningProcesses_v3",
                   "nvmlDeviceGetComputeRunningProcesses"):
            f = getattr(self.nv, fn, None)
            if f is None:
                continue
            try:
                for p in f(self.handle):
                    if int(p.pid) == pid and p.usedGpuMemory is not None:
                        return int(p.usedGpuMemory)
            except Exception:
                continue
        return None

    def sample(self):
        """(bytes, method): process usage when NVML lists it, else device used - idle."""
        pu = self.process_used()
        if pu is not None:
            return pu, "nvml_process"
        du = self.device_used()
        if du is not None and self.baseline_used is not None:
            return du - self.baseline_used, "nvml_device_minus_idle"
        return None, None


# ---------------------------------------------------------------------------------------
# Model construction
# ---------------------------------------------------------------------------------------
def make_hf_config(spec):
    import transformers
    if spec["kind"] == "gpt2":
        cfg = transformers.GPT2Config(
            vocab_size=spec["vocab"], n_positions=spec["n_positions"], n_embd=spec["n_embd"],
            n_layer=spec["n_layer"], n_head=spec["n_head"],
            resid_pdrop=spec["dropout"], embd_pdrop=spec["dropout"], attn_pdrop=spec["dropout"],
            tie_word_embeddings=True)
    else:
        cfg = transformers.LlamaConfig(
            vocab_size=spec["vocab"], hidden_size=spec["hidden"],
            intermediate_size=spec["ffn"], num_hidden_layers=spec["n_layer"],
            num_attention_heads=spec["heads"], num_key_value_heads=spec["kv_heads"],
            max_position_embeddings=spec["max_pos"], tie_word_embeddings=False,
            attention_bias=False, mlp_bias=False, attention_dropout=0.0,
            hidden_act="silu", rms_norm_eps=1e-5)
    cfg.use_cache = False
    return cfg


def build_model(spec, attn, device):
    import torch
    import transformers
    cfg = make_hf_config(spec)
    with contextlib.suppress(Exception):
        cfg._attn_implementation = attn
    with torch.device(device):
        try:
            model = transformers.AutoModelForCausalLM.from_config(cfg, attn_implementation=attn)
        except TypeError:
            model = transformers.AutoModelForCausalLM.from_config(cfg)
    model.to(device)
    actual = getattr(model.config, "_attn_implementation", None)
    return model, actual


def model_scenario(name, spec, n_params):
    if spec["kind"] == "gpt2":
        h = spec["n_embd"]
        return {"family": "gpt2", "params": n_params, "layers": spec["n_layer"], "hidden": h,
                "heads": spec["n_head"], "kv_heads": spec["n_head"], "ffn": 4 * h,
                "vocab": spec["vocab"], "mlp": "gelu", "norm": "layernorm", "bias": True,
                "tied_embeddings": True, "position": "learned", "experts": 0,
                "experts_active": 0, "head_dim": h // spec["n_head"],
                "max_seq_len": spec["n_positions"], "kind": "decoder",
                "dropout": spec["dropout"]}
    h = spec["hidden"]
    return {"params": n_params, "layers": spec["n_layer"], "hidden": h,
            "heads": spec["heads"], "kv_heads": spec["kv_heads"], "ffn": spec["ffn"],
            "vocab": spec["vocab"], "mlp": "swiglu", "norm": "rmsnorm", "bias": False,
            "tied_embeddings": False, "position": "rope", "experts": 0,
            "experts_active": 0, "head_dim": h // spec["heads"],
            "max_seq_len": spec["max_pos"], "kind": "decoder", "dropout": spec["dropout"]}


# ---------------------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------------------
def sdpa_backend(spec, case, device):
    """The fused-attention backend SDPA picks for this case's attention call ("cudnn",
    "flash", "efficient", "math"; None when torch cannot say). Torch 2.11 on sm90 / sm100
    prefers cuDNN once the bundled cuDNN is newer than 9.15.0 (sdp_utils.cpp
    check_prefer_cudnn_attention); cuDNN and FlashAttention-3 are the FA3-class kernels
    (stack trait attention_kernel fa3)."""
    import torch
    with contextlib.suppress(Exception):
        shape = model_scenario(case["model"], spec, None)
        heads, kv, hd = shape["heads"], shape["kv_heads"], shape["head_dim"]
        dtype = torch.bfloat16
        q = torch.empty(case["micro_batch"], heads, case["seq_len"], hd, device=device, dtype=dtype,
                        requires_grad=True)
        k = torch.empty(case["micro_batch"], kv, case["seq_len"], hd, device=device, dtype=dtype,
                        requires_grad=True)
        choice = torch._fused_sdp_choice(q, k, k, None, 0.0, True, enable_gqa=kv != heads)
        from torch.nn.attention import SDPBackend
        names = {SDPBackend.CUDNN_ATTENTION: "cudnn", SDPBackend.FLASH_ATTENTION: "flash",
                 SDPBackend.EFFICIENT_ATTENTION: "efficient", SDPBackend.MATH: "math"}
        return names.get(SDPBackend(choice), str(choice))
    return None


def per_op_save_ops():
    """The ops torchtitan's per-op selective checkpointing saves (torchtitan
    distributed/activation_checkpoint.py _get_default_save_ops, 2026-08): the partitioner's
    compute-intensive ops, the SDPA variants and aten.max."""
    import torch
    from torch._functorch.partitioners import get_default_op_list
    ops = {op.default for op in get_default_op_list().compute_intensive_ops}
    for name in ("_scaled_dot_product_cudnn_attention", "_scaled_dot_product_flash_attention",
                 "_scaled_dot_product_efficient_attention", "_scaled_dot_product_attention_math",
                 "_scaled_dot_product_fused_attention_overrideable", "max", "linear", "mm"):
        op = getattr(torch.ops.aten, name, None)
        if op is not None:
            ops.add(op.default)
    return ops


def apply_per_op_sac(model):
    """Wraps each decoder layer as torchtitan's SelectiveAC does: every save op's output is
    kept except every second matmul (counted per layer, forward and recompute apart); the
    rest is recomputed in backward."""
    import torch
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import checkpoint_wrapper
    from torch.utils.checkpoint import CheckpointPolicy, create_selective_checkpoint_contexts
    save_ops = per_op_save_ops()
    mm_ops = (torch.ops.aten.mm.default, torch.ops.aten.linear.default)

    def policy():
        meta = {"forward": 0, "recompute": 0}

        def fn(ctx, func, *args, **kwargs):
            mode = "recompute" if ctx.is_recompute else "forward"
            if func in mm_ops:
                meta[mode] += 1
            if func in save_ops:
                if func in mm_ops and meta[mode] % 2 == 0:
                    return CheckpointPolicy.PREFER_RECOMPUTE
                return CheckpointPolicy.MUST_SAVE
            return CheckpointPolicy.PREFER_RECOMPUTE
        return fn

    layers = model.model.layers
    for i, layer in enumerate(layers):
        layers[i] = checkpoint_wrapper(
            layer, context_fn=lambda: create_selective_checkpoint_contexts(policy()),
            preserve_rng_state=False)


def prepare_case(case, spec, device):
    """The model, optimizer and autocast context of one case, and what was built (`info`).

    Shared by run_case and profile_launches.py, so both train exactly the same thing."""
    import torch
    info = {}
    model, attn_actual = build_model(spec, case["attn"], device)
    info["attn_actual"] = attn_actual
    if case["attn"] == "sdpa":
        info["sdpa_backend"] = sdpa_backend(spec, case, device)
    n_params = sum(p.numel() for p in model.parameters())  # tied weights counted once
    info["params"] = int(n_params)

    # bf16-mixed keeps fp32 weights (guard against a library default dtype other than fp32)
    model.to(torch.bfloat16 if case["precision"] == "bf16" else torch.float32)
    model.train()

    if case["ckpt"] == "per-op":
        apply_per_op_sac(model)
        info["ckpt_kwargs"] = "torchtitan per-op SAC policy on each decoder layer"
    if case["ckpt"] == "full":
        try:
            model.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs={"use_reentrant": False})
            info["ckpt_kwargs"] = "use_reentrant=False"
        except TypeError:
            model.gradient_checkpointing_enable()
            info["ckpt_kwargs"] = "default"

    if case["precision"] == "fp8-mixed":
        # torchao Float8 training as torchtitan applies it: every nn.Linear but the LM head,
        # tensorwise dynamic scaling (fp8 forward, dgrad and wgrad GEMMs)
        import torchao
        from torchao.float8 import Float8LinearConfig, convert_to_float8_training
        cfg8 = Float8LinearConfig.from_recipe_name("tensorwise")
        convert_to_float8_training(model, config=cfg8,
                                   module_filter_fn=lambda mod, fqn: "lm_head" not in fqn)
        info["fp8"] = ("torchao " + str(getattr(torchao, "__version__", "?")) +
                       " convert_to_float8_training, recipe tensorwise, lm_head kept bf16")

    if case["method"] == "lora":
        from peft import LoraConfig, get_peft_model
        lcfg = LoraConfig(r=LORA_RANK, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT,
                          target_modules=LORA_TARGETS[spec["kind"]], bias="none",
                          task_type="CAUSAL_LM", fan_in_fan_out=(spec["kind"] == "gpt2"))
        model = get_peft_model(model, lcfg)
        model.train()
        lora_dtypes = sorted({str(p.dtype).replace("torch.", "")
                              for n, p in model.named_parameters() if "lora_" in n})
        info["lora_param_dtypes"] = lora_dtypes

    if case.get("compile"):
        model = torch.compile(model)
        info["compile"] = "torch.compile(model), default mode"
    trainable = [p for p in model.parameters() if p.requires_grad]
    info["trainable_params"] = int(sum(p.numel() for p in trainable))
    info["trainable_tensors"] = len(trainable)
    opt = torch.optim.AdamW(trainable, lr=1e-5)
    info["adamw_foreach"] = opt.defaults.get("foreach")
    info["adamw_fused"] = opt.defaults.get("fused")

    if case["precision"] in ("bf16-mixed", "fp8-mixed"):
        def amp():
            return torch.autocast(device_type="cuda" if device == "cuda" else "cpu",
                                  dtype=torch.bfloat16)
    else:
        def amp():
            return contextlib.nullcontext()
    return model, opt, amp, info


def start_window(info):
    """Frees what earlier cases left, then opens the measured window: peak statistics reset
    after the model and optimizer are built, the weights' bytes recorded."""
    import torch
    gc.collect()
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    info["static_allocated_bytes"] = int(torch.cuda.memory_allocated())
    info["nvml_bytes"], info["nvml_method"] = None, None


def sample_nvml(info, nvml):
    """Keeps the largest NVML reading of the window in `info`."""
    v, m = nvml.sample()
    if v is not None and (info["nvml_bytes"] is None or v > info["nvml_bytes"]):
        info["nvml_bytes"], info["nvml_method"] = v, m


def record_run(info, times, cuda):
    """The timed steps and, on CUDA, the allocator's peaks and counters into `info`."""
    info["step_times_s"] = [round(t, 6) for t in times]
    info["step_time_mean_s"] = sum(times) / len(times)
    info["step_time_median_s"] = statistics.median(times)
    if not cuda:
        return
    import torch
    st = torch.cuda.memory_stats()
    info["allocated_bytes"] = int(torch.cuda.max_memory_allocated())
    info["reserved_bytes"] = int(torch.cuda.max_memory_reserved())
    free, total = torch.cuda.mem_get_info()
    info["device_used_end_bytes"] = int(total - free)
    info["device_total_bytes"] = int(total)
    info["alloc_retries"] = int(st.get("num_alloc_retries", 0))
    info["torch_ooms"] = int(st.get("num_ooms", 0))


class _Ids:
    """A dataset of one fixed random sequence, as dicts the default collator stacks."""

    def __init__(self, ids, n):
        self.ids, self.n = ids, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"input_ids": self.ids, "labels": self.ids}


class _VarIds:
    """Prefixes of one random sequence, one length per step (`lengths`): micro-batch 1, so
    the default collator stacks each alone and no padding is involved."""

    def __init__(self, ids, lengths):
        self.ids, self.lengths = ids, lengths

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        x = self.ids[:self.lengths[i]]
        return {"input_ids": x, "labels": x}


# Steps of a varlen case: enough for the caching allocator to see many sizes.
VARLEN_STEPS = 40


def run_case_trainer(case, spec, device, nvml):
    """The case's steps through transformers.Trainer with its defaults (optimizer, scheduler,
    max_grad_norm 1.0, logging_nan_inf_filter, dataloader in the main process): the step time
    is the wall time between consecutive on_step_end callbacks (synchronised), so it holds
    the batch fetch, collation, host-to-device copy and everything the Trainer does."""
    import tempfile
    import torch
    import transformers
    model, _opt, _amp, info = prepare_case(case, spec, device)
    mb, seq = case["micro_batch"], case["seq_len"]
    g = torch.Generator(device="cpu").manual_seed(1234)
    ids = torch.randint(0, spec["vocab"], (seq,), generator=g)
    n_steps = WARMUP_STEPS + TIMED_STEPS + 3
    dataset = _Ids(ids, n_steps * mb)
    if case.get("varlen"):
        assert mb == 1, "varlen cases run one sequence per step"
        n_steps = VARLEN_STEPS
        lo = max(16, seq // 8)
        lengths = torch.randint(lo, seq + 1, (n_steps,), generator=g).tolist()
        lengths[n_steps // 2] = seq  # the longest sample once (the Trainer shuffles the order)
        dataset = _VarIds(ids, lengths)
        info["varlen_lengths"] = lengths
    ends = []

    class Clock(transformers.TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            torch.cuda.synchronize()
            ends.append(time.perf_counter())
            sample_nvml(info, nvml)

    targs = transformers.TrainingArguments(
        output_dir=tempfile.mkdtemp(), per_device_train_batch_size=mb, max_steps=n_steps,
        learning_rate=1e-5, bf16=case["precision"] == "bf16-mixed", report_to="none",
        save_strategy="no", remove_unused_columns=False, seed=1234)
    trainer = transformers.Trainer(model=model, args=targs, train_dataset=dataset,
                                   callbacks=[Clock()])
    start_window(info)
    out = trainer.train()
    times = [b - a for a, b in zip(ends[WARMUP_STEPS:], ends[WARMUP_STEPS + 1:])]
    inner = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps it
    info["trainer_optim"] = str(targs.optim)
    info["trainer_optimizer"] = type(inner).__name__
    info["adamw_foreach"] = inner.defaults.get("foreach")
    info["adamw_fused"] = inner.defaults.get("fused")
    info["trainer_max_grad_norm"] = targs.max_grad_norm
    info["trainer_lr_scheduler"] = str(targs.lr_scheduler_type)
    info["trainer_bf16"] = targs.bf16
    info["loss_last"] = float(out.training_loss)
    record_run(info, times, cuda=True)
    del trainer
    return info


def run_case(case, spec, device, nvml):
    import torch
    if case.get("trainer"):
        return run_case_trainer(case, spec, device, nvml)
    model, opt, amp, info = prepare_case(case, spec, device)

    mb, seq = case["micro_batch"], case["seq_len"]
    g = torch.Generator(device="cpu").manual_seed(1234)
    ids = torch.randint(0, spec["vocab"], (mb, seq), generator=g).to(device)

    def step():
        with amp():
            loss = model(input_ids=ids, labels=ids, use_cache=False).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    cuda = device == "cuda"
    if cuda:
        start_window(info)
    times = []
    last_loss = None
    for i in range(WARMUP_STEPS + TIMED_STEPS):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        last_loss = step()
        if cuda:
            torch.cuda.synchronize()
        t1 = time.perf_counter()
        if i >= WARMUP_STEPS:
            times.append(t1 - t0)
        if cuda:
            sample_nvml(info, nvml)
    info["loss_last"] = float(last_loss.detach().float().item())
    record_run(info, times, cuda)
    return info


# ---------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------
def gpu_catalog_id(name):
    n = name.upper()
    if "H200" in n:
        return "h200-sxm"
    if "H100" in n:
        if "PCIE" in n:
            return "h100-pcie"
        if "NVL" in n:
            return "h100-nvl"
        return "h100-sxm"
    if "GH200" in n:
        return "gh200"
    return name.lower().replace(" ", "-")


def make_scenario(case, spec, n_params, gpu_id, info=None):
    tr = {"method": case["method"], "precision": case["precision"], "optimizer": "adamw",
          "seq_len": case["seq_len"], "micro_batch": case["micro_batch"],
          "global_batch": case["micro_batch"],
          "activation_checkpointing": "selective" if case["ckpt"] == "per-op" else case["ckpt"],
          "attention": case["attn"], "framework": "hf-trainer" if case.get("trainer") else "pytorch"}
    traits = {}
    if case.get("compile"):
        # torch.compile: torchtitan's compile traits (data/stacks.yaml)
        traits.update({"kernels": "fused", "elementwise_traffic": 0.5, "kernels_per_layer": 15})
        if case["precision"] == "fp8-mixed":
            traits["fp8_fused_casts"] = True
    if case["ckpt"] == "per-op":
        traits["selective"] = "per-op"  # torchtitan's per-op selective checkpointing
    if (info or {}).get("sdpa_backend") == "cudnn":
        traits["attention_kernel"] = "fa3"  # FA3-class fused attention
    if traits:
        tr["stack_traits"] = traits
    if case["method"] == "lora":
        tr["lora"] = {"rank": LORA_RANK, "alpha": LORA_ALPHA,
                      "targets": list(LORA_TARGETS[spec["kind"]])}
    return {"model": model_scenario(case["model"], spec, n_params),
            "training": tr,
            "hardware": {"gpu": gpu_id, "count": 1, "nodes": 1},
            "parallelism": {"tp": 1, "pp": 1, "vpp": 1, "cp": 1, "ep": 1, "zero": 0,
                            "shard_group": 0, "offload": "none",
                            "sequence_parallel": False}}


def assumptions_text(case, spec, info):
    a = [f"{case['model']} shape built with transformers "
         f"{'GPT2LMHeadModel' if spec['kind'] == 'gpt2' else 'LlamaForCausalLM'} "
         "from an in-script config, random weights, random uniform token ids, labels = inputs "
         "(HF shifted causal-LM loss over the full vocab, logits upcast to fp32 in the loss)"]
    if spec["kind"] == "gpt2":
        a.append("GPT-2 HF defaults: resid/embd/attn dropout 0.1 active (model.train()), "
                 "gelu_new, tied lm_head")
    else:
        a.append(f"Llama-shaped: vocab {spec['vocab']} untied, GQA {spec['heads']}/"
                 f"{spec['kv_heads']} heads, SwiGLU ffn {spec['ffn']}, RMSNorm, no bias, no dropout")
    if case["precision"] in ("bf16-mixed", "fp8-mixed"):
        a.append("bf16-mixed = fp32 model + fp32 AdamW states, forward under "
                 "torch.autocast(bfloat16), backward outside autocast, no grad scaler")
    if case["precision"] == "fp8-mixed":
        a.append(f"fp8-mixed = that, with {(info or {}).get('fp8', 'torchao Float8 training')}"
                 " (fp8 e4m3 forward, e5m2 gradients; the 16-bit operands are saved and cast "
                 "again in backward)")
    if case.get("trainer"):
        a.append("steps run by transformers.Trainer with its defaults (optim "
                 f"{(info or {}).get('trainer_optim')} -> {(info or {}).get('trainer_optimizer')}"
                 f" fused={(info or {}).get('adamw_fused')}, max_grad_norm "
                 f"{(info or {}).get('trainer_max_grad_norm')}, lr scheduler "
                 f"{(info or {}).get('trainer_lr_scheduler')}, bf16={(info or {}).get('trainer_bf16')}"
                 ", dataloader in the main process, logging_nan_inf_filter on); step time = "
                 "wall time between synchronised on_step_end callbacks, which holds the batch "
                 "fetch, collation and copy")
    if case.get("varlen"):
        a.append(f"variable lengths: {VARLEN_STEPS} steps of one sequence each, lengths drawn "
                 f"uniformly from {max(16, case['seq_len'] // 8)} to {case['seq_len']} tokens "
                 f"(seed 1234; the full {case['seq_len']} once, in the Trainer's shuffled "
                 "order), no packing or padding; seq_len is the longest; memory only (no "
                 "tokens/s)")
    else:
        a.append("bf16 = model cast to bfloat16 (weights, grads and AdamW states bf16)")
    if case["method"] == "lora":
        a.append(f"peft LoRA r={LORA_RANK} alpha={LORA_ALPHA} dropout={LORA_DROPOUT} on "
                 f"{'+'.join(LORA_TARGETS[spec['kind']])}, base frozen; adapter param dtypes "
                 f"{','.join(info.get('lora_param_dtypes', []) or ['?'])} (peft "
                 "autocast_adapter_dtype default); trainable params "
                 f"{info.get('trainable_params')}")
    a.append(f"torch.optim.AdamW(lr=1e-5) defaults (foreach={info.get('adamw_foreach')}, "
             f"fused={info.get('adamw_fused')}: None = foreach on CUDA), "
             "zero_grad(set_to_none=True), one micro-batch per optimizer step")
    if case.get("compile"):
        a.append("torch.compile(model) in Inductor's default mode (compiled forward and "
                 "backward graphs; the AdamW step is not compiled); compilation ran in the "
                 "warm-up steps")
    if case["ckpt"] == "per-op":
        a.append("activation checkpointing = torchtitan's per-op selective policy "
                 "(SelectiveAC: the outputs of matmuls, SDPA and max saved except every second "
                 "matmul, the rest recomputed) through checkpoint_wrapper + "
                 "create_selective_checkpoint_contexts on each decoder layer")
    if case["ckpt"] == "full":
        a.append("activation checkpointing = HF gradient_checkpointing_enable "
                 f"({info.get('ckpt_kwargs')}), every decoder layer recomputed")
    if info:
        a.append(f"attention implementation requested {case['attn']}, model reported "
                 f"{info.get('attn_actual')}"
                 + (f", SDPA backend {info['sdpa_backend']}" if info.get("sdpa_backend") else ""))
    a.append(f"{WARMUP_STEPS} warm-up + {TIMED_STEPS} timed steps; step_time_s = mean of the "
             "timed steps (cuda synchronize + perf_counter around each step); peak stats reset "
             "after model/optimizer creation, before the warm-up (AdamW states are created in "
             "step 1 and are inside the window)")
    if not info:
        return "; ".join(a)
    a.append("nvml = largest per-process NVML used memory sampled after each step "
             f"({info.get('nvml_method')}); it includes the CUDA context and kernels loaded by "
             "earlier cases in the same process; PYTORCH_CUDA_ALLOC_CONF="
             f"{os.environ.get('PYTORCH_CUDA_ALLOC_CONF', 'unset')}")
    return "; ".join(a)


def measured_block(metric, mem, outcome, tps, step, info):
    m = {"memory_bytes": mem, "memory_metric": metric, "outcome": outcome,
         "tokens_per_s_per_gpu": tps, "mfu": None, "mfu_convention": None,
         "step_time_s": step}
    return m


# ---------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="measured_h100.jsonl")
    ap.add_argument("--raw", default=None, help="raw per-case JSON lines (default: OUT.raw.jsonl)")
    ap.add_argument("--budget-s", type=float, default=330.0,
                    help="do not start a new case after this many seconds")
    ap.add_argument("--only", default=None, help="substring filter on case labels")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--grid", default="base", choices=sorted(GRIDS),
                    help="base: the first grid; fp8-trainer: fp8 / compile at Llama 3 8B "
                    "layer shapes and the Hugging Face Trainer")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny models (CPU allowed) to check the script, not for data")
    ap.add_argument("--id-prefix", default=None,
                    help="row id prefix (default: from the GPU, e.g. H200-)")
    args = ap.parse_args()

    models = SMOKE_MODELS if args.smoke else MODELS

    grid = [c for c in GRIDS[args.grid] if not args.only or args.only in label(c)]
    if args.list:
        for i, c in enumerate(grid, 1):
            print(i, label(c), "(+nvml/reserved rows)" if c["extra_metrics"] else "")
        return 0

    t_start = time.perf_counter()
    nvml = Nvml()  # idle reading before CUDA is initialised
    import torch
    import transformers
    try:
        import peft
        peft_ver = peft.__version__
    except Exception:  # noqa: BLE001
        peft_ver = "missing"
    with contextlib.suppress(Exception):
        transformers.logging.set_verbosity_error()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.smoke:
        log("no CUDA device; use --smoke for a CPU check")
        return 1
    gpu_name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
    gpu_id = gpu_catalog_id(gpu_name)
    if args.id_prefix is None:
        args.id_prefix = gpu_id.split("-")[0].upper() + "-"
    today = datetime.date.today().isoformat()
    source = (f"gpu-advisor scripts/gpu_measure/measure_training.py on {gpu_name}, "
              f"torch {torch.__version__}, transformers {transformers.__version__}, "
              f"peft {peft_ver}, {today}")
    log(f"[env] {source}; nvml driver {nvml.driver}; idle used {nvml.baseline_used}; "
        f"{len(grid)} cases; budget {args.budget_s}s")

    raw_path = args.raw or (args.out + ".raw.jsonl")
    fout = open(args.out, "w")
    fraw = open(raw_path, "w")
    n_rows = 0
    summary = []
    for ci, case in enumerate(grid, 1):
        el = time.perf_counter() - t_start
        if el > args.budget_s:
            log(f"[budget] {el:.0f}s spent: skipping the remaining {len(grid) - ci + 1} cases")
            break
        spec = models[case["model"]]
        log(f"[{ci}/{len(grid)}] {label(case)} ... (t={el:.0f}s)")
        t0 = time.perf_counter()
        info, outcome, err = None, "ok", None
        oom_peak = None
        try:
            info = run_case(case, spec, device, nvml)
        except torch.cuda.OutOfMemoryError as e:
            outcome = "oom"
            err = str(e).splitlines()[0][:300]
        except Exception as e:  # noqa: BLE001
            outcome = "error"
            err = f"{type(e).__name__}: {e}"[:500]
            traceback.print_exc()
        # the exception (and the frames holding the model) is released here
        if device == "cuda":
            if outcome == "oom":
                oom_peak = int(torch.cuda.max_memory_allocated())
            gc.collect()
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
        wall = time.perf_counter() - t0
        rec = {"case": case, "label": label(case), "outcome": outcome, "error": err,
               "wall_s": round(wall, 2), "info": info, "oom_peak_allocated_bytes": oom_peak}
        fraw.write(json.dumps(rec) + "\n")
        fraw.flush()
        if outcome == "error":
            log(f"    ERROR {err}")
            summary.append((label(case), "error", None, None, None, None))
            continue

        if outcome == "ok":
            n_params = info["params"]
        else:  # count params of the config without the GPU (meta device)
            n_params = None
            with contextlib.suppress(Exception):
                cfg = make_hf_config(spec)
                with torch.device("meta"):
                    mm = transformers.AutoModelForCausalLM.from_config(cfg)
                n_params = int(sum(p.numel() for p in mm.parameters()))
                del mm
        scen = make_scenario(case, spec, n_params, gpu_id, info if outcome == "ok" else None)
        base_id = f"{args.id_prefix}{ci:03d}"
        if outcome == "ok":
            step_s = info["step_time_mean_s"]
            tps = case["micro_batch"] * case["seq_len"] / step_s
            if case.get("varlen"):  # steps of changing sizes: a memory-only row
                tps = step_s = None
            meas = measured_block("allocated", info.get("allocated_bytes"), "ok",
                                  round(tps, 1) if tps else None,
                                  round(step_s, 6) if step_s else None, info)
            meas.update({"reserved_bytes": info.get("reserved_bytes"),
                         "nvml_bytes": info.get("nvml_bytes"),
                         "nvml_method": info.get("nvml_method"),
                         "static_allocated_bytes": info.get("static_allocated_bytes"),
                         "step_time_median_s": round(info["step_time_median_s"], 6),
                         "step_times_s": info["step_times_s"],
                         "trainable_params": info.get("trainable_params"),
                         "alloc_retries": info.get("alloc_retries"),
                         "device_total_bytes": info.get("device_total_bytes"),
                         "loss_last": info.get("loss_last")})
            assumptions = assumptions_text(case, spec, info)
        else:
            tps, step_s = None, None
            meas = measured_block("capacity", None, "oom", None, None, {})
            meas["peak_allocated_before_oom_bytes"] = oom_peak
            meas["error"] = err
            assumptions = assumptions_text(case, spec, {}) + \
                "; OOM: torch.cuda.OutOfMemoryError during the first steps (peak > capacity)"
        row = {"id": base_id, "source": source, "quality": "good", "core_subset": "Y",
               "scenario": scen, "measured": meas, "assumptions": assumptions, "skip": None}
        fout.write(json.dumps(row) + "\n")
        n_rows += 1
        if outcome == "ok" and case["extra_metrics"]:
            for metric, key in (("nvml", "nvml_bytes"), ("reserved", "reserved_bytes")):
                if info.get(key) is None:
                    continue
                r2 = dict(row)
                r2["id"] = f"{base_id}-{metric}"
                m2 = measured_block(metric, info[key], "ok", None, None, info)
                m2["allocated_bytes"] = info.get("allocated_bytes")
                m2["note"] = (f"same run as {base_id}; throughput left null here so it is "
                              "counted once")
                r2["measured"] = m2
                fout.write(json.dumps(r2) + "\n")
                n_rows += 1
        fout.flush()
        gb = 1e9
        if outcome == "ok":
            a, r, nv = info.get("allocated_bytes"), info.get("reserved_bytes"), info.get("nvml_bytes")
            fmt = (lambda v: f"{v / gb:.2f}" if v is not None else "-")
            log(f"    ok: alloc {fmt(a)} GB  reserved {fmt(r)} GB  nvml {fmt(nv)} GB  "
                f"step {info['step_time_mean_s'] * 1e3:.1f} ms  "
                f"{f'{tps:,.0f}' if tps else '-'} tok/s  (attn {info.get('attn_actual')}, "
                f"wall {wall:.1f}s)")
            summary.append((label(case), "ok", a, r, nv, tps))
        else:
            log(f"    OOM ({err[:120] if err else ''}) peak before OOM "
                f"{(oom_peak or 0) / gb:.2f} GB")
            summary.append((label(case), "oom", None, None, None, None))
    fout.close()
    fraw.close()
    log("\n=== summary (GB = 1e9 bytes) ===")
    log(f"{'case':60s} {'out':5s} {'alloc':>7s} {'resv':>7s} {'nvml':>7s} {'tok/s':>10s}")
    for lab, oc, a, r, nv, tps in summary:
        f = (lambda v: f"{v / 1e9:7.2f}" if v is not None else "      -")
        log(f"{lab:60s} {oc:5s} {f(a)} {f(r)} {f(nv)} "
            f"{(f'{tps:10.0f}' if tps else '         -')}")
    log(f"[done] {n_rows} rows -> {args.out}; raw -> {raw_path}; "
        f"{time.perf_counter() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
