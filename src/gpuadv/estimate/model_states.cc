// Model states per GPU: weights, gradients, optimizer state and their transients
// (MODELLING.md section 2). Parameters are split into classes (trainable, frozen 16-bit,
// quantised, LoRA adapters), each with its bytes per parameter, then divided by tensor /
// pipeline / expert parallelism and sharded by ZeRO / FSDP over the data-parallel group.
#include <algorithm>
#include <cmath>

#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate::mem {
namespace {

using workload::Optimizer;

constexpr double k16BitBytes = 2;
// torch.autocast caches the 16-bit cast of every fp32 parameter it uses; the casts are
// saved for backward, so ~2 B/param live from the end of forward until each layer's
// backward (MODELLING.md section 2, AMP row).
constexpr double kAutocastCastBytes = 2;
// Transformer Engine caches an fp8 copy of each weight for the step (MODELLING.md section 2,
// fp8-mixed row; section 3 "fp8").
constexpr double kFp8CastBytes = 1;
// bitsandbytes blockwise 8-bit optimizers: uint8 state + one fp32 absmax per block of 256
// (bitsandbytes >= 0.44 `blocksize=256`; Dettmers et al. 2022): 1 + 4/256 B per state.
constexpr double kBnb8BitBlock = 256;
// ZeRO-3 / FSDP keep the current and the prefetched unit unsharded (FSDP1
// limit_all_gathers, FSDP2 prefetch of one module; MODELLING.md section 2 "Gather buffers").
constexpr double kGatheredUnits = 2;
// DeepSpeed ZeRO-3 (deepspeed/runtime/zero/config.py DeepSpeedZeroConfig defaults;
// partitioned_param_coordinator.py fetch_sub_module / release_sub_module): each submodule's
// parameters are gathered by its pre-forward hook and released after it unless reused within
// stage3_max_reuse_distance, with at most stage3_max_live_parameters elements resident (or
// the current submodule, if larger) and stage3_prefetch_bucket_size elements prefetched;
// gradients are copied into a reduce_bucket_size bucket that is reduce-scattered when full
// (stage3.py reduce_independent_p_g_buckets_and_remove_grads), each param's .grad freed.
constexpr double kDsMaxLiveParams = 1e9;
constexpr double kDsPrefetchParams = 5e7;
constexpr double kDsReduceBucket = 5e8;

// Adafactor (HF) and Lion (lion-pytorch) step one tensor at a time and allocate fp32
// intermediates of its size (update, squared gradient): two tensor-sized buffers.
constexpr double kPerTensorStepBuffers = 2;

// Optimizer state bytes per trainable parameter; `sd` is the state dtype size.
double StateBytes(Optimizer o, double sd, double adafactor_fraction) {
  switch (o) {
    case Optimizer::kAdamW:
      return 2 * sd;
    case Optimizer::kPagedAdamW:
      return 2 * kFp32Bytes;  // bnb 32-bit states are fp32
    case Optimizer::kAdamW8bit:
    case Optimizer::kPagedAdamW8bit:
      return 2 * (1 + kFp32Bytes / kBnb8BitBlock);
    case Optimizer::kSgd:
      return sd;  // momentum buffer
    case Optimizer::kLion:
      return sd;  // one momentum
    case Optimizer::kAdafactor:
      return kFp32Bytes * adafactor_fraction;  // factored, fp32
  }
  return 2 * sd;
}

// torch.optim AdamW with foreach (the default on CUDA when not fused) materialises
// `_foreach_sqrt(exp_avg_sq)`: one state-sized list at the step (torch.optim docs, "foreach
// ... uses more peak memory"). Fused kernels do not: Megatron's and DeepSpeed's FusedAdam and
// torch's fused=True of the stacks that select it (Scenario::FusedOptimizer, the answer the
// step's time uses too); bitsandbytes' optimizers are other Optimizer values. Before PyTorch
// 2.0 (Setup::torch_1x) AdamW stepped one parameter at a time: its temporaries are one
// parameter's, not counted.
double ForeachTemp(const Setup& st, double sd) {
  return st.optimizer == Optimizer::kAdamW && !st.fused_optimizer && !st.torch_1x ? sd : 0;
}

// One class of parameters on this GPU: stage amount and the largest single layer's amount
// (the ZeRO-3 gather unit).
struct Amount {
  double stage = 0;
  double layer = 0;
};

}  // namespace

