#pragma once
#include <span>
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

/// A linear module as a model family's Hugging Face implementation names it: the dotted
/// path suffix PEFT matches a target against ("q_proj", GPT-2's "attn.c_proj") and the
/// roles it plays.
struct FamilyModule {
  std::string_view path;
  unsigned slots;
};

/// The linear modules of a Hugging Face model_type (ModelArch::family: "llama", "phi3",
/// "gpt2", ...); empty for a family the table does not hold (a Megatron GPT, a diffusion
/// model, an inline model without a family).
std::span<const FamilyModule> FamilyModules(std::string_view family);

/// The module of `family` that plays exactly the roles `slots` (kSlotQ | kSlotK | kSlotV:
/// GPT-2's "attn.c_attn", Phi-3's "qkv_proj"); empty when the family has none (it keeps
/// them apart) or is not in the table.
std::string_view FusedModule(std::string_view family, unsigned slots);

/// LoRA targets resolved against a model family (one resolution for the memory and speed
/// estimates, the resolved scenario and the exports).
struct ResolvedTargets {
  unsigned slots = 0;                // the roles adapted (all_linear: kSlotsAllLinear too)
  std::vector<std::string> names;    // the targets as the family names its modules
  std::vector<std::string> unknown;  // targets that reach no module of the family
  bool renamed = false;              // names differ from the targets as written
};

/// Resolves LoRA targets as PEFT matches them against the family's module names: a target
/// is a module name or a dotted path that ends in one ("dense" is NeoX's attention output,
/// "attn.c_proj" GPT-2's). A target the family does not name (q_proj on Phi-3, whose q, k
/// and v are one qkv_proj) is read by its role (SlotsOfTarget) and renamed to the family's
/// modules that play it. Without a family table the targets keep their names and reach the
/// roles SlotsOfTarget gives.
ResolvedTargets ResolveTargets(std::string_view family, const std::vector<std::string>& targets,
                               bool all_linear);

/// The roles ResolveTargets reaches, without the names (what the estimates need); the
/// targets that reach nothing go to `unknown` when given.
unsigned TargetSlots(std::string_view family, const std::vector<std::string>& targets,
                     bool all_linear, std::vector<std::string>* unknown = nullptr);

}  // namespace gpuadv::catalog
