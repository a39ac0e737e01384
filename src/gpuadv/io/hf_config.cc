// Hugging Face config.json -> ModelArch (DESIGN.md C2). Key names are the ones each
// family's transformers `*Config` class reads (including the legacy names its
// attribute_map / kwargs accept, e.g. BLOOM's n_embed); defaults are that class's defaults.
// Keys that do not change the parameter count or memory (rope_scaling, eps, ...) are ignored.
#include <cmath>
#include <nlohmann/json.hpp>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/io/json_text.h"
#include "gpuadv/io/model_check.h"
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {
namespace {

using catalog::ModelArch;
using Json = nlohmann::json;

// Typed access to the top-level keys of a config.json; errors name "<origin>: <key>".
class Config {
 public:
  Config(const Json& j, std::string origin, std::string prefix = "")
      : j_(j), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  std::string Field(std::string_view key) const {
    return origin_ + ": " + prefix_ + std::string(key);
  }
  const std::string& origin() const { return origin_; }
  const Json& json() const { return j_; }
  const std::string& prefix() const { return prefix_; }

  /// The object under `key` ("text_config"), or nullptr when absent; not an object: error.
  std::optional<Config> Sub(std::string_view key) const {
    std::string_view found;
    const Json* v = Find({key}, &found);
    if (!v) return std::nullopt;
    if (!v->is_object())
      throw InputError(Field(key), Printable(*v), "an object", "expected an object, got");
    return Config(*v, origin_, prefix_ + std::string(key) + ".");
  }

  /// The first of `keys` present (and not null), or nullptr.
  const Json* Find(std::initializer_list<std::string_view> keys, std::string_view* found) const {
    for (auto k : keys) {
      auto it = j_.find(std::string(k));
      if (it != j_.end() && !it->is_null()) {
        *found = k;
        return &*it;
      }
    }
    return nullptr;
  }

  std::optional<long long> Int(std::initializer_list<std::string_view> keys, long long min,
                               long long max) const {
    std::string_view key;
    const Json* v = Find(keys, &key);
    if (!v) return std::nullopt;
    const std::string accepted =
        "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    double d = 0;
    if (v->is_number_integer() || v->is_number_unsigned()) {
      d = v->get<double>();
    } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()) {
      d = v->get<double>();
    } else {
      throw InputError(Field(key), Printable(*v), accepted, "expected a whole number, got");
    }
    if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)))
      throw InputError(Field(key), Printable(*v), accepted, "out of range");
    return static_cast<long long>(d);
  }

  int RequireInt(std::initializer_list<std::string_view> keys, long long min, long long max,
                 std::string_view what) const {
    if (auto v = Int(keys, min, max)) return static_cast<int>(*v);
    throw InputError(Field(*keys.begin()), "missing", std::string(what), "required key");
  }

  bool BoolOr(std::string_view key, bool fallback) const {
    std::string_view found;
    const Json* v = Find({key}, &found);
    if (!v) return fallback;
    if (!v->is_boolean())
      throw InputError(Field(key), Printable(*v), "true | false", "expected a boolean, got");
    return v->get<bool>();
  }

  double NumberOr(std::string_view key, double min, double max, double fallback) const {
    std::string_view found;
    const Json* v = Find({key}, &found);
    if (!v) return fallback;
    if (!v->is_number() || v->get<double>() < min || v->get<double>() > max)
      throw InputError(Field(key), Printable(*v),
                       "a number from " + std::to_string(min) + " to " + std::to_string(max),
                       "invalid value");
    return v->get<double>();
  }

  std::string StringOr(std::string_view key, std::string fallback) const {
    std::string_view found;
    const Json* v = Find({key}, &found);
    if (!v) return fallback;
    if (!v->is_string())
      throw InputError(Field(key), Printable(*v), "a string", "expected a string, got");
    return v->get<std::string>();
  }

  // Containers are not dumped: dump() recurses once per level, and a config.json nested
  // 100000 deep (which the iterative parser accepts) would overflow the stack.
  static std::string Printable(const Json& v) {
    std::string s = v.is_string()   ? v.get<std::string>()
                    : v.is_object() ? "{...}"
                    : v.is_array()  ? "[...]"
                                    : v.dump();
    if (s.size() > 80) s = s.substr(0, 80) + "...";
    return s;
  }

 private:
  const Json& j_;
  std::string origin_;
  std::string prefix_;  // "text_config." inside a nested config
};

