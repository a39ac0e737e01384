#pragma once
// What each training method trains, stores and computes (issue 13 item 3). The memory and
// throughput estimators, the exports, the fit suggestions and the descriptions ask this one
// table instead of testing Method values, so a new method is one row here (plus its name in
// enums.h) rather than a test in every file that cares.
#include <iterator>

#include "gpuadv/workload/enums.h"

namespace gpuadv::workload {

/// Which weights receive gradients and optimizer state (MODELLING.md section 1).
enum class Trained {
  kAllWeights,  ///< every weight trains (pretraining, full fine-tune)
  kLastLayers,  ///< only the top k layers train; backpropagation stops below them
  kAdapters,    ///< a frozen base and low-rank adapters (LoRA, Hu et al. 2021)
};

struct MethodTraits {
  Method method;
  Trained trained;
  /// The frozen base is stored quantized by bitsandbytes (QLoRA: NF4 + double quant,
  /// Dettmers et al. 2023). bitsandbytes layers are not split by tensor or pipeline
  /// parallelism and run on CUDA only.
  bool quantized_base;
  /// Random initialisation, no pretrained checkpoint: tokens default to Chinchilla-optimal
  /// and fine-tuning recipes (torchtune, axolotl) do not apply.
  bool from_scratch;
};

inline constexpr MethodTraits kMethodTraits[] = {
    {Method::kPretrain, Trained::kAllWeights, false, true},
    {Method::kFull, Trained::kAllWeights, false, false},
    {Method::kLora, Trained::kAdapters, false, false},
    {Method::kQlora, Trained::kAdapters, true, false},
    {Method::kFreeze, Trained::kLastLayers, false, false},
};

namespace detail {
constexpr bool TraitsInEnumOrder() {
  int i = 0;
  for (const auto& t : kMethodTraits)
    if (static_cast<int>(t.method) != i++) return false;
  return i == static_cast<int>(std::size(kMethods));
}
}  // namespace detail
static_assert(detail::TraitsInEnumOrder(), "kMethodTraits: one row per Method, in enum order");

constexpr const MethodTraits& Traits(Method m) { return kMethodTraits[static_cast<int>(m)]; }
constexpr bool TrainsAdapters(Method m) { return Traits(m).trained == Trained::kAdapters; }
constexpr bool TrainsAllWeights(Method m) { return Traits(m).trained == Trained::kAllWeights; }
constexpr bool TrainsLastLayers(Method m) { return Traits(m).trained == Trained::kLastLayers; }
constexpr bool QuantizedBase(Method m) { return Traits(m).quantized_base; }

}  // namespace gpuadv::workload