Rates TrainableRates(const Setup& st) {
  Rates r;
  double sd = kFp32Bytes;
  switch (st.regime) {
    case Regime::kFp32:
      r.weight = r.grad = kFp32Bytes;
      break;
    case Regime::kAmp:
      r.weight = r.grad = kFp32Bytes;
      // FSDP (ZeRO-3) MixedPrecision gathers 16-bit params instead of autocast casts.
      r.cast = st.lay.zero == 3 ? 0 : kAutocastCastBytes;
      break;
    case Regime::kDeepSpeed:
      r.weight = r.grad = k16BitBytes;
      r.master = kFp32Bytes;
      break;
    case Regime::kMegatron:
      r.weight = k16BitBytes;
      r.grad = st.megatron_grad_bytes + (st.kept_16bit_grads ? k16BitBytes : 0);
      r.master = kFp32Bytes;
      break;
    case Regime::kFp8:
      // With fp8 primary weights (--fp8-param-gather) the parameter is the fp8 tensor the
      // GEMMs read; the cached byte is then its transpose (none where fp8 GEMMs take any
      // layout), and no 16-bit copy exists.
      r.weight = st.fp8_params ? kFp8CastBytes : k16BitBytes;
      r.grad = st.megatron_grad_bytes;
      r.master = kFp32Bytes;
      r.cast = !st.fp8_params || st.fp8_transposed_weights ? kFp8CastBytes : 0;
      break;
    case Regime::kPureBf16:
      r.weight = r.grad = sd = k16BitBytes;
      break;
  }
  // fp8 outside Megatron's regime: the cached fp8 weight copy (Transformer Engine layers).
  if (st.regime != Regime::kFp8 && st.fp8_weight_cache) r.cast += kFp8CastBytes;
  // Megatron's precision-aware optimizer: bf16 moments beside the fp32 master copy.
  if (st.bf16_moments) sd = k16BitBytes;
  r.state = StateBytes(st.optimizer, sd, st.params.adafactor_fraction);
  r.step_temp = ForeachTemp(st, sd);
  return r;
}

Rates AdapterRates(const Setup& st) {
  // PEFT >= 0.12 keeps adapters in fp32 (autocast_adapter_dtype=True) whatever the base
  // dtype, with fp32 AdamW states: 4 + 4 + 8 B per adapter parameter (MODELLING.md
  // section 2). Stacks that build adapters in the model's dtype (torchtune, LitGPT) hold
  // them like any trained parameter of the regime: pure bf16 2 + 2 + bf16 states.
  if (!st.fp32_adapters) return TrainableRates(st);
  Rates r;
  r.weight = r.grad = kFp32Bytes;
  r.cast = st.amp ? kAutocastCastBytes : 0;
  r.state = StateBytes(st.optimizer, kFp32Bytes, 1.0);
  r.step_temp = st.optimizer == Optimizer::kAdamW ? kFp32Bytes : 0;
  return r;
}

