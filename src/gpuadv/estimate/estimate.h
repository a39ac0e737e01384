#pragma once
#include "gpuadv/catalog/catalog.h"
#include "gpuadv/core/explain.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate {

/// What the estimators need beside the scenario. Contract: outlives the call; read-only.
struct Context {
  const EfficiencyTable* efficiency = nullptr;  // required
  const catalog::Catalog* catalog = nullptr;    // optional: offers for rental cost
};

/// Memory per GPU (C3). Pure function of the scenario; appends basis/warnings to `explain`
/// when non-null. Never throws for a valid Scenario; "does not fit" is a result.
MemoryResult EstimateMemory(const workload::Scenario& s, Explanation* explain = nullptr);

/// Cheap lower bound of per-GPU memory (model states only), for pruning (STYLE principle 6).
double MemoryLowerBoundBytes(const workload::Scenario& s);

/// Throughput per step (C4) given the scenario.
ThroughputResult EstimateThroughput(const workload::Scenario& s, const Context& ctx,
                                    Explanation* explain = nullptr);

/// The whole estimate: memory, throughput, training time, energy and cost (C3-C5).
EstimateResult Estimate(const workload::Scenario& s, const Context& ctx,
                        Explanation* explain = nullptr);

}  // namespace gpuadv::estimate
