// Time of one micro-batch on one GPU: GEMMs at size-dependent achievable rates, attention
// kernels, memory-bound kernels and kernel-launch overhead (MODELLING.md section 7).
#include <algorithm>
#include <cmath>

#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/estimate/throughput_internal.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate::detail {
namespace {

using workload::Attention;
using workload::Precision;

// --- Memory-bound kernels (MODELLING section 7 "Memory-bound kernels") ---------------
// Passes (one read or one write of a tokens x hidden tensor) per layer forward in eager
// PyTorch: 2 norms (read + write, 4), 2 residual adds (read, read, write: 6), 2 dtype
// casts / copies around the fp32 norms (2). Backward moves about twice the forward bytes.
// Frameworks that fuse these (Megatron, Transformer Engine) move fewer; the per-arch
// mem_eta absorbs the average (fit in data/efficiency.yaml).
constexpr double kHiddenPassesFwd = 12;
// ... of which the casts around the norms, which a fused RMSNorm kernel (flash-attn's
// rms_norm, Liger's; StackTraits::fused_modules) does not make: it reads its 16-bit input
// and writes its output, the fp32 arithmetic in registers.
constexpr double kNormCastPassesFwd = 2;
// Per-op selective checkpointing reruns the 2 norms (read + write: 4 passes); the residual
// adds are not needed again.
constexpr double kPerOpNormPasses = 4;
// Dropout on the attention output and MLP output: read, write, mask (3 passes) each.
constexpr double kDropoutPassesFwd = 6;
// Activation function on the FFN tensor: GELU read + write; SwiGLU reads gate and up and
// writes one (3).
constexpr double kGeluPasses = 2;
constexpr double kSwiGluPasses = 3;
// gpt-oss's clamped SwiGLU (ModelArch::swiglu_limit) written out in eager kernels over the
// interleaved gate_up output (torchtitan GptOssGroupedExperts and transformers
// GptOssExperts: gate = x[..., ::2], up = x[..., 1::2]): clamp the gate (its strided read
// fetches the whole row, 2; write 1), clamp the up (2 + 1), alpha x gate (1 + 1), sigmoid
// (1 + 1), gate x sigmoid (2 + 1), addcmul for glu x (up + 1) (3 + 1). A compiled stack
// fuses the chain into one kernel reading gate and up and writing one (kSwiGluPasses).
constexpr double kClampedSwiGluEagerPasses = 17;
// Expert biases (an MoE with bias): a grouped GEMM has no bias epilogue, so eager code
// gathers each routed row's expert bias (write 1 per output element) and adds it (read 2,
// write 1); backward the add's gradient passes through and the gather's, an index-add into
// the bias gradient, reads the output gradient once. A compiled stack folds the gather into
// the element-wise kernel that reads the GEMM output (torchtitan's GptOssGroupedExperts
// says so for mlp1): no pass of its own.
constexpr double kExpertBiasPassesFwd = 4;
constexpr double kExpertBiasPassesBwd = 1;
// transformers' NewGELUActivation (gelu_new, eager): 0.5 x (1 + tanh(c (x + 0.044715 x^3)))
// in 8 kernels (pow, mul, add, mul, tanh, add, mul, mul) reading 10 and writing 8 FFN-wide
// tensors; under autocast pow runs in fp32 and the chain after it too (2x the bytes).
constexpr double kGeluNewPasses = 18;
// Backward / forward bytes ratio of element-wise kernels.
constexpr double kBackwardBytesRatio = 2;
// Eager attention: bytes per element of the b*a*s*s score tensor, forward: QK^T writes
// 16-bit scores (2), a fused scale-mask-softmax reads and writes them (4), PV reads (2);
// backward ~2x. Unfused stacks (separate scale, mask, fp32 softmax, dropout) move ~2x more;
// 8 matches the Megatron rows of ../validation (MODELLING: "~4 passes").
constexpr double kEagerScoreBytesFwd = 8;
// FlashAttention-2 backward executes 2.5x the forward FLOPs (recomputes QK^T; Dao 2023
// section 3.2; its benchmark counts backward as 2.5x forward).
constexpr double kFlashBackwardRatio = 2.5;
// FlashAttention in Triton (2022-23; llm-foundry's attn_impl: triton, a copy of
// flash-attn's flash_attn_triton.py) against FlashAttention-2 on A100: FlashAttention-2 is
// "around 1.3-1.5x faster ... in the forward pass and around 2x faster in the backward
// pass" (Dao 2023, arXiv 2307.08691, section 4.1). Its rate over FlashAttention-2's for a
// forward + backward of kFlashBackwardRatio: (1 + 2.5) / (1.4 + 2 x 2.5) = 0.55. Measured
// on A100 with the Triton of mid-2023. No ratio is published for Hopper or later, where
// Hopper's attention factor is an effective rate shared by every FA2 stack (below the
// kernel's benchmark, data/efficiency.yaml): the A100 ratio applied there as well moved
// that factor and worsened the held-out error (Hopper 9.0 / 24.4 -> 13.1 / 25.7 %, tried
// 2026-12-04), so from Hopper on the two are timed alike.
constexpr double kFaTritonFwdSlowdown = 1.4, kFaTritonBwdSlowdown = 2.0;
constexpr double kFaTritonOverFa2 =
    (1 + kFlashBackwardRatio) / (kFaTritonFwdSlowdown + kFaTritonBwdSlowdown * kFlashBackwardRatio);
// FlexAttention's Triton templates against FlashAttention-2 on A100: 90% of its forward and
// 85% of its backward (PyTorch blog "FlexAttention: The Flexibility of PyTorch with the
// Performance of FlashAttention", 2024-08) = (1 + 2.5) / (1 / 0.90 + 2.5 / 0.85) = 0.86. From
// Hopper on it is timed as FlashAttention-2, as the Triton kernel above, and never at the
// FlashAttention-3 / cuDNN class rate: flex_attention's FlashAttention-4 ('FLASH') backend,
// off by default, is "significantly faster on Blackwell than the default backend (which is
// triton)" (sgl-project/SpecForge PR #714, 2026-07; torchtitan PR #2171 benchmarks it).
constexpr double kFlexFwdShare = 0.90, kFlexBwdShare = 0.85;
constexpr double kFlexOverFa2 =
    (1 + kFlashBackwardRatio) / (1 / kFlexFwdShare + kFlashBackwardRatio / kFlexBwdShare);
// AMD's assembly FMHA v3 kernels (AITER / Composable Kernel, which Transformer Engine for ROCm
// calls with NVTE_FUSED_ATTN_CK) against the FlashAttention-2-class kernel PyTorch SDPA
// dispatches to on ROCm (AOTriton): AITER's forward ran 18-62 % faster than the Triton
// baseline, which SDPA tracks closely, over five sequence lengths and head dims 64 / 128 on
// one MI300X (midiareshadi.github.io/blog/attn-dsl-bench, 2026); the geometric middle,
// sqrt(1.18 x 1.62) = 1.38. No backward ratio is published: taken alike. On CDNA 3 and 4
// only (the kernels exist for gfx942 / gfx950); elsewhere the FA2 rate.
constexpr double kCkV3FwdLow = 1.18, kCkV3FwdHigh = 1.62;
const double kCkV3OverFa2 = std::sqrt(kCkV3FwdLow * kCkV3FwdHigh);
// Loss on the logits, bytes per logit element, forward + backward: fp32 upcast (2 read +
// 4 write), log-softmax (4 + 4), its backward (4 + 4 + 4 write), cast back (4 + 2) ~ 32;
// with the usual fusions ~24. Chunked / fused cross-entropy (no fp32 logits) ~8.
constexpr double kLogitBytesStandard = 24;
constexpr double kLogitBytesChunked = 8;
constexpr double kLogitForwardShare = 0.4;
// fp8 casts (MODELLING section 7; issue 11 "FP8 as the recipes run it"): each linear input
// is cast to fp8 forward, each output gradient backward. Per element: read 2 + write 1,
// plus the transposed fp8 copy the other GEMM operand needs (write 1) = 4. Current
// (dynamic) scaling first reduces the amax over the tensor (read 2 more); stacks that fuse
// the cast into the producing kernel (Transformer Engine LayerNormLinear, cast_transpose;
// Inductor) save the separate read (-2).
constexpr double kFp8CastTransposeBytes = 4;
constexpr double kFp8AmaxPassBytes = 2;
constexpr double kFp8FusedReadBytes = 2;
// Each use of an fp8 weight needs its cast (+ transpose): 2 read + 2 written per param;
// stacks that cache the fp8 weights cast once per optimizer step.
constexpr double kFp8WeightCastBytesPerParam = 4;
// fp8 primary weights (Training::Fp8Params) and weights all-gathered in fp8 (Fp8AllGather)
// are the fp8 tensors the GEMMs read: only the transpose the backward GEMMs take where fp8
// GEMMs are TN-only (GpuSpec::Fp8AnyLayout false), read 1 + written 1 per param: once a step
// for a trained weight, which keeps it; for each micro-batch's backward for a frozen one,
// which does not (model_states.cc), and for each gather's uses.
constexpr double kFp8WeightTransposeBytesPerParam = 2;
// Current scaling without fused casts is torchao outside torch.compile: each cast is a chain
// of PyTorch ops, one kernel and one pass each (torchao float8/float8_utils.py
// tensor_to_amax max(abs(x)), float8_training_tensor.py x.to(float32) * scale,
// to_fp8_saturated clamp then .to(fp8)): abs (read 2, write 2), max (read 2), upcast (read 2,
// write 4), scale (4 + 4), clamp (4 + 4), cast (4 + 1) = 33 bytes per element of a 16-bit
// tensor (33 from an fp32 weight too: no upcast, a wider abs), plus the transposed fp8 copy
// _scaled_mm needs for the other GEMM (read 1, write 1). Measured on H200 (results_h200
// measured2.jsonl): torchao fp8 eager ran 27% slower than bf16 eager at Llama 3 8B layer
// shapes, 44% slower than the same fp8 compiled.
constexpr double kFp8CompositeCastBytes = 33 + 2;
// FlashAttention-3 / cuDNN fused attention on Hopper and later vs FlashAttention-2: 1.5-2.0x
// forward, 1.5-1.75x backward in BF16 at head dim 128 (Shah et al. 2024, figures 5-6).
constexpr double kFa3OverFa2 = 1.6;
// FlashAttention-3 in FP8 against BF16 on H100, forward: close to 1.2 PFLOP/s against up to
// 740 TFLOP/s (Shah et al. 2024, arXiv 2407.08608, abstract and figure 7) = 1.6x. No fp8
// backward rate is published with it: an fp8 attention core's backward is timed at the
// 16-bit rate.
constexpr double kFp8AttentionFwdSpeedup = 1.2e15 / 740e12;
// Fused attention loses rate at short sequences: each query tile pays a fixed cost (Q
// loaded, the output rescaled and written) over fewer key blocks. Measured on H200
// (scripts/gpu_measure/attention_bench.py, causal bf16, 32k tokens per call, head dims 64
// and 128): FlashAttention-2 and cuDNN both run at about s / (s + 450) of their
// long-sequence rate, i.e. K / (K + 225) with K the keys attended per query (s / 2 when
// causal). attn_eta is the long-sequence rate.
constexpr double kAttnHalfRateKeys = 225;
// QLoRA: each use of a 4-bit weight reads 0.516 B/param and writes then re-reads a
// 16-bit copy: ~4.5 B/param (MODELLING section 7 "QLoRA dequantisation").
constexpr double kQloraDequantBytesPerParam = 4.5;
// An fp32 frozen base under autocast casts each frozen linear to 16 bits per call: read 4,
// write 2 per weight, in the forward and in a recomputed forward (the backward reuses the
// cast the linear kept).
constexpr double kFrozenCastBytesPerParam = 4 + 2;
// QLoRA over an fp32-upcast base (Scenario::KbitFp32Upcast): the element-wise work runs on
// fp32 tensors, and bitsandbytes' Linear4bit.forward casts its fp32 input to the compute
// dtype and its 16-bit output back to fp32 (x.to(compute_dtype), ... .to(inp_dtype)): read 4
// and write 2 per input element, read 2 and write 4 per output element, in every forward,
// recomputed forward and (the casts' gradients) backward. transformers' FlashAttention-2
// path casts the fp32 query, key and value to the autocast dtype once more.
constexpr double kFp32CastBytes = mem::kFp32Bytes + 2;
// LoRA adapter side path per adapted linear: dropout on its input (read, write, mask)
// when lora dropout > 0, and scale + add of its output (read 2, write 1).
constexpr double kAdapterInPasses = 3;
constexpr double kAdapterOutPasses = 3;
// Adapters in another dtype than the activations (mem::AdapterDtypesOf), bytes per element
// beyond the 16-bit path above. Input copy: the module input read once more and the copy
// written (input_bytes), which the A GEMM then reads at input_bytes rather than 2. fp32
// output path (PEFT over a 16-bit model without autocast): B writes fp32, the scale and the
// add run in fp32 (the 3 passes above at 4 B, +2 B each, +1 for the scale's second pass) and
// the sum is cast back to the model dtype (read 4, write 2).
constexpr double kAdapterFp32OutExtraBytes = 2 + 4 * 2 + 6;
// MoE token permutation: dispatch and combine each read and write tokens x k_e x h.
constexpr double kMoePermutePasses = 4;
// ... written out in eager kernels: the dispatch gather (read 1, write 1), the score product
// (read 1, write 1) and the scatter- or index-add into the token output (read 1, the
// token-wide sum and its zeroing about 1 more): 6 (transformers' per-expert index_add_). A
// combine that weights in fp32 (StackTraits::moe_combine_fp32, torchtitan's
// LocalTokenDispatcher) replaces the 16-bit product with an upcast (read 1, write 2), an fp32
// product (read 2, write 2) and a downcast (read 2, write 1): 8 more. A compiled stack fuses
// the weighting into one kernel (kMoePermutePasses).
constexpr double kMoePermutePassesEager = 6;
constexpr double kMoeFp32CombineExtraPasses = 8;

// --- Kernel launches (MODELLING section 7 "Launch/CPU overhead") ----------------------
// Eager kernels per decoder layer forward with fused attention: the stack's
// kernels_per_layer (a Llama layer: norms, 7 GEMMs, rope, activation, adds, casts) and the
// module deltas below. An eager attention path adds 7 (QK^T, scale, mask, softmax and its
// casts, dropout, PV: 6.75 profiled on GPT-2, results_h200/launches.jsonl); each LoRA
// adapter ~5 (dropout, A, B, scale, add; 7 forward and 7 backward profiled). Backward ~2x
// forward (1.65x GPT-2, 1.96x Llama profiled); the loss ~10.
constexpr double kOpsEagerAttention = 7;
constexpr double kOpsPerAdapter = 5;
constexpr double kOpsHeadAndLoss = 10;
constexpr double kBackwardOpsRatio = 2;
// torch.autocast (fp16-mixed / bf16-mixed on eager modules): each linear casts its fp32
// weight (cached for the rest of the forward) and its input, which the fp32 norms of the
// autocast lists hand over in fp32; backward casts both gradients back (ToCopyBackward).
// Two more kernels per linear forward, backward at kBackwardOpsRatio as the rest.
constexpr double kOpsAutocastPerLinear = 2;
// Eager stacks count `kernels_per_layer` for a Llama layer of HF-style modules. A layer
// built of other modules launches a different number (profiled with torch 2.11 on H200,
// scripts/gpu_measure/results_h200/launches.jsonl: a Llama layer ~40 kernels forward, a
// GPT-2 layer ~21): RMSNorm written out (to fp32, pow, mean, add, rsqrt, mul, to, mul) 8
// vs LayerNorm 1 (native_layer_norm); rotary on q and k 10 (mul cos, neg, cat, mul sin,
// add, each twice) vs none; SwiGLU 3 linears + silu + mul vs GELU 2 linears + the
// activation: 1 kernel for nn.GELU, 8 for transformers' NewGELUActivation ("gelu_new" of
// GPT-2, the tanh formula written out); dropout in train mode 2 more (two residual
// dropouts; the attention dropout runs inside SDPA). A fused q/k/v projection is one GEMM
// for three (the split is views), a fused gate/up projection one for two.
constexpr double kOpsRmsNorm = 8;
constexpr double kOpsLayerNorm = 1;
constexpr double kOpsRope = 10;
constexpr double kOpsSwiGlu = 3 + 2;
constexpr double kOpsSwiGluClamped = 3 + 6;  // kClampedSwiGluEagerPasses' six kernels
// Per biased expert linear, eager: the bias table's padding cat, the gather and the add.
constexpr double kOpsExpertBias = 3;
// Fused modules (StackTraits::fused_modules): one kernel per norm, one per rotated tensor (q
// and k: flash-attn's apply_rotary_emb_func is called on each, Liger's kernel launches once
// for both and counts alike within a kernel), one for silu(gate) * up beside its 3 linears.
constexpr double kOpsRmsNormFused = 1;
constexpr double kOpsRopeFused = 2;
constexpr double kOpsSwiGluFused = 3 + 1;
constexpr double kOpsGelu = 2 + 1;
constexpr double kOpsGeluNew = 2 + 8;
constexpr double kOpsResidualDropout = 2;

// DeepSpeed ZeRO-3 (stacks with zero3_module_gather) hooks every submodule it calls
// (deepspeed/runtime/zero/parameter_offload.py _register_deepspeed_module, 38327e07f): per
// module forward two pre-hooks (fetch_sub_module: trace, gather launch, wait, prefetch; and
// wrapping the inputs in PostBackwardFunctionModule) and two post-hooks (release_sub_module;
// wrapping the outputs in PreBackwardFunctionForModule); per module backward those two
// autograd functions run again (fetch, release). Each call is Python bookkeeping of at least
// one dispatched op: counted as host ops at the fitted launch cost. A recomputed forward
// (full checkpointing) fires the forward hooks again.
constexpr double kZero3HookOpsForward = 4;
constexpr double kZero3HookOpsBackward = 2;
// Modules a decoder layer calls: the layer, its attention and MLP blocks, two norms, each
// linear, and per LoRA-adapted linear PEFT's wrapper calls four more (base_layer,
// lora_dropout, lora_A, lora_B; peft/tuners/lora/layer.py Linear.forward). An MoE MLP block
// is a ZeRO-3 leaf module (model_states.cc TransientWeights): its experts add no hooks.
constexpr double kModulesPerLayerBlocks = 5;
constexpr double kModulesPerAdapter = 4;
// Each trainable parameter's gradient hook, every micro-batch (deepspeed/runtime/zero/
// stage3.py reduce_independent_p_g_buckets_and_remove_grads): the hook, the copy into the
// reduce bucket (__add_grad_to_ipg_bucket) and the copy or fp32 add of its reduced
// partition (partition_grads); per bucket flush __reduce_and_partition_ipg_grads and its
// reduce_scatter_coalesced. The bucket is reduce_bucket_size, h^2 elements when
// transformers fills 'auto' (integrations/deepspeed.py); a larger tensor flushes alone.
constexpr double kZero3GradOpsPerTensor = 3;
constexpr double kZero3GradOpsPerFlush = 2;

// Kernels per eager layer forward of the scenario's model (its linears `f`) minus those of
// the Llama layer the stacks count.
double EagerModuleOpsDelta(const workload::Scenario& s, const ModelFigures& f) {
  using workload::FusedModule;
  const auto& m = s.model;
  const double norm = s.RunsFused(FusedModule::kRmsNorm)      ? kOpsRmsNormFused
                      : m.norm == catalog::NormKind::kRmsNorm ? kOpsRmsNorm
                                                              : kOpsLayerNorm;
  const double rope = s.RunsFused(FusedModule::kRope)              ? kOpsRopeFused
                      : m.position == catalog::PositionKind::kRope ? kOpsRope
                                                                   : 0;
  const double swiglu = m.swiglu_limit > 0                  ? kOpsSwiGluClamped
                        : s.RunsFused(FusedModule::kSwiGlu) ? kOpsSwiGluFused
                                                            : kOpsSwiGlu;
  const double mlp = m.mlp == catalog::MlpKind::kSwiGlu ? swiglu
                     : m.GeluComposite()                ? kOpsGeluNew
                                                        : kOpsGelu;
  const double dropout = m.dropout > 0 ? kOpsResidualDropout : 0;
  const double fused = (m.fused_qkv && !m.IsMla() ? 2 : 0) +
                       (m.fused_gate_up && m.mlp == catalog::MlpKind::kSwiGlu ? 1 : 0);
  double expert_bias = 0;
  if (m.bias)
    for (const auto& l : f.linears) expert_bias += l.copies > 1 ? kOpsExpertBias : 0;
  return 2 * (norm - kOpsRmsNorm) + (rope - kOpsRope) + (mlp - kOpsSwiGlu) + dropout - fused +
         expert_bias;
}

// fp8 cast traffic of one layer (bytes): activations cast forward (`in_elems`), output
// gradients backward (`out_elems`), and the layer's weights per micro-batch or, cached,
// once per step (the recipe and fusion come from the stack).
struct Fp8CastBytes {
  double fwd = 0, bwd = 0;
};
Fp8CastBytes Fp8Casts(const workload::Scenario& s, const Layout& lay, double in_elems,
                      double out_elems, double weights_local) {
  const auto& stack = s.training.stack;
  const bool current = stack.fp8_recipe == workload::Fp8Recipe::kCurrent;
  double per_elem = kFp8CompositeCastBytes, per_param = kFp8CompositeCastBytes;
  if (!current || stack.fp8_fused_casts) {  // cast kernels, not op chains
    per_elem = kFp8CastTransposeBytes + (current ? kFp8AmaxPassBytes : 0) -
               (stack.fp8_fused_casts ? kFp8FusedReadBytes : 0);
    per_param = kFp8WeightCastBytesPerParam;
  }
  const double per_step = 1.0 / std::max(1LL, lay.micro_batches);
  double per_mb = stack.fp8_weight_cache ? per_step : 1.0;
  if (s.training.Fp8Params()) {
    const bool trained = workload::TrainsAllWeights(s.training.method);
    per_param = s.hardware.gpu.Fp8AnyLayout() ? 0 : kFp8WeightTransposeBytesPerParam;
    per_mb = trained ? per_step : 1.0;
  } else if (Fp8AllGather(s, lay)) {
    // The weights arrive from each gather in fp8, cast on the shard (1 / shard of the
    // weight): only the transpose remains, for every gather's uses.
    per_param = (s.hardware.gpu.Fp8AnyLayout() ? 0 : kFp8WeightTransposeBytesPerParam) +
                kFp8WeightCastBytesPerParam / std::max(1, lay.shard);
    per_mb = 1.0;
  }
  return {per_elem * in_elems + per_param * weights_local * per_mb, per_elem * out_elems};
}

// Adds the lm_head + loss to the bounding stage. Usually they sit on the last stage on top
// of its layers. With the embedding and loss counted as pipeline layers the last stage
// holds one transformer layer fewer: it bounds the step only when the head outweighs a
// layer (else a middle stage with all its layers does).
void AddHeadStage(const Layout& lay, const MicroBatchTime& head, MicroBatchTime* t) {
  if (lay.embedding_loss_stages) {
    const double layer = t->Forward() / lay.layers_stage + t->Backward() / lay.layers_stage;
    if (head.Forward() + head.Backward() <= layer) return;
    const double keep = (lay.layers_stage - 1) / lay.layers_stage;
    t->compute_fwd *= keep;
    t->compute_bwd *= keep;
    t->memory_fwd *= keep;
    t->memory_bwd *= keep;
  }
  t->compute_fwd += head.compute_fwd;
  t->compute_bwd += head.compute_bwd;
  t->memory_fwd += head.memory_fwd;
  t->memory_bwd += head.memory_bwd;
}

// The stack's fused-attention kernel against FlashAttention-2 on this GPU. FlashAttention-3
// class kernels exist for sm90 / sm100 (Hopper, datacenter Blackwell); the Triton kernel's
// published ratio is an A100 one (kFaTritonOverFa2). Elsewhere each runs as FlashAttention-2.
double AttentionKernelOverFa2(workload::AttentionKernel kernel, const catalog::GpuSpec& gpu) {
  const bool hopper_class = gpu.HopperClassDatacenter();
  switch (kernel) {
    case workload::AttentionKernel::kFa3:
      return hopper_class ? kFa3OverFa2 : 1.0;
    case workload::AttentionKernel::kFaTriton:
      return hopper_class ? 1.0 : kFaTritonOverFa2;
    case workload::AttentionKernel::kFlex:
      return hopper_class ? 1.0 : kFlexOverFa2;
    case workload::AttentionKernel::kCkV3:
      return gpu.AmdCdna3Plus() ? kCkV3OverFa2 : 1.0;
    case workload::AttentionKernel::kFa2:
      break;
  }
  return 1.0;
}

}  // namespace

}  // namespace gpuadv::estimate::detail

