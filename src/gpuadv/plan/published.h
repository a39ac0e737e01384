#pragma once
// Planner vs published configuration (issue 4 item 3): for a scenario that states the
// parallel layout a published large-scale run used, estimate that layout and search the
// best plan on the same GPUs with the same global batch and sequence length. `validate`
// reports whether the planner's best is at least as fast.
#include <optional>
#include <string>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/plan/planner.h"

namespace gpuadv::plan {

struct PublishedComparison {
  int gpus = 1;
  estimate::MemoryResult published_memory;  // the published layout, as estimated
  estimate::ThroughputResult published_throughput;
  std::optional<Plan> best;  // the planner's best plan (none when nothing fits)
  uint64_t space_size = 0;
  uint64_t evaluated = 0;
  double seconds = 0;
  /// best tokens/s over the published layout's predicted tokens/s (0 when either is absent).
  double speedup = 0;
  /// The planner's best plan is at least as fast as the published layout (predicted).
  bool at_least_as_fast = false;
  /// Where the predicted gain comes from (issue 11: a gain without a mechanism is the
  /// model's error): the step-time term (compute, memory, communication, bubble, offload)
  /// whose seconds per token fall most from the published layout to the best plan, and that
  /// fall as a share of the published seconds per token. Empty when there is no gain.
  std::string gain_term;
  double gain_term_share = 0;
};

/// Contract: `s` is a resolved scenario whose `parallelism` is the published layout and
/// whose hardware is the published cluster. Throws InputError only for a GPU count the
/// planner cannot split (never for a published layout the estimator finds too large: that
/// is published_memory.fit).
PublishedComparison CompareWithPublished(const workload::Scenario& s, const estimate::Context& ctx,
                                         const PlanOptions& opt = {});

}  // namespace gpuadv::plan
