#include "gpuadv/api/schema.h"

#include <string>

#include "gpuadv/api/requests.h"
#include "gpuadv/core/enum_table.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/workload/enums.h"
#include "gpuadv/workload/limits.h"
#include "gpuadv/workload/method_traits.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::api {
namespace {

using nlohmann::json;

template <typename E, size_t N>
json Choices(const EnumEntry<E> (&table)[N]) {
  json out = json::array();
  for (const auto& e : table) out.push_back({{"name", e.name}, {"help", e.help}});
  return out;
}

// The training methods with what the form needs of their traits: "adapters" (the LoRA
// inputs apply), from workload::kMethodTraits.
json Methods() {
  json out = json::array();
  for (const auto& e : workload::kMethods)
    out.push_back(
        {{"name", e.name}, {"help", e.help}, {"adapters", workload::TrainsAdapters(e.value)}});
  return out;
}

// The value a bare scenario takes for a limited key (null: unset, the engine decides).
json DefaultOf(std::string_view key) {
  const workload::Scenario d;
  const RecommendOptions r;
  if (key == "training.seq_len") return d.training.seq_len;
  if (key == "training.micro_batch") return d.training.micro_batch;
  if (key == "training.lora.rank") return d.training.lora.rank;
  if (key == "hardware.count") return d.hardware.count;
  if (key == "hardware.nodes") return d.hardware.nodes;
  if (key == "parallelism.zero") return d.parallelism.zero;
  if (key == "constraints.electricity_usd_per_kwh") return d.constraints.electricity_usd_per_kwh;
  if (key == "months") return r.months;
  if (key == "hours-per-month") return r.hours_per_month;
  return nullptr;
}

json Limits(std::span<const workload::FieldLimit> limits) {
  json out = json::array();
  for (const auto& l : limits)
    out.push_back({{"key", l.key},
                   {"label", l.label},
                   {"min", l.min},
                   {"max", l.max},
                   {"integer", l.integer},
                   {"unit", l.unit},
                   {"default", DefaultOf(l.key)}});
  return out;
}

// On/off knobs of the diffusion inputs, with the value a bare scenario takes.
json Switches() {
  const workload::DiffusionConfig d;
  auto entry = [](const char* key, const char* help, bool dflt) {
    return json{{"key", key}, {"help", help}, {"default", dflt}};
  };
  return json::array(
      {entry("training.diffusion.cache_latents", "VAE latents cached: the VAE is not resident",
             d.cache_latents),
       entry("training.diffusion.cache_text_embeddings",
             "text embeddings cached: the text encoders are not resident", d.cache_text_embeddings),
       entry("training.diffusion.train_text_encoders", "text encoders train (full fine-tune)",
             d.train_text_encoders),
       entry("training.diffusion.ema",
             "an fp32 EMA copy of the trained weights, updated every optimizer step "
             "(diffusers --use_ema): 4 B per trained parameter",
             d.ema)});
}

}  // namespace

json SchemaJson() {
  json enums = {
      {"training.method", Methods()},
      {"training.precision", Choices(workload::kPrecisions)},
      {"training.optimizer", Choices(workload::kOptimizers)},
      {"training.activation_checkpointing", Choices(workload::kCheckpointings)},
      {"training.framework", Choices(workload::kFrameworks)},
      {"training.loss", Choices(workload::kLosses)},
      {"training.lora.base_dtype", Choices(workload::kBaseDtypes)},
      {"training.attention", Choices(workload::kAttentions)},
      {"parallelism.offload", Choices(workload::kOffloads)},
      {"hardware.interconnect", Choices(workload::kInterconnects)},
      {"system.cooling", Choices(workload::kCoolings)},
      {"constraints.acquire", Choices(workload::kAcquires)},
      {"objective", Choices(workload::kObjectives)},
      {"engine", Choices(launch::kEngines)},
  };
  return {{"enums", std::move(enums)},
          {"limits", Limits(workload::kFieldLimits)},
          {"options", Limits(workload::kOptionLimits)},
          {"switches", Switches()},
          {"not_modelled", json::array()}};
}

}  // namespace gpuadv::api