namespace {

// Parameters of one stage on this GPU, split into classes (MODELLING.md section 2).
struct StageAmounts {
  double layer = 0;         // one layer's parameters after TP / EP
  double expert_share = 0;  // fraction of `layer` that is experts
  double edge = 0;          // embedding, LM head and final norm held by this stage
  double body = 0;          // the stage's transformer layers
  Amount trainable, frozen, quant, adapter;
};

// Parameters on this GPU (TP divides every matrix; EP spreads experts, ETP splits them).
StageAmounts LocalAmounts(const Setup& st, const Stage& stage) {
  const Params& p = st.params;
  const double t = st.lay.tp, e = st.lay.ep;
  StageAmounts a;
  const double expert_layer = p.expert_per_layer / (st.lay.etp * e);
  const double dense_layer = (p.per_layer - p.expert_per_layer) / t;
  a.layer = dense_layer + expert_layer;
  a.expert_share = a.layer > 0 ? expert_layer / a.layer : 0;
  a.edge = (stage.first ? p.embedding / t : 0) +
           (stage.last ? (p.lm_head > 0 ? p.lm_head / t : (st.lay.pp > 1 ? p.embedding / t : 0)) +
                             p.final_norm
                       : 0);
  a.body = stage.layers * a.layer;
  return a;
}

// Split into classes (MODELLING.md section 2: LoRA, QLoRA, freeze). Diffusion: text
// encoders that train are full trainable params (MODELLING.md section 9).
void SplitClasses(const Setup& st, const Stage& stage, StageAmounts* a) {
  const Params& p = st.params;
  const MethodTerms& me = st.method;
  const double t = st.lay.tp;
  const double layer = a->layer, body = a->body, edge = a->edge;
  switch (workload::Traits(me.kind).trained) {
    case workload::Trained::kAllWeights:
      a->trainable = {body + edge, layer};
      break;
    case workload::Trained::kLastLayers: {
      const double k = std::clamp(me.trainable_layers - stage.layers_after, 0.0, stage.layers);
      a->trainable = {k * layer, k > 0 ? layer : 0};
      a->frozen = {body - a->trainable.stage + edge, layer};
      break;
    }
    case workload::Trained::kAdapters: {
      const double per_layer_adapter = me.adapter_per_layer / t;
      a->adapter = {stage.layers * per_layer_adapter + (stage.last ? me.adapter_head / t : 0) +
                        (stage.first ? me.adapter_embed / t : 0),
                    per_layer_adapter};
      if (me.quantized) {
        const double q_layer = std::max(0.0, layer - p.norms_per_layer / t);
        a->quant = {stage.layers * q_layer, q_layer};
        a->frozen = {body - a->quant.stage + edge, layer - q_layer};
      } else {
        a->frozen = {body + edge, layer};
      }
      break;
    }
  }
  a->trainable.stage += st.diffusion.trained_text_encoder_params;
}

// Resident frozen components replicated on every GPU: diffusion text encoders and VAE
// (MODELLING.md section 9); a multimodal model's vision encoder, frozen for text
// fine-tuning, resident in 16-bit with the embedding on the first stage (no gradients, no
// optimizer states).
double ComponentBytes(const Setup& st, const Stage& stage, double frozen16) {
  const Diffusion& dif = st.diffusion;
  return (dif.text_encoder_params - dif.trained_text_encoder_params) *
             (st.method.adapters ? dif.frozen_bytes_per_param : frozen16) +
         dif.vae_params * k16BitBytes + (stage.first ? st.params.vision : 0) * frozen16;
}

// ZeRO divisors (Rajbhandari et al. 2020): stage 1 optimizer, 2 + gradients, 3 + params;
// experts shard over their expert-data-parallel ranks.
struct ZeroShard {
  double n = 1, n_expert = 1, expert_share = 0;
  double operator()(double amount, bool on) const {
    if (!on) return amount;
    return amount * ((1 - expert_share) / n + expert_share / n_expert);
  }
};

// Persistent weights on the GPU; ZeRO-Infinity / FSDP CPUOffload keep them in host RAM,
// kohya block swap streams blocks from host (one block in flight).
void WeightTerms(const Setup& st, const Stage& stage, const StageAmounts& a, const ZeroShard& shard,
                 double components, States* out) {
  const bool zero3 = st.lay.zero == 3;
  const bool offload_params = st.offload == workload::Offload::kOptimizerParams;
  const MethodTerms& me = st.method;
  const double frozen_edge = a.frozen.stage > 0 ? std::min(a.edge, a.frozen.stage) : 0;
  double weights = shard(a.trainable.stage, zero3) * out->trainable.weight +
                   shard(a.adapter.stage, zero3) * out->adapter.weight +
                   shard(a.frozen.stage - frozen_edge, zero3) * out->frozen_rate +
                   shard(frozen_edge, zero3) * out->frozen_edge_rate +
                   shard(a.quant.stage, zero3) * (me.quant_bytes - me.quant_state_bytes);
  if (offload_params) {  // ZeRO-Infinity / FSDP CPUOffload: params live in host RAM
    out->host += weights;
    weights = 0;
  }
  // The quantised linears' block constants stay whole on every rank, offloaded or not.
  weights += a.quant.stage * me.quant_state_bytes;
  if (st.diffusion.block_swap > 0 && !offload_params) {  // blocks streamed from host (kohya)
    const double swapped =
        st.diffusion.block_swap * a.body / std::max(1.0, a.body + a.edge) * weights;
    out->host += swapped;
    weights -= swapped;
    out->weights_transient += weights / std::max(1.0, stage.layers);  // the block in flight
  }
  out->weights = weights + components;
}

// Transient weight copies: autocast / fp8 casts of trainable params, QLoRA dequant buffer,
// ZeRO-3 / offloaded-params gather buffers (current + prefetched unit + root). Sets the
// unsharded unit gradient a ZeRO-3 backward holds before its reduce-scatter.
void TransientWeights(const Setup& st, const StageAmounts& a, States* out) {
  const Params& p = st.params;
  const MethodTerms& me = st.method;
  const Rates& rt = out->trainable;
  const Rates& ra = out->adapter;
  double casts = a.trainable.stage * rt.cast + a.adapter.stage * ra.cast;
  // An fp32 frozen base under autocast: each frozen linear's 16-bit cast is made per call
  // (autocast caches only casts of parameters that require grad) and kept by the linear for
  // its input gradient, so the casts of every layer whose forward keeps its tensors are
  // alive at the backward's start; of the layers full checkpointing recomputes (all, or
  // `checkpoint_layers` of them), only the one being recomputed holds its casts.
  // (The head's cast, vocab x h, is not counted.)
  if (st.frozen_fp32 && a.frozen.layer > 0) {
    const double body = std::max(0.0, a.frozen.stage - a.edge);
    const double recomputed = workload::RecomputedLayers(st.ckpt, st.checkpoint_layers,
                                                         body / a.frozen.layer, st.lay.vpp);
    casts += kAutocastCastBytes *
             (body - recomputed * a.frozen.layer + (recomputed > 0 ? a.frozen.layer : 0));
  }
  double buffers = 0;
  if (me.quantized) buffers += st.e_compute * p.largest_linear / st.lay.tp;  // bitsandbytes dequant
  double unit_grad = 0;
  if (st.lay.zero == 3 || st.offload == workload::Offload::kOptimizerParams) {
    // Gathered 16-bit bytes of one layer (Amount::layer) or of the whole stage.
    auto gathered_bytes = [&](double Amount::*part) {
      return a.trainable.*part * st.e_compute + a.frozen.*part * out->frozen_rate +
             a.quant.*part * (me.quant_bytes - me.quant_state_bytes) + a.adapter.*part * ra.weight;
    };
    const double unit = gathered_bytes(&Amount::layer);
    double root = a.edge * (a.trainable.stage > 0 && !workload::TrainsLastLayers(me.kind)
                                ? st.e_compute
                                : out->frozen_edge_rate);
    double gathered = kGatheredUnits * unit;
    out->gathers_in_flight = gathered + root;
    if (st.fsdp_pipeline_unsharded) {  // the whole stage stays gathered for the step
      gathered = gathered_bytes(&Amount::stage);
      root = 0;  // the stage's embedding and head are part of it
    }
    const bool root_trains = workload::TrainsAllWeights(me.kind);
    unit_grad = a.trainable.layer * st.e_compute + a.adapter.layer * ra.grad +
                (root_trains ? a.edge * st.e_compute : 0);
    if (st.zero3_module_gather) {
      // Submodules, not layers: what a decoder layer of a very large model gathers at once
      // is one weight matrix, or the live-parameter budget, whichever is larger (below two
      // layers: the same as a layer-wrapped FSDP). An MoE MLP block is fetched whole: the
      // stacks that run MoE models under ZeRO-3 mark it a leaf module
      // (deepspeed.utils.set_z3_leaf_modules: ms-swift for every MoE model, LLaMA-Factory
      // for Mixtral, Qwen-MoE, DeepSeek and others), so its experts get no hooks of their own.
      const double largest = st.e_compute * p.largest_linear / st.lay.tp;
      const double leaf = st.e_compute * p.moe_block / std::max(1, st.lay.ep) / st.lay.etp;
      gathered = std::min(gathered, std::max({largest, leaf, kDsMaxLiveParams * st.e_compute}) +
                                        kDsPrefetchParams * st.e_compute);
      unit_grad = std::min(unit_grad, largest + kDsReduceBucket * st.e_compute);
    }
    buffers += gathered + root;
  }
  out->weights_transient += casts + buffers;
  out->weights_buffers = buffers;
  out->gradients_bwd_unit = unit_grad;
}

// accelerate (HF Trainer) and Lightning Fabric accumulate FSDP gradients over micro-batches
// under no_sync; DeepSpeed, Composer and plain loops reduce-scatter each micro-batch
// (accelerate Accelerator.no_sync is a null context under DeepSpeed ZeRO >= 2).
// Under no_sync every rank keeps full unsharded gradients until the last micro-batch, and a
// unit mixing frozen and trainable params (LoRA) gets gradients for all of them (torch FSDP
// docs: no_sync "will accumulate the full model gradients"; mixed requires_grad "gradient
// memory ... equivalent to not freezing those parameters"), unless the stack wraps the
// adapters in units of their own (Setup::fsdp_adapter_units, the kAdapters case). A
// pipeline schedule that keeps gradient sync off until a stage's last backward
// (torch.distributed.pipelining) does the same (Scenario::FsdpGradientsUnsynced).
// Unsharded gradient bytes then held (Setup::fsdp_unsynced_grads).
double NoSyncGradients(const Setup& st, const StageAmounts& a, double a_g, const Rates& ra) {
  const MethodTerms& me = st.method;
  double units = 0;
  switch (workload::Traits(me.kind).trained) {
    case workload::Trained::kAllWeights:
      units = a.body + a.edge;
      break;
    case workload::Trained::kLastLayers:
      units = a.trainable.stage;
      break;
    case workload::Trained::kAdapters:
      // transformers Trainer._fsdp_qlora_plugin_updates sets PEFT's fsdp_auto_wrap_policy
      // (LoRA modules in FSDP units of their own, frozen flat parameters without .grad), and
      // FSDP2 shards per parameter: only the adapters' own (unsharded) gradients are held.
      if (st.fsdp_adapter_units) return a.adapter.stage * ra.grad;
      units = (me.adapter_per_layer > 0 ? a.body : 0) +
              (me.adapter_head + me.adapter_embed > 0 ? a.edge : 0);
      break;
  }
  return units * st.e_compute + a_g * ra.grad;
}

// Gradients at the end of backward and those alive during the forward.
void GradientTerms(const Setup& st, const StageAmounts& a, const ZeroShard& shard, States* out) {
  const Rates& rt = out->trainable;
  const Rates& ra = out->adapter;
  const double t_g = shard(a.trainable.stage, st.lay.zero >= 2);
  const double a_g = shard(a.adapter.stage, st.lay.zero >= 2);
  double grads = t_g * rt.grad + a_g * ra.grad;
  if (st.offload == workload::Offload::kOptimizerParams)
    grads = 0;  // reduced into host memory per unit
  if (st.fsdp_unsynced_grads) grads = NoSyncGradients(st, a, a_g, ra);
  // PyTorch DDP copies gradients into flat buckets covering all params (bucket_cap_mb=25,
  // gradient_as_bucket_view=False): one more gradient-sized buffer (MODELLING.md section 2).
  double bucket = 0;
  if (!st.megatron_runtime && st.lay.zero == 0 && st.lay.dp_cp > 1 &&
      st.offload == workload::Offload::kNone)
    bucket = a.trainable.stage * rt.grad + a.adapter.stage * ra.grad;
  if (st.optimizer_in_backward) {
    // The step runs per parameter inside backward: only a unit's gradients exist at once.
    grads = a.trainable.layer * rt.grad + a.adapter.layer * ra.grad;
    bucket = 0;
  }
  out->gradients = grads + bucket;
  // Gradients alive in the forward: persistent buffers (Megatron main_grad, DeepSpeed
  // partitions, DDP buckets) or accumulation over micro-batches; zero_grad(set_to_none)
  // frees them before the first micro-batch otherwise (MODELLING.md section 5), except
  // under PyTorch < 2.0, whose zero_grad zeroed them in place.
  const bool persistent = st.regime == Regime::kMegatron || st.regime == Regime::kFp8 ||
                          st.regime == Regime::kDeepSpeed || st.torch_1x;
  if (st.optimizer_in_backward)
    out->gradients_fwd = 0;
  else if (persistent || st.lay.micro_batches > 1)
    out->gradients_fwd = out->gradients;
  else
    out->gradients_fwd = bucket;
}

// Optimizer state (+ fp32 master) and its step temporaries; ZeRO-Offload keeps master,
// moments and fp32 gradients in host RAM, paged optimizers in CUDA unified memory.
void OptimizerTerms(const Setup& st, const StageAmounts& a, const ZeroShard& shard, States* out) {
  const Rates& rt = out->trainable;
  const Rates& ra = out->adapter;
  const double t_o = shard(a.trainable.stage, st.lay.zero >= 1);
  const double a_o = shard(a.adapter.stage, st.lay.zero >= 1);
  const double opt_state = t_o * (rt.master + rt.state) + a_o * (ra.master + ra.state);
  if (st.offload != workload::Offload::kNone) {
    // ZeRO-Offload: master, moments and fp32 gradients in host RAM.
    out->host += opt_state + (t_o + a_o) * kFp32Bytes;
  } else if (st.paged) {
    out->paged = opt_state;  // CUDA unified memory, outside the caching allocator
  } else {
    out->optimizer = opt_state;
    out->optimizer_step = t_o * rt.step_temp + a_o * ra.step_temp;
    if (st.optimizer == Optimizer::kAdafactor || st.optimizer == Optimizer::kLion)
      out->optimizer_step +=
          kPerTensorStepBuffers * kFp32Bytes *
          std::min(st.params.largest_tensor / st.lay.tp, a.trainable.stage + a.adapter.stage);
  }
}

// EMA copy of the trained weights (diffusers examples/text_to_image/train_text_to_image.py
// --use_ema: EMAModel keeps one fp32 shadow of every trained parameter, on the GPU, in each
// process, unsharded): 4 B per trainable (or LoRA) parameter, held with the optimizer state.
void EmaTerms(const Setup& st, const StageAmounts& a, States* out) {
  if (!st.diffusion.ema) return;
  out->ema = kFp32Bytes * (a.trainable.stage + a.adapter.stage);
  out->optimizer += out->ema;
}

// Parameter counts per replica (total incl. adapters and resident components; trainable).
void ParamCounts(const Setup& st, States* out) {
  const Params& p = st.params;
  const MethodTerms& me = st.method;
  const Diffusion& dif = st.diffusion;
  const double adapters_total =
      me.adapter_per_layer * std::max(1.0, st.shape.layers) + me.adapter_head + me.adapter_embed;
  out->total_params = p.total + p.vision + (me.adapters ? adapters_total : 0) +
                      dif.text_encoder_params + dif.vae_params;
  switch (workload::Traits(me.kind).trained) {
    case workload::Trained::kAllWeights:
      out->trainable_params = p.total;
      break;
    case workload::Trained::kLastLayers:
      out->trainable_params = me.trainable_layers * p.per_layer;
      break;
    case workload::Trained::kAdapters:
      out->trainable_params = adapters_total;
      break;
  }
  out->trainable_params += dif.trained_text_encoder_params;
}

}  // namespace

