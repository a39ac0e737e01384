#pragma once
// Registries of the scenario vocabulary (DESIGN.md "Scenario"): one table each,
// serving parsing, --help, listings and "did you mean" (STYLE.md principle 4).
#include "gpuadv/core/enum_table.h"

namespace gpuadv::workload {

enum class Method { kPretrain, kFull, kLora, kQlora, kFreeze };
enum class Precision { kFp32, kFp16Mixed, kBf16Mixed, kBf16, kFp8Mixed };
/// 16-bit compute over fp32 weights under AMP / Megatron (fp16-mixed, bf16-mixed).
constexpr bool IsMixed16(Precision p) {
  return p == Precision::kBf16Mixed || p == Precision::kFp16Mixed;
}
/// Computes in bf16: the GPU needs bf16 support.
constexpr bool RunsBf16(Precision p) { return p == Precision::kBf16Mixed || p == Precision::kBf16; }
enum class Optimizer { kAdamW, kAdamW8bit, kPagedAdamW, kPagedAdamW8bit, kSgd, kAdafactor, kLion };
enum class Checkpointing { kNone, kSelective, kFull };
enum class Attention { kFlash, kSdpa, kEager };
enum class Loss { kStandard, kChunked };
enum class BaseDtype { kAuto, kFp32 };  // a LoRA run's frozen base (training.lora.base_dtype)
enum class Interconnect { kAuto, kPcie, kNvlink };
enum class Offload { kNone, kOptimizer, kOptimizerParams };
enum class CpComm { kP2p, kA2a };
enum class Cooling { kAir, kHighAirflow, kLiquid };
enum class Acquire { kBuy, kRent, kEither };
enum class Objective { kTime, kCost, kValue, kEnergy };
enum class Framework {
  kAuto,
  kPytorch,
  kHfTrainer,
  kAccelerate,
  kLightning,
  kDeepspeed,
  kMegatron,
  kMegatronDeepspeed,
  kTorchtitan,
  kTorchtune,
  kUnsloth,
  kFsdpQlora,
  kComposer
};

inline constexpr EnumEntry<Method> kMethods[] = {
    {"pretrain", Method::kPretrain, "train all weights from scratch"},
    {"full", Method::kFull, "full fine-tune: all weights train"},
    {"lora", Method::kLora, "frozen 16-bit base + low-rank adapters"},
    {"qlora", Method::kQlora, "frozen 4-bit (NF4) base + low-rank adapters"},
    {"freeze", Method::kFreeze, "train only the last layers (freeze the rest)"},
};
inline constexpr EnumEntry<Precision> kPrecisions[] = {
    {"fp32", Precision::kFp32, "fp32 weights and compute"},
    {"fp16-mixed", Precision::kFp16Mixed, "fp32 master weights, fp16 compute (AMP / Megatron)"},
    {"bf16-mixed", Precision::kBf16Mixed, "fp32 master weights, bf16 compute (AMP / Megatron)"},
    {"bf16", Precision::kBf16, "pure bf16 weights and optimizer state"},
    {"fp8-mixed", Precision::kFp8Mixed,
     "bf16 params + fp32 master, fp8 GEMMs (Transformer Engine)"},
};
inline constexpr EnumEntry<Optimizer> kOptimizers[] = {
    {"adamw", Optimizer::kAdamW, "AdamW, two fp32 states"},
    {"adamw-8bit", Optimizer::kAdamW8bit, "bitsandbytes 8-bit AdamW"},
    {"paged-adamw", Optimizer::kPagedAdamW, "bitsandbytes paged AdamW (unified memory)"},
    {"paged-adamw-8bit", Optimizer::kPagedAdamW8bit, "bitsandbytes paged 8-bit AdamW"},
    {"sgd", Optimizer::kSgd, "SGD with momentum"},
    {"adafactor", Optimizer::kAdafactor, "Adafactor, factored second moment"},
    {"lion", Optimizer::kLion, "Lion, one momentum state"},
};
inline constexpr EnumEntry<Checkpointing> kCheckpointings[] = {
    {"none", Checkpointing::kNone, "keep all activations"},
    {"selective", Checkpointing::kSelective, "recompute the attention core only"},
    {"full", Checkpointing::kFull, "keep layer inputs, recompute each layer in backward"},
};
inline constexpr EnumEntry<Attention> kAttentions[] = {
    {"flash", Attention::kFlash, "FlashAttention: no s x s tensor"},
    {"sdpa", Attention::kSdpa, "PyTorch SDPA (flash / memory-efficient kernels)"},
    {"eager", Attention::kEager, "materialises the s x s scores"},
};
inline constexpr EnumEntry<Loss> kLosses[] = {
    {"standard", Loss::kStandard, "full logits, fp32 upcast in the loss"},
    {"chunked", Loss::kChunked, "fused/chunked cross-entropy, no full logits"},
};
inline constexpr EnumEntry<BaseDtype> kBaseDtypes[] = {
    {"auto", BaseDtype::kAuto, "the run's 16-bit dtype (fp32 under precision fp32)"},
    {"fp32", BaseDtype::kFp32,
     "loaded in fp32 and trained under autocast (a Hugging Face model loaded without a dtype, "
     "run with --bf16 / --fp16)"},
};
inline constexpr EnumEntry<Interconnect> kInterconnects[] = {
    {"auto", Interconnect::kAuto, "from the GPU: NVLink where it has it, else PCIe"},
    {"pcie", Interconnect::kPcie, "PCIe only"},
    {"nvlink", Interconnect::kNvlink, "NVLink / NVSwitch / Infinity Fabric"},
};
inline constexpr EnumEntry<Offload> kOffloads[] = {
    {"none", Offload::kNone, "everything on the GPU"},
    {"optimizer", Offload::kOptimizer, "optimizer state (+fp32 master) in host RAM"},
    {"optimizer+params", Offload::kOptimizerParams, "optimizer state and parameters in host RAM"},
};
inline constexpr EnumEntry<CpComm> kCpComms[] = {
    {"p2p", CpComm::kP2p, "ring attention: K and V blocks passed around the cp ranks"},
    {"a2a", CpComm::kA2a, "all-to-all: heads scattered, the whole sequence gathered (Ulysses)"},
};
inline constexpr EnumEntry<Cooling> kCoolings[] = {
    {"air", Cooling::kAir, "ordinary case airflow"},
    {"high-airflow", Cooling::kHighAirflow, "server chassis / many fans"},
    {"liquid", Cooling::kLiquid, "liquid cooled"},
};
inline constexpr EnumEntry<Acquire> kAcquires[] = {
    {"buy", Acquire::kBuy, "purchase the GPUs"},
    {"rent", Acquire::kRent, "rent cloud GPUs"},
    {"either", Acquire::kEither, "whichever is better"},
};
// The training stack (issue 11): what it allocates, which kernels it fuses, what it
// overlaps, its host overhead. The traits of each live in data/stacks.yaml (one entry per
// value here; a test checks both lists agree); `auto` picks one by method and scale
// (workload::DefaultFramework) and the outputs say which.
inline constexpr EnumEntry<Framework> kFrameworks[] = {
    {"auto", Framework::kAuto, "chosen by method and scale (the outputs name the choice)"},
    {"pytorch", Framework::kPytorch, "plain PyTorch loop over HF-style eager modules, DDP/FSDP"},
    {"hf-trainer", Framework::kHfTrainer,
     "Hugging Face Trainer / TRL (+ PEFT, bitsandbytes; ZeRO-2/3 as accelerate FSDP)"},
    {"accelerate", Framework::kAccelerate, "HF accelerate FSDP loop (FSDP under no_sync)"},
    {"lightning", Framework::kLightning, "Lightning Fabric / LitGPT (FSDP under no_sync)"},
    {"deepspeed", Framework::kDeepspeed,
     "DeepSpeed engine (ZeRO 1-3, offload), also under the HF Trainer (--deepspeed)"},
    {"megatron", Framework::kMegatron,
     "Megatron-Core / NeMo with Transformer Engine (fused kernels, TP overlap, fp8)"},
    {"megatron-deepspeed", Framework::kMegatronDeepspeed,
     "Megatron-LM 2021-22 / Megatron-DeepSpeed: Apex fused kernels, no TP overlap"},
    {"torchtitan", Framework::kTorchtitan, "torchtitan: FSDP2, torch.compile, float8, async TP"},
    {"torchtune", Framework::kTorchtune,
     "torchtune recipes: pure bf16, optimizer in backward, chunked loss, compile"},
    {"unsloth", Framework::kUnsloth,
     "Unsloth: Triton kernels, offloaded checkpoints, chunked loss"},
    {"fsdp-qlora", Framework::kFsdpQlora, "FSDP + QLoRA (bitsandbytes 4-bit base, FSDP shards)"},
    {"composer", Framework::kComposer, "MosaicML Composer / llm-foundry (FSDP, fused kernels)"},
};
// Names users type for the stacks above.
inline constexpr EnumEntry<Framework> kFrameworkAliases[] = {
    {"nemo", Framework::kMegatron, "NVIDIA NeMo"},
    {"megatron-core", Framework::kMegatron, "Megatron-Core"},
    {"megatron-lm", Framework::kMegatron, "Megatron-LM"},
    {"mcore", Framework::kMegatron, "Megatron-Core"},
    {"hf", Framework::kHfTrainer, "Hugging Face Trainer"},
    {"transformers", Framework::kHfTrainer, "Hugging Face Trainer"},
    {"trl", Framework::kHfTrainer, "TRL trainers (SFTTrainer) on the HF Trainer"},
    {"peft", Framework::kHfTrainer, "PEFT under the HF Trainer"},
    {"axolotl", Framework::kHfTrainer, "axolotl (HF Trainer underneath)"},
    {"llama-factory", Framework::kHfTrainer, "LLaMA-Factory (HF Trainer underneath)"},
    {"litgpt", Framework::kLightning, "LitGPT (Lightning Fabric)"},
    {"fabric", Framework::kLightning, "Lightning Fabric"},
    {"llm-foundry", Framework::kComposer, "llm-foundry (Composer)"},
    {"mosaic", Framework::kComposer, "MosaicML Composer"},
    {"fsdp", Framework::kPytorch, "plain PyTorch FSDP"},
    {"fsdp2", Framework::kTorchtitan, "FSDP2 (fully_shard) as torchtitan runs it"},
    {"bloom", Framework::kMegatronDeepspeed, "BigScience Megatron-DeepSpeed"},
    {"megatron-legacy", Framework::kMegatronDeepspeed, "Megatron-LM before Transformer Engine"},
};

inline constexpr EnumEntry<Objective> kObjectives[] = {
    {"time", Objective::kTime, "shortest training time"},
    {"cost", Objective::kCost, "lowest total cost"},
    {"value", Objective::kValue, "most throughput per dollar"},
    {"energy", Objective::kEnergy, "least energy"},
};

}  // namespace gpuadv::workload
