#include "gpuadv/advise/invariants.h"

#include <cmath>

#include "gpuadv/estimate/invariants.h"

namespace gpuadv::advise {
namespace {

bool Dominates(const TradeoffPoint& a, const TradeoffPoint& b) {
  return a.time_s <= b.time_s && a.cost_usd <= b.cost_usd &&
         (a.time_s < b.time_s || a.cost_usd < b.cost_usd);
}

std::string Name(const Pick& p) {
  return "pick " + std::to_string(p.rank) + " (" + std::to_string(p.count * p.nodes) + "x " +
         (p.gpu ? p.gpu->id : "?") + ")";
}

}  // namespace

std::vector<std::string> CheckRanking(const RecommendResult& r) {
  std::vector<std::string> broken;
  for (size_t i = 0; i < r.picks.size(); ++i) {
    const Pick& p = r.picks[i];
    const std::string name = Name(p);
    for (const auto& b : estimate::CheckInvariants(p.estimate)) broken.push_back(name + ": " + b);
    if (p.rank != static_cast<int>(i) + 1)
      broken.push_back(name + " at position " + std::to_string(i + 1));
    if (!(p.score > 0 && p.score <= 1) || (i == 0 && p.score != 1))
      broken.push_back(name + ": score " + std::to_string(p.score) + " outside (0, 1]");
    if (!std::isfinite(p.objective_value) || p.objective_value < 0)
      broken.push_back(name + ": objective value " + std::to_string(p.objective_value));
    const double expected = ObjectiveValue(r.objective, p.estimate, p.cost);
    if (std::abs(expected - p.objective_value) > 1e-9 * std::max(1.0, std::abs(expected)))
      broken.push_back(name + ": objective value " + std::to_string(p.objective_value) +
                       " is not the objective of its estimate and cost (" +
                       std::to_string(expected) + ")");
    if (p.estimate.memory.fit == estimate::Fit::kDoesNotFit)
      broken.push_back(name + " does not fit in memory");
    // A validated pick ranks by its objective; an unvalidated one by its slow end, never
    // better than its prediction.
    if (p.estimate.unvalidated.empty() ? p.ranked_objective != p.objective_value
                                       : p.ranked_objective < p.objective_value * (1 - 1e-9))
      broken.push_back(name + ": ranked objective " + std::to_string(p.ranked_objective) +
                       " vs objective " + std::to_string(p.objective_value));
    if (i == 0) continue;
    const Pick& q = r.picks[i - 1];
    const RankKey kp = RankKeyOf(p), kq = RankKeyOf(q);
    if (kp < kq)
      broken.push_back(name + " ranks before " + Name(q) + " (works as it is, fits better, or " +
                       "has a better objective: " + std::to_string(p.objective_value) + " vs " +
                       std::to_string(q.objective_value) + ") but is ranked below it");
  }
  for (const auto& a : r.points) {
    // Off the front: dominated, or a tie of a point on it (the same time and cost).
    bool dominated = false, tied = false;
    for (const auto& b : r.points) {
      dominated = dominated || Dominates(b, a);
      tied = tied || (&b != &a && b.on_front && b.time_s == a.time_s && b.cost_usd == a.cost_usd);
    }
    if (a.on_front ? dominated : !(dominated || tied))
      broken.push_back("point " + std::to_string(a.count * a.nodes) + "x " + a.gpu + " " +
                       (a.on_front ? "on the Pareto front is dominated"
                                   : "off the Pareto front is not dominated"));
    if (!std::isfinite(a.time_s) || a.time_s <= 0 || !std::isfinite(a.cost_usd) || a.cost_usd < 0)
      broken.push_back("point " + a.gpu + ": time or cost not finite and positive");
  }
  return broken;
}

}  // namespace gpuadv::advise
