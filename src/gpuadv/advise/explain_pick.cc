#include "gpuadv/advise/explain_pick.h"

#include <cmath>
#include <set>

#include "gpuadv/advise/constraints.h"
#include "gpuadv/advise/text.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

std::string FitSentence(const estimate::MemoryResult& m) {
  const double cap = m.capacity_bytes;
  if (m.fit == estimate::Fit::kTight)
    return "tight: needs " + text::Gb(m.per_gpu_bytes) + " (range " + text::Gb(m.low_bytes) +
           " to " + text::Gb(m.high_bytes) + ") of " + text::Gb(cap) +
           " per GPU: out-of-memory risk, ranked below clear fits";
  const double headroom = cap > 0 ? 1 - m.per_gpu_bytes / cap : 0;
  return "fits: " + text::Gb(m.per_gpu_bytes) + " of " + text::Gb(cap) + " per GPU (" +
         text::Pct(headroom) + " headroom)";
}

std::string BreakEvenSentence(const Pick& p, const CostOptions& opt) {
  const auto& c = p.cost;
  if (c.breakeven_hours_per_month <= 0) return "";
  const std::string horizon = text::Num(opt.horizon_months) + " months";
  if (!std::isfinite(c.breakeven_hours_per_month))
    return p.acquisition.kind == AcquireKind::kBuy
               ? "renting (" + c.compared_with +
                     ") costs less per hour than the electricity to own: buying never breaks even"
               : "renting costs less per hour than the electricity to own: it always beats " +
                     c.compared_with;
  if (c.breakeven_utilisation > 1)  // more hours than a month has: within 0-100 %
    return p.acquisition.kind == AcquireKind::kBuy
               ? "buying never breaks even vs renting (" + c.compared_with + ") over " + horizon +
                     ": it would take " + text::Num(c.breakeven_hours_per_month) +
                     " h/month, more than a month has"
               : "renting is cheaper at any utilisation than buying over " + horizon + " (vs " +
                     c.compared_with + ")";
  const std::string point = text::Num(c.breakeven_hours_per_month) + " h/month (" +
                            text::Pct(c.breakeven_utilisation) + " utilisation) over " + horizon;
  const std::string at = "; at " + text::Num(opt.hours_per_month) + " h/month owning costs " +
                         text::Usd(c.horizon_buy_usd) + " vs renting " +
                         text::Usd(c.horizon_rent_usd);
  if (p.acquisition.kind == AcquireKind::kBuy)
    return "break-even vs renting (" + c.compared_with + "): buying pays off above " + point + at;
  return "break-even vs " + c.compared_with + ": renting is cheaper below " + point + at;
}

}  // namespace

void ExplainPick(const workload::Scenario& s, const RecommendOptions& opt, Pick& p) {
  const auto& e = p.estimate;
  const auto& t = e.throughput;
  std::vector<std::string> why;
  why.push_back(FitSentence(e.memory));
  why.push_back("bottleneck: " + std::string(EnumName(estimate::kBottlenecks, t.bottleneck)) +
                "; " + text::Num(t.tokens_per_s) + " tokens/s, MFU " + text::Pct(t.mfu));
  std::string time = "time: " + text::Time(e.training.time_s) + " for " +
                     text::Si(e.training.tokens) + " tokens (" +
                     text::Num(e.training.gpu_hours, 1) + " GPU-hours)";
  // Uncertainty (C15): the throughput range from the validation error of this kind of job.
  if (t.low_tokens_per_s_per_gpu > 0 && t.high_tokens_per_s_per_gpu > 0 && e.gpus > 0) {
    const double tokens = e.training.tokens;
    time += ", range " + text::Time(tokens / (t.high_tokens_per_s_per_gpu * e.gpus)) + " to " +
            text::Time(tokens / (t.low_tokens_per_s_per_gpu * e.gpus));
  }
  if (s.constraints.deadline_hours)
    time += ", deadline " + text::Num(*s.constraints.deadline_hours) + " h";
  why.push_back(time);
  const auto& c = p.cost;
  if (p.acquisition.kind == AcquireKind::kBuy) {
    std::string cost = "cost: buy " + text::Usd(c.gpu_purchase_usd) + " (" +
                       (c.street_price ? "street price" : "launch MSRP") + ")";
    if (c.host_usd > 0) cost += " + " + text::Usd(c.host_usd) + " host (" + c.host + ")";
    cost += " + " + text::Usd(c.electricity_usd) + " electricity = " + text::Usd(c.total_usd) +
            "; this job's share over " + text::Num(opt.cost.horizon_months) + " months at " +
            text::Num(opt.cost.hours_per_month) + " h/month: " + text::Usd(c.amortized_usd);
    why.push_back(cost);
  } else {
    std::string cost = "cost: " + text::Usd(c.rent_usd) + " renting " + p.acquisition.offer_id +
                       " (" + p.acquisition.provider + ") at " +
                       text::Usd(p.acquisition.usd_per_gpu_hr) + "/GPU-h";
    if (!p.acquisition.price_date.empty()) cost += " (price of " + p.acquisition.price_date + ")";
    if (p.acquisition.spot_usd_per_gpu_hr)
      cost += "; spot " + text::Usd(*p.acquisition.spot_usd_per_gpu_hr) + "/GPU-h would cost " +
              text::Usd(*p.acquisition.spot_usd_per_gpu_hr * e.training.gpu_hours) +
              " (interruptible)";
    why.push_back(cost);
  }
  why.push_back(text::Usd(c.usd_per_million_tokens) + " per million tokens" +
                (p.acquisition.kind == AcquireKind::kBuy ? " (purchase amortised)" : ""));
  if (auto be = BreakEvenSentence(p, opt.cost); !be.empty()) why.push_back(be);
  if (p.compatibility.applies) {
    for (const auto& i : p.compatibility.issues)
      if (i.severity != Severity::kNote)
        why.push_back("system: " + i.message + (i.fix.empty() ? "" : "; fix: " + i.fix));
    if (p.compatibility.ok) why.push_back("system: fits the machine in `system:` as given");
    if (HasBlocker(p.compatibility))
      why.push_back("ranked below the picks that work in this system as it is (a blocker above)");
  }
  for (const auto& n : PrecisionNotes(*p.gpu, s.training)) why.push_back("note: " + n);
  if (auto n = UnknownFrameworkNote(*p.gpu, s.constraints); !n.empty()) why.push_back("note: " + n);
  for (const auto& w : c.warnings) why.push_back("warning: " + w);
  // The parallelism sentence (set during the search) goes after the fit.
  if (!p.why.empty()) why.insert(why.begin() + 1, p.why.begin(), p.why.end());
  p.why = std::move(why);
}

