#include "gpuadv/advise/compare.h"

#include <algorithm>

#include "gpuadv/advise/cost.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/advise/text.h"

namespace gpuadv::advise {
namespace {

// The spec behind the bottleneck: tensor rate for compute-bound jobs (and what the board's
// power leaves of it), bandwidth for memory-bound ones, interconnect for communication-bound
// ones.
std::string DrivingSpec(const CompareEntry& e, estimate::Bottleneck b) {
  const catalog::GpuSpec& g = *e.gpu;
  switch (b) {
    case estimate::Bottleneck::kCompute:
      return text::Num(g.Peak16FlopsPerS() / 1e12, 1) + " TFLOP/s 16-bit tensor" +
             (e.power_limited_gemm_flops
                  ? " (power-limited: " + text::Num(*e.power_limited_gemm_flops / 1e12, 0) +
                        " sustained at " + text::Num(g.tdp_w.value_or(0)) + " W)"
                  : "");
    case estimate::Bottleneck::kMemory:
      return text::Num(g.memory_bw_gbs.value_or(0)) + " GB/s memory bandwidth";
    case estimate::Bottleneck::kCommunication:
      return (g.gpu_interconnect.empty() ? std::string("no") : g.gpu_interconnect) +
             " GPU interconnect";
    case estimate::Bottleneck::kBubble:
      return "pipeline schedule";
    case estimate::Bottleneck::kOffload:
      return "PCIe gen " + std::to_string(g.pcie_gen.value_or(0)) + " offload path";
  }
  return "";
}

// The scenario on one item's GPUs: at the item's count, planned unless the scenario gives
// a layout (the planner's layout named in the first reason).
CompareEntry Evaluate(const workload::Scenario& s, const CompareItem& item,
                      const estimate::Context& ctx, void (*restack)(workload::Scenario&)) {
  workload::Scenario w = s;
  w.hardware.gpu = *item.gpu;
  w.hardware.gpu_id = item.gpu->id;
  std::string layout;
  bool planned = false;
  if (item.count > 0) {
    w.hardware.count = item.count;
    w.hardware.nodes = 1;
    if (restack) restack(w);
    if (!s.parallelism.specified) {
      w.parallelism = workload::Parallelism{};
      if (item.count > 1) layout = PlanParallelism(w, item.count, ctx, restack, &planned);
    }
  }
  CompareEntry e;
  e.gpu = item.gpu;
  e.count = w.hardware.TotalGpus();
  e.label = item.count > 0 ? std::to_string(item.count) + "x " + item.gpu->id : item.gpu->id;
  e.estimate = estimate::Estimate(w, ctx);
  const estimate::SustainedGemm gemm =
      estimate::SustainedGemmRate(*item.gpu, ctx.efficiency->For(item.gpu->architecture));
  if (gemm.power_scale < 1) e.power_limited_gemm_flops = gemm.flops_per_s;
  if (planned) e.estimate.layout_source = "planner";
  if (!layout.empty()) e.reasons.push_back(layout);
  return e;
}

// Winner order: best fit class, then shortest time.
bool Better(const CompareEntry& a, const CompareEntry& b) {
  const int fa = estimate::FitClass(a.estimate.memory.fit),
            fb = estimate::FitClass(b.estimate.memory.fit);
  if (fa != fb) return fa < fb;
  return a.estimate.training.time_s < b.estimate.training.time_s;
}

// The entries every other one is measured against.
struct Leaders {
  const CompareEntry* best = nullptr;      // Better's minimum
  const CompareEntry* fastest = nullptr;   // shortest time among those that fit
  const CompareEntry* cheapest = nullptr;  // lowest purchase price among those that fit
};

Leaders FindLeaders(const std::vector<CompareEntry>& entries) {
  Leaders l;
  l.best = &*std::min_element(entries.begin(), entries.end(), Better);
  for (const auto& e : entries) {
    if (e.estimate.memory.fit == estimate::Fit::kDoesNotFit) continue;
    if (!l.fastest || e.estimate.training.time_s < l.fastest->estimate.training.time_s)
      l.fastest = &e;
    const auto p = UnitPriceUsd(*e.gpu);
    if (p && (!l.cheapest || *p * e.count < *UnitPriceUsd(*l.cheapest->gpu) * l.cheapest->count))
      l.cheapest = &e;
  }
  return l;
}

// Fit, speed and the time relative to the fastest.
void FitAndSpeedReasons(CompareEntry& e, const Leaders& l) {
  const auto& m = e.estimate.memory;
  const auto& t = e.estimate.throughput;
  if (m.fit == estimate::Fit::kDoesNotFit) {
    e.reasons.push_back("does not fit: needs " + text::Gb(m.per_gpu_bytes) + " per GPU, has " +
                        text::GbLabel(e.gpu->memory_gb));
    return;
  }
  e.reasons.push_back(
      std::string(m.fit == estimate::Fit::kTight ? "tight (OOM risk): " : "fits: ") +
      text::Gb(m.per_gpu_bytes) + " of " + text::GbLabel(e.gpu->memory_gb) + " (" +
      text::Pct(1 - m.per_gpu_bytes / std::max(1.0, m.capacity_bytes)) + " headroom)");
  e.reasons.push_back(text::Num(t.tokens_per_s) + " tokens/s, " +
                      std::string(EnumName(estimate::kBottlenecks, t.bottleneck)) +
                      "-bound: " + DrivingSpec(e, t.bottleneck) + "; " +
                      text::Time(e.estimate.training.time_s) + " for the job");
  if (l.fastest && &e != l.fastest && l.fastest->estimate.training.time_s > 0)
    e.reasons.push_back(
        text::Num(e.estimate.training.time_s / l.fastest->estimate.training.time_s, 2) +
        "x the time of " + l.fastest->label);
}

// The purchase price and tokens/s per $1,000 where the GPU fits.
void PriceReason(CompareEntry& e, const Leaders& l, size_t entries) {
  const auto unit = UnitPriceUsd(*e.gpu);
  if (!unit) return;
  const double p = *unit * e.count;
  std::string price = text::Usd(p) + (e.gpu->street_price_usd ? " street" : " MSRP");
  if (e.count > 1) price += " for " + std::to_string(e.count);
  const double tokens_per_s = e.estimate.throughput.tokens_per_s;
  if (e.estimate.memory.fit != estimate::Fit::kDoesNotFit && tokens_per_s > 0)
    price += ", " + text::Num(tokens_per_s / p * 1000, 0) + " tokens/s per $1,000";
  if (l.cheapest == &e && entries > 1) price += " (cheapest that fits)";
  e.reasons.push_back(price);
}

void Explain(CompareEntry& e, const Leaders& l, size_t entries) {
  const CompareEntry& best = *l.best;
  const auto fit = e.estimate.memory.fit, best_fit = best.estimate.memory.fit;
  e.verdict = &e == &best ? (best_fit == estimate::Fit::kDoesNotFit ? "closest" : "wins") : "loses";
  if (&e != &best && !Better(best, e) && !Better(e, best)) e.verdict = "ties";
  FitAndSpeedReasons(e, l);
  // Memory beats everything else: a GPU that fits wins over one that does not, whatever
  // its speed; say so to the faster card that loses on memory.
  if (estimate::FitClass(fit) > estimate::FitClass(best_fit))
    e.reasons.push_back(
        best.label + (best_fit == estimate::Fit::kFits ? " fits with margin" : " fits") +
        " in its " + text::GbLabel(best.gpu->memory_gb) + ": memory decides before speed");
  PriceReason(e, l, entries);
}

// One line: the winner and the deciding factor.
std::string Summary(const std::vector<CompareEntry>& entries, const CompareEntry& best) {
  const auto best_fit = best.estimate.memory.fit;
  if (best_fit == estimate::Fit::kDoesNotFit)
    return "none fits this job; " + best.label + " comes closest";
  bool others_fail = false, others_tight = false;
  for (const auto& e : entries) {
    if (&e == &best) continue;
    others_fail |= e.estimate.memory.fit == estimate::Fit::kDoesNotFit;
    others_tight |= estimate::FitClass(e.estimate.memory.fit) > estimate::FitClass(best_fit) &&
                    e.estimate.memory.fit == estimate::Fit::kTight;
  }
  return best.label + " wins" +
         (others_fail    ? ": it fits where others do not"
          : others_tight ? ": it fits with margin where others are tight (OOM risk)"
                         : ": fastest for this job");
}

}  // namespace

CompareResult Compare(const workload::Scenario& s, const std::vector<CompareItem>& items,
                      const estimate::Context& ctx, void (*restack)(workload::Scenario&)) {
  CompareResult r;
  for (const auto& item : items) r.entries.push_back(Evaluate(s, item, ctx, restack));
  if (r.entries.empty()) return r;
  const Leaders leaders = FindLeaders(r.entries);
  for (auto& e : r.entries) Explain(e, leaders, r.entries.size());
  r.summary = Summary(r.entries, *leaders.best);
  return r;
}

}  // namespace gpuadv::advise
