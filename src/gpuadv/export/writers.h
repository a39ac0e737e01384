#pragma once
// The per-engine writers behind launch::Export. Internal to src/gpuadv/export.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::launch {

LaunchConfig WriteDeepSpeed(const workload::Scenario& s);
LaunchConfig WriteAccelerateFsdp(const workload::Scenario& s);
LaunchConfig WriteMegatron(const workload::Scenario& s);
LaunchConfig WriteTorchrun(const workload::Scenario& s);
LaunchConfig WriteMegatronDeepSpeed(const workload::Scenario& s);
LaunchConfig WriteTorchtune(const workload::Scenario& s);
LaunchConfig WriteAxolotl(const workload::Scenario& s);
LaunchConfig WriteHfTrainer(const workload::Scenario& s);
/// Why BigScience Megatron-DeepSpeed cannot launch `s` as given, or nullopt.
std::optional<std::string> MegatronDeepSpeedUnsupported(const workload::Scenario& s);
/// Why torchtune's recipes / axolotl cannot run `s` as given (the engine and the knob), or
/// nullopt. Data parallel layouts are checked by the caller.
std::optional<std::string> TorchtuneUnsupported(const workload::Scenario& s);
std::optional<std::string> AxolotlUnsupported(const workload::Scenario& s);
std::optional<std::string> HfTrainerUnsupported(const workload::Scenario& s);

/// DeepSpeed's "fp16" block with dynamic loss scaling starting at DeepSpeed's documented
/// default 2^16 (docs/_pages/config-json.md: loss_scale 0 = dynamic, initial_scale_power 16).
/// One block for every writer that emits a DeepSpeed config.
void DeepSpeedFp16(ConfigNode* root);

/// Command-line arguments in order: flag, value ("" = a switch).
using Args = std::vector<std::pair<std::string, std::string>>;
/// The model shape and sequence flags Megatron-LM and its forks share (--num-layers,
/// --hidden-size, --ffn-hidden-size, --num-attention-heads, --kv-channels, --seq-length,
/// --max-position-embeddings).
void ShapeArgs(const workload::Scenario& s, Args* a);
/// The flags of `a`, in order (LaunchConfig::keys).
std::vector<std::string> Flags(const Args& a);
/// One argument per line: `indent` flag value, `end` after all but the last.
std::string Join(const Args& a, const std::string& indent, const std::string& end);
/// torchrun's own options for the scenario's nodes x GPUs (standalone on one node).
Args TorchrunLauncher(const workload::Scenario& s);
/// "torchrun --nnodes=2 ..." (no script, no trailing newline); `program` replaces torchrun
/// for launchers that take torchrun's options ("tune run").
std::string LaunchLine(const Args& launcher, const std::string& program = "torchrun");

/// The Hugging Face repository of the model (the first catalog alias "org/name"), or "".
std::string HfRepo(const workload::Scenario& s);
/// The stack the estimate assumed compiles the model (torch.compile): torchtune, torchtitan.
bool AssumesCompile(const workload::Scenario& s);

/// LoRA and QLoRA: a frozen base with trainable low-rank adapters.
using workload::TrainsAdapters;
inline bool TrainsAdapters(const workload::Scenario& s) {
  return TrainsAdapters(s.training.method);
}
/// The note of a config whose script must add the adapters itself: "adapters: apply the PEFT
/// LoRA config (rank R) " + `where` ("before accelerator.prepare").
inline std::string PeftAdapterNote(const workload::Scenario& s, const std::string& where) {
  return "adapters: apply the PEFT LoRA config (rank " + std::to_string(s.training.lora.rank) +
         ") " + where;
}
/// QLoRA: the frozen base loaded 4/8-bit by bitsandbytes.
inline bool QuantizedBase(const workload::Scenario& s) {
  return workload::QuantizedBase(s.training.method);
}

/// The fine-tuning engines (torchtune, axolotl, HF Trainer) start from a pretrained checkpoint
/// and train all weights or adapters (LoRA, QLoRA); they have no recipe for pretraining or
/// for training only the top layers.
inline bool HasFineTuningRecipe(workload::Method m) {
  const auto& t = workload::Traits(m);
  return !t.from_scratch && t.trained != workload::Trained::kLastLayers;
}
/// The methods with a fine-tuning recipe, for messages: "full, lora or qlora".
inline std::string RecipeMethods() {
  std::vector<std::string_view> names;
  for (const auto& e : workload::kMethods)
    if (HasFineTuningRecipe(e.value)) names.push_back(e.name);
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + std::string(names[i]);
  return out;
}

/// Hugging Face launches (axolotl, HF Trainer): ZeRO-1 and optimizer-only offload have no
/// FSDP form, so DeepSpeed runs them; multi-GPU ZeRO-2/3 otherwise runs FSDP.
inline bool ViaDeepSpeed(const workload::Parallelism& p) {
  return p.zero == 1 || p.offload == workload::Offload::kOptimizer;
}
inline bool ViaFsdp(const workload::Scenario& s) {
  return s.hardware.TotalGpus() > 1 && !ViaDeepSpeed(s.parallelism) && s.parallelism.zero >= 2;
}
/// transformers OptimizerNames value (TrainingArguments.optim) of the scenario's optimizer.
std::string_view HfOptimizerName(workload::Optimizer o);

/// Megatron FSDP carries ZeRO-2/3 (--use-megatron-fsdp).
inline bool UsesMegatronFsdp(const workload::Parallelism& p) { return p.zero >= 2; }
/// Megatron-LM wants CUDA_DEVICE_MAX_CONNECTIONS=1 with tp or cp > 1, but only without
/// Megatron FSDP, which refuses 1 (megatron/training/arguments.py).
inline bool NeedsOneConnection(const workload::Parallelism& p) {
  return (p.tp > 1 || p.cp > 1) && !UsesMegatronFsdp(p);
}
/// Layers on the first and last pipeline stages when pp does not divide `layers`: the
/// middle stages hold ceil(layers / pp) (the heaviest stage the estimate times,
/// workload::Parallelism::HeaviestStageLayers), the first and last the rest. nullopt when
/// pp divides the layers, the embedding and loss are counted instead, vpp > 1, or no such
/// split exists (then Megatron-LM cannot run the layout).
std::optional<std::pair<int, int>> UnevenSplit(int layers, const workload::Parallelism& p);
/// Megatron-Core's --pipeline-model-parallel-layout for a pipeline whose pp x vpp virtual
/// stages do not divide the layers, interleaved or with the embedding and loss counted as
/// layers (DeepSeek-V3's 61 + 2 on pp 8 x vpp 4), which its other flags cannot say: the stages in
/// model order, "|"-separated, E the embedding, t a decoder layer, m an MTP layer, L the loss;
/// the first stages hold one layer more, so the heaviest rank holds the vpp x
/// ceil(layers / (pp x vpp)) the estimate times (workload::Parallelism::HeaviestStage).
/// Empty where the split is even or there is no interleaving.
std::string PipelineLayout(const workload::Scenario& s);
/// Throws InputError naming parallelism.pp when Megatron-LM cannot split the layers.
void CheckPipelineSplit(const workload::Scenario& s);

/// "# gpu-advisor plan: llama-3.1-70b on 64 x h100-sxm: tp8 pp2 ..." (no trailing newline).
std::string PlanSummary(const workload::Scenario& s);

}  // namespace gpuadv::launch
