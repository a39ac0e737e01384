#include "gpuadv/advise/recommend.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "gpuadv/advise/constraints.h"
#include "gpuadv/advise/explain_pick.h"
#include "gpuadv/advise/invariants.h"
#include "gpuadv/advise/text.h"
#include "gpuadv/core/error.h"
#include "gpuadv/core/strings.h"
#include "gpuadv/core/units.h"
#include "gpuadv/plan/candidate.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/plan/worker_pool.h"

namespace gpuadv::advise {
namespace {

// Why a GPU produced no feasible configuration: the failure closest to success wins
// (a later stage, then the smaller shortfall), so the reason names the real obstacle.
enum Stage { kConstraint = 0, kMemory = 1, kDeadline = 2, kBudget = 3 };
// Shortfall of a configuration with no speed estimate: it fits but cannot be timed, so any
// memory failure with a real ratio (need / capacity, at most ~1e6 for bounded inputs) of
// another configuration names the obstacle before it.
constexpr double kUntimedShortfall = std::numeric_limits<double>::max();
struct Outcome {
  int stage = -1;
  double shortfall = 0;
  std::string reason;
  bool feasible = false;
  // Memory failures: the smallest configuration's full estimate ("needs 27.4 GB per GPU,
  // has 24 GB") and the closest larger configuration, joined in Reason().
  std::string memory_first;
  std::string memory_best;
  double memory_best_ratio = 0;
  // The configuration being evaluated, in search order, and the one that set `reason`: of
  // equal shortfalls the earlier configuration's stands, also when the deadline bound had
  // a configuration evaluated after later ones (GpuSearch::RecheckSettled).
  int config = 0;
  int reason_config = 0;
  void Fail(int st, double sf, std::string why) {
    if (st > stage ||
        (st == stage && (sf < shortfall || (sf == shortfall && config < reason_config)))) {
      stage = st;
      shortfall = sf;
      reason = std::move(why);
      reason_config = config;
    }
  }
  void FailMemory(double ratio, std::string why) {
    Fail(kMemory, ratio, why);
    if (memory_first.empty()) {
      memory_first = std::move(why);
    } else if (memory_best.empty() || ratio < memory_best_ratio) {
      memory_best = std::move(why);
      memory_best_ratio = ratio;
    }
  }
  std::string Reason() const {
    if (stage != kMemory || memory_first.empty()) return reason;
    return memory_best.empty() ? memory_first : memory_first + "; " + memory_best;
  }
};

workload::Interconnect InterconnectOf(const catalog::Offer& o, workload::Interconnect dflt) {
  const std::string l = Lower(o.interconnect);
  if (l.find("nvlink") != std::string::npos || l.find("nvswitch") != std::string::npos ||
      l.find("infinity") != std::string::npos || l.find("xgmi") != std::string::npos)
    return workload::Interconnect::kNvlink;
  if (l.find("pcie") != std::string::npos) return workload::Interconnect::kPcie;
  return dflt;
}

// Rental acquisitions for a GPU: its offers, else the GPU entry's cloud price.
std::vector<Acquisition> RentalsFor(const catalog::GpuSpec& gpu, const catalog::Catalog& cat) {
  std::vector<Acquisition> out;
  for (const auto* o : cat.OffersFor(gpu.id)) {
    if (o->usd_per_gpu_hr <= 0) continue;
    Acquisition a;
    a.kind = AcquireKind::kRent;
    a.offer = o;
    a.offer_id = o->id;
    a.provider = o->provider;
    a.usd_per_gpu_hr = o->usd_per_gpu_hr;
    a.spot_usd_per_gpu_hr = o->spot_usd_per_gpu_hr;
    a.price_date = o->as_of;
    out.push_back(std::move(a));
  }
  if (out.empty() && gpu.cloud_usd_per_gpu_hr && *gpu.cloud_usd_per_gpu_hr > 0) {
    Acquisition a;
    a.kind = AcquireKind::kRent;
    a.offer_id = "catalog:" + gpu.id;
    a.provider = gpu.cloud_price_source.empty() ? "catalog" : gpu.cloud_price_source;
    a.usd_per_gpu_hr = *gpu.cloud_usd_per_gpu_hr;
    out.push_back(std::move(a));
  }
  return out;
}

// An offer serves the job's nodes when one instance is one node (catalog::Offer::Serves);
// without one, the GPU's own cloud price (GpuSpec::CloudPriceServes).
bool OfferServes(const Acquisition& a, const catalog::GpuSpec& gpu, int count, int nodes) {
  return a.offer ? a.offer->Serves(count, nodes) : gpu.CloudPriceServes(count, nodes);
}

bool ParallelismDivides(const workload::Parallelism& p, int total) {
  const int mp = p.tp * p.pp * p.cp;
  return mp >= 1 && mp <= total && total % mp == 0;
}

// "needs 27.4 GB per GPU, has 24 GB" for one GPU; for more, what even they need each.
std::string MemoryReason(double need_bytes, bool lower_bound, const catalog::GpuSpec& gpu,
                         const workload::Scenario& w) {
  const int n = w.hardware.TotalGpus();
  if (n == 1)
    return std::string(lower_bound ? "needs at least " : "needs ") + text::Gb(need_bytes) +
           " per GPU, has " + text::GbLabel(gpu.memory_gb);
  return "even " + std::to_string(n) + " GPUs" + (w.parallelism.zero == 3 ? " with ZeRO-3" : "") +
         " need " + (lower_bound ? "at least " : "") + text::Gb(need_bytes) + " each";
}

// One estimate per distinct interconnect / network among a configuration's acquisitions.
struct Variant {
  workload::Interconnect ic;
  std::optional<double> net;
  std::vector<const Acquisition*> acqs;
  bool buy = false;
};

// The acquisitions that can serve one configuration: buying (one node, or whole nodes of a
// datacenter GPU) and the rentals whose instances make up its nodes.
struct Usable {
  bool buy = false;
  std::vector<const Acquisition*> rents;
  bool Empty() const { return !buy && rents.empty(); }
};

Usable UsableAcquisitions(const catalog::GpuSpec& gpu, int count, int nodes, bool can_buy,
                          const std::vector<Acquisition>& rents) {
  Usable u;
  u.buy = can_buy && (nodes == 1 || gpu.segment == "datacenter");
  for (const auto& a : rents)
    if (OfferServes(a, gpu, count, nodes)) u.rents.push_back(&a);
  return u;
}

// The interconnect variants of one configuration: a purchase runs on the scenario's
// interconnect; a rental on its offer's (and, across nodes, its network unless the scenario
// gives one). One GPU has no interconnect to vary.
std::vector<Variant> InterconnectVariants(const workload::Scenario& s, int total, int nodes,
                                          const Usable& u) {
  std::vector<Variant> variants;
  auto variant_for = [&](workload::Interconnect ic, std::optional<double> net) -> Variant& {
    if (total == 1) ic = s.hardware.interconnect, net = s.hardware.network_gbps;
    for (auto& v : variants)
      if (v.ic == ic && v.net == net) return v;
    variants.push_back({ic, net, {}, false});
    return variants.back();
  };
  if (u.buy) variant_for(s.hardware.interconnect, s.hardware.network_gbps).buy = true;
  for (const auto* a : u.rents) {
    std::optional<double> net = s.hardware.network_gbps;
    if (!net && nodes > 1 && a->offer) net = a->offer->network_gbps;
    variant_for(
        a->offer ? InterconnectOf(*a->offer, s.hardware.interconnect) : s.hardware.interconnect,
        net)
        .acqs.push_back(a);
  }
  return variants;
}

// Why an estimate excludes its configuration (does not fit, no speed, over the deadline),
// recorded in `out`; false when it passes.
bool Excluded(const estimate::EstimateResult& est, const catalog::GpuSpec& gpu,
              const workload::Scenario& w, const workload::Constraints& c, Outcome& out) {
  const int total = w.hardware.TotalGpus();
  if (est.memory.fit == estimate::Fit::kDoesNotFit) {
    out.FailMemory(est.memory.per_gpu_bytes / gpu.CapacityBytes(),
                   MemoryReason(est.memory.per_gpu_bytes, false, gpu, w));
    return true;
  }
  if (est.training.time_s <= 0) {
    out.Fail(kMemory, kUntimedShortfall,
             "no speed estimate (16-bit tensor peak unknown in the catalog)");
    return true;
  }
  const auto& deadline = c.deadline_hours;
  if (deadline && est.training.time_s > *deadline * kSecondsPerHour) {
    const double h = est.training.time_s / kSecondsPerHour;
    out.Fail(kDeadline, h / *deadline,
             "takes " + text::Time(est.training.time_s) + " on " + std::to_string(total) + " GPU" +
                 (total > 1 ? "s" : "") + ", over the " + text::Num(*deadline, 0) + " h deadline");
    return true;
  }
  return false;
}

// Everything that varies per GPU while the scenario's job stays fixed.
struct GpuSearch {
  const workload::Scenario& s;
  const Inputs& in;
  const RecommendOptions& opt;
  estimate::Context ctx;
  workload::Scenario w;  // the one working copy: hardware/parallelism rewritten per config
  RecommendResult& r;
  std::vector<Pick>& feasible;

