#pragma once
// Make it fit (C8): the knob combinations that make a scenario fit its GPU, ordered by the
// speed they cost, each with its resulting memory and time.
#include <string>
#include <vector>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

struct FitOptions {
  bool allow_shorter_seq = false;  // sequence length is part of the job: only when allowed
  int max_changes = 3;             // knobs combined at most
  int top_n = 10;
};

/// One knob setting, e.g. {group "optimizer", "optimizer: adamw -> paged-adamw-8bit"}.
struct KnobChange {
  std::string group;         // attention | loss | optimizer | checkpointing | micro_batch |
                             // method | precision | zero | offload | gpus | seq_len
  std::string description;   // "<knob>: <from> -> <to>"
  std::string effect;        // what it trades ("recomputes each layer: ~+33% compute")
  bool changes_job = false;  // changes what is trained (method, sequence length) or numerics
};

/// A set of changes that makes the job fit.
struct FitOption {
  std::vector<KnobChange> changes;
  estimate::EstimateResult estimate;
  double slowdown = 0;  // GPU-hours / baseline GPU-hours - 1 (negative = faster)
};

struct FitResult {
  std::string gpu_id;
  estimate::EstimateResult baseline;
  bool already_fits = false;
  std::vector<FitOption> options;  // fewest GPU-hours first; minimal sets only
  int evaluated = 0;               // memory estimates run
};

/// Searches knob combinations for `s` on its hardware (STYLE principle 12: the knob table
/// proposes, the estimator evaluates). Never throws for a valid scenario.
FitResult MakeItFit(const workload::Scenario& s, const estimate::Context& ctx,
                    const FitOptions& opt);

}  // namespace gpuadv::advise