States StageStates(const Setup& st, const Stage& stage) {
  States out;
  out.trainable = TrainableRates(st);
  out.adapter = AdapterRates(st);
  const double frozen16 = st.regime == Regime::kFp32 ? kFp32Bytes : k16BitBytes;
  // kohya --fp8_base stores the frozen denoiser base at 1 B/param (MODELLING.md section 9).
  // QLoRA under PEFT's prepare_model_for_kbit_training: the unquantised base params in fp32.
  out.frozen_rate = st.method.adapters && st.diffusion.active ? st.diffusion.frozen_bytes_per_param
                    : st.kbit_upcast || st.frozen_fp32        ? kFp32Bytes
                                                              : frozen16;
  out.frozen_edge_rate = out.frozen_rate;
  // fp8 primary weights (Transformer Engine fp8_model_init): a frozen linear is a Float8Tensor,
  // 1 B, with no transpose kept between uses even on Hopper (MLPerf Training v5.0 Llama 2 70B
  // LoRA runs tp1 cp2 on 141 GB H200s, which 2 B/param would not fit); the embedding and
  // head are not Transformer Engine modules and stay 16-bit (the layers' norm weights,
  // < 0.1 % of them, are counted at the fp8 rate).
  if (st.regime == Regime::kFp8 && st.fp8_params && !st.method.quantized && !st.diffusion.active)
    out.frozen_rate = kFp8CastBytes;
  StageAmounts a = LocalAmounts(st, stage);
  SplitClasses(st, stage, &a);
  const double components = ComponentBytes(st, stage, frozen16);
  ZeroShard shard;
  shard.n = st.lay.shard;
  // The expert-data-parallel ranks: tp x shard over the etp x ep grid (shard / ep at etp = tp).
  shard.n_expert =
      std::max(1.0, static_cast<double>(st.lay.tp) * st.lay.shard / (st.lay.ep * st.lay.etp));
  shard.expert_share = a.expert_share;
  WeightTerms(st, stage, a, shard, components, &out);
  TransientWeights(st, a, &out);
  GradientTerms(st, a, shard, &out);
  OptimizerTerms(st, a, shard, &out);
  EmaTerms(st, a, &out);
  ParamCounts(st, &out);
  return out;
}

}  // namespace gpuadv::estimate::mem