  bool evaluated_any = false;  // the current GPU has had a full estimate
  // The deadline bound (estimate::TrainingTimeLowerBound) settles a configuration that
  // cannot meet the deadline on any layout without planning or estimating it. Its
  // exclusion would only have been a deadline miss at least `bounded_shortfall` over, or a
  // memory failure: SearchGpu searches the GPU again without the bound when that could
  // have changed the reason it quotes.
  struct Settled {
    int count, nodes, config;
    double shortfall;  // bound / deadline
  };
  bool use_bound = true;
  std::vector<Settled> settled{};
  int estimates_before = 0;  // r.estimates before the current GPU

  // Every configuration starts from the scenario's own knobs: the layout, micro-batch,
  // checkpointing and assumed global batch the planner chose for the previous one
  // (plan::BestPlanned), and the interconnect of its last acquisition, do not carry over.
  void StartConfig(int count, int nodes) {
    w.hardware.count = count;
    w.hardware.nodes = nodes;
    w.hardware.interconnect = s.hardware.interconnect;
    w.hardware.network_gbps = s.hardware.network_gbps;
    w.training = s.training;
    w.parallelism = s.parallelism.specified ? s.parallelism : workload::Parallelism{};
    if (in.restack) in.restack(w);
  }

  // Cheap pre-check (STYLE principle 6): false, with the reason in `out`, when even the
  // memory lower bound exceeds the GPU. The smallest config always gets a full estimate so
  // its exclusion reason quotes the real per-GPU need. With the parallelism still to
  // choose, the bound is the lower of DDP and ZeRO-3 (ZeRO-3 is not always smaller:
  // quantised bases and gather buffers).
  bool PassesMemoryLowerBound(const catalog::GpuSpec& gpu, int total, Outcome& out) {
    const double cap = gpu.CapacityBytes();
    const bool smallest = !evaluated_any;
    evaluated_any = true;
    double lb = estimate::MemoryLowerBoundBytes(w);
    if (!s.parallelism.specified && total > 1) {
      w.parallelism.zero = 3;
      const double lb3 = estimate::MemoryLowerBoundBytes(w);
      if (lb3 >= lb) w.parallelism.zero = 0;
      lb = std::min(lb, lb3);
    }
    if (smallest || lb <= cap) return true;
    out.FailMemory(lb / cap, MemoryReason(lb, true, gpu, w));
    return false;
  }

