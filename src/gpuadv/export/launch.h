#pragma once
// Launch configuration export (C10): the config an engine needs to run a plan. The module
// lives in src/gpuadv/export; its namespace is `launch` because `export` is a C++ keyword.
//
//   deepspeed        DeepSpeed config JSON (deepspeed.ai/docs/config-json)
//   accelerate-fsdp  Hugging Face accelerate config YAML with fsdp_config
//   torchrun         a torchrun command line launching Megatron-LM's pretrain_gpt.py
//   megatron         Megatron-LM arguments (megatron/training/arguments.py) as a bash array
//   megatron-deepspeed  BigScience Megatron-DeepSpeed pretrain_gpt.py + DeepSpeed config
//                    (ALiBi, uneven DeepSpeed pipeline partitions: BLOOM's stack)
//   torchtune        torchtune recipe config YAML (lora/full_finetune_*) and `tune run`
//   axolotl          axolotl config YAML and `axolotl train`
//   hf-trainer       TRL SFTConfig (TrainingArguments) JSON, PEFT LoraConfig and
//                    BitsAndBytesConfig JSON, train.py; torchrun, or accelerate launch (FSDP),
//                    with the DeepSpeed / accelerate FSDP config of the writers above
//
// Each engine runs only part of the plan space (DeepSpeed and FSDP: data parallel with
// ZeRO/FSDP only; Megatron-LM: no HSDP, ZeRO-2/3 through Megatron FSDP without pipeline
// parallel), so `SpaceFor` narrows the planner's search to what the engine can launch.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/plan/search_space.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::launch {

enum class Engine {
  kDeepSpeed,
  kAccelerateFsdp,
  kTorchrun,
  kMegatron,
  kMegatronDeepSpeed,
  kTorchtune,
  kAxolotl,
  kHfTrainer
};
inline constexpr EnumEntry<Engine> kEngines[] = {
    {"deepspeed", Engine::kDeepSpeed, "DeepSpeed config JSON (ZeRO 0-3, offload)"},
    {"accelerate-fsdp", Engine::kAccelerateFsdp, "Hugging Face accelerate FSDP config YAML"},
    {"torchrun", Engine::kTorchrun, "torchrun command line for Megatron-LM pretrain_gpt.py"},
    {"megatron", Engine::kMegatron, "Megatron-LM arguments (TP/PP/VPP/CP/EP/SP, recompute)"},
    {"megatron-deepspeed", Engine::kMegatronDeepSpeed,
     "BigScience Megatron-DeepSpeed launch script (TP/PP, ZeRO-1, ALiBi; BLOOM)"},
    {"torchtune", Engine::kTorchtune,
     "torchtune recipe config YAML + tune run (full/LoRA/QLoRA, FSDP2)"},
    {"axolotl", Engine::kAxolotl,
     "axolotl config YAML + axolotl train (full/LoRA/QLoRA, FSDP2 or DeepSpeed)"},
    {"hf-trainer", Engine::kHfTrainer,
     "Hugging Face Trainer / TRL SFTConfig + PEFT LoRA / bitsandbytes configs, torchrun or "
     "accelerate launch (full/LoRA/QLoRA; DDP, FSDP or DeepSpeed)"},
};
// Names users type for the engines above (the training.framework aliases of the same stack).
inline constexpr EnumEntry<Engine> kEngineAliases[] = {
    {"hf", Engine::kHfTrainer, "Hugging Face Trainer"},
    {"transformers", Engine::kHfTrainer, "Hugging Face Trainer"},
    {"trl", Engine::kHfTrainer, "TRL SFTTrainer on the HF Trainer"},
};

/// The training stack (data/stacks.yaml, training.framework) an engine's launch runs: the
/// stack its export plans with when the scenario leaves training.framework to `auto`.
workload::Framework EngineStack(Engine engine);

/// The part of the plan space `engine` can launch for scenario `s`.
plan::SpaceOptions SpaceFor(Engine engine, const workload::Scenario& s);

/// Why `engine` cannot launch the layout and knobs of `s` as given, or nullopt.
std::optional<std::string> Unsupported(Engine engine, const workload::Scenario& s);

/// The planner's fastest plan of `s` on `gpus` GPUs that `engine` can launch. When there is
/// none, throws InputError naming "--engine": why (the engine's reach, the batch split or
/// memory) and what would work (other engines, nearby global batches), each checked.
plan::PlanReport PlanFor(Engine engine, const workload::Scenario& s, int gpus,
                         const estimate::Context& ctx,
                         void (*restack)(workload::Scenario&) = nullptr);

/// One file of a launch configuration, ready to save under `name`.
struct LaunchFile {
  std::string name;  // suggested name: ds_config.json, fsdp_config.yaml, launch.sh, ...
  std::string text;
};

/// A written launch configuration.
struct LaunchConfig {
  Engine engine = Engine::kDeepSpeed;
  std::vector<LaunchFile> files;   // the main configuration first
  std::string launch;              // the command that starts the job with these files
  std::vector<std::string> keys;   // every key or flag emitted (dotted paths for JSON/YAML)
  std::vector<std::string> notes;  // what the user still has to supply or do

  const LaunchFile& Main() const { return files.front(); }
};

/// Writes the launch configuration of `s`, a scenario whose parallelism and training knobs
/// are the plan (plan::PlannedScenario). Contract: Unsupported(engine, s) is nullopt;
/// otherwise throws InputError naming "--engine".
LaunchConfig Export(Engine engine, const workload::Scenario& s);

}  // namespace gpuadv::launch
