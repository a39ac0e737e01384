// Parameter counts of transformer stacks (MODELLING.md section 1). The decomposition is
// Megatron-LM's `compute_weight_and_optimizer_memory`
// (NVIDIA/Megatron-LM:megatron/training/theoretical_memory_usage.py): gated MLP multiplier
// 3 vs 2, norm size 1 (RMSNorm) vs 2 (LayerNorm), GQA through the KV head count, MoE layer
// pattern `i % moe_layer_freq == 0`, untied output embedding counted a second time.
//
// Limits (exact to within ~0.1% for the catalog families; the catalog test pins 2%):
//  - biases are all-or-nothing (Qwen2 has QKV biases only: the extra O/MLP biases are
//    < 0.1% of its count); Gemma 2's extra post-norms and BLOOM's embedding LayerNorm are
//    a few thousand parameters and are left out;
//  - parallel attention/MLP blocks (GPT-NeoX, Falcon) have the same linears as sequential ones;
//  - Megatron's vocab padding (multiple of 128 x TP) is not applied: HF configs are padded;
//  - MLA (DeepSeek-V2/V3, HF modeling_deepseek_v3.py): q_a/q_b (or a full q_proj),
//    kv_a_proj_with_mqa (latent + shared rope key), kv_b (latent -> per-head k_nope and v),
//    o_proj, plus the q_a / kv_a RMSNorms; qk_norm adds two head_dim norms per layer;
//  - multi-token-prediction modules (DeepSeek-V3) are counted apart (ParamCounts::mtp), not in
//    `total`: transformers' DeepseekV3ForCausalLM does not load them (the model card's 671B
//    excludes them too); a vision encoder is a declared figure (vision_params) in `total`
//    but not in `active` (per text token);
//  - Mamba hybrids need their own terms; sliding windows change no parameter;
//  - diffusion pipelines carry their published `params` (convs and dual-stream MMDiT blocks do
//    not fit this template); an unparametrised shaped diffusion model is counted as a DiT
//    (Peebles & Xie 2023): a standard block plus adaLN-Zero modulation h -> 6h.
#include "gpuadv/catalog/param_count.h"

#include <algorithm>

#include "gpuadv/core/strings.h"

