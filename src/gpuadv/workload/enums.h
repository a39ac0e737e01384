#pragma once
// Registries of the scenario vocabulary (DESIGN.md "Scenario"): one table each,
// serving parsing, --help, listings and "did you mean" (STYLE.md principle 4).
#include "gpuadv/core/enum_table.h"

namespace gpuadv::workload {

enum class Method { kPretrain, kFull, kLora, kQlora, kFreeze };
enum class Precision { kFp32, kFp16Mixed, kBf16Mixed, kBf16, kFp8Mixed };
enum class Optimizer { kAdamW, kAdamW8bit, kPagedAdamW, kPagedAdamW8bit, kSgd, kAdafactor, kLion };
enum class Checkpointing { kNone, kSelective, kFull };
enum class Attention { kFlash, kSdpa, kEager };
enum class Loss { kStandard, kChunked };
enum class Interconnect { kAuto, kPcie, kNvlink };
enum class Offload { kNone, kOptimizer, kOptimizerParams };
enum class Cooling { kAir, kHighAirflow, kLiquid };
enum class Acquire { kBuy, kRent, kEither };
enum class Objective { kTime, kCost, kValue, kEnergy };
enum class Framework { kAuto, kPytorch, kAccelerate, kLightning, kDeepspeed, kMegatron, kComposer };

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
// The training stack, where stacks allocate differently. Today it decides one thing:
// whether FSDP/ZeRO-3 gradient accumulation runs under no_sync (full unsharded gradients
// kept until the last micro-batch: accelerate/HF Trainer and Lightning Fabric by default)
// or reduce-scatters every micro-batch (DeepSpeed, Composer, Megatron, torchtitan).
inline constexpr EnumEntry<Framework> kFrameworks[] = {
    {"auto", Framework::kAuto, "plain PyTorch; FSDP reduce-scatters every micro-batch"},
    {"pytorch", Framework::kPytorch, "plain PyTorch training loop"},
    {"accelerate", Framework::kAccelerate, "HF accelerate / Trainer (FSDP under no_sync)"},
    {"lightning", Framework::kLightning, "Lightning Fabric / LitGPT (FSDP under no_sync)"},
    {"deepspeed", Framework::kDeepspeed, "DeepSpeed"},
    {"megatron", Framework::kMegatron, "Megatron-LM / NeMo"},
    {"composer", Framework::kComposer, "MosaicML Composer / llm-foundry"},
};
inline constexpr EnumEntry<Objective> kObjectives[] = {
    {"time", Objective::kTime, "shortest training time"},
    {"cost", Objective::kCost, "lowest total cost"},
    {"value", Objective::kValue, "most throughput per dollar"},
    {"energy", Objective::kEnergy, "least energy"},
};

}  // namespace gpuadv::workload
