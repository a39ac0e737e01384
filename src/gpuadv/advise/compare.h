#pragma once
// `compare ID ID ...`: specs side by side and the scenario's estimate on each, with the
// reason each GPU wins or loses for this job.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

struct CompareEntry {
  const catalog::GpuSpec* gpu = nullptr;
  int count = 1;                      // GPUs of this kind in one machine
  std::string label;                  // "rtx-4090", or "2x rtx-3090" for a count
  estimate::EstimateResult estimate;  // the scenario with hardware.gpu = this GPU
  std::string verdict;                // "wins" | "loses" | "ties"
  std::vector<std::string> reasons;   // why, in this job's terms
  // The sustained 16-bit GEMM rate (FLOP/s) where the board's power limits it below its
  // datasheet peak (estimate::SustainedGemmRate); nullopt where it does not.
  std::optional<double> power_limited_gemm_flops;
};

struct CompareResult {
  std::vector<CompareEntry> entries;  // in the order given
  std::string summary;                // one line: the winner and the deciding factor
};

/// One GPU kind to compare, with how many of it (0: the scenario's hardware.count).
struct CompareItem {
  const catalog::GpuSpec* gpu = nullptr;
  int count = 0;
};

/// Estimates `s` on each GPU and explains the differences: fit first (a GPU that does not
/// fit loses), then time, then price. With a count, the job runs on that many GPUs of one
/// machine at the planner's layout for them (issue 12: `compare 2x rtx-3090 1x rtx-4090`;
/// `restack` re-chooses a defaulted stack for it) unless the scenario gives a layout;
/// without, hardware.count and parallelism are the scenario's.
CompareResult Compare(const workload::Scenario& s, const std::vector<CompareItem>& items,
                      const estimate::Context& ctx, void (*restack)(workload::Scenario&) = nullptr);

}  // namespace gpuadv::advise