  // The pick of one acquisition at one estimate, or its budget failure in `out`.
  // `cost_of` prices an estimate (the estimate itself, or its slow end for ranking).
  template <typename CostOf>
  void Consider(const catalog::GpuSpec& gpu, const estimate::EstimateResult& est,
                const std::string& parallel_why, Acquisition acq, const CostOf& cost_of,
                Outcome& out) {
    const int total = w.hardware.TotalGpus();
    JobCost cost = cost_of(est);
    const auto& budget = s.constraints.budget_usd;
    if (budget && cost.total_usd > *budget) {
      const std::string what =
          acq.kind == AcquireKind::kBuy
              ? "buying " + std::to_string(total) + "x costs " + text::Usd(cost.total_usd)
              : "renting " + acq.offer_id + " costs " + text::Usd(cost.total_usd);
      out.Fail(kBudget, cost.total_usd - *budget,
               "over budget by " + text::Usd(cost.total_usd - *budget) + " (" + what + ", budget " +
                   text::Usd(*budget) + ")");
      return;
    }
    out.feasible = true;
    feasible.push_back(MakePick(gpu, est, parallel_why, std::move(acq), std::move(cost), cost_of));
  }

  template <typename CostOf>
  Pick MakePick(const catalog::GpuSpec& gpu, const estimate::EstimateResult& est,
                const std::string& parallel_why, Acquisition acq, JobCost cost,
                const CostOf& cost_of) const {
    Pick p;
    p.gpu = &gpu;
    p.count = w.hardware.count;
    p.nodes = w.hardware.nodes;
    p.acquisition = std::move(acq);
    p.parallelism = w.parallelism;
    p.estimate = est;
    p.cost = std::move(cost);
    p.objective_value = ObjectiveValue(s.objective, est, p.cost);
    if (!parallel_why.empty()) p.why.push_back(parallel_why);
    p.ranked_objective = p.objective_value;
    if (!est.unvalidated.empty()) {
      const estimate::EstimateResult slow = AtSlowEnd(est);
      p.ranked_objective = ObjectiveValue(s.objective, slow, cost_of(slow));
      p.why.push_back("not validated for " + est.unvalidated + ": ranked at the slow end of " +
                      "its range (" + text::Time(slow.training.time_s) + ")");
    }
    if (p.acquisition.kind == AcquireKind::kRent) {
      p.estimate.cost.rent_offer = p.acquisition.offer_id;
      p.estimate.cost.rent_usd = p.cost.rent_usd;
      p.estimate.cost.rent_price_known = true;
    }
    return p;
  }

