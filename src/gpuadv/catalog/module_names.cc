// LoRA target names -> the roles of the modules they adapt. One table for every estimator,
// so memory and throughput adapt the same modules.
#include "gpuadv/catalog/module_names.h"

#include <algorithm>
#include <cctype>

#include "gpuadv/core/strings.h"

namespace gpuadv::catalog {
namespace {

// Module names used by PEFT configs of the common families (HF Llama/Mistral/Qwen/Gemma,
// Phi-3 qkv_proj/gate_up_proj, GPT-2 c_attn/c_fc/c_proj, GPT-NeoX/Falcon/BLOOM
// query_key_value/dense_*, MPT Wqkv, Mixtral w1/w2/w3 and its router `gate`, DeepSeek's MLA
// projections, diffusers to_q/to_k/to_v/to_out, LitGPT attn/proj/fc). Suffix matching as
// PEFT does it: an ambiguous name ("c_proj", "dense", "proj") adapts every module it names.
constexpr FamilyModule kAliases[] = {
    {"q_proj", kSlotQ},
    {"q", kSlotQ},
    {"query", kSlotQ},
    {"to_q", kSlotQ},
    {"wq", kSlotQ},
    {"q_lin", kSlotQ},
    {"q_a_proj", kSlotQ},
    {"q_b_proj", kSlotQ},
    {"k_proj", kSlotK},
    {"k", kSlotK},
    {"key", kSlotK},
    {"to_k", kSlotK},
    {"wk", kSlotK},
    {"k_lin", kSlotK},
    {"v_proj", kSlotV},
    {"v", kSlotV},
    {"value", kSlotV},
    {"to_v", kSlotV},
    {"wv", kSlotV},
    {"v_lin", kSlotV},
    {"kv_a_proj_with_mqa", kSlotK | kSlotV},
    {"kv_b_proj", kSlotK | kSlotV},
    {"o_proj", kSlotO},
    {"out_proj", kSlotO},
    {"to_out", kSlotO},
    {"wo", kSlotO},
    {"out_lin", kSlotO},
    {"o", kSlotO},
    {"qkv_proj", kSlotQ | kSlotK | kSlotV},
    {"qkv", kSlotQ | kSlotK | kSlotV},
    {"query_key_value", kSlotQ | kSlotK | kSlotV},
    {"c_attn", kSlotQ | kSlotK | kSlotV},
    {"wqkv", kSlotQ | kSlotK | kSlotV},
    {"attn", kSlotQ | kSlotK | kSlotV},
    {"in_proj", kSlotQ | kSlotK | kSlotV},
    {"gate_proj", kSlotGate},
    {"w1", kSlotGate},
    {"gate_up_proj", kSlotGate | kSlotUp},
    {"up_proj", kSlotUp},
    {"w3", kSlotUp},
    {"fc1", kSlotUp},
    {"fc_in", kSlotUp},
    {"c_fc", kSlotUp},
    {"dense_h_to_4h", kSlotUp},
    {"fc", kSlotUp},
    {"down_proj", kSlotDown},
    {"w2", kSlotDown},
    {"fc2", kSlotDown},
    {"fc_out", kSlotDown},
    {"dense_4h_to_h", kSlotDown},
    {"c_proj", kSlotO | kSlotDown},
    {"proj", kSlotO | kSlotDown},
    {"dense", kSlotO | kSlotUp | kSlotDown},
    // Megatron-Core / NeMo (LoRA target_modules): attention linear_qkv and linear_proj, MLP
    // linear_fc1 (SwiGLU gate and up) and linear_fc2.
    {"linear_qkv", kSlotQ | kSlotK | kSlotV},
    {"linear_proj", kSlotO},
    {"linear_fc1", kSlotGate | kSlotUp},
    {"linear_fc2", kSlotDown},
    {"gate", kSlotRouter},
    {"router", kSlotRouter},
    {"lm_head", kSlotHead},
    {"output", kSlotHead},
    {"embed_out", kSlotHead},
    {"embed_tokens", kSlotEmbed},
    {"wte", kSlotEmbed},
    {"word_embeddings", kSlotEmbed},
    {"tok_embeddings", kSlotEmbed},
};

// The linear modules of each Hugging Face family, as its transformers modeling file names
// them (PEFT matches a target against the module's dotted path). Embeddings and the head
// are here too: PEFT adapts them when named.
constexpr unsigned kQkv = kSlotQ | kSlotK | kSlotV;
// Llama, Mistral, Qwen 2/3 (their MoE: experts gate/up/down_proj, router mlp.gate), Gemma
// 2/3, SmolLM3, GPT-OSS (router mlp.router), Llama 4 (router feed_forward.router).
constexpr FamilyModule kLlamaLike[] = {
    {"q_proj", kSlotQ},       {"k_proj", kSlotK},           {"v_proj", kSlotV},
    {"o_proj", kSlotO},       {"gate_proj", kSlotGate},     {"up_proj", kSlotUp},
    {"down_proj", kSlotDown}, {"mlp.gate", kSlotRouter},    {"router", kSlotRouter},
    {"lm_head", kSlotHead},   {"embed_tokens", kSlotEmbed},
};
// Mixtral: experts w1 (gate), w3 (up), w2 (down); router block_sparse_moe.gate.
constexpr FamilyModule kMixtral[] = {
    {"q_proj", kSlotQ},     {"k_proj", kSlotK},
    {"v_proj", kSlotV},     {"o_proj", kSlotO},
    {"w1", kSlotGate},      {"w3", kSlotUp},
    {"w2", kSlotDown},      {"block_sparse_moe.gate", kSlotRouter},
    {"lm_head", kSlotHead}, {"embed_tokens", kSlotEmbed},
};
// DeepSeek-V3 multi-head latent attention (q_proj where q_lora_rank is null).
constexpr FamilyModule kDeepSeekV3[] = {
    {"q_proj", kSlotQ},
    {"q_a_proj", kSlotQ},
    {"q_b_proj", kSlotQ},
    {"kv_a_proj_with_mqa", kSlotK | kSlotV},
    {"kv_b_proj", kSlotK | kSlotV},
    {"o_proj", kSlotO},
    {"gate_proj", kSlotGate},
    {"up_proj", kSlotUp},
    {"down_proj", kSlotDown},
    {"lm_head", kSlotHead},
    {"embed_tokens", kSlotEmbed},
};
// Phi-3 / Phi-4: fused qkv_proj and gate_up_proj.
constexpr FamilyModule kPhi3[] = {
    {"qkv_proj", kQkv},       {"o_proj", kSlotO},     {"gate_up_proj", kSlotGate | kSlotUp},
    {"down_proj", kSlotDown}, {"lm_head", kSlotHead}, {"embed_tokens", kSlotEmbed},
};
// GPT-2: Conv1D modules c_attn (fused q, k, v), attn.c_proj, mlp.c_fc, mlp.c_proj.
constexpr FamilyModule kGpt2[] = {
    {"attn.c_attn", kQkv},     {"attn.c_proj", kSlotO}, {"mlp.c_fc", kSlotUp},
    {"mlp.c_proj", kSlotDown}, {"lm_head", kSlotHead},  {"wte", kSlotEmbed},
};
// GPT-NeoX / Pythia: attention.query_key_value, attention.dense, mlp.dense_h_to_4h / _4h_to_h.
constexpr FamilyModule kGptNeox[] = {
    {"attention.query_key_value", kQkv},
    {"attention.dense", kSlotO},
    {"mlp.dense_h_to_4h", kSlotUp},
    {"mlp.dense_4h_to_h", kSlotDown},
    {"embed_out", kSlotHead},
    {"embed_in", kSlotEmbed},
};
// Falcon and BLOOM: self_attention.query_key_value and .dense, the same MLP names.
constexpr FamilyModule kFalconBloom[] = {
    {"self_attention.query_key_value", kQkv},
    {"self_attention.dense", kSlotO},
    {"mlp.dense_h_to_4h", kSlotUp},
    {"mlp.dense_4h_to_h", kSlotDown},
    {"lm_head", kSlotHead},
    {"word_embeddings", kSlotEmbed},
};
// OPT: self_attn.q/k/v_proj and out_proj, fc1 and fc2.
constexpr FamilyModule kOpt[] = {
    {"q_proj", kSlotQ}, {"k_proj", kSlotK}, {"v_proj", kSlotV},     {"out_proj", kSlotO},
    {"fc1", kSlotUp},   {"fc2", kSlotDown}, {"lm_head", kSlotHead}, {"embed_tokens", kSlotEmbed},
};

struct FamilyTable {
  std::string_view family;
  std::span<const FamilyModule> modules;
};
constexpr FamilyTable kFamilies[] = {
    {"llama", kLlamaLike},   {"mistral", kLlamaLike},
    {"qwen2", kLlamaLike},   {"qwen2_moe", kLlamaLike},
    {"qwen3", kLlamaLike},   {"qwen3_moe", kLlamaLike},
    {"gemma", kLlamaLike},   {"gemma2", kLlamaLike},
    {"gemma3", kLlamaLike},  {"gemma3_text", kLlamaLike},
    {"smollm3", kLlamaLike}, {"gpt_oss", kLlamaLike},
    {"llama4", kLlamaLike},  {"llama4_text", kLlamaLike},
    {"mixtral", kMixtral},   {"deepseek_v3", kDeepSeekV3},
    {"phi3", kPhi3},         {"gpt2", kGpt2},
    {"gpt_neox", kGptNeox},  {"falcon", kFalconBloom},
    {"bloom", kFalconBloom}, {"opt", kOpt},
};

// The last dotted component of `name`, numeric ones (layer and ModuleList indices,
// diffusers' "to_out.0") skipped, and `name` without it; empty when none is left.
std::string_view PopLast(std::string_view& name) {
  while (!name.empty()) {
    const size_t dot = name.rfind('.');
    const std::string_view part = dot == std::string_view::npos ? name : name.substr(dot + 1);
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(0, dot);
    const bool digits = std::all_of(part.begin(), part.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!part.empty() && !digits) return part;
  }
  return {};
}

// Whether a target names a module at `path`: one ends with the other, component by
// component ("dense" and "attention.dense"; "model.layers.0.mlp.c_proj" and "mlp.c_proj").
bool Names(std::string_view target, std::string_view path) {
  bool matched = false;
  for (;;) {
    const std::string_view t = PopLast(target), p = PopLast(path);
    if (t.empty() || p.empty()) return matched;
    if (!IEquals(t, p)) return false;
    matched = true;
  }
}

void AddName(std::vector<std::string>& names, std::string_view name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

// The shortest target PEFT matches to `m` alone: its module name, unless another module of
// the family ends with it too (GPT-2's c_proj), then its path.
std::string_view ShortestName(std::span<const FamilyModule> modules, const FamilyModule& m) {
  const size_t dot = m.path.rfind('.');
  const std::string_view leaf = dot == std::string_view::npos ? m.path : m.path.substr(dot + 1);
  for (const auto& other : modules)
    if (&other != &m && Names(leaf, other.path)) return m.path;
  return leaf;
}

}  // namespace

unsigned SlotsOfTarget(std::string_view target) {
  const std::string_view last = PopLast(target);  // the module name the target ends with
  if (last.empty()) return 0;
  for (const auto& a : kAliases)
    if (IEquals(a.path, last)) return a.slots;
  return 0;
}

std::span<const FamilyModule> FamilyModules(std::string_view family) {
  for (const auto& f : kFamilies)
    if (IEquals(f.family, family)) return f.modules;
  return {};
}

std::string_view FusedModule(std::string_view family, unsigned slots) {
  for (const auto& m : FamilyModules(family))
    if (m.slots == slots) return m.path;
  return {};
}

namespace {

// ResolveTargets, the names only where `names` (the estimates need the roles alone).
void Resolve(std::string_view family, const std::vector<std::string>& targets, bool all_linear,
             bool names, ResolvedTargets& r) {
  r.slots = all_linear ? kSlotsAllLinear : 0;
  const auto modules = FamilyModules(family);
  const auto keep = [&](std::string_view name) {
    if (names) AddName(r.names, name);
  };
  for (const auto& target : targets) {
    unsigned named = 0;
    for (const auto& m : modules)
      if (Names(target, m.path)) named |= m.slots;
    if (named != 0 || modules.empty()) {  // a module name of the family, or no table
      const unsigned slots = modules.empty() ? SlotsOfTarget(target) : named;
      if (slots == 0) r.unknown.push_back(target);
      r.slots |= slots;
      keep(target);
      continue;
    }
    // A name the family does not use: its role, on the modules of the family that play it.
    const unsigned role = SlotsOfTarget(target);
    bool reached = false;
    for (const auto& m : modules)
      if (m.slots & role) {
        r.slots |= m.slots;
        keep(ShortestName(modules, m));
        reached = true;
      }
    if (reached) {
      r.renamed = true;
    } else {  // kept as written; the estimates warn that it adapts nothing
      r.unknown.push_back(target);
      keep(target);
    }
  }
}

}  // namespace

ResolvedTargets ResolveTargets(std::string_view family, const std::vector<std::string>& targets,
                               bool all_linear) {
  ResolvedTargets r;
  Resolve(family, targets, all_linear, true, r);
  return r;
}

unsigned TargetSlots(std::string_view family, const std::vector<std::string>& targets,
                     bool all_linear, std::vector<std::string>* unknown) {
  ResolvedTargets r;
  Resolve(family, targets, all_linear, false, r);
  if (unknown) *unknown = std::move(r.unknown);
  return r.slots;
}

}  // namespace gpuadv::catalog