constexpr long long kMaxDim = 1000000;

using Keys = std::initializer_list<std::string_view>;

// The dimensions every decoder family has, each under the family's own keys (first found).
void ReadDims(const Config& c, ModelArch& m, Keys layers, Keys hidden, Keys heads) {
  m.layers = c.RequireInt(layers, 1, 10000, "the number of layers");
  m.hidden = c.RequireInt(hidden, 1, kMaxDim, "the hidden size");
  m.heads = c.RequireInt(heads, 1, kMaxDim, "the number of attention heads");
}

int RequireFfn(const Config& c, Keys keys) {
  return c.RequireInt(keys, 1, 10 * kMaxDim, "the MLP intermediate size");
}

int RequireVocab(const Config& c) {
  return c.RequireInt({"vocab_size"}, 1, 10 * kMaxDim, "the vocabulary size");
}

int Positions(const Config& c, Keys keys, int fallback) {
  return static_cast<int>(c.Int(keys, 1, 100000000).value_or(fallback));
}

// Routed experts: how many, and how many each token visits (gpt-oss: experts_per_token).
void ReadExperts(const Config& c, ModelArch& m, Keys count) {
  m.experts = c.RequireInt(count, 2, 100000, "the number of experts");
  m.experts_active =
      c.RequireInt({"num_experts_per_tok", "experts_per_token"}, 1, 100000, "experts per token");
}

// GPT-2-era decoders (gpt2, gpt_neox, falcon, opt, bloom): a two-matrix GELU MLP (OPT's
// ReLU has the same parameters) and LayerNorm.
void ClassicBlock(ModelArch& m) {
  m.mlp = catalog::MlpKind::kGelu;
  m.norm = catalog::NormKind::kLayerNorm;
}

// Llama-style decoders: llama, mistral, mixtral, qwen2, gemma, gemma2, phi3 (phi3 fuses
// q/k/v and gate/up into one matrix each: same parameters, fewer modules).
void ReadLlamaLike(const Config& c, ModelArch& m, bool tied_default) {
  ReadDims(c, m, {"num_hidden_layers"}, {"hidden_size"}, {"num_attention_heads"});
  m.kv_heads = static_cast<int>(c.Int({"num_key_value_heads"}, 1, kMaxDim).value_or(m.heads));
  m.head_dim = static_cast<int>(c.Int({"head_dim"}, 1, kMaxDim).value_or(0));
  m.ffn = RequireFfn(c, {"intermediate_size"});
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"max_position_embeddings"}, 0);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", tied_default);
  m.dropout = c.NumberOr("attention_dropout", 0, 0.9, 0);
  m.mlp = catalog::MlpKind::kSwiGlu;  // SwiGLU; Gemma's GeGLU has the same three matrices
  m.norm = catalog::NormKind::kRmsNorm;
  m.position = catalog::PositionKind::kRope;
}

void Llama(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  m.bias = c.BoolOr("attention_bias", false) || c.BoolOr("mlp_bias", false);
}

void Mistral(const Config& c, ModelArch& m) { ReadLlamaLike(c, m, false); }

void Mixtral(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  ReadExperts(c, m, {"num_local_experts"});
  m.moe_ffn = m.ffn;  // intermediate_size is the per-expert size
}

void Qwen2(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  m.bias = true;  // Qwen2Attention has q/k/v biases (no o_proj / MLP bias)
}

void Gemma(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, true);
  if (m.head_dim == 0) m.head_dim = 256;  // GemmaConfig default
}

// Phi-3 / Phi-4: Llama's block with fused projections (modeling_phi3.py qkv_proj, gate_up_proj).
void Phi3(const Config& c, ModelArch& m) { ReadLlamaLike(c, m, false); }

void SmolLm3(const Config& c, ModelArch& m) { ReadLlamaLike(c, m, true); }

// Qwen3: no QKV bias (attention_bias), per-head q/k RMSNorm.
void Qwen3(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  m.bias = c.BoolOr("attention_bias", false);
  m.qk_norm = true;
}

