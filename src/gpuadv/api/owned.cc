#include "gpuadv/api/owned.h"

#include "gpuadv/advise/compatibility.h"
#include "gpuadv/advise/text.h"
#include "gpuadv/core/enum_table.h"
#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::api {
namespace {

namespace text = advise::text;

// Places `r` among the picks by the ranking's own order (advise::RankKeyOf): owned GPUs
// already run in the user's machine, so they have no compatibility blocker.
int PlaceAmong(const OwnedResult& r, const std::vector<advise::Pick>& picks) {
  const advise::RankKey mine{false, estimate::FitClass(r.estimate.memory.fit), r.objective_value,
                             r.estimate.training.time_s};
  int ahead = 0;
  for (const auto& p : picks) ahead += advise::RankKeyOf(p) < mine;
  return ahead + 1;
}

std::string MemoryWhy(const estimate::MemoryResult& m) {
  const std::string need = text::Gb(m.per_gpu_bytes) + " per GPU";
  const std::string has = text::Gb(m.capacity_bytes) + " free";
  switch (m.fit) {
    case estimate::Fit::kFits:
      return "fits: needs " + need + " of " + has;
    case estimate::Fit::kTight:
      return "tight: needs " + need + " of " + has + " (out-of-memory risk)";
    case estimate::Fit::kDoesNotFit:
      break;
  }
  return "does not fit: needs " + need + ", has " + has;
}

}  // namespace

OwnedResult EvaluateOwned(const ScenarioRequest& req, const Environment& env,
                          const RecommendOptions& opt, const advise::RecommendResult& ranking) {
  const workload::Scenario s = BuildScenario(req, env);
  OwnedResult r;
  r.gpu = s.hardware.gpu.id;
  r.count = s.hardware.TotalGpus();
  r.objective = ranking.objective;
  r.picks = static_cast<int>(ranking.picks.size());
  workload::Scenario w = s;
  bool planned = false;
  const std::string parallel_why = advise::PlanParallelism(
      w, w.hardware.TotalGpus(), estimate::Context{env.efficiency, &env.catalog},
      io::RestackDefault, &planned);
  r.parallelism = w.parallelism;
  r.estimate = estimate::Estimate(w, estimate::Context{env.efficiency, &env.catalog});
  if (planned) r.estimate.layout_source = "planner";

  // Owned: the purchase is spent already (no price), the GPUs sit in the user's own PC (no
  // host platform); what is left is the job's electricity.
  catalog::GpuSpec owned = w.hardware.gpu;
  owned.street_price_usd.reset();
  owned.launch_msrp_usd.reset();
  advise::CostOptions co;
  co.horizon_months = opt.months;
  co.hours_per_month = opt.hours_per_month;
  const double kwh_price = s.constraints.electricity_usd_per_kwh;
  r.cost = advise::BuyCost(owned, w.hardware.count, w.hardware.nodes, r.estimate, kwh_price,
                           /*host=*/nullptr, /*rent_usd_per_gpu_hr=*/0, "", co);
  r.objective_value = advise::ObjectiveValue(r.objective, r.estimate, r.cost);

  r.why.push_back("owned: no purchase, electricity only (" + text::Usd(r.cost.electricity_usd) +
                  " at " + text::Usd(kwh_price) + "/kWh)");
  r.why.push_back(MemoryWhy(r.estimate.memory));
  if (!parallel_why.empty()) r.why.push_back(parallel_why);
  const double time_s = r.estimate.training.time_s;
  r.usable = r.estimate.memory.fit != estimate::Fit::kDoesNotFit && time_s > 0;
  if (r.usable)
    r.why.push_back("takes " + text::Time(time_s) + " for " + text::Si(r.estimate.training.tokens) +
                    " tokens");
  if (const auto& d = s.constraints.deadline_hours; d && time_s > *d * kSecondsPerHour) {
    r.usable = false;
    r.why.push_back("misses the " + text::Num(*d, 0) + " h deadline");
  }
  if (const auto& b = s.constraints.budget_usd; b && r.cost.total_usd > *b) {
    r.usable = false;
    r.why.push_back("electricity alone is over the " + text::Usd(*b) + " budget");
  }
  const std::string by(EnumName(workload::kObjectives, r.objective));
  if (!r.usable) return r;
  r.would_rank = PlaceAmong(r, ranking.picks);
  if (r.picks == 0)
    r.why.push_back("no catalog pick to compare with");
  else if (r.would_rank <= r.picks)
    r.why.push_back("by " + by + ", would rank #" + std::to_string(r.would_rank) + " of the " +
                    std::to_string(r.picks) + " picks");
  else
    r.why.push_back("by " + by + ", ranks after the " + std::to_string(r.picks) + " picks shown");
  return r;
}

nlohmann::json OwnedJson(const OwnedResult& r) {
  nlohmann::json j;
  j["gpu"] = r.gpu;
  j["count"] = r.count;
  j["acquire"] = "owned";
  j["estimate"] = report::EstimateJson(r.estimate);
  j["cost"] = {{"electricity_usd", r.cost.electricity_usd},
               {"total_usd", r.cost.total_usd},
               {"usd_per_million_tokens", r.cost.usd_per_million_tokens}};
  j["usable"] = r.usable;
  j["objective"] = EnumName(workload::kObjectives, r.objective);
  j["objective_value"] = r.objective_value;
  j["objective_unit"] = advise::ObjectiveUnit(r.objective);
  j["would_rank"] = r.would_rank > 0 ? nlohmann::json(r.would_rank) : nlohmann::json(nullptr);
  j["why"] = r.why;
  return j;
}

}  // namespace gpuadv::api