namespace gpuadv::estimate {

SustainedGemm SustainedGemmRate(const catalog::GpuSpec& gpu, const ArchEfficiency& eff) {
  SustainedGemm out;
  const double peak16 = gpu.Peak16FlopsPerS();
  if (peak16 <= 0) return out;
  out.unlimited_flops_per_s = std::max(1e-3, eff.gemm_eta_max) * peak16;
  if (eff.gemm_pj_per_flop > 0 && gpu.tdp_w && *gpu.tdp_w > 0)
    out.power_scale =
        std::min(1.0, *gpu.tdp_w / (eff.gemm_pj_per_flop * 1e-12) / out.unlimited_flops_per_s);
  out.flops_per_s = out.unlimited_flops_per_s * out.power_scale;
  return out;
}

}  // namespace gpuadv::estimate

namespace gpuadv::estimate::detail {

Rates ResolveRates(const workload::Scenario& s, const ArchEfficiency& eff, Explanation* explain) {
  const auto& gpu = s.hardware.gpu;
  Rates r;
  r.eff = &eff;
  const double peak16 = gpu.Peak16FlopsPerS();
  const double fp32 = gpu.fp32_tflops_nontensor.value_or(0) * kTera;
  const Precision p = s.training.precision;
  if (p == Precision::kFp32) {
    // PyTorch leaves TF32 matmuls off by default (torch.backends.cuda.matmul.allow_tf32 =
    // False since 1.12): fp32 training runs on the non-tensor FP32 units.
    r.tensor_peak = fp32;
    r.act_bytes = r.linear_bytes = 4;
    if (fp32 <= 0 && peak16 > 0) {
      r.tensor_peak = peak16 / 8;  // a labelled guess: non-tensor FP32 ~1/8 of tensor 16-bit
      if (explain)
        explain->Warn("FP32 rate of " + gpu.id + " unknown: assumed 1/8 of its 16-bit peak");
    }
  } else {
    r.tensor_peak = peak16;
    // The board's power limit caps the sustained tensor rate (SustainedGemmRate): tensor
    // kernels run at lower clocks; the memory-bound kernels keep their rate.
    const SustainedGemm gemm = SustainedGemmRate(gpu, eff);
    r.power_scale = gemm.power_scale;
    r.sustained_gemm = gemm.flops_per_s;
    r.tensor_peak *= r.power_scale;
    if (peak16 <= 0 && fp32 > 0) {
      r.tensor_peak = fp32;
      if (explain)
        explain->Warn("16-bit tensor peak of " + gpu.id +
                      " unknown: compute timed at its FP32 non-tensor rate");
    }
    if (explain && p != Precision::kFp16Mixed && gpu.bf16_support && !*gpu.bf16_support)
      explain->Warn(gpu.id + " has no native bf16: bf16 runs emulated or fails; use fp16-mixed");
  }
  r.mfu_peak = peak16 > 0 ? peak16 : r.tensor_peak;
  r.linear_peak = r.tensor_peak;
  if (p == Precision::kFp8Mixed) {
    const double fp8 = gpu.fp8_tensor_fp32acc_dense_tflops.value_or(0) * kTera;
    const bool has_fp8 = fp8 > 0 && gpu.fp8_support.value_or(true) && peak16 > 0;
    // An fp8 attention core (Scenario::Fp8Attention) runs its forward at FlashAttention-3's
    // fp8 / bf16 rate, never beyond the datasheet's fp8 / 16-bit ratio.
    if (s.Fp8Attention() && peak16 > 0)
      r.fp8_attention_fwd = std::clamp(fp8 / peak16, 1.0, kFp8AttentionFwdSpeedup);
    if (!s.model.has_shape()) {
      // fp8 recipes (Transformer Engine, torchao) swap the linear layers of a transformer;
      // a model given without that shape (a UNet: convolutions, norms, a few attention
      // projections) keeps its GEMMs and convolutions in 16-bit.
      if (explain)
        explain->Warn("fp8-mixed: " + s.model_ref +
                      " has no transformer shape, so no linear layers to run in fp8: timed at "
                      "16-bit");
    } else if (has_fp8 && eff.fp8_gemm_speedup > 1) {
      // Achieved fp8 GEMM rate = bf16 GEMM rate x fp8_gemm_speedup (MAMF: H100 1.77x),
      // never above the datasheet ratio. MFU is then against the dense fp8 peak: the
      // precision the linear layers run at (no FLOP runs faster, so MFU <= 1).
      r.linear_peak = r.tensor_peak * std::min(eff.fp8_gemm_speedup, fp8 / peak16);
      r.linear_bytes = 1;
      r.mfu_peak = fp8;
    } else if (explain) {
      explain->Warn(gpu.id + " has no usable fp8 tensor rate: fp8-mixed GEMMs timed at 16-bit");
    }
  }
  r.bandwidth = gpu.BandwidthBytesPerS() * eff.mem_eta;
  r.stream_bandwidth = gpu.BandwidthBytesPerS() * eff.StreamEta();
  r.attention_speedup = AttentionKernelOverFa2(s.training.stack.attention_kernel, gpu);
  if (explain && r.bandwidth <= 0)
    explain->Warn("memory bandwidth of " + gpu.id + " unknown: memory-bound kernels not timed");
  if (explain && r.tensor_peak <= 0)
    explain->Warn("no compute peak known for " + gpu.id + ": throughput not estimated");
  return r;
}

double GemmTime(double m, double k, double n, double peak, double elem_bytes, const Rates& r,
                double half_scale) {
  if (m <= 0 || k <= 0 || n <= 0 || peak <= 0) return 0;
  const double x = 2.0 * m * k * n;
  // gemm_half_flops is a fixed time (launch, ramp, tail wave) at the 16-bit rate: at fp8's
  // higher peak the same seconds hold proportionally more FLOPs.
  const double rate_scale = r.tensor_peak > 0 ? std::max(1.0, peak / r.tensor_peak) : 1.0;
  const double half = std::max(0.0, r.eff->gemm_half_flops) * rate_scale * half_scale;
  const double eta = std::max(1e-3, r.eff->gemm_eta_max * x / (x + half));
  const double t_compute = x / (peak * eta);
  const double bytes = elem_bytes * (m * k + k * n + m * n);
  const double t_memory = r.bandwidth > 0 ? bytes / r.bandwidth : 0;
  return std::max(t_compute, t_memory);
}

namespace {

// Time of `bytes` moved at the achievable memory bandwidth.
double MemTime(double bytes, const Rates& r) { return r.bandwidth > 0 ? bytes / r.bandwidth : 0.0; }

// Unshaped model: one GEMM stream of the model's weights per token.
MicroBatchTime UnshapedCompute(const Layout& lay, const Regime& g, const ModelFigures& f,
                               const Rates& r) {
  MicroBatchTime t;
  const double n = f.n_model / (static_cast<double>(lay.tp) * lay.pp);
  const double fwd = GemmTime(lay.tokens_mb, n / std::max(1.0, std::sqrt(n)), std::sqrt(n),
                              r.linear_peak, r.linear_bytes, r);
  t.compute_fwd = fwd;
  t.compute_bwd = fwd * ((g.adapters ? 1.0 : 2.0) + g.recompute_share);
  return t;
}

// Linear GEMMs of one layer and their adapters, with the element counts the memory-bound
// kernels need.
struct LayerLinears {
  double fwd = 0, adapter_fwd = 0, wgrad = 0;
  double act_width = 0;  // FFN activation width per GPU
  // Selective checkpointing's recompute modules (Regime::recompute_modules): the forward
  // GEMM time of the linears they rerun, and the activation width rerun with them.
  double recompute_fwd = 0, recompute_act_width = 0;
  double fp8_in = 0, fp8_out = 0, adapter_bytes = 0;
  double adapter_cast_bytes = 0;    // per token: adapters in another dtype (AdapterDtypesOf)
  double kbit_cast_bytes = 0;       // per token: 4-bit linears' fp32 casts (kFp32CastBytes)
  double adapter_weight_elems = 0;  // adapter variants' weight-sized temporaries, per layer
  double expert_bias_elems = 0;     // per token: biased expert outputs (kExpertBiasPassesFwd)
};

// Weights split by tp; experts by ep and etp, each expert fed ep*T*k_e/E * etp/tp tokens
// (MODELLING section 7; each rank routes its sequence-parallel share, gathered over etp).
// Weight-gradient GEMMs stay 16-bit when the fp8 recipe keeps wgrad out of fp8.
LayerLinears LinearGemms(const workload::Scenario& s, const Layout& lay, const Regime& g,
                         const ModelFigures& f, const Rates& r) {
  LayerLinears o;
  const double T = lay.tokens_mb;
  const double tp = lay.tp;
  const int rank = std::max(1, s.training.lora.rank);
  const bool wgrad16 = r.linear_bytes < r.act_bytes && !s.training.stack.fp8_wgrad;
  const mem::AdapterDtypes ad = g.adapters ? mem::AdapterDtypesOf(s) : mem::AdapterDtypes{};
  // The input read once more (act) and its copy written (input_bytes); the A GEMM then reads
  // the copy at input_bytes instead of the input at act: 2 x input_bytes in all.
  const double in_copy = 2 * ad.input_bytes;
  const double out_extra = ad.out_bytes > r.act_bytes ? kAdapterFp32OutExtraBytes : 0;
  const bool kbit_upcast = s.KbitFp32Upcast();
  for (const auto& l : f.linears) {
    double count = 1, rows = T, split = tp, half_scale = 1;
    if (l.copies > 1) {
      half_scale = kGroupedGemmHalfScale;
      count = static_cast<double>(l.copies) / lay.ep;
      split = lay.etp;
      rows = T * lay.ep * std::max(1, l.active_copies) / l.copies * lay.ExpertGather();
    }
    const double n_out = l.d_out / split;
    // The input this GPU holds: a row-parallel linear's d_in / split. Its element-wise work
    // (fp8 cast, LoRA dropout) runs where the input sits: for a dense column-parallel linear
    // under sequence parallelism on the 1 / tp sequence shard, before the gather
    // (Transformer Engine gathers the fp8 input; NeMo's ParallelLinearAdapter drops out
    // before gather_from_sequence_parallel_region). Expert inputs come from the dispatch.
    const double d_in_local = Layout::RowParallel(l.slots) ? l.d_in / split : l.d_in;
    const double in_width =
        Layout::DenseColumnParallel(l) && lay.sequence_parallel ? d_in_local / tp : d_in_local;
    const double gemm =
        count * GemmTime(rows, l.d_in, n_out, r.linear_peak, r.linear_bytes, r, half_scale);
    o.fwd += gemm;
    const bool rerun = RecomputedLinear(l, g, s.model.hidden);
    if (rerun) o.recompute_fwd += gemm;
    if (wgrad16)
      o.wgrad += count * GemmTime(rows, l.d_in, n_out, r.tensor_peak, r.act_bytes, r, half_scale);
    // Rows per token of this GPU's tokens: an expert linear's routed copies (at width / etp).
    const double act = l.copies > 1 ? std::max(1, l.active_copies) * lay.ExpertGather() : 1;
    o.fp8_in += act * in_width;
    o.fp8_out += act * n_out;
    if (kbit_upcast) o.kbit_cast_bytes += kFp32CastBytes * act * (d_in_local + n_out);
    if (l.copies > 1 && s.model.bias) o.expert_bias_elems += act * n_out;
    if (l.slots & catalog::kSlotUp) {  // the activation's width: half a fused gate_up output
      const double width = act * n_out / ((l.slots & catalog::kSlotGate) ? 2 : 1);
      o.act_width += width;
      // Megatron's moe_act reruns the routed experts' activation alone.
      if (rerun || (l.copies > 1 && g.Recomputes(workload::RecomputeModule::kMoeAct)))
        o.recompute_act_width += width;
    }
    if (f.Adapted(l)) {
      // A splits its input dimension with a row-parallel base (its partial sums reduced).
      o.adapter_fwd += count * (GemmTime(rows, d_in_local, rank, r.tensor_peak, r.act_bytes, r) +
                                GemmTime(rows, rank, n_out, r.tensor_peak, r.act_bytes, r));
      o.adapter_bytes += act * ((s.training.lora.dropout > 0 ? kAdapterInPasses * in_width : 0) +
                                kAdapterOutPasses * n_out);
      o.adapter_cast_bytes += act * (in_copy * in_width + out_extra * n_out);
      // Each temporary written once and read once (workload::AdapterVariant).
      o.adapter_weight_elems +=
          count * 2 * workload::Adapter(s.training.method).weight_temporaries * l.d_in * n_out;
    }
  }
  if (o.act_width <= 0) o.act_width = s.model.ffn / tp;
  if (!wgrad16) o.wgrad = o.fwd;
  return o;
}

// Attention core of one layer: compute and memory time forward, backward / forward ratio.
struct AttentionCore {
  double c_fwd = 0, m_fwd = 0, bwd_ratio = 2;
};

// MODELLING section 7 "Attention kernels".
AttentionCore AttentionCoreTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                                const Rates& r) {
  const auto& m = s.model;
  const double heads = m.heads / static_cast<double>(lay.tp);
  const double Q = m.QkHeadDim();
  AttentionCore a;
  const double scores = lay.b * heads * (lay.s / lay.cp) * lay.s;  // b*a*s_q*s_k elements
  // Keys executed per query (causal kernels skip the masked half; local layers their window).
  const double keys = m.MeanAttendedKeys(lay.s, g.causal);
  const double executed_flops = 2.0 * lay.b * heads * (lay.s / lay.cp) * keys * (Q + m.VHeadDim());
  if (s.training.attention == Attention::kEager) {
    // Materialised scores: the full (masked) matmuls on tensor cores + s^2 traffic.
    // Batched over b*a heads: one kernel, so the batch stacks into M.
    a.c_fwd = 2 * GemmTime(lay.b * heads * lay.s / lay.cp, Q, lay.s, r.tensor_peak, r.act_bytes, r);
    a.m_fwd = MemTime(scores * kEagerScoreBytesFwd, r);
  } else {
    // Flash / SDPA kernels: only the unmasked part.
    const double executed = executed_flops;
    const double length = keys / (keys + kAttnHalfRateKeys);
    // Never above the tensor peak, whatever factor a calibration file gives.
    const double rate = r.tensor_peak * std::min(1.0, std::max(1e-3, r.eff->attn_eta) *
                                                          r.attention_speedup * length);
    a.c_fwd = rate > 0 ? executed / rate : 0;
    // An fp8 core's forward at its rate, the backward where it was: the same seconds, so a
    // larger multiple of the forward.
    a.c_fwd /= r.fp8_attention_fwd;
    a.bwd_ratio = kFlashBackwardRatio * r.fp8_attention_fwd;
  }
  return a;
}

// Memory-bound element-wise kernels of one layer (MODELLING section 7 "Memory-bound
// kernels"): forward element-wise time (backward moves kBackwardBytesRatio times its bytes),
// the forward fp8 casts (not repeated by the backward element-wise passes) and the extra
// backward time: fp8 gradient casts, plus the forward casts again where the stack keeps
// 16-bit operands for backward (torchao) rather than the fp8 copies (Transformer Engine).
struct LayerMemory {
  double fwd = 0, cast_fwd = 0, bwd_extra = 0;
  double recompute = 0;    // element-wise work of the recompute modules, rerun in backward
  double expert_bias = 0;  // eager expert bias adds, forward (kExpertBiasPassesFwd)
  // Dtype casts (adapters in another dtype, 4-bit linears over an fp32-upcast base) and fp32
  // adapter passes: unary element-wise ops whose backward moves the same bytes once (a
  // cast's gradient is a cast, the scale's a scale, the add's is free), not
  // kBackwardBytesRatio times.
  double casts = 0;
};

LayerMemory ElementwiseTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                            const ModelFigures& f, const Rates& r, const LayerLinears& lin) {
  const auto& m = s.model;
  const double T = lay.tokens_mb;
  const double tp = lay.tp;
  const double h = m.hidden, Q = m.QkHeadDim();
  const double heads = m.heads / tp, kv_heads = m.KvHeads() / tp;
  const double h_div = lay.sequence_parallel ? tp : 1.0;
  const auto& stack = s.training.stack;
  const bool eager = stack.kernels == workload::KernelStyle::kEager;
  const bool fused_norm = s.RunsFused(workload::FusedModule::kRmsNorm);
  double passes_h = kHiddenPassesFwd - (fused_norm ? kNormCastPassesFwd : 0) +
                    (m.dropout > 0 ? kDropoutPassesFwd : 0);
  double elems = passes_h * h / h_div;
  const double gelu_new = s.EagerAutocast() ? 2 * kGeluNewPasses : kGeluNewPasses;
  const double swiglu = eager && m.swiglu_limit > 0 ? kClampedSwiGluEagerPasses : kSwiGluPasses;
  const double act_passes = m.mlp == catalog::MlpKind::kSwiGlu ? swiglu
                            : eager && m.GeluComposite()       ? gelu_new
                                                               : kGeluPasses;
  elems += act_passes * lin.act_width;
  const double rope = m.position == catalog::PositionKind::kRope ? 2.0 * (heads + kv_heads) * Q : 0;
  elems += rope;
  const double permute_passes =
      eager ? kMoePermutePassesEager + (stack.moe_combine_fp32 ? kMoeFp32CombineExtraPasses : 0)
            : kMoePermutePasses;
  const double permute =
      m.IsMoe() ? permute_passes * std::max(1, m.experts_active) * h * lay.ExpertGather() : 0;
  elems += permute;  // the routed copies this GPU permutes
  LayerMemory o;
  // Recompute modules: the activations rerun with their linears (or moe_act's alone), RoPE
  // with MLA's up projections, the permutation with the MoE layer, a read and a write per
  // norm Megatron runs apart (an MLA layer's input norm, a MoE layer's pre-MLP norm).
  using workload::RecomputeModule;
  double rerun = act_passes * lin.recompute_act_width;
  if (g.Recomputes(RecomputeModule::kMlaUpProj)) rerun += rope;
  if (g.Recomputes(RecomputeModule::kMoe)) rerun += permute;
  if (g.Recomputes(RecomputeModule::kLayernorm))
    rerun += 2 * h / h_div * ((m.IsMla() ? 1 : 0) + (m.IsMoe() ? 1 : 0));
  // Per-op: the two norms (a read and a write each) and RoPE rerun as well, and with the
  // routed experts (RecomputedLinear) their dispatch and combine.
  if (g.per_op) rerun += kPerOpNormPasses * h / h_div + rope + permute;
  // Over an fp32-upcast QLoRA base the element-wise ops run on fp32 tensors.
  const bool kbit_upcast = s.KbitFp32Upcast();
  const double e = kbit_upcast ? mem::kFp32Bytes : r.act_bytes;
  o.recompute = MemTime(e * T * rerun * stack.elementwise_traffic, r);
  const double attn_in_cast = kbit_upcast ? kFp32CastBytes * (heads + 2 * kv_heads) * Q : 0;
  o.casts = MemTime(T * (lin.adapter_cast_bytes + lin.kbit_cast_bytes + attn_in_cast), r);
  if (eager) {
    o.expert_bias = MemTime(e * T * kExpertBiasPassesFwd * lin.expert_bias_elems, r);
    if (g.per_op || g.Recomputes(RecomputeModule::kMoe)) o.recompute += o.expert_bias;
  }
  o.fwd = MemTime(e * T * elems * stack.elementwise_traffic, r) +
          MemTime(r.act_bytes * T * lin.adapter_bytes, r) +
          MemTime(r.act_bytes * lin.adapter_weight_elems, r);
  if (r.linear_bytes < r.act_bytes) {
    const Fp8CastBytes cast =
        Fp8Casts(s, lay, T * lin.fp8_in, T * lin.fp8_out, f.n_layer_linear_active / tp);
    o.cast_fwd = MemTime(cast.fwd, r);
    o.bwd_extra += MemTime(cast.bwd, r) + (stack.fp8_saved_casts ? 0 : o.cast_fwd);
  }
  if (s.Fp8ActivationInput()) {
    // The activation's input cast to fp8 for saving (16-bit read, 1 B written) and back for
    // its backward (the reverse).
    const double in = (m.mlp == catalog::MlpKind::kSwiGlu ? 2 : 1) * lin.act_width;
    const double cast = MemTime(T * in * (r.act_bytes + 1), r);
    o.cast_fwd += cast;
    o.bwd_extra += cast;
  }
  return o;
}

