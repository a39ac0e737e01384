#pragma once
// GPUs the user already owns, set beside a ranking (`recommend --local`, design C11: "can
// my machine do this?"). Owned hardware costs no purchase: only the job's electricity.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/advise/cost.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/api/environment.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/api/scenario_request.h"
#include "gpuadv/estimate/result.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::api {

/// The scenario on the owned GPUs, in the ranking's terms.
struct OwnedResult {
  std::string gpu;  // catalog id
  int count = 1;    // GPUs, one node
  workload::Parallelism parallelism;
  estimate::EstimateResult estimate;
  advise::JobCost cost;        // purchase 0 (owned): electricity only
  bool usable = false;         // fits (tight included) and meets the deadline and budget
  double objective_value = 0;  // in advise::ObjectiveUnit(objective), lower is better
  workload::Objective objective = workload::Objective::kValue;
  int would_rank = 0;  // 1-based place among the ranking's picks; 0 when not usable
  int picks = 0;       // how many picks the ranking showed
  std::vector<std::string> why;
};

/// Evaluates `req` -- its hardware already the owned GPUs (hardware.gpu, hardware.count),
/// resolved in `env`, whose catalog entry for them carries their free memory -- as owned
/// hardware, and places it among `ranking`'s picks by their order: clear fits before tight
/// ones, then the objective, then time. Parallelism is chosen as for the picks.
OwnedResult EvaluateOwned(const ScenarioRequest& req, const Environment& env,
                          const RecommendOptions& opt, const advise::RecommendResult& ranking);

/// {"gpu", "count", "acquire": "owned", "estimate": EstimateJson, "cost": {"electricity_usd",
/// "total_usd", "usd_per_million_tokens"}, "usable", "objective", "objective_value",
/// "objective_unit", "would_rank" (null when not usable), "why"}.
nlohmann::json OwnedJson(const OwnedResult& r);

}  // namespace gpuadv::api