// Shared by qwen2_moe / qwen3_moe: routed experts every decoder_sparse_step layers.
void ReadQwenExperts(const Config& c, ModelArch& m) {
  ReadExperts(c, m, {"num_experts"});
  m.moe_ffn = c.RequireInt({"moe_intermediate_size"}, 1, 10 * kMaxDim, "the expert MLP size");
  m.moe_layer_freq = static_cast<int>(c.Int({"decoder_sparse_step"}, 1, 10000).value_or(1));
  std::string_view found;
  const Json* dense = c.Find({"mlp_only_layers"}, &found);
  if (dense && dense->is_array() && !dense->empty())
    m.warnings.push_back(c.Field("mlp_only_layers") + ": dense layers listed; counted as MoE");
}

void Qwen3Moe(const Config& c, ModelArch& m) {
  Qwen3(c, m);
  ReadQwenExperts(c, m);
}

// Qwen2-MoE: QKV biases, a shared expert (its 1-wide sigmoid gate is not counted).
void Qwen2Moe(const Config& c, ModelArch& m) {
  Qwen2(c, m);
  ReadQwenExperts(c, m);
  m.shared_expert_ffn =
      static_cast<int>(c.Int({"shared_expert_intermediate_size"}, 0, 10 * kMaxDim).value_or(0));
}

// A ViT-style encoder from a vision_config (SigLIP, the Llama 4 encoder): per layer
// attention (4 d^2 + 4 d) and MLP (2 d f + f + d) with two LayerNorms, patch embedding and
// learned positions, and a linear projector into the text width. Adapters beyond that
// (Llama 4's pixel-shuffle MLP) are not counted.
double VisionParams(const Config& v, int text_hidden) {
  const double d = v.RequireInt({"hidden_size"}, 1, kMaxDim, "the vision hidden size");
  const double f = v.RequireInt({"intermediate_size"}, 1, 10 * kMaxDim, "the vision MLP size");
  const double layers = v.RequireInt({"num_hidden_layers"}, 1, 10000, "the vision layers");
  const double patch = static_cast<double>(v.Int({"patch_size"}, 1, 10000).value_or(14));
  const double image = static_cast<double>(v.Int({"image_size"}, 1, 100000).value_or(224));
  const double channels = static_cast<double>(v.Int({"num_channels"}, 1, 64).value_or(3));
  const double layer = 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d;
  const double positions = (image / patch) * (image / patch) * d;
  return layers * layer + channels * patch * patch * d + d + positions + 2 * d + d * text_hidden;
}

// Multimodal wrappers: the text model under text_config; the vision encoder from
// vision_config (frozen in text fine-tuning).
Config TextConfig(const Config& c) {
  if (auto t = c.Sub("text_config")) return *t;
  return c;
}

void AddVision(const Config& c, ModelArch& m) {
  if (auto v = c.Sub("vision_config")) m.vision_params = VisionParams(*v, m.hidden);
}

// Gemma 3: q/k norms, sliding windows with one global layer in sliding_window_pattern;
// gemma3 nests the text model under text_config. The published 4B-27B files give only the
// keys that differ from Gemma3TextConfig's defaults (transformers configuration_gemma3.py).
void Gemma3Text(const Config& c, ModelArch& m) {
  Json merged = {{"vocab_size", 262208},
                 {"hidden_size", 2304},
                 {"intermediate_size", 9216},
                 {"num_hidden_layers", 26},
                 {"num_attention_heads", 8},
                 {"num_key_value_heads", 4},
                 {"head_dim", 256},
                 {"max_position_embeddings", 131072},
                 {"sliding_window", 4096},
                 {"sliding_window_pattern", 6},
                 {"tie_word_embeddings", true}};
  merged.update(c.json());
  const Config d(merged, c.origin(), c.prefix());
  Gemma(d, m);
  m.qk_norm = true;
  m.sliding_window = static_cast<int>(d.Int({"sliding_window"}, 1, 100000000).value_or(0));
  m.global_layer_every = static_cast<int>(d.Int({"sliding_window_pattern"}, 1, 10000).value_or(0));
}

void Gemma3(const Config& c, ModelArch& m) {
  Gemma3Text(TextConfig(c), m);
  AddVision(c, m);
}

