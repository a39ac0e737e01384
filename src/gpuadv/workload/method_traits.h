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

/// How a method's adapters differ from plain LoRA (a low-rank A and B per adapted linear,
/// Hu et al. 2021): what the engines' configs switch on and what the estimators add, per
/// adapted linear of d_in x d_out. All zero / false for LoRA and QLoRA and for methods
/// without adapters.
struct AdapterVariant {
  /// Weight-decomposed adapters (DoRA, Liu et al. 2024, arXiv 2402.09353): PEFT LoraConfig
  /// `use_dora` (hf-trainer lora_config.json), axolotl `peft_use_dora`, torchtune's lora_*
  /// builders' `use_dora`.
  bool weight_decomposed;
  /// Trained parameters per output feature besides A and B (DoRA: its magnitude vector).
  double params_per_output;
  /// Activation elements saved per token and output feature besides LoRA's own, in the
  /// adapter output dtype (DoRA: the base and adapter outputs its magnitude scale multiplies).
  double saved_per_output;
  /// Weight-sized temporaries each forward builds per adapted linear, one linear at a time
  /// (DoRA: B·A and W + s·B·A for the column norm): a forward transient and memory traffic.
  double weight_temporaries;
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
  AdapterVariant adapter;
};

inline constexpr AdapterVariant kPlainAdapters{false, 0, 0, 0};  // none, or plain LoRA

inline constexpr MethodTraits kMethodTraits[] = {
    {Method::kPretrain, Trained::kAllWeights, false, true, kPlainAdapters},
    {Method::kFull, Trained::kAllWeights, false, false, kPlainAdapters},
    {Method::kLora, Trained::kAdapters, false, false, kPlainAdapters},
    {Method::kQlora, Trained::kAdapters, true, false, kPlainAdapters},
    {Method::kFreeze, Trained::kLastLayers, false, false, kPlainAdapters},
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
/// Adapters over a frozen base held unquantised (LoRA and its variants, not QLoRA): the base
/// whose dtype `training.lora.base_dtype` says.
constexpr bool AdaptsUnquantisedBase(Method m) { return TrainsAdapters(m) && !QuantizedBase(m); }
constexpr const AdapterVariant& Adapter(Method m) { return Traits(m).adapter; }

/// Trained parameters of the adapter on one d_in x d_out linear at rank r (LoRA: r(d_in +
/// d_out); a variant adds its per-output parameters). Memory and throughput both count it.
constexpr double AdapterParams(Method m, double r, double d_in, double d_out) {
  return r * (d_in + d_out) + Adapter(m).params_per_output * d_out;
}

}  // namespace gpuadv::workload
