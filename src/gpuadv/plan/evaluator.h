#pragma once
// Evaluation of one candidate (STYLE.md principles 6 and 12): a cheap memory lower bound,
// then the memory estimate, then the throughput estimate. Infeasibility is a value with a
// reason, never an exception (timeloop's EvalStatus).
#include <string>
#include <string_view>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/plan/search_space.h"

namespace gpuadv::plan {

enum class Status {
  kFits,            // fits (or tight, when tight plans are allowed): memory and speed known
  kStatesTooLarge,  // model states alone exceed the GPU (lower bound; no b or ckpt helps)
  kDoesNotFit,      // the full memory estimate exceeds the GPU
  kTight,           // inside the uncertainty range and tight plans were excluded
  kNoThroughput,    // the throughput estimate came back empty
};
inline constexpr EnumEntry<Status> kStatuses[] = {
    {"fits", Status::kFits, "fits the GPU memory"},
    {"states_too_large", Status::kStatesTooLarge,
     "weights, gradients and optimizer state alone exceed the GPU"},
    {"does_not_fit", Status::kDoesNotFit, "states plus activations exceed the GPU"},
    {"tight", Status::kTight, "out-of-memory risk (excluded by --safe)"},
    {"no_throughput", Status::kNoThroughput, "no throughput estimate"},
};

struct Evaluation {
  Status status = Status::kFits;
  double lower_bound_bytes = 0;  // MemoryLowerBoundBytes
  double capacity_bytes = 0;
  estimate::MemoryResult memory;          // set unless kStatesTooLarge
  estimate::ThroughputResult throughput;  // set for kFits
  // kFits: the predicted MFU is above the highest measured on the architecture (data/
  // calibration.yaml measured_mfu); the throughput range is then the category's (C15).
  bool above_measured_mfu = false;
  double measured_mfu_max = 0;  // the ceiling compared with (0 = none known)
  bool Fits() const { return status == Status::kFits; }
  /// "model states need 95.1 GB of 79.6 GB" etc.; built on demand (the hot path never
  /// formats strings).
  std::string Reason() const;
};

/// Evaluates candidates. Contract: thread-safe for concurrent calls with distinct `scratch`
/// scenarios (each a copy of the space's base scenario); never throws for candidates of a
/// space built from a valid scenario.
class Evaluator {
 public:
  /// `restack` (optional, io::RestackDefault): re-chooses a defaulted training stack for
  /// each candidate's layout, so a model-parallel candidate is timed as the stack the
  /// default rule gives it (the one `estimate` then reports).
  /// `base` (optional): the space's base scenario. The memory range of each stack a candidate
  /// can take (estimate::MemoryRange: precision x method x stack x GPU count, all the base's
  /// but the stack) is then looked up once here, not per candidate; a candidate outside that
  /// gets its own lookup. Either way the verdict is EstimateMemory's.
  Evaluator(const estimate::Context& ctx, bool allow_tight,
            void (*restack)(workload::Scenario&) = nullptr,
            const workload::Scenario* base = nullptr);

  /// Applies `c` to `scratch` and evaluates it.
  Evaluation Evaluate(const Candidate& c, workload::Scenario* scratch) const;

  /// Upper bound of the tokens/s of every candidate of group `g` of `space` (and so of
  /// its ranked tokens/s): estimate::TokensPerSUpperBound at the group's largest
  /// micro-batch and lightest recomputation; +inf where no bound is known.
  double TokensPerSUpperBound(const SearchSpace& space, uint32_t g,
                              workload::Scenario* scratch) const;

 private:
  // The memory range of `s`: the precomputed one of its stack when `s` is in the base's
  // category but for the stack, else MemoryRange into `own`.
  const estimate::Range& MemoryRangeOf(const workload::Scenario& s, estimate::Range* own) const;

  estimate::Context ctx_;
  bool allow_tight_;
  void (*restack_)(workload::Scenario&);
  std::vector<estimate::Range> stack_ranges_;  // by workload::Framework; empty without base
  workload::Precision base_precision_{};
  workload::Method base_method_{};
  int base_gpus_ = 0;
};

}  // namespace gpuadv::plan