// Memory traffic of every linear weight of the stage's layers, `bytes` per weight each time
// it is used: once in the forward, `bwd_uses` times in the backward.
void AddLinearWeightTraffic(const Layout& lay, const ModelFigures& f, const Rates& r, double L,
                            double bytes, double bwd_uses, MicroBatchTime* t) {
  const double params =
      f.counts.layer_linear > 0 ? f.counts.layer_linear * L : f.n_layer_linear_active * L;
  const double per_use = MemTime(bytes * params / (static_cast<double>(lay.tp) * lay.pp), r);
  t->memory_fwd += per_use;
  t->memory_bwd += per_use * bwd_uses;
}

// lm_head and loss (last stage: the slowest one bounds the pipeline).
void AddLmHeadAndLoss(const workload::Scenario& s, const Layout& lay, const Regime& g,
                      const Rates& r, MicroBatchTime* t) {
  const auto& m = s.model;
  const double L = std::max(1, m.layers);
  const double T = lay.tokens_mb;
  const double bp = g.backprop_layers, tr = g.trainable_layers;
  const double v = m.vocab / static_cast<double>(lay.tp);
  const double head = GemmTime(T, m.hidden, v, r.tensor_peak, r.act_bytes, r);
  const bool head_trains = tr >= L && !g.adapters;
  // torchtune's chunked loss still upcasts every logit (one chunk at a time): the standard
  // traffic; only a fused linear cross-entropy avoids the fp32 logits.
  const bool fused_linear_loss = s.ChunkedLossIs(workload::ChunkedLossKind::kFusedLinear);
  const double per_logit = fused_linear_loss ? kLogitBytesChunked : kLogitBytesStandard;
  const double loss = MemTime(T * v * per_logit, r);
  MicroBatchTime hd;
  hd.compute_fwd = head;
  hd.compute_bwd = head * ((bp > 0 ? 1.0 : 0.0) + (head_trains ? 1.0 : 0.0));
  hd.memory_fwd = loss * kLogitForwardShare;
  hd.memory_bwd = loss * (1 - kLogitForwardShare);
  AddHeadStage(lay, hd, t);
}