  // Buying the configuration: the GPUs and, per node, the host platform they need; the
  // cheapest rental is the comparison BuyCost quotes.
  void ConsiderBuy(const catalog::GpuSpec& gpu, const estimate::EstimateResult& est,
                   const std::string& parallel_why, const HostPlatform* host,
                   const std::vector<Acquisition>& rents, Outcome& out) {
    const int count = w.hardware.count, nodes = w.hardware.nodes;
    const auto* cheapest_rent = rents.empty() ? nullptr : &rents.front();
    Acquisition a;
    a.kind = AcquireKind::kBuy;
    a.price_date = gpu.street_price_usd ? gpu.street_price_date : "";
    Consider(
        gpu, est, parallel_why, a,
        [&](const estimate::EstimateResult& e) {
          return BuyCost(gpu, count, nodes, e, s.constraints.electricity_usd_per_kwh, host,
                         cheapest_rent ? cheapest_rent->usd_per_gpu_hr : 0,
                         cheapest_rent ? cheapest_rent->offer_id : "", opt.cost);
        },
        out);
  }

  // Renting through each offer of the variant; `buy_upfront` (GPUs and hosts) is what
  // RentCost compares the rental with.
  void ConsiderRents(const catalog::GpuSpec& gpu, const estimate::EstimateResult& est,
                     const std::string& parallel_why, const Variant& v, double buy_upfront,
                     Outcome& out) {
    for (const auto* a : v.acqs)
      Consider(
          gpu, est, parallel_why, *a,
          [&](const estimate::EstimateResult& e) {
            return RentCost(*a, e, s.constraints.electricity_usd_per_kwh, buy_upfront, opt.cost);
          },
          out);
  }

