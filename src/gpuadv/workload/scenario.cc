#include "gpuadv/workload/scenario.h"

#include <algorithm>

#include "gpuadv/workload/method_traits.h"

namespace gpuadv::workload {

std::string LoraConfig::TargetList() const {
  std::string out;
  for (const auto& t : targets) out += (out.empty() ? "" : ",") + t;
  return out;
}

int Scenario::DataParallel() const {
  // In 64 bits: degrees up to 10^6 each would overflow int before validation rejects them.
  const long long model_parallel =
      static_cast<long long>(parallelism.tp) * parallelism.pp * parallelism.cp;
  const long long gpus = static_cast<long long>(hardware.count) * hardware.nodes;
  return static_cast<int>(std::clamp(gpus / std::max(1LL, model_parallel), 1LL, 2147483647LL));
}

long long Scenario::GlobalBatch() const {
  const long long per_step = std::max<long long>(1, training.micro_batch) * DataParallel();
  if (training.global_batch <= 0) return per_step;
  // Several GPUs without a layout: the planner chooses one whose data-parallel size and
  // micro-batch divide the batch, so the batch stays as given.
  if (!parallelism.specified && static_cast<long long>(hardware.count) * hardware.nodes > 1)
    return training.global_batch;
  // Whole micro-steps: 17 sequences at micro-batch 2 run as 9 micro-steps = 18.
  return (training.global_batch + per_step - 1) / per_step * per_step;
}

long long Scenario::MicroBatchesPerStep() const {
  const long long per_replica = training.micro_batch * DataParallel();
  return std::max<long long>(1, (GlobalBatch() + per_replica - 1) / per_replica);
}

bool Scenario::MegatronRuntime() const {
  const auto& stack = training.stack;
  return stack.id == Framework::kMegatron || stack.id == Framework::kMegatronDeepspeed ||
         (stack.defaulted &&
          (parallelism.ModelParallel() || training.precision == Precision::kFp8Mixed));
}

unsigned Scenario::FineRecomputeModules() const {
  const bool delayed_fp8 = training.precision == Precision::kFp8Mixed &&
                           training.stack.fp8_recipe == Fp8Recipe::kDelayed;
  unsigned fine = 0;
  if ((model.IsMoe() || model.IsMla()) && !delayed_fp8)
    fine |= static_cast<unsigned>(RecomputeModule::kLayernorm);
  if (model.IsMoe() && !delayed_fp8) fine |= static_cast<unsigned>(RecomputeModule::kMoeAct);
  if (model.IsMla()) fine |= static_cast<unsigned>(RecomputeModule::kMlaUpProj);
  return fine;
}

double Scenario::MegatronGradBytes() const {
  if (training.precision == Precision::kFp32) return 4.0;
  return training.stack.grad_reduce_fp32 && training.precision != Precision::kFp16Mixed ? 4.0 : 2.0;
}

bool Scenario::Fp8Attention() const {
  const auto& gpu = hardware.gpu;
  return training.fp8.attention && training.precision == Precision::kFp8Mixed &&
         training.attention != Attention::kEager && gpu.fp8_support.value_or(false) &&
         gpu.HopperClassDatacenter();
}

bool Scenario::DeepSpeedMixedPrecision() const {
  return !MegatronRuntime() && (training.stack.module_16bit || parallelism.zero == 1 ||
                                parallelism.zero == 2 || parallelism.offload != Offload::kNone);
}

bool Scenario::EagerAutocast() const {
  return IsMixed16(training.precision) && training.stack.kernels == KernelStyle::kEager &&
         !MegatronRuntime() && !DeepSpeedMixedPrecision() && !training.stack.param_cast;
}

bool Scenario::RunsFused(FusedModule module) const {
  if (training.stack.kernels != KernelStyle::kEager || !training.stack.Fuses(module)) return false;
  switch (module) {
    case FusedModule::kRmsNorm:
      return model.norm == catalog::NormKind::kRmsNorm;
    case FusedModule::kRope:
      return model.position == catalog::PositionKind::kRope;
    case FusedModule::kSwiGlu:
      return model.mlp == catalog::MlpKind::kSwiGlu && !(model.swiglu_limit > 0);
  }
  return false;
}

bool Scenario::FusedOptimizer() const {
  return training.stack.fused_optimizer || MegatronRuntime();
}

bool Scenario::FsdpFp32Trainable() const {
  return training.stack.fsdp_fp32_trainable && parallelism.zero == 3 &&
         training.precision == Precision::kBf16;
}

bool Scenario::FsdpPipelineUnsharded() const {
  return parallelism.zero == 3 && parallelism.pp > 1 && training.stack.fsdp_pipeline_unsharded &&
         parallelism.offload != Offload::kOptimizerParams && !MegatronRuntime();
}

bool Scenario::FsdpGradientsUnsynced() const {
  return parallelism.zero == 3 && parallelism.offload != Offload::kOptimizerParams &&
         !MegatronRuntime() && MicroBatchesPerStep() > 1 && !training.optimizer_in_backward &&
         (training.stack.fsdp_no_sync || FsdpPipelineUnsharded());
}

bool Scenario::PureBf16States() const { return training.PureBf16States() && !FsdpFp32Trainable(); }

bool Scenario::KbitFp32Upcast() const {
  return QuantizedBase(training.method) && training.stack.kbit_fp32_upcast;
}

bool Scenario::Fp32FrozenBase() const {
  return training.lora.base_dtype == BaseDtype::kFp32 && AdaptsUnquantisedBase(training.method) &&
         EagerAutocast();
}

bool Scenario::ChunkedLossIs(ChunkedLossKind kind) const {
  return training.loss == Loss::kChunked && training.stack.chunked_loss_kind == kind;
}

}  // namespace gpuadv::workload