// Kernels one decoder layer's forward launches on this stack (MODELLING section 7
// "Launch/CPU overhead").
double KernelsPerLayer(const workload::Scenario& s, const ModelFigures& f) {
  const auto& stack = s.training.stack;
  const bool eager = stack.kernels == workload::KernelStyle::kEager;
  return stack.kernels_per_layer + (eager ? EagerModuleOpsDelta(s, f) : 0) +
         kOpsPerAdapter * f.adapted_linears +
         (s.training.attention == Attention::kEager ? kOpsEagerAttention : 0) +
         (s.EagerAutocast() ? kOpsAutocastPerLinear * static_cast<double>(f.linears.size()) : 0);
}

// Forward passes of a layer per micro-batch in kernel-launch units: the forward, the
// backward (kBackwardOpsRatio forwards) where gradients flow, a recomputed forward.
double LayerPasses(const workload::Scenario& s, const Regime& g) {
  const double L = std::max(1, s.model.layers);
  const double bp = g.backprop_layers;
  return 1 + kBackwardOpsRatio * (bp / L) + g.recompute_share * bp / L;
}

// Host launch time: the GPU cannot run ahead of the Python/C++ dispatcher (MODELLING
// section 7 "Launch/CPU overhead"), `kernels` per layer forward over `passes` (LayerPasses).
// Returns the part the GPU work does not cover.
double LaunchExcess(const Layout& lay, double kernels, double passes, const GlobalEfficiency& glob,
                    const MicroBatchTime& t) {
  const double ops =
      lay.layers_stage * kernels * passes + kOpsHeadAndLoss * (1 + kBackwardOpsRatio);
  const double host = ops * std::max(0.0, glob.launch_overhead_s);
  return std::max(0.0, host - (t.Forward() + t.Backward()));
}

