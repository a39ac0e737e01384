// Setup of the memory estimator: the stack, precision regime, parallel layout, model shape,
// parameter classes and what trains (MODELLING.md sections 1-3). Derived once per call.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/core/units.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate::mem {
namespace {

using workload::Method;
using workload::Precision;

// Shape inference for a model given only by its parameter count (not a diffusion UNet):
// N ~= 12*L*h^2 (MODELLING.md section 1 without embeddings) with the aspect ratio of the
// GPT-3 / Llama families, h ~= 128*L (Llama-2-13B: L 40, h 5120; GPT-3 6.7B: L 32, h
// 4096), head_dim 128 and f = 4h. Only the activation terms use it, and it is warned.
constexpr double kInferredWidthPerLayer = 128;
constexpr double kInferredHeadDim = 128;
// Vocabulary assumed for such a model's logits (the Llama-2 / Mistral tokenizer size).
constexpr double kInferredVocab = 32000;

// QLoRA storage (Dettmers et al. 2023, section 3): 4-bit codes plus one fp32 absmax per
// block (32/64 = 0.5 bit/param at block 64); double quantisation stores the absmax as
// 8-bit with one fp32 constant per 256 blocks: 8/64 + 32/(64*256) = 0.127 bit/param.
constexpr double kAbsmaxBits = 32;
constexpr double kDoubleQuantAbsmaxBits = 8;
constexpr double kDoubleQuantSecondBlock = 256;
// LLM.int8 (bitsandbytes Linear8bitLt) keeps one fp32 scale per output row.
constexpr double kInt8RowScaleBytes = 4;

void SetupShape(const catalog::ModelArch& m, Setup& st) {
  Shape& sh = st.shape;
  sh.kind = m.kind;
  sh.dropout = m.dropout > 0;
  if (m.has_shape()) {
    sh.known = true;
    sh.layers = m.layers;
    sh.hidden = m.hidden;
    sh.heads = m.heads;
    sh.kv_heads = m.KvHeads();
    sh.head_dim = m.QkHeadDim();  // query/key head size (MLA: nope + rope)
    sh.v_head_dim = m.VHeadDim();
    if (m.IsMla()) sh.mla_latent = m.q_lora_rank + m.kv_lora_rank + m.qk_rope_head_dim;
    sh.ffn = m.ffn > 0 ? m.ffn : 4.0 * m.hidden;
    sh.vocab = m.vocab;
    sh.swiglu = m.mlp == catalog::MlpKind::kSwiGlu;
    sh.layernorm = m.norm == catalog::NormKind::kLayerNorm;
    sh.bias = m.bias;
    sh.gelu_composite = m.GeluComposite();
    sh.swiglu_clamped = m.swiglu_limit > 0;
    if (m.IsMoe()) {
      sh.experts = m.experts;
      sh.experts_active = std::max(1, m.experts_active);
      sh.moe_ffn = m.moe_ffn > 0 ? m.moe_ffn : sh.ffn;
      sh.shared_ffn = m.shared_expert_ffn;
      sh.moe_layers = m.MoeLayers();
    }
    return;
  }
  if (m.kind == catalog::ModelKind::kDiffusion || m.params <= 0) return;  // UNet: no shape
  // Inferred GPT-like shape (see kInferredWidthPerLayer).
  const double h = std::max(
      kInferredWidthPerLayer,
      std::round(std::cbrt(m.params * kInferredWidthPerLayer / 12) / kInferredWidthPerLayer) *
          kInferredWidthPerLayer);
  sh.known = sh.inferred = true;
  sh.hidden = h;
  sh.layers = std::max(1.0, std::round(m.params / (12 * h * h)));
  sh.head_dim = kInferredHeadDim;
  sh.heads = sh.kv_heads = std::max(1.0, h / kInferredHeadDim);
  sh.ffn = 4 * h;
  sh.vocab = kInferredVocab;
  sh.swiglu = false;
}

void SetupParams(const catalog::ModelArch& m, Setup& st) {
  const Shape& sh = st.shape;
  Params& p = st.params;
  const catalog::ParamCounts c = catalog::CachedCounts(m);
  p.total = c.total - c.vision;  // the vision encoder is frozen and resident (Params::vision)
  p.vision = c.vision;
  if (!sh.known) {  // a UNet: one pseudo-layer holding every parameter
    p.per_layer = p.total;
    return;
  }
  if (sh.inferred) {
    p.per_layer = p.total / sh.layers;
    p.largest_linear = p.largest_tensor = sh.hidden * sh.ffn;
    p.norms_per_layer = 4 * sh.hidden;
    return;
  }
  const double h = sh.hidden, a = sh.heads, k = sh.kv_heads, d = sh.head_dim, f = sh.ffn;
  const double norm = sh.layernorm ? 2 * h : h;
  p.embedding = c.embedding + c.position;
  p.lm_head = c.lm_head;
  p.per_layer = c.per_layer > 0 ? c.per_layer : p.total / sh.layers;
  p.final_norm = std::max(0.0, p.total - sh.layers * p.per_layer - p.embedding - p.lm_head);
  const double n_mlp = sh.swiglu ? 3 : 2;
  if (sh.experts > 1) {
    p.moe_block = sh.experts * n_mlp * h * sh.moe_ffn;
    p.expert_per_layer = sh.moe_layers / sh.layers * p.moe_block;
  }
  p.norms_per_layer = 2 * norm;
  if (sh.bias) p.norms_per_layer += (a * d + 2 * k * d + h) + (sh.swiglu ? 2 * f : f) + h;
  p.largest_linear = c.largest_linear > 0 ? c.largest_linear : h * f;
  p.largest_tensor = std::max(p.largest_linear, c.embedding);
  // Adafactor (HF defaults, no beta1): a factored second moment per matrix, rows + cols
  // elements; vectors keep a full one (MODELLING.md section 2).
  const double experts = sh.experts > 1 ? sh.moe_layers / sh.layers * sh.experts : 1;
  const double factored_layer =
      (h + a * d) + 2 * (h + k * d) + (a * d + h) + n_mlp * (h + f) * experts + p.norms_per_layer;
  const double factored = sh.layers * factored_layer + (p.embedding > 0 ? sh.vocab + h : 0) +
                          (p.lm_head > 0 ? sh.vocab + h : 0) + p.final_norm;
  p.adafactor_fraction = p.total > 0 ? std::min(1.0, factored / p.total) : 0;
}

void SetupLora(const catalog::ModelArch& m, const workload::Training& t, Setup& st,
               Explanation* explain) {
  MethodTerms& me = st.method;
  const auto& lora = t.lora;
  const double r = std::max(1, lora.rank);
  me.qkv_trains = me.o_trains = me.mlp_in_trains = me.down_trains = false;
  me.head_trains = me.norms_train = false;
  if (!st.shape.known) return;  // UNet: adapters sized in diffusion_memory.cc
  std::vector<std::string> unknown;
  const unsigned targeted = catalog::TargetSlots(m.family, lora.targets, lora.all_linear, &unknown);
  me.unknown_targets = static_cast<int>(unknown.size());
  if (explain)
    for (const auto& name : unknown)
      explain->Warn("LoRA target '" + name + "' matches no known module: ignored");
  const catalog::ModelArch* arch = &m;
  catalog::ModelArch inferred;
  if (st.shape.inferred) {  // rare path: a model given only by its parameter count
    inferred.layers = static_cast<int>(st.shape.layers);
    inferred.hidden = static_cast<int>(st.shape.hidden);
    inferred.heads = static_cast<int>(st.shape.heads);
    inferred.ffn = static_cast<int>(st.shape.ffn);
    inferred.mlp = catalog::MlpKind::kGelu;
    arch = &inferred;
  }
  me.lora_dropout = lora.dropout > 0;
  std::vector<catalog::LinearShape> fresh;
  const catalog::ModelDerived* cached = catalog::ValidDerived(*arch);
  if (!cached) fresh = catalog::LayerLinears(*arch);
  const workload::AdapterVariant& variant = workload::Adapter(t.method);
  for (const auto& l : cached ? cached->linears : fresh) {
    const unsigned slot = l.slots;
    if (!(slot & targeted)) continue;
    const double d_in = static_cast<double>(l.d_in), d_out = static_cast<double>(l.d_out);
    me.adapter_per_layer += workload::AdapterParams(t.method, r, d_in, d_out) * l.copies;
    me.adapter_rank_sum += r * l.active_copies;
    (estimate::Layout::DenseColumnParallel(l) ? me.adapter_din_column : me.adapter_din_split) +=
        d_in * l.active_copies;
    me.adapter_out_saved += variant.saved_per_output * d_out * l.active_copies;
    me.adapter_weight_temporary =
        std::max(me.adapter_weight_temporary, variant.weight_temporaries * d_in * d_out);
    if (slot & (catalog::kSlotQ | catalog::kSlotK | catalog::kSlotV)) me.qkv_adapted = true;
    if (slot & catalog::kSlotO) me.o_adapted = true;
    if (slot & (catalog::kSlotGate | catalog::kSlotUp)) me.mlp_in_adapted = true;
    if (slot & catalog::kSlotDown) me.down_adapted = true;
  }
  // bitsandbytes MatMul8bitLt saves its input whenever any input needs a gradient
  // (`ctx.tensors = (CAt, subA, A)`), although only dX is computed, and MatMul4Bit did until
  // 0.43.2 (bitsandbytes/autograd/_functions.py): then every quantised linear keeps its input.
  if (st.method.quantized && st.kbit_saves_input)
    me.qkv_trains = me.o_trains = me.mlp_in_trains = me.down_trains = true;
  const double V = st.shape.vocab, h = st.shape.hidden;
  if (targeted & catalog::kSlotHead) {
    me.adapter_head = workload::AdapterParams(t.method, r, h, V);
    me.head_trains = true;
  }
  if (targeted & catalog::kSlotEmbed) me.adapter_embed = workload::AdapterParams(t.method, r, V, h);
}

// What the training stack decides for memory (workload::StackTraits): which runtime holds
// the model states, how the kernels save tensors, FSDP accumulation, what `selective`
// keeps and whether fp8 weight copies are cached.
void SetupStack(const workload::Scenario& s, Setup& st, Explanation* explain) {
  const auto& t = s.training;
  const auto& stack = t.stack;
  st.megatron_runtime = s.MegatronRuntime();
  st.stack = (stack.kernels == workload::KernelStyle::kFused || st.megatron_runtime)
                 ? Stack::kMegatron
                 : Stack::kPyTorch;
  st.fsdp_unsynced_grads = s.FsdpGradientsUnsynced();
  st.fsdp_pipeline_unsharded = s.FsdpPipelineUnsharded();
  st.fsdp_adapter_units = stack.fsdp_adapter_units;
  st.zero3_module_gather = stack.zero3_module_gather;
  st.fsdp_per_param = stack.fsdp_per_param;
  st.deepspeed_mixed = s.DeepSpeedMixedPrecision();
  st.amp = s.EagerAutocast();
  st.selective = stack.selective;
  st.fp8_weight_cache = t.precision == Precision::kFp8Mixed && stack.fp8_weight_cache;
  st.fp8_params = t.Fp8Params();
  st.megatron_grad_bytes = s.MegatronGradBytes();
  st.kept_16bit_grads = stack.keeps_16bit_grads && t.precision == Precision::kBf16Mixed &&
                        st.megatron_grad_bytes >= 4;
  st.fp8_transposed_weights = !s.hardware.gpu.Fp8AnyLayout();
  st.kbit_upcast = s.KbitFp32Upcast();
  st.frozen_fp32 = s.Fp32FrozenBase();
  st.kbit_saves_input = t.quantization.bits == 8 || stack.kbit_saves_input;
  st.keeps_previous_outputs = stack.keeps_previous_outputs;
  st.torch_1x = stack.torch_1x;
  st.expands_kv = stack.expands_kv;
  st.fsdp_fp32_trainable = s.FsdpFp32Trainable();
  st.param_cast = stack.param_cast || st.fsdp_fp32_trainable;
  st.compiled_loss = stack.compiled_loss;
  st.loss_parallel = stack.loss_parallel && st.lay.tp > 1;
  st.sp_dtensor = stack.sp_dtensor && st.lay.sequence_parallel;
  using workload::ChunkedLossKind;
  st.loss = s.ChunkedLossIs(ChunkedLossKind::kUpcastChunks) ? LossPath::kUpcastChunks
            : t.loss == workload::Loss::kChunked            ? LossPath::kChunked
            : stack.compiled_loss                           ? LossPath::kCompiled
            : st.megatron_runtime                           ? LossPath::kVocabParallel
            : stack.kernels == workload::KernelStyle::kFused && stack.compiled_model_loss
                ? LossPath::kInGraph
                : LossPath::kEager;
  st.lora_fused_mlp = stack.lora_fused_mlp;
  st.fp32_adapters = stack.fp32_adapters;
  st.low_precision_norms = stack.low_precision_norms;
  st.fused_rmsnorm = s.RunsFused(workload::FusedModule::kRmsNorm);
  st.fused_swiglu = s.RunsFused(workload::FusedModule::kSwiGlu);
  st.expandable_segments = stack.expandable_segments;
  // Pretraining data is packed into fixed-length blocks on every stack (HF run_clm
  // group_texts, Megatron and torchtitan datasets): the trait is about fine-tuning data,
  // and expandable segments grow in place, leaving no blocks of other sizes behind.
  st.lengths_may_vary = s.training.method != workload::Method::kPretrain && !st.expandable_segments;
  st.variable_length = st.lengths_may_vary && stack.variable_length_batches;
  st.fused_optimizer = s.FusedOptimizer();
  st.fp8_attention = s.Fp8Attention();
  st.fp8_activation_input = s.Fp8ActivationInput();
  if (explain && t.activation_checkpointing == workload::Checkpointing::kSelective &&
      !stack.offers_selective)
    explain->Warn("the " + std::string(EnumName(workload::kFrameworks, stack.id)) +
                  " stack offers no selective activation checkpointing: estimated with "
                  "Megatron-style selective recomputation, which it cannot run (use none or "
                  "full)");
}

// Training options copied from the scenario.
void SetupTraining(const workload::Training& t, Setup& st) {
  st.precision = t.precision;
  st.optimizer = t.optimizer;
  st.attention = t.attention;
  st.ckpt = t.activation_checkpointing;
  st.checkpoint_layers = t.checkpoint_layers;
  st.recompute_modules = t.RecomputedModules();
  st.activation_offload = t.activation_offload;
  st.optimizer_in_backward = t.optimizer_in_backward;
  st.bf16_moments = t.optimizer_state_dtype == workload::StateDtype::kBf16;
  st.optimizer_state_offload = t.optimizer_state_offload;
  st.paged = t.optimizer == workload::Optimizer::kPagedAdamW ||
             t.optimizer == workload::Optimizer::kPagedAdamW8bit;
}

// Parallel layout: sizes clamped to >= 1, the ZeRO / FSDP shard group within DP.
void SetupParallelism(const workload::Scenario& s, Setup& st) {
  st.lay = MakeLayout(s);
  st.offload = s.parallelism.offload;
  st.s = st.lay.s / st.lay.cp;
}

// fp32 master weights and states outside Megatron: DeepSpeed's optimizer where DeepSpeed
// runs the job (Scenario::DeepSpeedMixedPrecision), else PyTorch's AMP / FSDP layout.
Regime FpMasterRegime(const Setup& st) {
  return st.deepspeed_mixed ? Regime::kDeepSpeed : Regime::kAmp;
}

// Which runtime's mixed-precision regime holds the model states (MODELLING.md section 2).
Regime MemoryRegime(const workload::Training& t, const Setup& st) {
  // FSDP's upcast of a bf16 model's trainable parameters: fp32 master weights and states.
  if (st.fsdp_fp32_trainable) return FpMasterRegime(st);
  if (t.PureBf16States()) return Regime::kPureBf16;  // bf16, or fp8 over a bf16 model
  switch (t.precision) {
    case Precision::kFp32:
      return Regime::kFp32;
    case Precision::kBf16:
      return Regime::kPureBf16;
    case Precision::kFp8Mixed:
      // Transformer Engine under Megatron: its fp8 regime. Other stacks (torchao float8 under
      // FSDP2, Transformer Engine layers under Composer / accelerate) keep their own
      // mixed-precision states and add the fp8 weight copies they cache (TrainableRates).
      if (st.megatron_runtime) return Regime::kFp8;
      [[fallthrough]];
    case Precision::kFp16Mixed:
    case Precision::kBf16Mixed:
      if (st.megatron_runtime) return Regime::kMegatron;
      return FpMasterRegime(st);
  }
  return st.regime;
}

// Element sizes of activations, compute copies and the residual stream.
void SetupDtypes(const workload::Training& t, Setup& st) {
  const bool fp32 = t.precision == Precision::kFp32;
  st.e_act = fp32 ? 4 : 2;
  st.e_compute = fp32 ? 4 : 2;
  const bool full_weights_train = workload::TrainsAllWeights(t.method);
  // The residual stream has the dtype of the weights that produce it: fp32 under autocast
  // over an fp32 model (trained, or a LoRA run's fp32 frozen base) or over a QLoRA base
  // whose embeddings and norms were upcast, 16-bit over a 16-bit (frozen) base or 16-bit
  // parameter copies (FSDP2 MixedPrecisionPolicy).
  const bool autocast_fp32 =
      st.regime == Regime::kAmp && (full_weights_train || st.frozen_fp32) && !st.param_cast;
  st.e_res = (fp32 || autocast_fp32 || st.kbit_upcast) ? 4 : 2;
}

// Bytes per quantised base parameter: LLM.int8 codes + row scales, or 4-bit codes + absmax
// (double-quantised) per block (QLoRA, Dettmers et al. 2023, section 3). `.state` is the
// part held as the module's quantisation state (row scales, absmax and its constants), not
// in the parameter tensor.

// What the training method trains and stores (freeze, LoRA, QLoRA).
void SetupMethod(const workload::Scenario& s, Setup& st, Explanation* explain) {
  const auto& t = s.training;
  MethodTerms& me = st.method;
  me.kind = t.method;
  const workload::MethodTraits& traits = workload::Traits(t.method);
  if (traits.quantized_base) {
    me.quantized = true;
    const QuantBytes qb = QuantBytesPerParam(t.quantization, st.shape.hidden);
    me.quant_bytes = qb.total;
    me.quant_state_bytes = qb.state;
  }
  switch (traits.trained) {
    case workload::Trained::kAllWeights:
      break;
    case workload::Trained::kLastLayers:
      me.trainable_layers = std::clamp<double>(t.freeze_trainable_layers, 0, st.shape.layers);
      me.head_trains = false;
      break;
    case workload::Trained::kAdapters:
      me.adapters = true;
      SetupLora(s.model, t, st, explain);
      break;
  }
}

}  // namespace