void AddAdvice(const workload::Scenario& s, const RecommendOptions& opt,
               const std::vector<Pick>& feasible, RecommendResult& r) {
  auto& a = r.advice;
  const std::string objective(EnumName(workload::kObjectives, s.objective));
  std::string how = s.objective == workload::Objective::kValue
                        ? "cost per million tokens, a purchase amortised over " +
                              text::Num(opt.cost.horizon_months) + " months at " +
                              text::Num(opt.cost.hours_per_month) + " h/month"
                    : s.objective == workload::Objective::kCost
                        ? "total cost of this job (a purchase counts in full)"
                    : s.objective == workload::Objective::kTime ? "wall-clock training time"
                                                                : "energy of the job (kWh)";
  a.push_back("ranked by " + objective + ": " + how + "; tight fits rank below clear fits");
  if (r.picks.empty()) {
    a.push_back(
        "no configuration meets the constraints; see `excluded` for the closest "
        "reasons, relax the budget or deadline, or run `gpu-advisor fit` for knobs");
    return;
  }
  const Pick* best_buy = nullptr;
  const Pick* best_rent = nullptr;
  for (const auto& p : feasible) {
    if (p.estimate.memory.fit != estimate::Fit::kFits) continue;
    if (p.acquisition.kind == AcquireKind::kBuy && !best_buy) best_buy = &p;
    if (p.acquisition.kind == AcquireKind::kRent && !best_rent) best_rent = &p;
  }
  if (best_buy && best_rent) {
    std::string v = "rent vs buy for this job: renting " + best_rent->acquisition.offer_id +
                    " costs " + text::Usd(best_rent->cost.total_usd) + " (" +
                    text::Time(best_rent->estimate.training.time_s) + "); buying " +
                    std::to_string(best_buy->count * best_buy->nodes) + "x " + best_buy->gpu->id +
                    " costs " + text::Usd(best_buy->cost.total_usd) + " upfront (" +
                    text::Time(best_buy->estimate.training.time_s) + ")";
    if (best_buy->cost.breakeven_utilisation > 1)
      v += "; buying does not pay off even training around the clock for " +
           text::Num(opt.cost.horizon_months) + " months";
    else if (best_buy->cost.breakeven_hours_per_month > 0 &&
             std::isfinite(best_buy->cost.breakeven_hours_per_month))
      v += "; buying pays off if you train more than " +
           text::Num(best_buy->cost.breakeven_hours_per_month) + " h/month (" +
           text::Pct(best_buy->cost.breakeven_utilisation) + " utilisation) for " +
           text::Num(opt.cost.horizon_months) + " months";
    a.push_back(v);
  }
  for (const auto& p : r.picks)
    if (p.estimate.memory.fit == estimate::Fit::kTight) {
      a.push_back(
          "picks marked tight are inside the estimate's uncertainty: expect out-of-memory "
          "risk; `gpu-advisor fit` lists knobs that add headroom");
      break;
    }
  for (const auto& p : r.picks)
    if (p.compatibility.applies && !p.compatibility.ok) {
      a.push_back(
          "purchased picks need changes to the machine in `system:` (PSU, slots, "
          "cooling or RAM): see each pick's compatibility; power-limiting to 80% keeps "
          "about 95% of the speed");
      break;
    }
  std::set<std::string> stale;
  for (const auto& p : feasible)
    for (const auto& w : p.cost.warnings) stale.insert(w);
  if (!stale.empty())
    a.push_back(std::to_string(stale.size()) + " price(s) used are over a year old (e.g. " +
                *stale.begin() + ")");
  int front = 0;
  for (const auto& pt : r.points) front += pt.on_front;
  a.push_back("evaluated " + std::to_string(r.candidates) + " configurations (" +
              std::to_string(r.estimates) + " full estimates); " + std::to_string(r.points.size()) +
              " feasible, " + std::to_string(front) + " on the time-vs-cost front");
}

}  // namespace gpuadv::advise
