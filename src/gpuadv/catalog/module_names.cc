// LoRA target names -> the roles of the modules they adapt. One table for every estimator,
// so memory and throughput adapt the same modules.
#include "gpuadv/catalog/module_names.h"

#include <algorithm>
#include <cctype>

#include "gpuadv/core/strings.h"

namespace gpuadv::catalog {
namespace {

// The module name a target ends with ("model.layers.0.self_attn.q_proj" -> "q_proj",
// diffusers "to_out.0" -> "to_out").
std::string_view LastComponent(std::string_view name) {
  for (int pass = 0; pass < 2; ++pass) {
    const size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) return name;
    const std::string_view tail = name.substr(dot + 1);
    const bool digits = !tail.empty() && std::all_of(tail.begin(), tail.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!digits) return tail;
    name = name.substr(0, dot);
  }
  return name;
}

struct Alias {
  std::string_view name;
  unsigned slots;
};
// Module names used by PEFT configs of the common families (HF Llama/Mistral/Qwen/Gemma,
// Phi-3 qkv_proj/gate_up_proj, GPT-2 c_attn/c_fc/c_proj, GPT-NeoX/Falcon/BLOOM
// query_key_value/dense_*, MPT Wqkv, Mixtral w1/w2/w3 and its router `gate`, DeepSeek's MLA
// projections, diffusers to_q/to_k/to_v/to_out, LitGPT attn/proj/fc). Suffix matching as
// PEFT does it: an ambiguous name ("c_proj", "dense", "proj") adapts every module it names.
constexpr Alias kAliases[] = {
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

}  // namespace

unsigned SlotsOfTarget(std::string_view target) {
  const std::string_view last = LastComponent(target);
  for (const auto& a : kAliases)
    if (IEquals(a.name, last)) return a.slots;
  return 0;
}

unsigned SlotsOfTargets(const std::vector<std::string>& targets, bool all_linear,
                        std::vector<std::string>* unknown) {
  unsigned slots = all_linear ? kSlotsAllLinear : 0;
  for (const auto& name : targets) {
    const unsigned s = SlotsOfTarget(name);
    if (s == 0 && unknown) unknown->push_back(name);
    slots |= s;
  }
  return slots;
}

}  // namespace gpuadv::catalog