// Llama 4 (text_config): experts of intermediate_size with one shared expert of the same
// size, dense layers of intermediate_size_mlp, MoE every interleave_moe_layer_step layers.
void Llama4(const Config& c, ModelArch& m) {
  const Config t = TextConfig(c);
  ReadLlamaLike(t, m, false);
  m.moe_ffn = m.shared_expert_ffn = m.ffn;
  m.ffn = static_cast<int>(t.Int({"intermediate_size_mlp"}, 1, 10 * kMaxDim).value_or(m.ffn));
  ReadExperts(t, m, {"num_local_experts"});
  m.moe_layer_freq = static_cast<int>(t.Int({"interleave_moe_layer_step"}, 1, 10000).value_or(1));
  AddVision(c, m);
}

// quantization_config.quant_method: the dtype of the published weights.
void ReadCheckpointDtype(const Config& c, ModelArch& m) {
  if (auto q = c.Sub("quantization_config")) m.checkpoint_dtype = q->StringOr("quant_method", "");
}

// DeepSeek-V3: MLA (q_lora_rank null = full-rank q), routed + shared experts after
// first_k_dense_replace dense layers, num_nextn_predict_layers MTP modules.
void DeepSeekV3(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  m.head_dim = c.RequireInt({"qk_nope_head_dim"}, 1, kMaxDim, "the non-rotary q/k head size");
  m.q_lora_rank = static_cast<int>(c.Int({"q_lora_rank"}, 1, kMaxDim).value_or(0));
  m.kv_lora_rank = c.RequireInt({"kv_lora_rank"}, 1, kMaxDim, "the KV latent size");
  m.qk_rope_head_dim = c.RequireInt({"qk_rope_head_dim"}, 0, kMaxDim, "the rotary head size");
  m.v_head_dim = c.RequireInt({"v_head_dim"}, 1, kMaxDim, "the value head size");
  ReadExperts(c, m, {"n_routed_experts"});
  m.moe_ffn = c.RequireInt({"moe_intermediate_size"}, 1, 10 * kMaxDim, "the expert MLP size");
  const auto shared = c.Int({"n_shared_experts"}, 0, 1000).value_or(0);
  m.shared_expert_ffn = static_cast<int>(shared * m.moe_ffn);
  m.first_dense_layers = static_cast<int>(c.Int({"first_k_dense_replace"}, 0, 10000).value_or(0));
  m.moe_layer_freq = static_cast<int>(c.Int({"moe_layer_freq"}, 1, 10000).value_or(1));
  m.mtp_layers = static_cast<int>(c.Int({"num_nextn_predict_layers"}, 0, 64).value_or(0));
  ReadCheckpointDtype(c, m);
}

// gpt-oss: biased attention and experts (intermediate_size per expert), layer_types
// alternating sliding_attention / full_attention, the clamped SwiGLU (swiglu_limit).
void GptOss(const Config& c, ModelArch& m) {
  ReadLlamaLike(c, m, false);
  m.bias = true;
  m.moe_ffn = m.ffn;
  ReadExperts(c, m, {"num_local_experts"});
  m.sliding_window = static_cast<int>(c.Int({"sliding_window"}, 1, 100000000).value_or(0));
  std::string_view found;
  const Json* types = c.Find({"layer_types"}, &found);
  int global = 0;
  if (types && types->is_array())
    for (const auto& t : *types) global += t == "full_attention" ? 1 : 0;
  m.global_layer_every = global > 0 ? m.layers / global : 2;
  m.swiglu_limit = c.NumberOr("swiglu_limit", 0, 1e6, 7.0);  // GptOssConfig's default
  ReadCheckpointDtype(c, m);
}

void Gpt2(const Config& c, ModelArch& m) {
  ReadDims(c, m, {"n_layer"}, {"n_embd"}, {"n_head"});
  m.ffn = static_cast<int>(c.Int({"n_inner"}, 1, 10 * kMaxDim).value_or(4LL * m.hidden));
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"n_positions"}, 1024);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", true);
  m.dropout = c.NumberOr("resid_pdrop", 0, 0.9, 0.1);
  ClassicBlock(m);
  m.position = catalog::PositionKind::kLearned;
  m.bias = true;
}

void GptNeoX(const Config& c, ModelArch& m) {
  ReadDims(c, m, {"num_hidden_layers"}, {"hidden_size"}, {"num_attention_heads"});
  m.ffn = RequireFfn(c, {"intermediate_size"});
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"max_position_embeddings"}, 2048);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", false);
  m.bias = c.BoolOr("attention_bias", true);
  m.dropout = c.NumberOr("hidden_dropout", 0, 0.9, 0);
  ClassicBlock(m);
  m.position = catalog::PositionKind::kRope;  // partial rotary (rotary_pct), no parameters
  if (c.BoolOr("use_parallel_residual", true)) m.notes = "Parallel attention and MLP.";
}

