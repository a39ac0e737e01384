// Activation memory: the tensors autograd saves for backward, counted one by one
// (MODELLING.md section 3, the generalised form of Korthikanti et al. 2022 section 4.1),
// plus logits and loss (section 4). Each term names the op that saves it. PyTorch autograd
// saves a linear layer's input only when its weight (or a LoRA adapter on it) needs a
// gradient (`should_compute_output` guards in torch's generated autograd code; bitsandbytes
// MatMul4Bit keeps no input either), so frozen linears add nothing.
#include <algorithm>
#include <cmath>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/workload/method_traits.h"
#include "gpuadv/workload/stack.h"

namespace gpuadv::estimate::mem {
namespace {

using workload::Attention;

constexpr double kMaskBytes = 1;  // dropout masks are bool tensors
// Per-token fp32 statistics a norm saves: LayerNorm mean + rstd, RMSNorm rstd.
constexpr double kLayerNormStatBytes = 8;
constexpr double kRmsNormStatBytes = 4;
// int64 input ids, labels and position ids per token.
constexpr double kIdBytesPerToken = 3 * 8;
// MoE token routing: dropless (Megatron --moe-token-dispatcher alltoall default, HF
// Mixtral); tokens are not padded to a capacity.
constexpr double kMoeCapacityFactor = 1.0;
// Layers whose checkpoints an offloading implementation keeps on the GPU (the one in use
// and the one being prefetched; Unsloth offloaded checkpointing, torch save_on_cpu).
constexpr double kOffloadLayersOnGpu = 2;
// Sequence-classification head of an encoder: labels (logits b x labels, fp32 loss).
constexpr double kEncoderHeadLabels = 2;
// Chunked / fused cross-entropy (Liger FusedLinearCrossEntropy): chunks of ~b*s*h/V tokens
// hold fp32 logits and their 16-bit gradient (4 + 2 B), i.e. ~6*b*s*h bytes, plus the
// precomputed input gradient (b*s*h in 16-bit) (MODELLING.md section 4).
constexpr double kChunkedLossBytesPerTokenHidden = 6;
// torchtune's chunked losses (CEWithChunkedOutputLoss, LinearCrossEntropyLoss) split the
// tokens into num_output_chunks = 8 and upcast one chunk at a time; F.cross_entropy keeps
// each chunk's fp32 log-softmax for backward (torchtune/modules/loss/*.py).
constexpr double kUpcastLossChunks = 8;
// fp32 tensors per logit shard that DTensor's loss-parallel cross-entropy holds at once
// (torch/distributed/tensor/parallel/loss.py; Logits, LossPath::kEager): forward the fp32
// input, shifted and exp(shifted) (then the result in exp's place); backward the saved
// result, zeros_like, exp and their sum (then the product in exp's place).
constexpr double kLossParallelFwdFp32 = 3;
constexpr double kLossParallelBwdFp32 = 4;

// Bytes one norm saves for backward per layer (all tokens of the micro-batch).
double NormSaved(const LayerSpec& l, double tokens, double rep) {
  const double th = tokens * l.h * rep;
  const double stats = (l.layernorm ? kLayerNormStatBytes : kRmsNormStatBytes) * tokens * rep;
  // Fused kernels (TE / Apex; flash-attn's or Liger's RMSNorm): the 16-bit input and the
  // statistics; the weight's gradient is reduced from them in the kernel's backward.
  if (l.stack == Stack::kMegatron || l.fused_rmsnorm) return l.e_res * th + stats;
  if (l.layernorm) {
    // torch.nn.LayerNorm (native kernel) saves its input; autocast runs it in fp32, unless
    // the stack runs it on a 16-bit downcast of the input with autocast off (LPLayerNorm).
    if (l.amp) return (l.low_precision_norms ? l.e_act : kFp32Bytes) * th + stats;
    return l.e_res * th + stats;
  }
  // Eager RMSNorm (HF LlamaRMSNorm, LitGPT): saves the fp32 upcast of its input and, when
  // its weight trains, the normalised tensor the weight multiplies (MODELLING.md section 3).
  return kFp32Bytes * th + (l.norms_train ? l.e_res * th : 0) + stats;
}

struct Mlp {
  double saved = 0, fwd = 0, bwd = 0;
};

// What torchtitan's per-op selective checkpointing keeps of one layer
// (torchtitan/models/llama3/infra/parallelize.py `_save_list`, selective_ac_option "op"):
// the layer input, the outputs of the matmuls it does not recompute
// (workload::PerOpRecomputedSlots: q, v, gate and down, or q, v and fc1), the attention
// output and its fp32 log-sum-exp; norms, RoPE, activations and the other matmuls are
// recomputed. In an MoE layer the MLP's matmuls are the shared experts' (if any): the routed
// experts' grouped GEMMs and the router are recomputed (RecomputedLinear), so nothing of the
// routed path is kept.
double PerOpKept(const LayerSpec& l, double sb, double rep, double q_width, double kv_width) {
  using namespace catalog;
  const double t = std::max(1.0, l.t);
  const double h_local = l.h * rep;
  double kept = l.e_res * sb * h_local;                        // checkpoint input
  kept += l.e_act * sb * q_width + kFp32Bytes * sb * l.a / t;  // attention output + lse
  struct Matmul {
    unsigned slot;
    double width;
  };
  const double f = l.experts > 1 ? l.shared_ffn : l.f;
  const Matmul mm[] = {{kSlotQ, q_width},
                       {kSlotK, kv_width},
                       {kSlotV, kv_width},
                       {kSlotO, h_local},
                       {kSlotGate, l.swiglu ? f / t : 0},
                       {kSlotUp, f / t},
                       {kSlotDown, f > 0 ? h_local : 0}};
  const unsigned recomputed = workload::PerOpRecomputedSlots(l.swiglu, l.bias);
  for (const Matmul& m : mm)
    if ((m.slot & recomputed) == 0) kept += l.e_act * sb * m.width;
  return kept;
}

// MLP intermediates for `tokens` tokens of width `w` (per GPU).
Mlp MlpSaved(const LayerSpec& l, double tokens, double w, double lin) {
  Mlp m;
  if (w <= 0 || tokens <= 0) return m;
  const double tw = tokens * w;
  if (l.lora_fused_mlp) {
    // Unsloth LoRA_MLP (kernels/fast_lora.py): save_for_backward(..., X, e, g), the gate and
    // up outputs; the SwiGLU product h, the down projection's input, is recomputed from them
    // in backward, and h, df, de overwrite the buffers of DW (dY @ W_down^T), e and g.
    m.saved = 2 * l.e_act * tw;
    m.fwd = l.e_act * tw;
    m.bwd = l.e_act * tw;  // DW only
    return m;
  }
  if (l.swiglu) {
    // Eager: silu saves gate; mul saves silu(gate) and up. Fused (Megatron bias_swiglu)
    // saves gate and up only, in fp8 under activation_func_fp8_input_store. gpt-oss's
    // clamped SwiGLU in eager: the clamps keep their input (the gate_up output, both
    // halves), sigmoid its output, the gate product the clamped gate and addcmul the product
    // and the clamped up: four f-wide tensors beside gate and up.
    // Liger's fused silu-mul (fused_swiglu) saves gate and up as Megatron's does.
    const double eager_extra = l.swiglu_clamped ? 4 : l.fused_swiglu ? 0 : 1;
    m.saved = l.stack == Stack::kMegatron ? 2 * l.act_in_bytes * tw
                                          : (2 * l.act_in_bytes + eager_extra * l.e_act) * tw;
  } else if (l.gelu_composite && l.stack == Stack::kPyTorch) {
    // HF gelu_new: 0.5 x (1 + tanh(c (x + 0.044715 x^3))). Saved: pow's input, tanh's
    // output, 0.5x and (1 + tanh) for the final mul. Autocast runs pow in fp32, so the
    // fp32 upcast of x, tanh and (1 + tanh) are 4 B.
    const double wide = l.amp ? kFp32Bytes : l.e_act;
    m.saved = (3 * wide + l.e_act) * tw;
  } else {
    m.saved = l.act_in_bytes * tw;  // GELU saves its input
  }
  if (l.down_trains) m.saved += lin * tw;     // down/fc2 input
  m.fwd = l.e_act * tw;                       // the activation output before it is saved / freed
  m.bwd = (l.swiglu ? 3 : 2) * l.e_act * tw;  // gradients of the intermediates
  return m;
}

// Per-GPU sizes of one layer's tensors, shared by its blocks.
struct LayerDims {
  double t = 1;
  double rep = 1;  // replicated tensors: divided only with SP
  double sb = 0, sbh = 0;
  double heads = 0;
  double q_width = 0, kv_width = 0, o_width = 0;
  double lin = 0;  // bytes per element of a linear layer's saved input
};

LayerDims Dims(const LayerSpec& l) {
  LayerDims d;
  d.t = std::max(1.0, l.t);
  d.rep = l.sp ? 1 / d.t : 1;
  d.sb = l.s * l.b;
  d.sbh = d.sb * l.h;
  d.heads = l.a / d.t;
  const double kv = l.k >= d.t ? l.k / d.t : std::min(l.k, 1.0);  // MQA/GQA: KV heads replicated
  const double d_v = l.d_v > 0 ? l.d_v : l.d;
  // K and V widths averaged (they differ under MLA); O has the value width.
  d.q_width = d.heads * l.d;
  d.kv_width = kv * (l.d + d_v) / 2;
  d.o_width = d.heads * d_v;
  d.lin = l.fp8_inputs ? 1 : l.e_act;
  return d;
}

// Forward and backward transients of a block.
struct Transients {
  double fwd = 0, bwd = 0;
};

// Attention block (MODELLING.md section 3): norm, QKV inputs, Q/K/V, the attention kernel's
// saved tensors (eager scores or flash output + log-sum-exp), dropout mask, adaLN input.
// Adds to `saved` in order; sets the score tensors recomputed by selective checkpointing and
// what the attention side's recompute modules free; adds the projections' inputs (the norm
// output, or MLA's latents, and the attention output) to `linear_in`.
Transients AttentionBlock(const LayerSpec& l, const LayerDims& d, double* saved,
                          double* score_saved, ModuleBytes* mods, double* linear_in) {
  const double sb = d.sb, lin = d.lin, heads = d.heads;
  const bool eager = l.attention == Attention::kEager;
  const bool pytorch = l.stack == Stack::kPyTorch;
  *linear_in += lin * sb * (l.h * d.rep + l.mla_latent + d.o_width);
  *saved += NormSaved(l, sb, d.rep);
  if (l.qkv_trains) *saved += lin * sb * (l.h * d.rep + l.mla_latent);  // QKV (+ latent) inputs
  // Megatron runs an MLA layer's input norm apart from the down projections (no fused
  // LayerNormLinear): `layernorm` recompute frees its output, the projections' input.
  if (l.qkv_trains && l.mla_latent > 0) mods->norm_attn = lin * sb * l.h * d.rep;
  // Q, K, V after RoPE, saved by the attention kernel. HF eager attention expands K/V to
  // all query heads (repeat_kv) before the matmuls that save them. An fp8 attention core
  // (Transformer Engine fp8 dot-product attention) takes and saves them, and its output, in
  // fp8: 1 byte each.
  const double kv_saved = (eager && pytorch) || l.expands_kv ? d.q_width : d.kv_width;
  const double core = l.fp8_attention && !eager ? 1 : l.e_act;
  *saved += core * sb * (d.q_width + 2 * kv_saved);
  // MLA's up projections and RoPE produce Q, K and V from the latents: `mla_up_proj`
  // recompute frees them once the attention has run (Megatron MLASelfAttention).
  if (l.mla_latent > 0) mods->mla_up_proj = core * sb * (d.q_width + 2 * kv_saved);
  Transients tr;
  tr.bwd = l.e_act * sb * (d.q_width + 2 * d.kv_width);  // dQ, dK, dV
  if (eager) {
    // Scores materialised: per head and query, s key positions.
    const double scores = heads * l.s * sb;
    // Saved: softmax output (HF/autocast softmax in fp32, LayerSpec::softmax_fp32; Megatron
    // fused and 16-bit models 16-bit), the dropout mask and output, or the 16-bit copy that
    // the ·V matmul saves.
    const bool wide = l.softmax_fp32;
    const double per = wide ? kFp32Bytes + (l.dropout ? kMaskBytes + l.e_act
                                                      : (l.e_act < kFp32Bytes ? l.e_act : 0))
                            : l.e_act + (l.dropout ? kMaskBytes + l.e_act : 0);
    *score_saved = per * scores;
    *saved += *score_saved;
    if (l.o_trains) *saved += lin * sb * d.o_width;  // ·V output = out-projection input
    // Forward: 16-bit scores and their fp32 upcast; backward: gradients of both.
    tr.fwd = (wide ? l.e_act + kFp32Bytes : l.e_act) * scores;
    tr.bwd = (wide ? 2 * kFp32Bytes + l.e_act : 2 * l.e_act) * scores;
  } else {
    // Flash / memory-efficient kernels: output O and the fp32 log-sum-exp; no s x s tensor.
    *saved += core * sb * d.o_width + kFp32Bytes * heads * sb;
    // SDPA returns (b, heads, s, d): the transpose + reshape before the out-projection is a
    // copy, saved when the projection trains. flash-attn returns (b, s, heads, d): a view.
    if (l.attention == Attention::kSdpa && pytorch && l.o_trains) *saved += lin * sb * d.o_width;
  }
  if (l.dropout) *saved += kMaskBytes * d.sbh * d.rep;  // attention-output dropout mask
  if (l.adaln) *saved += l.e_act * d.sbh * d.rep;       // DiT adaLN modulation input
  return tr;
}

// MLP block: norm, MLP (or MoE router + experts) inputs and intermediates, dropout mask.
// Adds to `saved` in order, sets what the MLP side's recompute modules free, adds its
// linears' inputs to `linear_in`; returns the MLP's transients.
Mlp MlpBlock(const LayerSpec& l, const LayerDims& d, double* saved, ModuleBytes* mods,
             double* linear_in) {
  const double sb = d.sb, sbh = d.sbh, rep = d.rep, lin = d.lin, t = d.t;
  *saved += NormSaved(l, sb, rep);
  Mlp mlp;
  if (l.experts > 1) {
    // MoE (MODELLING.md section 3): router logits (fp32 softmax), permuted tokens into the
    // experts, expert intermediates on the routed tokens, expert outputs for the weighted
    // combine; EP spreads experts and their tokens evenly over the GPUs. Each rank routes
    // its sequence-parallel share of the tokens, gathered over the etp ranks that split an
    // expert's width (etp = t: all s*b tokens at width / t; etp = 1: s*b / t at full width).
    // The router is a plain linear outside Transformer Engine: it saves the 16-bit norm
    // output, never an fp8 copy. Megatron runs this norm apart (`layernorm` frees it).
    const double etp = std::max(1.0, l.etp);
    const double routed = l.experts_active * kMoeCapacityFactor * sb * etp / t;
    if (l.mlp_in_trains) mods->norm_mlp = l.e_act * sbh * rep;  // router input
    double moe = kFp32Bytes * sb * l.experts;                   // router logits
    if (l.mlp_in_trains) moe += lin * routed * l.h;             // permuted expert inputs
    mlp = MlpSaved(l, routed, l.moe_ffn / etp, lin);
    if (l.down_trains) mods->moe_act = lin * routed * l.moe_ffn / etp;
    // The router's and shared experts' input, the permuted tokens, both second GEMMs' inputs.
    *linear_in +=
        l.e_act * sbh * rep + lin * routed * (l.h + l.moe_ffn / etp) + lin * sb * l.shared_ffn / t;
    moe += l.e_act * routed * l.h;  // expert outputs kept for the combine
    const Mlp shared = MlpSaved(l, sb, l.shared_ffn / t, lin);
    mods->shared = shared.saved;
    mlp.saved += shared.saved;
    mods->moe = moe + mlp.saved;
    *saved += mods->norm_mlp + moe;
  } else {
    const double in = l.mlp_in_trains ? lin * sbh * rep : 0;  // MLP input (norm output)
    *linear_in += lin * sbh * rep + lin * sb * l.f / t;       // its linears' inputs
    mlp = MlpSaved(l, sb, l.f / t, lin);
    mods->mlp = in + mlp.saved;
    *saved += in;
  }
  *saved += mlp.saved;
  if (l.dropout) *saved += kMaskBytes * sbh * rep;  // MLP-output dropout mask
  return mlp;
}

// LoRA adapters (MODELLING.md section 3): A outputs saved by B; each adapter saves its own
// copy of its input when it casts it (PEFT casts to the fp32 adapter dtype, or autocast
// makes a 16-bit copy per adapter), and lora_dropout saves a mask and output. Under tensor
// parallelism an adapter on a row-parallel module holds its d_in / t slice; one on a
// column-parallel module the replicated input, or under sequence parallelism the input
// gathered from the sequence shards, a tensor of its own that A saves (NeMo's
// ParallelLinearAdapter drops out the shard, then gathers; ms-swift gathers, then drops out).
double AdapterSaved(const LayerSpec& l, const LayerDims& d) {
  double copy = l.adapter_input_bytes;
  if (l.lora_dropout) copy = (copy > 0 ? copy : l.e_act) + kMaskBytes;
  double column = copy * l.adapter_din_column;  // per token, on every rank
  if (l.adapters_gather) {
    const double gathered = l.adapter_input_bytes > 0 ? l.adapter_input_bytes : l.e_act;
    column = (gathered + (l.lora_dropout ? kMaskBytes / d.t : 0)) * l.adapter_din_column;
  }
  return d.sb * ((l.adapter_out_bytes * (l.adapter_rank_sum + l.adapter_out_saved) +
                  copy * l.adapter_din_split) /
                     d.t +
                 column);
}

}  // namespace

LayerBytes LayerActivationBytes(const LayerSpec& l) {
  LayerBytes out;
  const LayerDims d = Dims(l);
  double saved = 0;
  const Transients attn =
      AttentionBlock(l, d, &saved, &out.score_saved, &out.modules, &out.linear_inputs);
  const Mlp mlp = MlpBlock(l, d, &saved, &out.modules, &out.linear_inputs);
  saved += AdapterSaved(l, d);

  out.saved = saved;
  out.input = l.e_res * d.sbh * d.rep;
  out.per_op_kept = std::min(saved, PerOpKept(l, d.sb, d.rep, d.q_width, d.kv_width));
  // An adapter variant's weight-sized temporaries (one module at a time, not saved).
  out.fwd_transient = std::max({attn.fwd, mlp.fwd, l.e_act * l.adapter_weight_temporary / d.t});
  // Backward also holds the residual-stream gradient (and its partner) in the stream dtype.
  out.bwd_transient = std::max(attn.bwd, mlp.bwd) + 2 * l.e_res * d.sbh * d.rep;
  return out;
}

double ModulesFreed(const LayerBytes& l, unsigned modules) {
  using workload::RecomputeModule;
  auto has = [modules](RecomputeModule m) { return (modules & static_cast<unsigned>(m)) != 0; };
  const ModuleBytes& b = l.modules;
  double freed = has(RecomputeModule::kCoreAttn) ? l.score_saved : 0;
  if (has(RecomputeModule::kMlaUpProj)) freed += b.mla_up_proj;
  if (has(RecomputeModule::kLayernorm)) freed += b.norm_attn + b.norm_mlp;
  if (has(RecomputeModule::kMlp)) freed += b.mlp;
  if (has(RecomputeModule::kMoe)) {
    freed += b.moe;
  } else {
    if (has(RecomputeModule::kMoeAct)) freed += b.moe_act;
    if (has(RecomputeModule::kSharedExperts)) freed += b.shared;
  }
  return std::min(freed, l.saved);
}

namespace {

LayerSpec BaseSpec(const Setup& st) {
  const Shape& sh = st.shape;
  const MethodTerms& me = st.method;
  LayerSpec l;
  l.stack = st.stack;
  l.attention = st.attention;
  l.s = st.s;
  l.b = st.lay.b;
  l.h = sh.hidden;
  l.a = sh.heads;
  l.k = sh.kv_heads;
  l.d = sh.head_dim;
  l.d_v = sh.v_head_dim;
  l.mla_latent = sh.mla_latent;
  l.f = sh.ffn;
  l.t = st.lay.tp;
  l.etp = st.lay.etp;
  l.sp = st.lay.sequence_parallel;
  l.swiglu = sh.swiglu;
  l.layernorm = sh.layernorm;
  l.dropout = sh.dropout;
  l.e_act = st.e_act;
  l.e_res = st.e_res;
  l.amp = st.amp;
  l.expands_kv = st.expands_kv;
  l.low_precision_norms = st.low_precision_norms;
  l.fused_rmsnorm = st.fused_rmsnorm;
  l.fused_swiglu = st.fused_swiglu;
  l.softmax_fp32 = st.stack == Stack::kPyTorch && !st.param_cast;
  // Unsloth's LoRA_MLP replaces the MLP only where the gate, up and down projections all
  // carry adapters (its fast path; otherwise PEFT's modules run).
  l.lora_fused_mlp =
      st.lora_fused_mlp && sh.swiglu && sh.experts <= 1 && me.mlp_in_adapted && me.down_adapted;
  l.fp8_inputs = st.precision == workload::Precision::kFp8Mixed;
  l.fp8_attention = st.fp8_attention;
  l.act_in_bytes = st.fp8_activation_input ? 1 : l.e_act;
  l.gelu_composite = sh.gelu_composite;
  l.swiglu_clamped = sh.swiglu_clamped;
  l.bias = sh.bias;
  l.norms_train = me.norms_train;
  l.adapter_rank_sum = me.adapter_rank_sum;
  l.adapter_din_column = me.adapter_din_column;
  l.adapter_din_split = me.adapter_din_split;
  l.adapter_out_saved = me.adapter_out_saved;
  l.adapter_weight_temporary = me.adapter_weight_temporary;
  l.lora_dropout = me.lora_dropout;
  // Adapter dtype vs activation dtype (AdapterDtypesOf).
  // An adapter in the activations' dtype multiplies the module input itself (the frozen
  // linear saves nothing, the adapter's A keeps it) unless lora_dropout gives it a copy of
  // its own (AdapterSaved counts that copy and its mask).
  // Under sequence parallelism a column-parallel module's adapter gathers an input of its
  // own (AdapterSaved) rather than sharing the module's sequence shard.
  const AdapterDtypes ad = AdapterDtypesOf(st);
  const bool shares = ad.input_bytes <= 0 && !me.lora_dropout;
  l.adapters_gather = st.lay.sequence_parallel && st.lay.tp > 1;
  const bool column_shares = shares && !l.adapters_gather;
  l.adapter_input_bytes = ad.input_bytes;
  l.adapter_out_bytes = ad.out_bytes;
  l.qkv_trains = me.qkv_trains || (column_shares && me.qkv_adapted);
  l.o_trains = me.o_trains || (shares && me.o_adapted);
  l.mlp_in_trains = me.mlp_in_trains || (column_shares && me.mlp_in_adapted);
  l.down_trains = me.down_trains || (shares && me.down_adapted);
  l.adaln = sh.kind == catalog::ModelKind::kDiffusion;
  return l;
}

LogitBytes Logits(const Setup& st, const LayerSpec& l) {
  LogitBytes out;
  const Shape& sh = st.shape;
  const double bs = st.lay.b * st.s;
  if (sh.kind == catalog::ModelKind::kEncoder) {
    // Classification head: b x labels logits, negligible (no vocabulary projection).
    out.fwd = out.bwd = 3 * kFp32Bytes * st.lay.b * kEncoderHeadLabels;
    return out;
  }
  if (sh.vocab <= 0) return out;  // diffusion transformer: no vocabulary
  const double bsv = bs * sh.vocab;
  if (st.loss != LossPath::kChunked) out.returned = l.e_act * bsv / st.lay.tp;
  switch (st.loss) {
    case LossPath::kUpcastChunks: {
      // Every chunk's fp32 log-softmax stays saved (4 B per logit); in flight: the last
      // chunk's 16-bit logits and fp32 copy (forward), its incoming and produced fp32
      // gradients (backward, one chunk at a time). Compiled (torchtune compile: True compiles
      // the per-chunk cross-entropy), the partition keeps the chunk's 16-bit logits and
      // recomputes the rest.
      const double kept = (st.compiled_loss ? l.e_act : kFp32Bytes) * bsv / st.lay.tp;
      const double chunk = bsv / st.lay.tp / kUpcastLossChunks;
      out.fwd = kept + (l.e_act + kFp32Bytes) * chunk;
      out.bwd = kept + 2 * kFp32Bytes * chunk;
      return out;
    }
    case LossPath::kChunked:
      out.fwd = out.bwd = (kChunkedLossBytesPerTokenHidden + l.e_act) * bs * sh.hidden;
      return out;
    case LossPath::kCompiled:
      // Compiled cross-entropy (torchtitan components/loss.py: torch.compile(loss_fn), and
      // the train step deletes the logits before backward): Inductor's partition saves the
      // 16-bit logits and the per-token log-sum-exp, recomputes the fp32 softmax inside the
      // fused backward kernel and writes a 16-bit gradient. No fp32 copy of the logits exists.
      out.fwd = l.e_act * bsv / st.lay.tp;
      out.bwd = 2 * l.e_act * bsv / st.lay.tp;
      return out;
    case LossPath::kVocabParallel:
    case LossPath::kInGraph:
      // Megatron's vocab-parallel cross-entropy: 16-bit logits + fp32 copy (exp in place,
      // softmax saved); backward turns the saved softmax into the gradient in place, then a
      // 16-bit cast. A whole compiled Hugging Face model (its loss inside the graph) holds
      // the same: the 16-bit logits it returns and an fp32 log-softmax saved for backward.
      out.fwd = out.bwd = (l.e_act + kFp32Bytes) * bsv / st.lay.tp;
      return out;
    case LossPath::kEager:
      // PyTorch / HF: 16-bit logits, the fp32 upcast for the loss (`logits.float()` in HF's
      // ForCausalLMLoss, `pred.float()` in torchtitan's eager loss, which runs outside its
      // compiled blocks; autocast runs log_softmax in fp32), the log-softmax output saved by
      // cross-entropy. Backward holds the saved output, its incoming gradient and the
      // produced gradient, all fp32, before the cast back (MODELLING.md section 4; the H100
      // rows of validation/measured_h100.jsonl peak at 12 B per logit with transformers 5).
      // A stack whose tensor parallelism keeps the logits sharded over the vocabulary
      // (loss_parallel) holds 1 / tp of them on each rank, through DTensor's loss-parallel
      // handlers (torch/distributed/tensor/parallel/loss.py), which decompose the kernels:
      // _log_softmax holds the fp32 input, `shifted = x - max`, its `exp` and then the
      // result (16-bit logits + 3 x 4 B forward); _nll_loss_and_log_softmax_backward holds
      // the saved result, `grad_input = zeros_like(x)`, `exp(x)`, their sum and then the
      // product with the incoming gradient (4 x 4 B backward).
      if (st.loss_parallel) {
        const double shard = bsv / st.lay.tp;
        const double upcast = l.e_act < kFp32Bytes ? l.e_act : 0;  // fp32 logits: no copy
        out.fwd = (upcast + kLossParallelFwdFp32 * kFp32Bytes) * shard;
        out.bwd = kLossParallelBwdFp32 * kFp32Bytes * shard;
        return out;
      }
      out.fwd = (l.e_act < kFp32Bytes ? l.e_act + 2 * kFp32Bytes : 2 * kFp32Bytes) * bsv;
      out.bwd = 3 * kFp32Bytes * bsv;
      return out;
  }
  return out;
}

// Convolutional UNet without a layer shape: one calibrated term (diffusion_memory.cc).
Activations UnetActivations(const Setup& st) {
  using workload::Checkpointing;
  Activations out;
  const double full = st.shape.known ? 0 : UnetActivationBytes(st);
  // Checkpointing in diffusers keeps block inputs (~1 of ~10 saved tensors per block) and
  // recomputes one block at a time (~1/20 of the network).
  constexpr double kUnetCheckpointKept = 0.1;
  constexpr double kUnetBlockShare = 0.05;
  out.saved = st.ckpt == Checkpointing::kFull ? kUnetCheckpointKept * full : full;
  out.fwd_transient = kUnetBlockShare * full;
  out.bwd_transient = (st.ckpt == Checkpointing::kFull ? 2 : 1) * kUnetBlockShare * full;
  return out;
}

// One average layer: dense layers mixed with MoE layers by their share; `spec` becomes the
// MoE layer's spec when the model has experts.
LayerBytes AverageLayer(const Setup& st, LayerSpec* spec) {
  const Shape& sh = st.shape;
  LayerBytes layer = LayerActivationBytes(*spec);
  if (sh.experts > 1 && sh.moe_layers > 0) {
    LayerSpec moe = *spec;
    moe.experts = sh.experts;
    moe.experts_active = sh.experts_active;
    moe.moe_ffn = sh.moe_ffn;
    moe.shared_ffn = sh.shared_ffn;
    const LayerBytes mb = LayerActivationBytes(moe);
    const double w = sh.moe_layers / sh.layers;
    layer.saved = (1 - w) * layer.saved + w * mb.saved;
    layer.score_saved = (1 - w) * layer.score_saved + w * mb.score_saved;
    layer.per_op_kept = (1 - w) * layer.per_op_kept + w * mb.per_op_kept;
    layer.linear_inputs = (1 - w) * layer.linear_inputs + w * mb.linear_inputs;
    for (double ModuleBytes::*part :
         {&ModuleBytes::mla_up_proj, &ModuleBytes::norm_attn, &ModuleBytes::norm_mlp,
          &ModuleBytes::mlp, &ModuleBytes::moe, &ModuleBytes::moe_act, &ModuleBytes::shared})
      layer.modules.*part = (1 - w) * layer.modules.*part + w * mb.modules.*part;
    layer.fwd_transient = std::max(layer.fwd_transient, mb.fwd_transient);
    layer.bwd_transient = std::max(layer.bwd_transient, mb.bwd_transient);
    *spec = moe;
  }
  return layer;
}

// Bytes a layer keeps through the forward and those recomputed for one layer in backward.
struct Checkpointed {
  double kept = 0, recompute = 0;
};

Checkpointed CheckpointedLayer(const Setup& st, const LayerBytes& layer) {
  using workload::Checkpointing;
  Checkpointed c;
  switch (st.ckpt) {
    case Checkpointing::kNone:
      c.kept = layer.saved;
      break;
    case Checkpointing::kSelective:
      if (st.selective == workload::SelectivePolicy::kPerOp) {  // torchtitan per-op SAC
        c.kept = layer.per_op_kept;
        c.recompute = layer.saved - c.kept;
      } else {  // the attention core (Korthikanti Table 2), or Megatron's recompute modules
        c.recompute = ModulesFreed(layer, st.recompute_modules);
        c.kept = layer.saved - c.recompute;
      }
      break;
    case Checkpointing::kFull:  // keep layer inputs, recompute one layer (Chen et al. 2016)
      c.kept = layer.input;
      c.recompute = layer.saved;
      break;
  }
  return c;
}

// Per-micro-batch extras of the first stage (MODELLING.md section 3, "Extras"): token ids,
// embedding dropout mask, HF eager attention's additive mask.
double FirstStageExtras(const Setup& st, double sb, double sbh, double rep) {
  double first = 0;
  first += kIdBytesPerToken * sb;
  if (st.shape.dropout) first += kMaskBytes * sbh * rep;  // embedding dropout
  // HF eager attention builds a (b, 1, s, s) additive mask in the activation dtype.
  if (st.attention == Attention::kEager && st.stack == Stack::kPyTorch)
    first += st.e_act * st.lay.b * st.s * st.s;
  return first;
}

// Extras of the last stage: final norm and lm_head input (MODELLING.md section 3).
double LastStageExtras(const Setup& st, const LayerSpec& spec, double sb, double sbh, double rep) {
  double last = 0;
  if (st.shape.kind != catalog::ModelKind::kEncoder) {
    last += NormSaved(spec, sb, rep);  // final norm
    // lm_head input: under sequence parallelism Megatron saves the shard and gathers it again
    // in backward; DTensor's ColwiseParallel gathers it in a module hook and the matmul saves
    // the gathered tensor (StackTraits::sp_dtensor).
    const double head_rep = st.sp_dtensor ? 1.0 : rep;
    if (st.method.head_trains && st.shape.vocab > 0) last += spec.e_act * sbh * head_rep;
  }
  return last;
}

}  // namespace

Activations StageActivations(const Setup& st, const Stage& stage) {
  if (st.diffusion.unet || !st.shape.known) return UnetActivations(st);
  Activations out;
  const Shape& sh = st.shape;
  LayerSpec dense = BaseSpec(st);
  const LayerBytes layer = AverageLayer(st, &dense);
  out.layer = layer;
  out.spec = dense;

  // Layers that save anything: with `freeze` only the trained top layers need gradients.
  double layers = stage.layers;
  if (workload::TrainsLastLayers(st.method.kind))
    layers = std::clamp(st.method.trainable_layers - stage.layers_after, 0.0, stage.layers);

  const Checkpointed ck = CheckpointedLayer(st, layer);
  out.layer_kept = ck.kept;
  // Full checkpointing of only some layers (Megatron --recompute-method block): the others
  // keep all they save.
  const double checkpointed =
      st.ckpt == workload::Checkpointing::kFull
          ? workload::RecomputedLayers(st.ckpt, st.checkpoint_layers, layers, st.lay.vpp)
          : layers;
  double per_mb = checkpointed * ck.kept + (layers - checkpointed) * layer.saved;
  if (st.activation_offload && checkpointed > kOffloadLayersOnGpu) {
    const double off = (checkpointed - kOffloadLayersOnGpu) * ck.kept;
    out.host = off * stage.in_flight;
    per_mb -= off;
  }

  // Per-micro-batch extras outside the layers (MODELLING.md section 3, "Extras").
  const double sb = st.lay.b * st.s, sbh = sb * sh.hidden;
  const double rep = st.lay.sequence_parallel ? 1.0 / st.lay.tp : 1.0;
  double first = 0, last = 0;
  if (stage.first && layers > 0) first = FirstStageExtras(st, sb, sbh, rep);
  if (stage.last && layers > 0) {
    last = LastStageExtras(st, dense, sb, sbh, rep);
    out.logits = Logits(st, dense);
  }
  out.extras = first * stage.in_flight + last;
  out.saved = per_mb * stage.in_flight + out.extras;
  if (st.keeps_previous_outputs && layers > 0) {
    // The previous micro-batch's graph, alive through the next forward: the quantised
    // linears' inputs of its layers that kept their graph (a recomputed layer's inner graph
    // is gone with its backward), and the logits the loop holds.
    const double graph_layers =
        st.ckpt == workload::Checkpointing::kFull ? layers - checkpointed : layers;
    if (st.method.quantized && st.kbit_saves_input)
      out.previous_graph += graph_layers * layer.linear_inputs;
    out.previous_graph += out.logits.returned;
  }
  out.fwd_transient = layers > 0 ? layer.fwd_transient : 0;
  out.bwd_transient = layers > 0 ? layer.bwd_transient + (checkpointed > 0 ? ck.recompute : 0) : 0;
  return out;
}

}  // namespace gpuadv::estimate::mem
