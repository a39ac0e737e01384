// Which plans each engine can launch, and the dispatch to the writers.
#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/export/writers.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::launch {
namespace {

using workload::Checkpointing;
using workload::Offload;

bool DataParallelOnly(Engine e) {
  return e == Engine::kDeepSpeed || e == Engine::kAccelerateFsdp || e == Engine::kTorchtune ||
         e == Engine::kAxolotl || e == Engine::kHfTrainer;
}

}  // namespace

workload::Framework EngineStack(Engine engine) {
  using workload::Framework;
  switch (engine) {
    case Engine::kDeepSpeed:
      return Framework::kDeepspeed;
    case Engine::kAccelerateFsdp:
      return Framework::kAccelerate;
    case Engine::kTorchrun:
    case Engine::kMegatron:
      return Framework::kMegatron;
    case Engine::kMegatronDeepSpeed:
      return Framework::kMegatronDeepspeed;
    case Engine::kTorchtune:
      return Framework::kTorchtune;
    case Engine::kAxolotl:  // axolotl runs the HF Trainer (workload::kFrameworkAliases)
    case Engine::kHfTrainer:
      return Framework::kHfTrainer;
  }
  return Framework::kPytorch;
}

plan::SpaceOptions SpaceFor(Engine engine, const workload::Scenario& s) {
  plan::SpaceOptions o;
  if (engine == Engine::kMegatronDeepSpeed) {
    // DeepSpeed pipelines (1F1B, no interleaving) partition any layer count; tp and dp
    // with ZeRO 0-1; whole-layer checkpointing; no offload.
    o.allow_vpp = o.allow_cp = o.allow_ep = o.allow_sp = o.allow_hsdp = false;
    o.zero_stages = 0b0011;
    o.checkpointing = {Checkpointing::kNone, Checkpointing::kFull};
    o.fallback_offloads = {};
    return o;
  }
  if (DataParallelOnly(engine)) {
    // Hugging Face Trainer / accelerate scripts: data parallel with ZeRO or FSDP; the
    // model's gradient_checkpointing is per layer (full) only.
    o.max_tp = 1;
    o.allow_pp = o.allow_vpp = o.allow_cp = o.allow_ep = o.allow_sp = false;
    o.checkpointing = {Checkpointing::kNone, Checkpointing::kFull};
    if (engine == Engine::kTorchtune) {
      // Single-device recipes: no sharding; distributed recipes: FSDP2 (ZeRO-2/3), whose CPU
      // offload moves parameters, gradients and optimizer together.
      o.zero_stages = s.hardware.TotalGpus() > 1 ? 0b1100 : 0b0001;
      o.offload_zero_stages = 0b1000;
      o.fallback_offloads = {Offload::kOptimizerParams};
    } else if (engine == Engine::kAxolotl) {
      // DDP, DeepSpeed (ZeRO-1, optimizer offload) or FSDP2 (ZeRO-2/3, HSDP).
    } else if (engine == Engine::kHfTrainer) {
      // DDP, DeepSpeed (ZeRO-1, optimizer offload) or accelerate FSDP (ZeRO-2/3; its hybrid
      // sharding is one group per node only, so no HSDP search).
      o.allow_hsdp = false;
    } else if (engine == Engine::kDeepSpeed) {
      o.allow_hsdp = false;
    } else {
      o.zero_stages = 0b1101;  // NO_SHARD, SHARD_GRAD_OP, FULL_SHARD (no ZeRO-1 in FSDP)
      o.fallback_offloads = {Offload::kOptimizerParams};  // FSDP offload is all or nothing
    }
    return o;
  }
  // Megatron-LM: distributed optimizer (ZeRO-1) or Megatron FSDP (ZeRO-2/3, no PP); CPU
  // optimizer offload only with the distributed optimizer; no HSDP; EP not with fp16.
  o.allow_hsdp = false;
  o.offload_zero_stages = 0b0010;
  o.fallback_offloads = {Offload::kOptimizer};
  if (s.training.precision == workload::Precision::kFp16Mixed) o.allow_ep = false;
  return o;
}

