// Model architectures from YAML/JSON maps: the DESIGN.md inline keys plus the catalog keys
// of data/models/*.yaml (DESIGN.md C2). Parameter counts come from catalog::CountParams.
#include "gpuadv/io/model_loader.h"

#include <cmath>
#include <cstdio>

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/io/model_check.h"

namespace gpuadv::io {
namespace {

constexpr double kMaxParams = 1e13;

// "model.hidden"; a prefix ending in ':' (a file, for config.json) gives "file: hidden".
std::string FieldName(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (prefix.back() == ':') return prefix + " " + std::string(key);
  return prefix + "." + std::string(key);
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

int IntOr(Fields& f, std::string_view key, long long min, long long max, int fallback) {
  auto v = f.Integer(key, min, max);
  return v ? static_cast<int>(*v) : fallback;
}

// Catalog ids: lowercase letters, digits, '.', '-' ("qwen2.5-7b", "flux.1-dev").
bool IsCatalogId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return true;
}

std::vector<catalog::ModelComponent> ParseComponents(Fields& f) {
  std::vector<catalog::ModelComponent> out;
  const Doc& list = f.Raw("components");
  if (Absent(list)) return out;
  if (!list.is_array())
    throw InputError(f.Field("components"), Printable(list),
                     "a list of {name, role, params, trains}", "expected a list, got");
  if (list.size() > 64)
    throw InputError(f.Field("components"), "[...]", "at most 64 components", "too many entries");
  for (size_t i = 0; i < list.size(); ++i) {
    Fields c(list[i], f.Field("components") + "[" + std::to_string(i) + "]");
    catalog::ModelComponent comp;
    auto name = c.String("name", 128);
    if (!name) throw InputError(c.Field("name"), "missing", "a component name", "required key");
    comp.name = *name;
    auto role = c.Enum("role", catalog::kComponentRoles);
    if (!role)
      throw InputError(c.Field("role"), "missing", AcceptedNames(catalog::kComponentRoles),
                       "required key");
    comp.role = *role;
    auto params = c.Number("params", 1, kMaxParams);
    if (!params)
      throw InputError(c.Field("params"), "missing", "a parameter count", "required key");
    comp.params = *params;
    comp.trains_by_default =
        c.Bool("trains").value_or(comp.role == catalog::ComponentRole::kDenoiser);
    c.Finish({"name", "role", "params", "trains"});
    out.push_back(std::move(comp));
  }
  return out;
}

// Architecture features of 2024-2025 models (MLA, q/k norms, sliding windows, MTP,
// vision encoders); all optional, 0 / false / empty when absent.
void ParseArchFeatures(Fields& f, catalog::ModelArch& m) {
  m.first_dense_layers = IntOr(f, "first_dense_layers", 0, 10000, 0);
  m.q_lora_rank = IntOr(f, "q_lora_rank", 0, 1000000, 0);
  m.kv_lora_rank = IntOr(f, "kv_lora_rank", 0, 1000000, 0);
  m.qk_rope_head_dim = IntOr(f, "qk_rope_head_dim", 0, 100000, 0);
  m.v_head_dim = IntOr(f, "v_head_dim", 0, 100000, 0);
  if (auto v = f.Bool("qk_norm")) m.qk_norm = *v;
  if (auto v = f.Bool("embedding_norm")) m.embedding_norm = *v;
  if (auto v = f.Bool("fused_qkv")) m.fused_qkv = *v;
  if (auto v = f.Bool("fused_gate_up")) m.fused_gate_up = *v;
  // A family whose implementation fuses projections (module_names.h) where the model does
  // not say so: the estimate times the projections apart, and says so.
  const auto unsaid = [&](const char* key, unsigned slots, const char* what) {
    const std::string_view module = catalog::FusedModule(m.family, slots);
    if (!module.empty() && !f.Has(key))
      m.warnings.push_back("model family " + m.family + " fuses " + what + " into one module (" +
                           std::string(module) + ") but " + f.Field(key) +
                           " is not set: they are counted as separate linears (set " + key +
                           ": true for the fused module, or false to keep them apart)");
  };
  unsaid("fused_qkv", catalog::kSlotQ | catalog::kSlotK | catalog::kSlotV, "q, k and v");
  unsaid("fused_gate_up", catalog::kSlotGate | catalog::kSlotUp, "the gate and up projections");
  m.sliding_window = IntOr(f, "sliding_window", 0, 100000000, 0);
  m.global_layer_every = IntOr(f, "global_layer_every", 0, 10000, 0);
  m.mtp_layers = IntOr(f, "mtp_layers", 0, 64, 0);
  m.vision_params = f.Number("vision_params", 0, kMaxParams).value_or(0);
  m.swiglu_limit = f.Number("swiglu_limit", 0, 1e6).value_or(0);
  if (auto v = f.String("checkpoint_dtype", 16)) m.checkpoint_dtype = *v;
}

}  // namespace

void CheckAndCountModel(catalog::ModelArch& m, const std::string& prefix, double declared) {
  using catalog::ModelKind;
  auto missing = [&](std::string_view key, const std::string& why) {
    return InputError(FieldName(prefix, key), "missing", why, "required key");
  };
  const bool diffusion = m.kind == ModelKind::kDiffusion;

  // Shape: layers, hidden and heads together, or none of them.
  const bool any_shape = m.layers > 0 || m.hidden > 0 || m.heads > 0;
  if (any_shape) {
    const std::string why = "layers, hidden and heads given together";
    if (m.layers <= 0) throw missing("layers", why);
    if (m.hidden <= 0) throw missing("hidden", why);
    if (m.heads <= 0) throw missing("heads", why);
    if (m.heads > m.hidden)
      throw InputError(FieldName(prefix, "heads"), std::to_string(m.heads),
                       "at most hidden (" + std::to_string(m.hidden) + ")", "too many heads");
    if (m.head_dim == 0 && m.hidden % m.heads != 0)
      throw InputError(FieldName(prefix, "heads"), std::to_string(m.heads),
                       "a divisor of hidden (" + std::to_string(m.hidden) + "), or give head_dim",
                       "does not divide hidden");
    if (m.kv_heads > 0 && (m.kv_heads > m.heads || m.heads % m.kv_heads != 0))
      throw InputError(FieldName(prefix, "kv_heads"), std::to_string(m.kv_heads),
                       "a divisor of heads (" + std::to_string(m.heads) + ")",
                       "does not divide heads");
    if (!diffusion && m.vocab <= 0) throw missing("vocab", "the vocabulary size of a shaped model");
    if (m.ffn <= 0 && !(m.experts > 1 && m.moe_ffn > 0)) {
      if (!diffusion) throw missing("ffn", "the MLP intermediate size of a shaped model");
      m.ffn = 4 * m.hidden;  // DiT / MMDiT blocks use mlp_ratio 4
    }
    if (m.position == catalog::PositionKind::kLearned && m.max_seq_len <= 0)
      throw missing("max_seq_len", "the number of learned positions (position: learned)");
  }

  // Mixture of experts: 0 (dense) or >= 2 experts, with 1..experts active.
  if (m.experts == 1)
    throw InputError(FieldName(prefix, "experts"), "1", "0 (dense) or at least 2", "invalid value");
  if (m.experts > 1) {
    if (m.experts_active <= 0)
      throw missing("experts_active",
                    "experts used per token (1.." + std::to_string(m.experts) + ")");
    if (m.experts_active > m.experts)
      throw InputError(FieldName(prefix, "experts_active"), std::to_string(m.experts_active),
                       "at most experts (" + std::to_string(m.experts) + ")", "out of range");
  } else if (m.experts_active > 0) {
    throw InputError(FieldName(prefix, "experts_active"), std::to_string(m.experts_active),
                     "0 for a dense model (experts: 0)", "invalid value");
  }

  // A diffusion pipeline's params are its denoiser's (the trained network).
  if (diffusion && declared <= 0)
    for (const auto& c : m.components)
      if (c.role == catalog::ComponentRole::kDenoiser) declared = c.params;

  m.declared_params = declared;
  if (!m.has_shape()) {
    if (declared <= 0) throw missing("params", "a parameter count, or layers/hidden/heads");
    m.params = declared;
    return;
  }
  m.params = diffusion ? declared : 0;
  m.params = catalog::CountParams(m).total;
  if (!(m.params <= kMaxParams))
    throw InputError(prefix.empty() ? "model" : prefix, Num(m.params),
                     "shapes giving at most 1e13 parameters", "too many parameters");
  if (declared > 0 && std::fabs(declared - m.params) > 0.10 * m.params) {
    if (!m.notes.empty()) m.notes += " ";
    m.notes += "Declared params " + Num(declared) + " differ from the computed " + Num(m.params) +
               " by more than 10%; using the computed count.";
  }
}

catalog::ModelArch ParseModel(Fields& f) {
  using namespace catalog;
  ModelArch m;
  if (auto v = f.String("id", 64)) m.id = *v;
  if (auto v = f.String("name", 256)) m.name = *v;
  if (auto v = f.String("family", 64)) m.family = *v;
  if (auto v = f.StringList("aliases")) m.aliases = *v;
  if (auto v = f.Enum("kind", kModelKinds)) m.kind = *v;
  const double declared = f.Number("params", 1, kMaxParams).value_or(0);

  m.layers = IntOr(f, "layers", 1, 10000, 0);
  m.hidden = IntOr(f, "hidden", 1, 1000000, 0);
  m.heads = IntOr(f, "heads", 1, 100000, 0);
  m.kv_heads = IntOr(f, "kv_heads", 1, 100000, 0);
  m.head_dim = IntOr(f, "head_dim", 1, 100000, 0);
  m.ffn = IntOr(f, "ffn", 1, 10000000, 0);
  m.vocab = IntOr(f, "vocab", 1, 10000000, 0);
  m.max_seq_len = IntOr(f, "max_seq_len", 1, 100000000, 0);
  if (auto v = f.Enum("mlp", kMlpKinds)) m.mlp = *v;
  if (auto v = f.Enum("norm", kNormKinds)) m.norm = *v;
  if (auto v = f.Enum("position", kPositionKinds)) m.position = *v;
  m.rope_theta = f.Number("rope_theta", 1, 1e10).value_or(0);
  m.rope_scaling_factor = f.Number("rope_scaling_factor", 1, 1000).value_or(0);
  if (auto v = f.Bool("bias")) m.bias = *v;
  if (auto v = f.Bool("tied_embeddings")) m.tied_embeddings = *v;
  if (auto v = f.Number("dropout", 0, 0.9)) m.dropout = *v;

  m.experts = IntOr(f, "experts", 0, 100000, 0);
  m.experts_active = IntOr(f, "experts_active", 0, 100000, 0);
  m.moe_ffn = IntOr(f, "moe_ffn", 1, 10000000, 0);
  m.shared_expert_ffn = IntOr(f, "shared_expert_ffn", 0, 10000000, 0);
  m.moe_layer_freq = IntOr(f, "moe_layer_freq", 1, 10000, 1);
  ParseArchFeatures(f, m);

  if (auto v = f.Enum("denoiser_type", kDenoiserTypes)) m.denoiser_type = *v;
  m.components = ParseComponents(f);
  m.latent_channels = IntOr(f, "latent_channels", 1, 1024, m.latent_channels);
  m.patch_size = IntOr(f, "patch_size", 1, 64, m.patch_size);
  m.default_resolution = IntOr(f, "default_resolution", 8, 16384, m.default_resolution);
  m.text_tokens = IntOr(f, "text_tokens", 0, 1000000, 0);

  if (auto v = f.StringList("sources")) m.sources = *v;
  if (auto v = f.String("notes")) m.notes = *v;

  CheckAndCountModel(m, f.path(), declared);
  return m;
}

catalog::ModelArch ParseModelEntry(const Doc& entry, const std::string& field) {
  Fields f(entry, field);
  catalog::ModelArch m = ParseModel(f);
  f.Finish();
  if (!IsCatalogId(m.id))
    throw InputError(f.Field("id"), m.id.empty() ? "missing" : m.id,
                     "a lowercase id of letters, digits, '.' and '-' (e.g. llama-3.1-8b)",
                     m.id.empty() ? "required key" : "invalid id");
  if (m.name.empty()) m.name = m.id;
  return m;
}

std::vector<catalog::ModelArch> ParseModelDocument(const Doc& doc, const std::string& origin) {
  std::vector<catalog::ModelArch> out;
  Fields root(doc, "");
  const Doc& list = root.Raw("models");
  if (Absent(list)) return out;
  if (!list.is_array())
    throw InputError(origin + ": models", Printable(list), "a list of model entries",
                     "expected a list, got");
  for (size_t i = 0; i < list.size(); ++i)
    out.push_back(ParseModelEntry(list[i], CatalogEntryField(origin, "models", i)));
  return out;
}

}  // namespace gpuadv::io
