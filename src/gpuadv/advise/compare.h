#pragma once
// `compare ID ID ...`: specs side by side and the scenario's estimate on each, with the
// reason each GPU wins or loses for this job.
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

struct CompareEntry {
  const catalog::GpuSpec* gpu = nullptr;
  estimate::EstimateResult estimate;  // the scenario with hardware.gpu = this GPU
  std::string verdict;                // "wins" | "loses" | "ties"
  std::vector<std::string> reasons;   // why, in this job's terms
};

struct CompareResult {
  std::vector<CompareEntry> entries;  // in the order given
  std::string summary;                // one line: the winner and the deciding factor
};

/// Estimates `s` on each GPU (hardware.count and parallelism kept) and explains the
/// differences: fit first (a GPU that does not fit loses), then time, then price.
CompareResult Compare(const workload::Scenario& s, const std::vector<const catalog::GpuSpec*>& gpus,
                      const estimate::Context& ctx);

}  // namespace gpuadv::advise