// Trainable parameter tensors of the layers on this GPU and of the model's ends (each gets a
// gradient hook): LoRA's A and B per adapter, or each linear's weight (and bias) and the
// norms' weights (and LayerNorm biases), plus the embedding, final norm and untied head.
double TrainableTensors(const workload::Scenario& s, const Layout& lay, const Regime& g,
                        const ModelFigures& f) {
  const auto& m = s.model;
  const double stage = lay.layers_stage / std::max(1, m.layers);
  if (g.adapters) return 2.0 * f.adapted_linears * lay.layers_stage;
  double linears = 0;
  for (const auto& l : f.linears) linears += std::max(1, l.copies);
  const double norm = m.norm == catalog::NormKind::kLayerNorm ? 2 : 1;
  const double layer = linears * (m.bias ? 2 : 1) + 2 * norm;
  const double ends = g.trainable_layers == m.layers ? 2 + (m.tied_embeddings ? 0 : 1) : 0;
  return layer * g.trainable_layers * stage + ends;
}

// Host time of DeepSpeed ZeRO-3's hooks in one micro-batch: per module (fetch and release,
// forward, recompute and backward) and per trainable parameter (gradient bucketing and
// partitioning). It adds to the step rather than hiding behind the GPU work: each fetch
// blocks the host on the gathers issued two fetches before (partitioned_param_coordinator.py
// __max_ongoing_fetch_events = 2; each bucket flush likewise on the reductions,
// max_param_reduce_events) and the prefetch reaches about one module ahead
// (stage3_prefetch_bucket_size: DeepSpeed's 5e7 elements, 'auto' 0.9 h^2 in transformers,
// under one h x ffn weight), so host, gathers and compute advance module by module.
double Zero3HookTime(const workload::Scenario& s, const Layout& lay, const Regime& g,
                     const ModelFigures& f, const GlobalEfficiency& glob) {
  if (lay.zero < 3 || !s.training.stack.zero3_module_gather) return 0;
  const double L = std::max(1, s.model.layers);
  const double bp = g.backprop_layers;
  double modules = kModulesPerLayerBlocks + kModulesPerAdapter * f.adapted_linears;
  for (const auto& l : f.linears)
    if (!l.moe_block) modules += 1;  // the MoE block's linears sit inside a leaf module
  const double forwards = 1 + g.recompute_share * bp / L;
  double ops = lay.layers_stage * modules *
               (kZero3HookOpsForward * forwards + kZero3HookOpsBackward * (bp / L));
  // Flushes: the bucket fills, or a tensor larger than it goes alone.
  const double tensors = TrainableTensors(s, lay, g, f);
  const double bucket = static_cast<double>(s.model.hidden) * s.model.hidden;
  const double grads = f.n_trainable * lay.layers_stage / L;
  const double flushes = bucket > 0 ? std::min(tensors, std::ceil(grads / bucket)) : tensors;
  ops += kZero3GradOpsPerTensor * tensors + kZero3GradOpsPerFlush * flushes;
  return ops * std::max(0.0, glob.launch_overhead_s);
}

}  // namespace