  // Estimates the configuration on one interconnect variant and prices its acquisitions.
  // Returns true when the estimate fits and meets the deadline.
  bool EvaluateVariant(const catalog::GpuSpec& gpu, const Variant& v, bool planned,
                       const std::string& parallel_why, const std::vector<Acquisition>& rents,
                       Outcome& out) {
    w.hardware.interconnect = v.ic;
    w.hardware.network_gbps = v.net;
    estimate::EstimateResult est = estimate::Estimate(w, ctx);
    if (planned) est.layout_source = "planner";
    ++r.estimates;
    if (Excluded(est, gpu, w, s.constraints, out)) return false;
    const int count = w.hardware.count, nodes = w.hardware.nodes;
    const HostPlatform* host = HostFor(gpu, count, s.system.gpu_slots.value_or(1), in.platforms);
    const double unit = UnitPriceUsd(gpu).value_or(0);
    const double buy_upfront =
        unit > 0 ? unit * count * nodes + (host ? host->price_usd * nodes : 0) : 0;
    if (v.buy) ConsiderBuy(gpu, est, parallel_why, host, rents, out);
    ConsiderRents(gpu, est, parallel_why, v, buy_upfront, out);
    return true;
  }

  // True when even the training time bound misses the deadline: the configuration is
  // settled (no plan, no estimate, no pick). Not the GPU's smallest configuration, whose
  // full estimate a memory exclusion quotes.
  bool SettledByBound(int count, int nodes, bool smallest, const Outcome& out) {
    const auto& deadline = s.constraints.deadline_hours;
    if (!use_bound || !opt.deadline_bound || smallest || !deadline) return false;
    const double shortfall = estimate::TrainingTimeLowerBound(w, ctx) / kSecondsPerHour / *deadline;
    if (!(shortfall > 1)) return false;
    settled.push_back({count, nodes, out.config, shortfall});
    ++r.bounded;
    return true;
  }

  // A settled configuration can change the GPU's outcome only when nothing was feasible
  // and the quoted failure is not a budget overrun: a deadline miss at least as large as
  // its bound is estimated now (its search order, Outcome::config, breaks ties); under any other
  // failure the GPU is searched again without the bound. Nothing settled is feasible.
  void RecheckSettled(const catalog::GpuSpec& gpu, bool can_buy,
                      const std::vector<Acquisition>& rents, Outcome& out) {
    if (settled.empty() || out.feasible || out.stage == kBudget) return;
    use_bound = false;
    if (out.stage != kDeadline) {
      r.candidates -= static_cast<int>(out.config);
      r.bounded -= static_cast<int>(settled.size());
      r.estimates = estimates_before;
      out = Outcome{};
      SearchConfigs(gpu, can_buy, rents, out);
      return;
    }
    // Smallest bound first: once a bound exceeds the shortfall quoted so far, so do the rest,
    // and each real shortfall is at least its bound (ties keep the earlier configuration).
    std::vector<Settled> order(std::move(settled));
    std::stable_sort(order.begin(), order.end(),
                     [](const Settled& a, const Settled& b) { return a.shortfall < b.shortfall; });
    for (const Settled& c : order) {
      if (c.shortfall > out.shortfall) break;
      out.config = c.config;
      StartConfig(c.count, c.nodes);
      PassesMemoryLowerBound(gpu, c.count * c.nodes, out);  // passed before: sets the start
      --r.bounded;
      PlanAndEstimate(gpu, UsableAcquisitions(gpu, c.count, c.nodes, can_buy, rents), rents, out);
    }
  }

  // Evaluates one (count, nodes) of the current GPU. Returns true when some estimate of
  // the config fits and meets the deadline (so no more nodes are needed).
  bool EvaluateConfig(const catalog::GpuSpec& gpu, int count, int nodes, bool can_buy,
                      const std::vector<Acquisition>& rents, Outcome& out) {
    const int total = count * nodes;
    if (s.parallelism.specified && !ParallelismDivides(s.parallelism, total)) return false;
    StartConfig(count, nodes);
    const Usable usable = UsableAcquisitions(gpu, count, nodes, can_buy, rents);
    if (usable.Empty()) return false;
    ++r.candidates;
    ++out.config;
    const bool smallest = !evaluated_any;
    if (!PassesMemoryLowerBound(gpu, total, out)) return false;
    if (SettledByBound(count, nodes, smallest, out)) return false;
    return PlanAndEstimate(gpu, usable, rents, out);
  }

