#pragma once
// Recommend (C6): rank every catalog GPU x count x acquisition for a scenario under its
// constraints, explain each pick and each exclusion, and give the time-vs-cost front.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/advise/compatibility.h"
#include "gpuadv/advise/cost.h"
#include "gpuadv/advise/platform.h"
#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

/// What the advisor reads besides the scenario. Contract: outlives the call; read-only.
struct Inputs {
  const catalog::Catalog* catalog = nullptr;              // required
  const estimate::EfficiencyTable* efficiency = nullptr;  // required
  const PlatformData* platforms = nullptr;                // optional (hosts, CPUs)
  // Re-chooses a defaulted training stack after the GPU count changed (io::RestackDefault);
  // optional: without it a configuration keeps the stack the scenario resolved to.
  void (*restack)(workload::Scenario&) = nullptr;
};

struct RecommendOptions {
  int top_n = 5;
  std::optional<double> min_vram_gb;  // constraint beside the scenario's
  CostOptions cost;
  std::vector<int> counts = {1, 2, 4, 8};  // GPUs per node tried
  int max_nodes = 128;                     // whole 8-GPU nodes, doubled while needed
  // GPUs searched side by side (0 = every hardware thread; 1 = the calling thread only).
  // The result does not depend on it: each GPU is searched on its own copy of the scenario
  // and the results are merged in catalog order.
  int threads = 0;
  // Settle configurations whose training time bound (estimate::TrainingTimeLowerBound)
  // misses the deadline without planning them. The result does not depend on it, except
  // RecommendResult::estimates / bounded; off only to check that.
  bool deadline_bound = true;
};

/// One ranked configuration.
struct Pick {
  const catalog::GpuSpec* gpu = nullptr;
  int count = 1;  // per node
  int nodes = 1;
  Acquisition acquisition;
  workload::Parallelism parallelism;  // as estimated (chosen when the scenario had none)
  estimate::EstimateResult estimate;
  JobCost cost;
  Compatibility compatibility;  // applies only to purchases
  double objective_value = 0;   // in the objective's unit (see ObjectiveUnit), lower is better
  // What ranks it (issue 11 item 5): objective_value, or for an estimate that is not
  // validated (estimate.unvalidated) the objective at the slow end of its range.
  double ranked_objective = 0;
  double score = 0;  // best / this, in (0, 1]; 1 = rank 1
  int rank = 0;
  std::vector<std::string> why;
};

struct Exclusion {
  std::string gpu;
  std::string reason;
};

/// A feasible configuration on the time-vs-cost plane.
struct TradeoffPoint {
  std::string gpu;
  int count = 1;
  int nodes = 1;
  AcquireKind kind = AcquireKind::kBuy;
  std::string offer;
  double time_s = 0;
  double cost_usd = 0;  // total out of pocket for the job
  bool on_front = false;
};

struct RecommendResult {
  workload::Objective objective = workload::Objective::kValue;
  std::vector<Pick> picks;  // top N, best first
  std::vector<Exclusion> excluded;
  std::vector<std::string> advice;
  std::vector<TradeoffPoint> points;  // every feasible configuration
  int candidates = 0;                 // configurations considered
  int estimates = 0;                  // full estimates run
  // Configurations the training time bound showed over the deadline on every layout, so
  // neither planned nor estimated (estimate::TrainingTimeLowerBound).
  int bounded = 0;
  // Layouts the planner evaluated (memory checked) over all configurations: the search's
  // work, for benchmarks (bench/recommend_bench.cc); not part of the answer.
  long long layouts_evaluated = 0;
};

/// Where a configuration ranks (C6, C15), compared lexicographically, smaller first: one that
/// works in the user's system as it is before one with a compatibility blocker, a clear fit
/// before a tight one, then the objective, then the time.
struct RankKey {
  bool blocked = false;
  int fit_class = 0;  // estimate::FitClass
  double objective = 0;
  double time_s = 0;
  auto operator<=>(const RankKey&) const = default;
};
RankKey RankKeyOf(const Pick& p);

/// The estimate at the slow end of its throughput range (time, GPU-hours, energy and
/// rental scaled by predicted / low tokens/s): how an unvalidated pick is ranked.
estimate::EstimateResult AtSlowEnd(const estimate::EstimateResult& e);

/// The objective's value of one configuration (lower is better), in ObjectiveUnit.
double ObjectiveValue(workload::Objective o, const estimate::EstimateResult& e, const JobCost& c);

/// "usd_per_million_tokens", "hours", ...: the unit of Pick::objective_value.
std::string ObjectiveUnit(workload::Objective o);

/// Ranks the catalog for `s` (its hardware section is ignored; its parallelism is kept
/// when specified, else chosen per candidate). Never throws for a valid scenario.
RecommendResult Recommend(const workload::Scenario& s, const Inputs& in,
                          const RecommendOptions& opt);

/// Marks the Pareto front (minimal time and cost) among `points`, sorted by time.
void MarkParetoFront(std::vector<TradeoffPoint>& points);

/// Sets `s.parallelism` for `s.hardware` when the scenario had none: DDP when the job fits
/// each GPU with replicated states (the verdict of EstimateMemory(s, ctx)), else ZeRO-3 /
/// FSDP FULL_SHARD. Returns a one-line reason.
std::string ChooseParallelism(workload::Scenario& s, const estimate::Context& ctx);

/// The layout of a multi-GPU configuration the scenario left open (issue 12): the one
/// `plan --gpus N` puts first (layout, micro-batch, checkpointing; the stack re-chosen by
/// `restack` when given), else ChooseParallelism. Returns a one-line reason; `planned` says
/// whether the planner's layout was used; `evaluated` (optional) adds the layouts the
/// planner evaluated.
std::string PlanParallelism(workload::Scenario& w, int total, const estimate::Context& ctx,
                            void (*restack)(workload::Scenario&), bool* planned = nullptr,
                            long long* evaluated = nullptr);

}  // namespace gpuadv::advise