// FalconConfig: new_decoder_architecture -> num_kv_heads (GQA, two norms per layer);
// else multi_query -> one KV head (one norm per layer); else full MHA.
void Falcon(const Config& c, ModelArch& m) {
  ReadDims(c, m, {"num_hidden_layers", "n_layer"}, {"hidden_size", "n_embed"},
           {"num_attention_heads", "n_head"});
  if (c.BoolOr("new_decoder_architecture", false)) {
    m.kv_heads =
        static_cast<int>(c.Int({"num_kv_heads", "n_head_kv"}, 1, kMaxDim).value_or(m.heads));
  } else {
    m.kv_heads = c.BoolOr("multi_query", true) ? 1 : m.heads;
  }
  m.ffn = static_cast<int>(c.Int({"ffn_hidden_size"}, 1, 10 * kMaxDim).value_or(4LL * m.hidden));
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"max_position_embeddings"}, 2048);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", true);
  m.bias = c.BoolOr("bias", false);
  m.dropout = c.NumberOr("hidden_dropout", 0, 0.9, 0);
  ClassicBlock(m);
  m.position =
      c.BoolOr("alibi", false) ? catalog::PositionKind::kAlibi : catalog::PositionKind::kRope;
  if (c.BoolOr("parallel_attn", true)) m.notes = "Parallel attention and MLP.";
}

// OPT: ReLU MLP (two matrices, counted as `gelu`), learned positions (+2 offset rows, ignored).
void Opt(const Config& c, ModelArch& m) {
  ReadDims(c, m, {"num_hidden_layers"}, {"hidden_size"}, {"num_attention_heads"});
  m.ffn = RequireFfn(c, {"ffn_dim"});
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"max_position_embeddings"}, 2048);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", true);
  m.bias = c.BoolOr("enable_bias", true);
  m.dropout = c.NumberOr("dropout", 0, 0.9, 0.1);
  ClassicBlock(m);
  m.position = catalog::PositionKind::kLearned;
  const auto proj = c.Int({"word_embed_proj_dim"}, 1, kMaxDim);
  if (proj && *proj != m.hidden)
    m.notes = "word_embed_proj_dim " + std::to_string(*proj) +
              " differs from hidden_size: embeddings counted at hidden_size (approximate).";
}

// BLOOM: ALiBi, LayerNorm with biases, 4h GELU MLP, tied embeddings; trained at 2048 tokens.
void Bloom(const Config& c, ModelArch& m) {
  ReadDims(c, m, {"n_layer", "num_hidden_layers"}, {"hidden_size", "n_embed"},
           {"n_head", "num_attention_heads"});
  m.ffn = 4 * m.hidden;
  m.vocab = RequireVocab(c);
  m.max_seq_len = Positions(c, {"seq_length"}, 2048);
  m.tied_embeddings = c.BoolOr("tie_word_embeddings", true);
  m.bias = true;
  m.dropout = c.NumberOr("hidden_dropout", 0, 0.9, 0);
  ClassicBlock(m);
  m.position = catalog::PositionKind::kAlibi;
  m.embedding_norm = true;  // modeling_bloom.py: word_embeddings_layernorm
}

struct Family {
  std::string_view model_type;
  void (*read)(const Config&, ModelArch&);
};

// The supported `model_type`s (STYLE.md principle 4: one explicit table).
constexpr Family kFamilies[] = {
    {"llama", Llama},
    {"mistral", Mistral},
    {"mixtral", Mixtral},
    {"qwen2", Qwen2},
    {"qwen2_moe", Qwen2Moe},
    {"qwen3", Qwen3},
    {"qwen3_moe", Qwen3Moe},
    {"gemma", Gemma},
    {"gemma2", Gemma},
    {"gemma3", Gemma3},
    {"gemma3_text", Gemma3Text},
    {"phi3", Phi3},
    {"deepseek_v3", DeepSeekV3},
    {"llama4", Llama4},
    {"llama4_text", Llama4},
    {"gpt_oss", GptOss},
    {"smollm3", SmolLm3},
    {"gpt2", Gpt2},
    {"gpt_neox", GptNeoX},
    {"falcon", Falcon},
    {"opt", Opt},
    {"bloom", Bloom},
};