  // The layout (the scenario's, or the planner's for the configuration), then one estimate
  // per interconnect variant. True when one fits and meets the deadline.
  bool PlanAndEstimate(const catalog::GpuSpec& gpu, const Usable& usable,
                       const std::vector<Acquisition>& rents, Outcome& out) {
    const int total = w.hardware.TotalGpus();
    std::string parallel_why;
    bool planned = false;
    if (!s.parallelism.specified)
      parallel_why = PlanParallelism(w, total, ctx, in.restack, &planned, &r.layouts_evaluated);
    bool done = false;
    for (const auto& v : InterconnectVariants(s, total, w.hardware.nodes, usable))
      done |= EvaluateVariant(gpu, v, planned, parallel_why, rents, out);
    return done;
  }

  // The GPU's configurations: 1..8 GPUs in one node, then whole nodes, doubled while the
  // largest node does not fit or misses the deadline.
  void SearchConfigs(const catalog::GpuSpec& gpu, bool can_buy,
                     const std::vector<Acquisition>& rents, Outcome& out) {
    evaluated_any = false;
    settled.clear();
    int largest = 1;
    bool largest_done = false;
    for (int count : opt.counts) {
      const bool done = EvaluateConfig(gpu, count, 1, can_buy, rents, out);
      if (count >= largest) largest = count, largest_done = done;
    }
    const bool multi_node = (can_buy && gpu.segment == "datacenter") ||
                            std::any_of(rents.begin(), rents.end(), [](const Acquisition& a) {
                              return a.offer && a.offer->Serves(a.offer->gpus_per_instance, 2);
                            });
    if (multi_node && largest >= 8 && !largest_done) {
      for (int nodes = 2; nodes <= opt.max_nodes; nodes *= 2)
        if (EvaluateConfig(gpu, largest, nodes, can_buy, rents, out)) break;
    }
  }

