#pragma once
#include <string>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::io {

/// Reads a scenario map (DESIGN.md "Scenario") and resolves model and GPU in `cat`.
/// `base_dir` resolves relative config.json paths. Throws InputError naming the field.
workload::Scenario ParseScenario(const Doc& doc, const catalog::Catalog& cat,
                                 const std::string& origin, const std::string& base_dir = ".");

/// Reads a scenario file (YAML or JSON).
workload::Scenario LoadScenarioFile(const std::string& path, const catalog::Catalog& cat);

/// The embedded default scenario (data/scenarios/default.yaml).
Doc DefaultScenarioDocument();

/// Applies `key=value` overrides (dotted scenario paths, values in YAML syntax) to a
/// scenario document before ParseScenario: the CLI flags map onto these. Overriding
/// training.tokens removes training.dataset and the other way round.
void ApplyOverride(Doc& doc, const std::string& dotted_key, const std::string& value);

/// Checks cross-field consistency (tp*pp*cp divides GPUs, heads divisible by tp, LoRA rank
/// at most the hidden size, a GPU with a compute peak, ...). Throws InputError naming the
/// field.
void ValidateScenario(const workload::Scenario& s);

/// Throws InputError(field, gpu id) when `gpu` has no compute peak (no 16-bit tensor and no
/// FP32 rate): its step time, training time and cost would be 0, not estimates.
void CheckComputePeak(const catalog::GpuSpec& gpu, const std::string& field);

}  // namespace gpuadv::io
