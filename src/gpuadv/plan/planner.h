#pragma once
// `plan SCENARIO --gpus N` (C9): the fastest plans that fit on N GPUs of the scenario's
// type. Builds the SearchSpace, drives a SearchStrategy (ask/tell) over an Evaluator on all
// cores, and keeps the top K. Results are raw numbers; report/plan_report prints them.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/plan/candidate.h"
#include "gpuadv/plan/search_space.h"
#include "gpuadv/plan/strategy.h"

namespace gpuadv::plan {

struct PlanOptions {
  int gpus = 1;
  int top_k = 5;
  StrategyKind strategy = StrategyKind::kPruned;
  int threads = 0;               // 0 = every hardware thread; 1 = the calling thread only
  bool allow_tight = true;       // accept plans inside the memory estimate's uncertainty
  bool prefer_tight = false;     // rank tight plans with the clear fits (default: after them)
  bool offload_fallback = true;  // when nothing fits, search again with space.fallback_offloads
  // Branch and bound on one thread (SearchStrategy::SetGroupBounds): drop layout groups
  // whose tokens/s bound is below the top_k-th clear fit. The plans are those of the search
  // without it; only the counts of evaluated and rejected candidates shrink.
  bool bound_groups = true;
  SpaceOptions space;
};

/// One plan: the candidate and its estimates.
struct Plan {
  Candidate candidate;
  estimate::MemoryResult memory;
  estimate::ThroughputResult throughput;
  // Ranking (issue 11 "a planner that cannot exploit the model", issue 18 "plans that will
  // run"): plans that fit with margin rank before tight ones (unless prefer_tight), then by
  // `ranked_tokens_per_s`: the predicted tokens/s, or for a plan predicted above the
  // architecture's highest measured MFU (`above_measured_mfu`) the pessimistic end of its
  // range, so the search cannot win on the model's optimism.
  int fit_rank = 0;  // 0 ranks first
  double ranked_tokens_per_s = 0;
  bool above_measured_mfu = false;
  double measured_mfu_max = 0;  // the ceiling it was compared with (0 = none known)
  // The job at this plan (issue 12: `plan` prints time, GPU-hours and cost of every plan):
  // what `estimate` gives the planned scenario; filled by AddJobFigures.
  std::optional<estimate::TrainingResult> training;
  std::optional<estimate::CostResult> cost;
};

/// Fills the ranking fields of `p` (fit_rank, ranked_tokens_per_s) from its estimates and
/// above_measured_mfu / measured_mfu_max (set from the Evaluation).
void RankPlan(bool prefer_tight, Plan* p);

struct PlanReport {
  // What was planned.
  std::string model;  // id, or the model_ref for inline / config.json models
  std::string gpu_id;
  std::string gpu_name;
  int gpus = 1;
  int gpus_per_node = 1;
  int nodes = 1;
  long long seq_len = 0;
  long long global_batch = 0;
  bool global_batch_assumed = false;
  // How it was searched.
  std::string strategy;
  int threads = 1;
  uint64_t space_size = 0;                                 // candidates in the space
  uint64_t evaluated = 0;                                  // candidates evaluated (memory checked)
  uint64_t throughput_evaluated = 0;                       // of those, with a throughput estimate
  uint64_t fitting = 0;                                    // of those, plans that fit
  double seconds = 0;                                      // wall time of the search
  bool offload_used = false;                               // no plan fitted without offload
  std::vector<std::pair<std::string, uint64_t>> rejected;  // Status name -> count
  std::vector<std::string> notes;
  int idle_gpus = 0;  // GPUs of the count asked for that no layout could use (issue 12)
  // The result, fastest first (ties: the earlier candidate in space order).
  std::vector<Plan> plans;
};

/// Fills each plan's training time, GPU-hours, energy and cost: the estimate of `s` at the
/// plan (PlannedScenario, restacked as the search evaluated it: `restack` as in
/// SpaceOptions) with the catalog's offers in `ctx`.
void AddJobFigures(const workload::Scenario& s, const estimate::Context& ctx,
                   void (*restack)(workload::Scenario&), PlanReport* r);

/// Searches `s` on `opt.gpus` GPUs. Throws InputError for a bad GPU count or top_k < 1;
/// "nothing fits" is an empty `plans` with the rejection counts.
PlanReport Search(const workload::Scenario& s, const estimate::Context& ctx,
                  const PlanOptions& opt);

/// The broken invariants of a search result, one line each (empty when all hold): every
/// plan fits, has positive finite memory and throughput and 0 <= MFU <= 1, and the plans
/// are ordered fastest first. Checked on every search with GPUADV_CHECK_INVARIANTS.
std::vector<std::string> CheckPlans(const PlanReport& rep);

/// The scenario a plan describes: `s` on the plan's GPUs with its knobs applied.
workload::Scenario PlannedScenario(const workload::Scenario& s, int gpus, const Plan& p,
                                   long long global_batch);

/// `s` laid out by the fastest plan of `r` on the report's GPUs and global batch, which is
/// recorded as a default where the scenario gave none (micro_batch x GPUs, on several
/// GPUs): every front end that lets the planner choose (estimate, recommend, export, the
/// API and page) then estimates the steps the plan was ranked on, not micro_batch x the
/// plan's data-parallel size. `r` must hold a plan.
workload::Scenario BestPlanned(const workload::Scenario& s, const PlanReport& r);

}  // namespace gpuadv::plan