  void SearchGpu(const catalog::GpuSpec& gpu) {
    Outcome out;
    const auto acquire = s.constraints.acquire;
    std::string why = ConstraintFailure(gpu, s.constraints, opt.min_vram_gb);
    if (why.empty()) why = PrecisionFailure(gpu, s.training);
    if (!why.empty()) {
      r.excluded.push_back({gpu.id, why});
      return;
    }
    const bool can_buy = acquire != workload::Acquire::kRent && UnitPriceUsd(gpu).has_value();
    std::vector<Acquisition> rents;
    if (acquire != workload::Acquire::kBuy) rents = RentalsFor(gpu, *in.catalog);
    if (!can_buy && rents.empty()) {
      r.excluded.push_back(
          {gpu.id, acquire == workload::Acquire::kBuy
                       ? "no purchase price in the catalog (sold in systems or not sold)"
                   : acquire == workload::Acquire::kRent
                       ? "no rental offer in the catalog"
                       : "no purchase price or rental offer in the catalog"});
      return;
    }
    w.hardware.gpu = gpu;
    w.hardware.gpu_id = gpu.id;
    estimates_before = r.estimates;
    SearchConfigs(gpu, can_buy, rents, out);
    RecheckSettled(gpu, can_buy, rents, out);
    if (!out.feasible) {
      const std::string why = out.Reason();
      r.excluded.push_back({gpu.id, why.empty() ? "no configuration could be evaluated" : why});
    }
  }
};

// One GPU's share of the search, merged into the result in catalog order.
struct GpuShare {
  RecommendResult r;
  std::vector<Pick> feasible;
  std::exception_ptr error;
};

// Searches every GPU of the catalog, `opt.threads` side by side. Each GPU starts from its
// own copy of the scenario, so what one finds never depends on the GPUs before it or on
// the thread count.
void SearchGpus(const workload::Scenario& s, const Inputs& in, const RecommendOptions& opt,
                const estimate::Context& ctx, RecommendResult& r, std::vector<Pick>& feasible) {
  const auto& gpus = in.catalog->Gpus();
  std::vector<GpuShare> shares(gpus.size());
  const int threads =
      opt.threads > 0 ? opt.threads : static_cast<int>(plan::WorkerPool::HardwareThreads());
  plan::WorkerPool pool(threads, [&](int, size_t i) {
    GpuShare& share = shares[i];
    try {
      GpuSearch search{s, in, opt, ctx, s, share.r, share.feasible};
      search.SearchGpu(gpus[i]);
    } catch (...) {
      share.error = std::current_exception();
    }
  });
  pool.Run(gpus.size());
  for (GpuShare& share : shares) {
    if (share.error) std::rethrow_exception(share.error);
    r.candidates += share.r.candidates;
    r.estimates += share.r.estimates;
    r.bounded += share.r.bounded;
    r.layouts_evaluated += share.r.layouts_evaluated;
    for (auto& e : share.r.excluded) r.excluded.push_back(std::move(e));
    for (auto& p : share.feasible) feasible.push_back(std::move(p));
  }
}

}  // namespace

double ObjectiveValue(workload::Objective o, const estimate::EstimateResult& e, const JobCost& c) {
  switch (o) {
    case workload::Objective::kTime:
      return e.training.time_s / kSecondsPerHour;
    case workload::Objective::kCost:
      return c.total_usd;
    case workload::Objective::kValue:
      return c.usd_per_million_tokens;
    case workload::Objective::kEnergy:
      return e.training.energy_kwh;
  }
  return 0;
}

RankKey RankKeyOf(const Pick& p) {
  return {HasBlocker(p.compatibility), estimate::FitClass(p.estimate.memory.fit),
          p.ranked_objective, p.estimate.training.time_s};
}

estimate::EstimateResult AtSlowEnd(const estimate::EstimateResult& e) {
  estimate::EstimateResult slow = e;
  const auto& t = e.throughput;
  if (!(t.low_tokens_per_s_per_gpu > 0) || !(t.tokens_per_s_per_gpu > 0)) return slow;
  const double f = std::max(1.0, t.tokens_per_s_per_gpu / t.low_tokens_per_s_per_gpu);
  slow.throughput.tokens_per_s /= f;
  slow.throughput.tokens_per_s_per_gpu /= f;
  slow.throughput.step_time_s *= f;
  slow.training.time_s *= f;
  slow.training.gpu_hours *= f;
  slow.training.energy_kwh *= f;
  slow.cost.electricity_usd *= f;
  slow.cost.rent_usd *= f;
  return slow;
}

std::string ObjectiveUnit(workload::Objective o) {
  switch (o) {
    case workload::Objective::kTime:
      return "hours";
    case workload::Objective::kCost:
      return "usd";
    case workload::Objective::kValue:
      return "usd_per_million_tokens";
    case workload::Objective::kEnergy:
      return "kwh";
  }
  return "";
}

std::string ChooseParallelism(workload::Scenario& s, const estimate::Context& ctx) {
  if (s.parallelism.specified || s.hardware.TotalGpus() <= 1) return "";
  s.parallelism = workload::Parallelism{};
  const auto ddp = estimate::EstimateMemory(s, ctx);
  const std::string n = std::to_string(s.hardware.TotalGpus()) + " GPUs";
  if (ddp.fit == estimate::Fit::kFits)
    return n + ": data parallel (DDP), each GPU holds a full copy (" + text::Gb(ddp.per_gpu_bytes) +
           " per GPU)";
  s.parallelism.zero = 3;
  const auto z3 = estimate::EstimateMemory(s, ctx);
  if (estimate::FitClass(z3.fit) < estimate::FitClass(ddp.fit) ||
      (estimate::FitClass(z3.fit) == estimate::FitClass(ddp.fit) &&
       z3.per_gpu_bytes < ddp.per_gpu_bytes))
    return n + ": ZeRO-3 / FSDP FULL_SHARD, because replicated states need " +
           text::Gb(ddp.per_gpu_bytes) + " per GPU (sharded: " + text::Gb(z3.per_gpu_bytes) + ")";
  s.parallelism.zero = 0;
  return n + ": data parallel (DDP)";
}

// Where the planner finds none, the data-parallel choice, whose estimate then says what
// does not fit.
std::string PlanParallelism(workload::Scenario& w, int total, const estimate::Context& ctx,
                            void (*restack)(workload::Scenario&), bool* planned,
                            long long* evaluated) {
  if (w.parallelism.specified) return "";  // the scenario's layout stands
  if (total > 1) {
    plan::PlanOptions o;
    o.gpus = total;
    o.top_k = 1;
    o.threads = 1;
    o.space.restack = restack;
    try {
      const plan::PlanReport r = plan::Search(w, ctx, o);
      if (evaluated) *evaluated += static_cast<long long>(r.evaluated);
      if (!r.plans.empty()) {
        w = plan::BestPlanned(w, r);
        w.parallelism.specified = false;  // chosen here, not given by the scenario
        if (restack) restack(w);
        if (planned) *planned = true;
        return std::to_string(total) + " GPUs: " + plan::Label(r.plans.front().candidate) +
               " (the planner's best layout)";
      }
    } catch (const InputError&) {
      // no layout splits the batch on this count: the data-parallel estimate says why
    }
  }
  return ChooseParallelism(w, ctx);
}

void MarkParetoFront(std::vector<TradeoffPoint>& points) {
  std::sort(points.begin(), points.end(), [](const TradeoffPoint& a, const TradeoffPoint& b) {
    return a.time_s != b.time_s ? a.time_s < b.time_s : a.cost_usd < b.cost_usd;
  });
  double best_cost = std::numeric_limits<double>::infinity();
  for (auto& p : points) {
    p.on_front = p.cost_usd < best_cost;
    if (p.on_front) best_cost = p.cost_usd;
  }
}

RecommendResult Recommend(const workload::Scenario& s, const Inputs& in,
                          const RecommendOptions& opt) {
  RecommendResult r;
  r.objective = s.objective;
  std::vector<Pick> feasible;
  const estimate::Context ctx{in.efficiency, in.catalog};
  SearchGpus(s, in, opt, ctx, r, feasible);

  // System compatibility of each purchase (C7), before ranking: a GPU that will not work
  // in the user's machine until something is fixed (a blocker) ranks after those that do.
  for (auto& p : feasible) {
    if (p.acquisition.kind != AcquireKind::kBuy) {
      p.compatibility.applies = false;
      continue;
    }
    workload::Scenario w = s;
    w.hardware.gpu = *p.gpu;
    w.hardware.gpu_id = p.gpu->id;
    w.hardware.count = p.count;
    w.hardware.nodes = p.nodes;
    w.parallelism = p.parallelism;
    if (in.restack) in.restack(w);
    const HostPlatform* host = nullptr;
    if (in.platforms)
      for (const auto& h : in.platforms->hosts)
        if (h.id == p.cost.host) host = &h;
    p.compatibility = CheckCompatibility(w, p.estimate, &ctx, host);
  }
  // Rank: picks that work as they are first, clear fits before tight ones (C15), then
  // the objective, then time.
  std::stable_sort(feasible.begin(), feasible.end(),
                   [](const Pick& a, const Pick& b) { return RankKeyOf(a) < RankKeyOf(b); });
  for (const auto& p : feasible)
    r.points.push_back({p.gpu->id, p.count, p.nodes, p.acquisition.kind, p.acquisition.offer_id,
                        p.estimate.training.time_s, p.cost.total_usd, false});
  MarkParetoFront(r.points);

  // Top N, one per GPU and acquisition kind (the best offer / count of each).
  std::set<std::pair<std::string, AcquireKind>> seen;
  for (const auto& p : feasible) {
    if (static_cast<int>(r.picks.size()) >= opt.top_n) break;
    if (!seen.insert({p.gpu->id, p.acquisition.kind}).second) continue;
    r.picks.push_back(p);
  }
  const double best = r.picks.empty() ? 0 : r.picks.front().ranked_objective;
  for (size_t i = 0; i < r.picks.size(); ++i) {
    Pick& p = r.picks[i];
    p.rank = static_cast<int>(i) + 1;
    p.score = p.ranked_objective > 0 ? std::min(1.0, best / p.ranked_objective) : 1.0;
    ExplainPick(s, opt, p);
  }
  AddAdvice(s, opt, feasible, r);
#if GPUADV_CHECK_INVARIANTS
  if (const auto broken = CheckRanking(r); !broken.empty())
    throw std::logic_error("recommend: ranking invariant broken: " + broken.front());
#endif
  return r;
}

}  // namespace gpuadv::advise
