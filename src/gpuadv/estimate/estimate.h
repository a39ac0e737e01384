#pragma once
#include <optional>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/core/explain.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/estimate/uncertainty.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate {

/// What the estimators need beside the scenario. Contract: outlives the call; read-only.
struct Context {
  const EfficiencyTable* efficiency = nullptr;  // required
  const catalog::Catalog* catalog = nullptr;    // optional: offers for rental cost
};

/// Memory per GPU (C3). Pure function of the scenario and ctx.efficiency's memory ranges:
/// the range (low_bytes / high_bytes) and the fits / tight verdict come from the scenario's
/// category (estimate::MemoryRange; the fixed +-kMemoryRelativeError with no table or no
/// calibrated ranges), so every front end that asks gets the same verdict. Appends
/// basis/warnings to `explain` when non-null. Never throws for a valid Scenario; "does not
/// fit" is a result.
MemoryResult EstimateMemory(const workload::Scenario& s, const Context& ctx,
                            Explanation* explain = nullptr);

/// Cheap lower bound of per-GPU memory (model states only), for pruning (STYLE principle 6).
double MemoryLowerBoundBytes(const workload::Scenario& s);

/// The lower bound and, when it does not exceed `capacity_bytes`, the full estimate: the
/// same figures as MemoryLowerBoundBytes and EstimateMemory(s, ctx) when `memory_range` is
/// MemoryRange(s, ctx.efficiency) (estimate/uncertainty.h), the setup and model states
/// computed once (the planner's check of each candidate; it looks the range up once per
/// stack, not per candidate).
struct MemoryCheck {
  double lower_bound_bytes = 0;
  std::optional<MemoryResult> memory;  // empty when the lower bound exceeds the capacity
};
MemoryCheck CheckMemory(const workload::Scenario& s, const Range& memory_range,
                        double capacity_bytes);

/// Throughput per step (C4) given the scenario.
ThroughputResult EstimateThroughput(const workload::Scenario& s, const Context& ctx,
                                    Explanation* explain = nullptr);

/// Upper bound of the tokens/s of every micro-batch and checkpointing level of `s`'s layout
/// (the planner's layout groups, STYLE principle 6): the step's tokens over a lower bound of
/// its time, with `s` at the group's largest micro-batch and lightest recomputation;
/// `max_micro_batches`: the micro-batches per step at its smallest micro-batch. +inf when no
/// peak is known. EstimateThroughput never predicts such a step faster (tests/unit/plan
/// checks it on every candidate of several spaces).
double TokensPerSUpperBound(const workload::Scenario& s, long long max_micro_batches,
                            const Context& ctx);

/// Cheap lower bound of the training time in seconds (STYLE principle 6), valid for every
/// layout, micro-batch, checkpointing and stack of `s`'s GPU count, or 0 when none is known
/// (no token count given, no peak rate): the given training tokens at the model FLOPs per
/// token with every GPU at the fastest peak MFU is measured against (EstimateThroughput's
/// compute floor), or where larger, the token's GEMM FLOPs at the architecture's best GEMM
/// rate (peak * gemm_eta_max of ctx.efficiency). No estimate is faster.
double TrainingTimeLowerBound(const workload::Scenario& s, const Context& ctx);

/// The rate an estimate runs a GPU's large 16-bit GEMMs at: eff.gemm_eta_max x the dense
/// 16-bit peak, capped by the board's power (TDP / eff.gemm_pj_per_flop, where both are
/// known). The same cap scales every tensor rate of the estimate (power_scale).
struct SustainedGemm {
  double flops_per_s = 0;            // 0: no 16-bit peak known
  double power_scale = 1;            // < 1: the board's power limit binds
  double unlimited_flops_per_s = 0;  // eta_max x peak: the rate without the power limit
};
SustainedGemm SustainedGemmRate(const catalog::GpuSpec& gpu, const ArchEfficiency& eff);

/// The whole estimate: memory, throughput, training time, energy and cost (C3-C5).
EstimateResult Estimate(const workload::Scenario& s, const Context& ctx,
                        Explanation* explain = nullptr);

}  // namespace gpuadv::estimate