MicroBatchTime MicroBatchCompute(const workload::Scenario& s, const Layout& lay, const Regime& g,
                                 const ModelFigures& f, const Rates& r,
                                 const GlobalEfficiency& glob) {
  const auto& m = s.model;
  if (!m.has_shape()) return UnshapedCompute(lay, g, f, r);

  const double L = std::max(1, m.layers);
  const double stage = lay.layers_stage / L;  // share of the model's layers on this GPU
  const double bp = g.backprop_layers, tr = g.trainable_layers;
  const LayerLinears lin = LinearGemms(s, lay, g, f, r);
  const AttentionCore attn = AttentionCoreTime(s, lay, g, r);
  const LayerMemory mem = ElementwiseTime(s, lay, g, f, r, lin);

  // Whole-model layer times, then this stage's share.
  double c_fwd = L * (lin.fwd + lin.adapter_fwd + attn.c_fwd);
  double c_bwd =
      bp * lin.fwd + tr * lin.wgrad + bp * 2.0 * lin.adapter_fwd + bp * attn.bwd_ratio * attn.c_fwd;
  const double bias_bwd = mem.expert_bias * kExpertBiasPassesBwd / kExpertBiasPassesFwd;
  double m_fwd = L * (mem.fwd + mem.cast_fwd + mem.casts + mem.expert_bias + attn.m_fwd);
  double m_bwd =
      bp * (kBackwardBytesRatio * (mem.fwd + attn.m_fwd) + mem.bwd_extra + mem.casts + bias_bwd);
  if (g.full_recompute) {
    const double rec = g.recompute_share * bp;
    c_bwd += rec * (lin.fwd + lin.adapter_fwd + attn.c_fwd);
    m_bwd += rec * (mem.fwd + mem.cast_fwd + mem.casts + mem.expert_bias + attn.m_fwd);
  } else if (g.SelectiveRerun()) {
    const bool core = g.Recomputes(workload::RecomputeModule::kCoreAttn);
    c_bwd += bp * ((core ? attn.c_fwd : 0) + lin.recompute_fwd);
    m_bwd += bp * ((core ? attn.m_fwd : 0) + mem.recompute);
  }
  MicroBatchTime t;
  t.attention = stage * (L + bp * attn.bwd_ratio) * attn.c_fwd;
  t.compute_fwd = stage * c_fwd;
  t.compute_bwd = stage * c_bwd;
  t.memory_fwd = stage * m_fwd;
  t.memory_bwd = stage * m_bwd;

  // Each memory-bound kernel's fixed GPU time (GlobalEfficiency::memory_kernel_fixed_s:
  // ramp-up, tail wave, the gap to the next kernel), beside its bytes at the sustained rate:
  // the layer's kernels less its GEMMs (whose fixed cost the GEMM curve holds) and the
  // attention kernel.
  const double kernels = KernelsPerLayer(s, f), passes = LayerPasses(s, g);
  const double memory_kernels = std::max(0.0, kernels - static_cast<double>(f.linears.size()) - 1);
  const double fixed = lay.layers_stage * memory_kernels * glob.memory_kernel_fixed_s;
  t.memory_fwd += fixed;
  t.memory_bwd += fixed * (passes - 1);
  // QLoRA dequantises every 4-bit linear weight per use: forward, dX (+ recompute)
  // (MODELLING section 7 "QLoRA dequantisation").
  if (g.quantized)
    AddLinearWeightTraffic(lay, f, r, L, kQloraDequantBytesPerParam, 1.0 + g.recompute_share, &t);
  // An fp32 frozen base under autocast (Scenario::Fp32FrozenBase) casts every frozen linear
  // to 16 bits per forward and per recomputed forward; dX reuses the kept cast.
  if (s.Fp32FrozenBase())
    AddLinearWeightTraffic(lay, f, r, L, kFrozenCastBytesPerParam, g.recompute_share, &t);
  if (g.lm_head && m.vocab > 0) AddLmHeadAndLoss(s, lay, g, r, &t);
  t.launch_excess = LaunchExcess(lay, kernels, passes, glob, t);
  t.zero3_hooks = Zero3HookTime(s, lay, g, f, glob);
  return t;
}