// An unknown model_type: the llama-style keys most decoders use (from text_config when
// nested), with a warning naming the type and what was assumed.
void Generic(const Config& c, ModelArch& m, const std::string& type) {
  ReadLlamaLike(TextConfig(c), m, false);
  m.warnings.push_back(c.Field("model_type") + " '" + type +
                       "' is not one of the supported types; read as a generic decoder "
                       "(num_hidden_layers, hidden_size, num_attention_heads, "
                       "num_key_value_heads, intermediate_size, vocab_size): SwiGLU MLP, "
                       "RMSNorm, RoPE, no biases, untied embeddings, dense");
}

// ModelArch field -> the config.json keys the families read it from.
struct KeyAliases {
  std::string_view field;
  std::initializer_list<std::string_view> keys;
};
const KeyAliases kHfKeys[] = {
    {"layers", {"num_hidden_layers", "n_layer"}},
    {"hidden", {"hidden_size", "n_embd", "n_embed"}},
    {"heads", {"num_attention_heads", "n_head"}},
    {"kv_heads", {"num_key_value_heads", "num_kv_heads", "n_head_kv"}},
    {"ffn", {"intermediate_size", "n_inner", "ffn_hidden_size", "ffn_dim"}},
    {"vocab", {"vocab_size"}},
    {"max_seq_len", {"max_position_embeddings", "n_positions", "seq_length"}},
    {"experts", {"num_local_experts", "num_experts", "n_routed_experts"}},
    {"experts_active", {"num_experts_per_tok", "experts_per_token"}},
};

// "config.json: kv_heads" -> "config.json: num_key_value_heads" when the file has that key.
std::string HfKeyField(const Json& j, const std::string& field, const std::string& origin) {
  const std::string prefix = origin + ": ";
  if (field.rfind(prefix, 0) != 0) return field;
  const std::string_view name = std::string_view(field).substr(prefix.size());
  for (const auto& a : kHfKeys) {
    if (a.field != name) continue;
    for (auto key : a.keys)
      if (j.contains(std::string(key))) return prefix + std::string(key);
  }
  return field;
}

std::string SupportedTypes() {
  std::string out;
  for (const auto& f : kFamilies) out += (out.empty() ? "" : " | ") + std::string(f.model_type);
  return out;
}

}  // namespace

catalog::ModelArch ModelFromHfConfig(std::string_view json_text, const std::string& origin) {
  const Json j =
      ParseJsonText(json_text, origin, origin + ": ", "a Hugging Face config.json (valid JSON)");
  if (!j.is_object())
    throw InputError(origin, Config::Printable(j), "a Hugging Face config.json (a JSON object)",
                     "expected an object, got");
  const Config c(j, origin);
  const std::string type = c.StringOr("model_type", "");
  const Family* family = nullptr;
  for (const auto& f : kFamilies)
    if (f.model_type == type) family = &f;
  if (type.empty())
    throw InputError(c.Field("model_type"), "missing", SupportedTypes(), "required key");
  ModelArch m;
  m.family = type;
  m.name = c.StringOr("_name_or_path", "");
  if (m.name.empty()) m.name = origin;
  m.kind = catalog::ModelKind::kDecoder;
  if (family) {
    family->read(c, m);
  } else {
    Generic(c, m, type);
  }
  // Fused projections as the family's modeling file builds them (module_names.h: GPT-2
  // c_attn, GPT-NeoX / Falcon / BLOOM query_key_value, Phi-3 qkv_proj and gate_up_proj).
  using catalog::FusedModule;
  m.fused_qkv = !FusedModule(type, catalog::kSlotQ | catalog::kSlotK | catalog::kSlotV).empty();
  m.fused_gate_up = !FusedModule(type, catalog::kSlotGate | catalog::kSlotUp).empty();
  m.sources.push_back(origin);
  try {
    CheckAndCountModel(m, origin + ":", 0);
  } catch (const InputError& e) {
    // The cross-field checks name ModelArch fields ("kv_heads"): name the file's key.
    throw InputError(HfKeyField(j, e.field(), origin), e.value(), e.accepted(), e.problem());
  }
  return m;
}

}  // namespace gpuadv::io