QuantBytes QuantBytesPerParam(const workload::QuantConfig& q, double hidden) {
  const double block = std::max(1, q.block_size);
  if (q.type == "int8" || q.bits >= 8) {
    const double scales = kInt8RowScaleBytes / std::max(1.0, hidden);
    return {BytesOfBits(q.bits) + scales, scales};
  }
  const double overhead_bits = q.double_quant ? kDoubleQuantAbsmaxBits / block +
                                                    kAbsmaxBits / (block * kDoubleQuantSecondBlock)
                                              : kAbsmaxBits / block;
  return {BytesOfBits(q.bits + overhead_bits), BytesOfBits(overhead_bits)};
}

AdapterDtypes AdapterDtypesOf(const Setup& st) {
  if (st.stack == Stack::kMegatron || !st.fp32_adapters || st.e_act >= kFp32Bytes)
    return {0, st.e_act};
  return st.amp ? AdapterDtypes{st.e_act, st.e_act} : AdapterDtypes{kFp32Bytes, kFp32Bytes};
}

namespace {

// The stack and dtype part of the setup: what the time estimator asks of the memory model.
Setup DtypeSetup(const workload::Scenario& s) {
  Setup st;
  SetupTraining(s.training, st);
  SetupParallelism(s, st);
  SetupStack(s, st, nullptr);
  st.regime = MemoryRegime(s.training, st);
  SetupDtypes(s.training, st);
  return st;
}

}  // namespace

AdapterDtypes AdapterDtypesOf(const workload::Scenario& s) {
  return AdapterDtypesOf(DtypeSetup(s));
}

double OptimizerStateBytesPerParam(const workload::Scenario& s) {
  const Rates r = TrainableRates(DtypeSetup(s));
  return r.master + r.state;
}

Setup MakeSetup(const workload::Scenario& s, Explanation* explain) {
  Setup st;
  const auto& t = s.training;
  SetupTraining(t, st);
  SetupParallelism(s, st);
  SetupStack(s, st, explain);
  st.regime = MemoryRegime(t, st);
  SetupDtypes(t, st);

  SetupShape(s.model, st);
  SetupParams(s.model, st);
  if (st.shape.inferred && explain)
    explain->Warn("model has no layer shape: activations use an inferred GPT-like shape (L " +
                  std::to_string(static_cast<int>(st.shape.layers)) + ", h " +
                  std::to_string(static_cast<int>(st.shape.hidden)) + "); give the architecture");
  SetupMethod(s, st, explain);
  SetupDiffusion(s, st, explain);
  return st;
}

}  // namespace gpuadv::estimate::mem