double GemmSecondsPerTokenLowerBound(const workload::Scenario& s, const Regime& g,
                                     const ModelFigures& f, const Rates& r) {
  // GemmTime never runs a GEMM above peak * max(1e-3, gemm_eta_max), nor any layout below
  // the FLOPs it counts here: LinearGemms sums, over all ranks of a layer, 2 * T * the
  // active linear weights (tp splits the outputs, ep the experts); the heaviest pipeline
  // stage holds at least its share of the layers and the head (AddHeadStage).
  const double eta = std::max(1e-3, r.eff ? r.eff->gemm_eta_max : 1.0);
  if (!s.model.has_shape()) {
    const double passes = 1.0 + (g.adapters ? 1.0 : 2.0);  // UnshapedCompute, no recompute
    return r.linear_peak > 0 ? 2.0 * f.n_model * passes / (r.linear_peak * eta) : 0;
  }
  double layer_weights = 0;  // LinearGemms' weights: experts at their active copies
  for (const auto& l : f.linears)
    layer_weights += static_cast<double>(l.d_in) * l.d_out * std::max(1, l.active_copies);
  const double L = std::max(1, s.model.layers);
  // Forward on every layer, dX where gradients flow, dW on trained layers (MicroBatchCompute).
  const double linear_flops = 2.0 * layer_weights * (L + g.backprop_layers + g.trainable_layers);
  double t = r.linear_peak > 0 ? linear_flops / (r.linear_peak * eta) : 0;
  if (g.lm_head && s.model.vocab > 0 && r.tensor_peak > 0) {
    const bool head_trains = g.trainable_layers >= L && !g.adapters;  // AddLmHeadAndLoss
    const double head_flops =
        2.0 * static_cast<double>(s.model.hidden) * s.model.vocab *
        (1.0 + (g.backprop_layers > 0 ? 1.0 : 0.0) + (head_trains ? 1.0 : 0.0));
    t += head_flops / (r.tensor_peak * eta);
  }
  return t;
}