std::optional<std::string> Unsupported(Engine engine, const workload::Scenario& s) {
  const auto& p = s.parallelism;
  const std::string name(EnumName(kEngines, engine));
  if (DataParallelOnly(engine)) {
    if (p.tp > 1 || p.pp > 1 || p.cp > 1 || p.ep > 1 || p.sequence_parallel)
      return name + " runs data parallel only (tp = pp = cp = ep = 1); use megatron or torchrun";
    if (s.training.activation_checkpointing == Checkpointing::kSelective)
      return name + " checkpoints whole layers (activation_checkpointing: full or none)";
    if (engine == Engine::kTorchtune) return TorchtuneUnsupported(s);
    if (engine == Engine::kAxolotl) return AxolotlUnsupported(s);
    if (engine == Engine::kHfTrainer) return HfTrainerUnsupported(s);
    if (engine == Engine::kAccelerateFsdp) {
      if (p.zero == 1) return "FSDP has no ZeRO-1 stage (zero: 0, 2 or 3)";
      if (p.offload == Offload::kOptimizer)
        return "FSDP offloads parameters, gradients and optimizer together "
               "(offload: optimizer+params)";
      if (p.shard_group > 0 && p.shard_group != s.hardware.count)
        return "accelerate HYBRID_SHARD shards within one node (shard_group = hardware.count)";
    } else if (p.shard_group > 0) {
      return "DeepSpeed has no HSDP shard group (shard_group: 0)";
    }
    if (p.offload == Offload::kOptimizerParams && p.zero < 3)
      return "parameter offload needs ZeRO-3";
    if (p.offload != Offload::kNone && p.zero == 0) return "offload needs ZeRO 1-3";
    return std::nullopt;
  }
  if (engine == Engine::kMegatronDeepSpeed) return MegatronDeepSpeedUnsupported(s);
  if (s.model.kind != catalog::ModelKind::kDecoder || !s.model.has_shape())
    return name + " exports GPT-style decoders with a known shape (pretrain_gpt.py)";
  if (!workload::TrainsAllWeights(s.training.method))
    return "Megatron-LM trains all weights (method: pretrain or full)";
  if (s.model.position == catalog::PositionKind::kAlibi)
    return "Megatron-LM has no ALiBi position embedding (megatron-deepspeed has)";
  if (p.shard_group > 0) return "Megatron-LM has no HSDP shard group here (shard_group: 0)";
  if (p.zero >= 2 && p.pp > 1)
    return "Megatron FSDP (zero 2/3) does not combine with pipeline parallel";
  if (p.offload == Offload::kOptimizerParams || (p.offload == Offload::kOptimizer && p.zero != 1))
    return "Megatron-LM offloads the optimizer with the distributed optimizer only "
           "(zero: 1, offload: optimizer)";
  if (p.ep > 1 && s.training.precision == workload::Precision::kFp16Mixed)
    return "Megatron-LM expert parallel does not support fp16";
  return std::nullopt;
}

LaunchConfig Export(Engine engine, const workload::Scenario& s) {
  if (auto why = Unsupported(engine, s))
    throw InputError("--engine", std::string(EnumName(kEngines, engine)),
                     "an engine that can launch this plan", *why);
  switch (engine) {
    case Engine::kDeepSpeed:
      return WriteDeepSpeed(s);
    case Engine::kAccelerateFsdp:
      return WriteAccelerateFsdp(s);
    case Engine::kTorchrun:
      CheckPipelineSplit(s);
      return WriteTorchrun(s);
    case Engine::kMegatron:
      CheckPipelineSplit(s);
      return WriteMegatron(s);
    case Engine::kMegatronDeepSpeed:
      return WriteMegatronDeepSpeed(s);
    case Engine::kTorchtune:
      return WriteTorchtune(s);
    case Engine::kAxolotl:
      return WriteAxolotl(s);
    case Engine::kHfTrainer:
      return WriteHfTrainer(s);
  }
  return WriteDeepSpeed(s);
}

}  // namespace gpuadv::launch