namespace gpuadv::catalog {
namespace {

struct Shape {
  double h = 0, a = 0, k = 0, d = 0, f = 0, f_moe = 0, f_shared = 0, e = 0, k_e = 0;
  double q_lora = 0, kv_lora = 0, rope = 0, v = 0;  // MLA (kv_lora 0: standard attention)
  bool gated = true, bias = false, qk_norm = false;
  double norm = 0;  // parameters of one norm layer
};

Shape ShapeOf(const ModelArch& m) {
  Shape s;
  s.h = m.hidden;
  s.a = m.heads;
  s.k = m.KvHeads();
  s.d = m.HeadDim();
  s.f = m.ffn > 0 ? m.ffn : 4.0 * m.hidden;
  s.f_moe = m.moe_ffn > 0 ? m.moe_ffn : s.f;
  s.f_shared = m.shared_expert_ffn;
  s.e = m.IsMoe() ? m.experts : 0;
  s.k_e = m.IsMoe() ? std::max(1, m.experts_active) : 0;
  s.q_lora = m.q_lora_rank;
  s.kv_lora = m.kv_lora_rank;
  s.rope = m.qk_rope_head_dim;
  s.v = m.VHeadDim();
  s.gated = m.mlp == MlpKind::kSwiGlu;
  s.bias = m.bias;
  s.qk_norm = m.qk_norm;
  s.norm = m.norm == NormKind::kRmsNorm ? s.h : 2 * s.h;
  return s;
}

// Multi-head latent attention: low-rank query (or full q_proj), the KV latent with the
// shared rotary key, its per-head expansion to k_nope and v, and o_proj.
double MlaAttention(const Shape& s) {
  const double q_out = s.a * (s.d + s.rope);
  const double q = s.q_lora > 0 ? s.h * s.q_lora + s.q_lora + s.q_lora * q_out : s.h * q_out;
  const double kv = s.h * (s.kv_lora + s.rope) + s.kv_lora + s.kv_lora * s.a * (s.d + s.v);
  return q + kv + s.a * s.v * s.h;
}

// Q, K, V, O (GQA when k < a), with their biases and per-head q/k norms.
double Attention(const Shape& s) {
  if (s.kv_lora > 0) return MlaAttention(s);
  double w = s.h * s.a * s.d + 2 * s.h * s.k * s.d + s.a * s.d * s.h;
  if (s.bias) w += s.a * s.d + 2 * s.k * s.d + s.h;
  if (s.qk_norm) w += 2 * s.d;
  return w;
}

// gate+up+down (gated) or up+down, with their biases.
double Mlp(const Shape& s, double f) {
  if (f <= 0) return 0;
  double w = (s.gated ? 3 : 2) * s.h * f;
  if (s.bias) w += (s.gated ? 2 * f : f) + s.h;
  return w;
}

struct LayerCounts {
  double total = 0, active = 0;
};

// One self-attention layer: dense, or MoE (experts + router + shared expert).
LayerCounts SelfLayer(const Shape& s, bool moe) {
  const double base = Attention(s) + 2 * s.norm;
  if (!moe) {
    const double w = base + Mlp(s, s.f);
    return {w, w};
  }
  const double router = s.h * s.e;
  const double shared = Mlp(s, s.f_shared);
  return {base + s.e * Mlp(s, s.f_moe) + router + shared,
          base + s.k_e * Mlp(s, s.f_moe) + router + shared};
}

// DeepSeek's module names (PEFT targets q_a_proj, q_b_proj, kv_a_proj_with_mqa, kv_b_proj).
void AddMlaLinears(std::vector<LinearShape>& out, const ModelArch& m) {
  const long long h = m.hidden, a = m.heads;
  const long long q_out = a * m.QkHeadDim();
  if (m.q_lora_rank > 0) {
    out.push_back({"q_a_proj", h, m.q_lora_rank, kSlotQ});
    out.push_back({"q_b_proj", m.q_lora_rank, q_out, kSlotQ});
  } else {
    out.push_back({"q_proj", h, q_out, kSlotQ});
  }
  out.push_back({"kv_a_proj_with_mqa", h,
                 static_cast<long long>(m.kv_lora_rank) + m.qk_rope_head_dim, kSlotK | kSlotV});
  out.push_back({"kv_b_proj", m.kv_lora_rank, a * (m.HeadDim() + m.VHeadDim()), kSlotK | kSlotV});
  out.push_back({"o_proj", a * m.VHeadDim(), h, kSlotO});
}

void AddAttentionLinears(std::vector<LinearShape>& out, const ModelArch& m, const char* prefix) {
  if (m.IsMla()) return AddMlaLinears(out, m);
  const long long h = m.hidden;
  const long long q = static_cast<long long>(m.heads) * m.HeadDim();
  const long long kv = static_cast<long long>(m.KvHeads()) * m.HeadDim();
  const std::string p = prefix;
  if (m.fused_qkv) {
    out.push_back({p + "qkv_proj", h, q + 2 * kv, kSlotQ | kSlotK | kSlotV});
  } else {
    out.push_back({p + "q_proj", h, q, kSlotQ});
    out.push_back({p + "k_proj", h, kv, kSlotK});
    out.push_back({p + "v_proj", h, kv, kSlotV});
  }
  out.push_back({p + "o_proj", q, h, kSlotO});
}

void AddMlpLinears(std::vector<LinearShape>& out, const ModelArch& m, long long f,
                   const std::string& prefix, int copies, int active, bool moe_block) {
  if (f <= 0) return;
  const long long h = m.hidden;
  if (m.mlp == MlpKind::kSwiGlu && m.fused_gate_up) {
    out.push_back(
        {prefix + "gate_up_proj", h, 2 * f, kSlotGate | kSlotUp, copies, active, moe_block});
  } else {
    if (m.mlp == MlpKind::kSwiGlu)
      out.push_back({prefix + "gate_proj", h, f, kSlotGate, copies, active, moe_block});
    out.push_back({prefix + "up_proj", h, f, kSlotUp, copies, active, moe_block});
  }
  out.push_back({prefix + "down_proj", f, h, kSlotDown, copies, active, moe_block});
}

}  // namespace

// A MoE model describes one MoE layer (with the router and shared expert); an
// encoder-decoder model describes a decoder layer (self- and cross-attention).
std::vector<LinearShape> LayerLinears(const ModelArch& m) {
  std::vector<LinearShape> out;
  if (!m.has_shape()) return out;
  AddAttentionLinears(out, m, "");
  if (m.kind == ModelKind::kEncoderDecoder) AddAttentionLinears(out, m, "cross_");
  const long long f = m.ffn > 0 ? m.ffn : 4LL * m.hidden;
  if (!m.IsMoe()) {
    AddMlpLinears(out, m, f, "", 1, 1, false);
    return out;
  }
  const long long f_moe = m.moe_ffn > 0 ? m.moe_ffn : f;
  AddMlpLinears(out, m, f_moe, "", m.experts, std::max(1, m.experts_active), true);
  out.push_back({"router", m.hidden, m.experts, kSlotRouter, 1, 1, true});
  AddMlpLinears(out, m, m.shared_expert_ffn, "shared_", 1, 1, true);
  return out;
}

ParamCounts CountParams(const ModelArch& m) {
  ParamCounts c;
  const bool diffusion = m.kind == ModelKind::kDiffusion;
  if (!m.has_shape()) {
    c.total = c.active = c.non_embedding = m.params;
    return c;
  }
  const Shape s = ShapeOf(m);
  for (const auto& l : LayerLinears(m)) {
    c.layer_linear += static_cast<double>(l.d_in) * l.d_out * l.copies;
    c.largest_linear = std::max(c.largest_linear, static_cast<double>(l.d_in) * l.d_out);
  }

  if (diffusion) {
    if (m.params > 0) {
      // Published count (MODELLING §9): spread over the blocks for per-layer use.
      c.total = c.active = c.non_embedding = m.params;
      c.per_layer = c.per_layer_active = m.params / m.layers;
      return c;
    }
    const double adaln = 6 * s.h * s.h + 6 * s.h;  // adaLN-Zero: shift/scale/gate x 2
    const double layer = SelfLayer(s, false).total + adaln;
    c.per_layer = c.per_layer_active = layer;
    c.total = c.active = c.non_embedding = m.layers * layer + s.norm;
    return c;
  }

  c.embedding = static_cast<double>(m.vocab) * s.h;
  c.lm_head = m.tied_embeddings ? 0 : c.embedding;
  c.position = m.position == PositionKind::kLearned ? static_cast<double>(m.max_seq_len) * s.h : 0;

  double layers_total = 0, layers_active = 0, final_norms = s.norm;
  if (m.kind == ModelKind::kEncoderDecoder) {
    // `layers` counts both stacks, split evenly (the encoder takes an odd one); decoder
    // layers add cross-attention and its norm; each stack has a final norm (T5).
    const int enc = (m.layers + 1) / 2, dec = m.layers - enc;
    const double enc_layer = SelfLayer(s, false).total;
    const double dec_layer = enc_layer + Attention(s) + s.norm;
    layers_total = layers_active = enc * enc_layer + dec * dec_layer;
    final_norms = 2 * s.norm;
  } else {
    // Leading dense layers, then Megatron's pattern: layer i is MoE when i % freq == 0.
    const int moe_layers = m.MoeLayers();
    const int dense_layers = m.layers - moe_layers;
    const LayerCounts dense = SelfLayer(s, false), moe = SelfLayer(s, true);
    layers_total = dense_layers * dense.total + moe_layers * moe.total;
    layers_active = dense_layers * dense.active + moe_layers * moe.active;
    // MTP module (DeepSeek-V3 section 2.2): norms of the hidden state and of the next
    // token's embedding, their 2h -> h projection, one layer and the shared head's norm.
    const LayerCounts mtp = SelfLayer(s, m.IsMoe());
    const double mtp_extra = 2 * s.h * s.h + 3 * s.norm;
    c.mtp = m.mtp_layers * (mtp_extra + mtp.total);
    c.mtp_active = m.mtp_layers * (mtp_extra + mtp.active);
  }
  c.per_layer = layers_total / m.layers;
  c.per_layer_active = layers_active / m.layers;
  // BLOOM normalises the word embeddings (word_embeddings_layernorm): one more norm.
  if (m.embedding_norm) final_norms += s.norm;
  const double rest = c.embedding + c.lm_head + c.position + final_norms;
  c.vision = m.vision_params;
  c.total = layers_total + rest + c.vision;
  c.active = layers_active + rest;
  c.non_embedding = c.total - c.embedding - c.position;
  return c;
}

ShapeKey ShapeKey::Of(const ModelArch& m) {
  ShapeKey k;
  k.kind = static_cast<int>(m.kind);
  k.layers = m.layers;
  k.hidden = m.hidden;
  k.heads = m.heads;
  k.kv_heads = m.kv_heads;
  k.head_dim = m.head_dim;
  k.ffn = m.ffn;
  k.vocab = m.vocab;
  k.max_seq_len = m.max_seq_len;
  k.mlp = static_cast<int>(m.mlp);
  k.norm = static_cast<int>(m.norm);
  k.position = static_cast<int>(m.position);
  k.experts = m.experts;
  k.experts_active = m.experts_active;
  k.moe_ffn = m.moe_ffn;
  k.shared_expert_ffn = m.shared_expert_ffn;
  k.moe_layer_freq = m.moe_layer_freq;
  k.first_dense_layers = m.first_dense_layers;
  k.q_lora_rank = m.q_lora_rank;
  k.kv_lora_rank = m.kv_lora_rank;
  k.qk_rope_head_dim = m.qk_rope_head_dim;
  k.v_head_dim = m.v_head_dim;
  k.mtp_layers = m.mtp_layers;
  k.qk_norm = m.qk_norm;
  k.embedding_norm = m.embedding_norm;
  k.fused_qkv = m.fused_qkv;
  k.fused_gate_up = m.fused_gate_up;
  k.vision_params = m.vision_params;
  k.bias = m.bias;
  k.tied = m.tied_embeddings;
  k.params = m.params;
  return k;
}

void PrepareDerived(ModelArch& m) {
  auto d = std::make_shared<ModelDerived>();
  d->key = ShapeKey::Of(m);
  d->counts = CountParams(m);
  if (m.has_shape()) d->linears = LayerLinears(m);
  m.derived = std::move(d);
}

const ModelDerived* ValidDerived(const ModelArch& m) {
  if (!m.derived || !(m.derived->key == ShapeKey::Of(m))) return nullptr;
  return m.derived.get();
}

ParamCounts CachedCounts(const ModelArch& m) {
  if (const auto* d = ValidDerived(m)) return d->counts;
  return CountParams(m);
}

// Families whose Hugging Face modelling code uses `gelu_new` (NewGELUActivation, a Python
// composite of pow/tanh/mul; transformers/activations.py, config `activation_function`):
// about 8 element-wise kernels that save four f-wide tensors, where F.gelu is one kernel
// saving one.
bool ModelArch::GeluComposite() const {
  if (mlp != MlpKind::kGelu) return false;
  for (std::string_view f : {"gpt2", "gpt-2", "gptj", "gpt-j", "gpt_neo", "gpt-neo", "codegen",
                             "phi", "phi-1", "phi-1.5", "phi-2", "phi1", "phi2"})
    if (IEquals(family, f)) return true;
  return false;
}

}  // namespace gpuadv::catalog
