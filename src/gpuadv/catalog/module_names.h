#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gpuadv::catalog {

/// The roles a linear module plays in a transformer layer and in the model (bit flags). A
/// fused module plays several: GPT-2's c_attn, NeoX's query_key_value and Phi-3's qkv_proj
/// are q | k | v; Phi-3's gate_up_proj is gate | up.
enum ModuleSlot : unsigned {
  kSlotQ = 1,
  kSlotK = 2,
  kSlotV = 4,
  kSlotO = 8,
  kSlotGate = 16,
  kSlotUp = 32,
  kSlotDown = 64,
  kSlotRouter = 128,
  kSlotHead = 256,
  kSlotEmbed = 512,
};

/// What PEFT's all-linear adapts: every linear of the layers (the lm_head is left out).
inline constexpr unsigned kSlotsAllLinear =
    kSlotQ | kSlotK | kSlotV | kSlotO | kSlotGate | kSlotUp | kSlotDown | kSlotRouter;

/// Slots a LoRA target name reaches, by the module names PEFT configs of the common
/// families use ("q_proj", "c_attn", "query_key_value", "w1", "to_out.0", a dotted path);
/// 0 when the name is unknown.
unsigned SlotsOfTarget(std::string_view target);

/// Slots a list of LoRA targets reaches (all_linear: kSlotsAllLinear and the named ones);
/// the names that reach nothing go to `unknown` when given.
unsigned SlotsOfTargets(const std::vector<std::string>& targets, bool all_linear,
                        std::vector<std::string>* unknown = nullptr);

}  // namespace gpuadv::catalog