double OptimizerBytesPerParam(const workload::Scenario& s) {
  // Bytes read + written per parameter by one optimizer step. MODELLING section 7 gives
  // the single-pass (fused) minimum: AdamW 28 with fp32 states (p, g, m, v read; p, m, v
  // written). PyTorch's default CUDA implementation is `foreach` (torch/optim/adamw.py
  // _multi_tensor_adamw): 8 multi-tensor passes (decay mul_, lerp_, mul_, addcmul_,
  // sqrt, div_, add_, addcdiv_) move 80 B/param with fp32 states, 40 with bf16 states;
  // the paged / 8-bit bitsandbytes optimizers are single fused kernels (28 / 14; 8-bit
  // states ~16 / 10). SGD + momentum foreach: 32 / 16 (mul_, add_, add_). Lion (reference
  // implementation, 8 passes): 72 / 36. Adafactor (transformers, per-tensor ops): ~60 / 30.
  // Stacks whose AdamW is one fused kernel (Scenario::FusedOptimizer, the answer memory's
  // foreach temporary uses too: data/stacks.yaml fused_optimizer, Megatron / Transformer
  // Engine FusedAdam, DeepSpeed FusedAdam, torchtitan implementation "fused") move the
  // single-pass 28 / 14.
  using workload::Optimizer;
  const bool pure16 = s.PureBf16States();
  switch (s.training.optimizer) {
    case Optimizer::kAdamW:
      if (s.FusedOptimizer()) return pure16 ? 14.0 : 28.0;
      return pure16 ? 40.0 : 80.0;
    case Optimizer::kPagedAdamW:
      return pure16 ? 14.0 : 28.0;
    case Optimizer::kAdamW8bit:
    case Optimizer::kPagedAdamW8bit:
      return pure16 ? 10.0 : 16.0;
    case Optimizer::kSgd:
      return pure16 ? 16.0 : 32.0;
    case Optimizer::kLion:
      return pure16 ? 36.0 : 72.0;
    case Optimizer::kAdafactor:
      return pure16 ? 30.0 : 60.0;
  }
  return 80.0;
}

}  // namespace gpuadv::estimate::detail
