#include "gpuadv/workload/stack.h"

#include "gpuadv/catalog/module_names.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::workload {
namespace {

// Pretraining beyond one 8-GPU node is Megatron-Core / NeMo territory (the published
// large runs of ../validation: Megatron-LM, NeMo, Megatron-DeepSpeed); on one node people
// run plain PyTorch (nanoGPT, litgpt, torchtitan-style FSDP).
constexpr int kOneNodeGpus = 8;

}  // namespace

unsigned PerOpRecomputedSlots(bool gated_mlp, bool biased) {
  using namespace catalog;
  if (biased) return 0;
  const unsigned call_order[] = {kSlotQ,  kSlotK,   kSlotV, kSlotO, gated_mlp ? kSlotGate : 0u,
                                 kSlotUp, kSlotDown};
  unsigned recomputed = 0;
  int mm_count = 0;
  for (unsigned slot : call_order) {
    if (slot == 0) continue;
    if (++mm_count % 2 == 0) recomputed |= slot;
  }
  return recomputed;
}

std::vector<std::string_view> RecomputeModuleList(unsigned modules) {
  std::vector<std::string_view> out;
  for (const auto& e : kRecomputeModules)
    if ((modules & static_cast<unsigned>(e.value)) != 0) out.push_back(e.name);
  return out;
}

std::string RecomputeModuleNames(unsigned modules, std::string_view sep) {
  std::string out;
  for (std::string_view name : RecomputeModuleList(modules)) {
    if (!out.empty()) out += sep;
    out += name;
  }
  return out;
}

Framework DefaultFramework(Method method, Precision precision, int total_gpus,
                           bool model_parallel) {
  if (precision == Precision::kFp8Mixed || model_parallel) return Framework::kMegatron;
  if (Traits(method).from_scratch)
    return total_gpus > kOneNodeGpus ? Framework::kMegatron : Framework::kPytorch;
  return Framework::kHfTrainer;
}

std::string_view DefaultFrameworkReason(Method method, Precision precision, int total_gpus,
                                        bool model_parallel) {
  if (precision == Precision::kFp8Mixed) return "fp8 training runs on Transformer Engine";
  if (model_parallel) return "tensor / pipeline / context / expert parallelism";
  if (Traits(method).from_scratch)
    return total_gpus > kOneNodeGpus ? "pretraining beyond one node" : "pretraining on one node";
  return "fine-tuning";
}

}  // namespace gpuadv::workload
